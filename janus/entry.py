"""The ``janus`` command's entry point: refuse clearly when ``janus`` is not this project.

Kept apart from ``janus.cli`` because that module imports the package's own names at once:
when another project's ``janus/__init__.py`` has replaced ours, the user gets one line
saying so and how to repair, instead of an ``ImportError`` traceback.
"""

from __future__ import annotations

import sys

from janus.provenance import foreign_package_problem


def main(argv: list[str] | None = None) -> None:
    if problem := foreign_package_problem():
        print(f"Error: {problem}", file=sys.stderr)
        sys.exit(2)
    from janus.cli import main as cli_main

    cli_main(argv)
