"""A Janus guardrail that redacts personal data (e-mail, phone, card, IBAN).

The plugin module registered through the ``janus`` entry point is
``janus_guardrail_pii.plugin``; the detection logic is in ``detect`` and the guardrail in
``guardrail`` so each can be read (and copied) on its own.
"""

__version__ = "0.1.0"
