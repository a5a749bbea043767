"""janus-bench as a ``janus`` plugin: the composite's scorers, the task generators of the
generated suites, and ``janus bench ...``."""

from __future__ import annotations

from janus.hookspecs import hookimpl


@hookimpl
def register_scorers(register):
    from janus_bench.scorers import BUILTIN_SCORERS

    for scorer in BUILTIN_SCORERS:
        register(scorer.component, scorer)


@hookimpl
def register_task_generators(register):
    from janus_bench.generators import builtin_generators

    for name, generator in builtin_generators().items():
        register(name, generator)


@hookimpl
def register_commands(cli):
    from janus_bench.cli import bench

    cli.add_command(bench, "bench")
