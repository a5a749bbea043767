"""``janus validate URL``: check that a server keeps the competitor contract.

A miner runs it before submitting; the competition runs the same checks
(``janus.conformance``) before admitting a competitor. Exit 0 when every check passes,
1 when one fails, 2 when the input is unusable (not a server URL).
"""

from __future__ import annotations

import asyncio
import json
import os

import click

from janus.cli import CLIError
from janus.conformance import BadTarget, ConformanceReport, check_conformance
from janus.hookspecs import hookimpl


@click.command()
@click.argument("url")
@click.option(
    "--api-key",
    metavar="KEY",
    default=lambda: os.environ.get("JANUS_VALIDATE_API_KEY"),
    help="Bearer key for the server (default: $JANUS_VALIDATE_API_KEY).",
)
@click.option("--model", metavar="NAME", help="Model to ask for (default: the first listed).")
@click.option(
    "--health-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds to wait for GET /health to answer 200.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def validate(
    url: str, api_key: str | None, model: str | None, health_timeout: float, as_json: bool
) -> None:
    """Check the OpenAI-compatible server at URL against the competitor contract."""
    try:
        report = asyncio.run(
            check_conformance(url, api_key=api_key, model=model, health_timeout_s=health_timeout)
        )
    except BadTarget as exc:
        raise CLIError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        click.echo(render_table(report))
    raise SystemExit(0 if report.passed else 1)


def render_table(report: ConformanceReport) -> str:
    width = max(len(check.name) for check in report.checks)
    lines = [f"Conformance of {report.url}", ""]
    lines.append(f"{'CHECK':<{width}}  RESULT  SECONDS  DETAIL")
    for check in report.checks:
        result = "pass" if check.passed else "FAIL"
        lines.append(f"{check.name:<{width}}  {result:<6}  {check.seconds:>7.2f}  {check.detail}")
    passed = sum(check.passed for check in report.checks)
    verdict = "conforms" if report.passed else "does NOT conform"
    lines += ["", f"{passed}/{len(report.checks)} checks passed: the server {verdict}."]
    return "\n".join(lines)


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(validate)
