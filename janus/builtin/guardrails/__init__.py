"""Built-in guardrails, each an ordinary plugin module registered like third-party ones."""
