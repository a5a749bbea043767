"""``python3 -m janus_agent`` inside a sandbox (where the package is called that)."""

from .cli import main

main()
