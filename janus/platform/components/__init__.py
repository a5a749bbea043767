"""Marketplace components served on the platform: ``/platform/components/{id}/...``.

``api`` is the route that authenticates, dispatches and attributes each call; ``services``
is what a component's handler may use of the platform on the caller's account.
"""
