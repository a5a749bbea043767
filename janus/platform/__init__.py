"""Platform services competitors may call: inference, sandbox, search.

Competitors never hold provider keys and have no other egress: each client request comes
with a short-lived platform token, and everything spent under it is metered.
"""
