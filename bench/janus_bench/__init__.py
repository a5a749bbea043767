"""janus-bench: the benchmark that scores Janus gateways and their competitors."""

__version__ = "0.1.0"
