"""``python -m janus_bench`` is ``janus-bench``."""

from janus_bench.cli import main

main()
