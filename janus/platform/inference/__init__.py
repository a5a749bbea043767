"""Platform inference: OpenAI-compatible chat completions, metered per competitor."""
