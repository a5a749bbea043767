"""``janus-bench`` (also ``janus bench``): run a suite, list suites, show and compare results.

Mistakes (unknown suite, missing private suite, bad file, unreachable sandbox) end with one
``Error:`` line and exit code 2, like every ``janus`` command.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import click

from janus.cli import CLIError
from janus.config import DEFAULT_WEIGHTS
from janus_bench import __version__
from janus_bench.catalog import PRIVATE_ENV, available_suites
from janus_bench.generated import GENERATED_SUITES
from janus_bench.progress import ProgressBar
from janus_bench.report import ResultError, compare, comparison_table, load_result, summary
from janus_bench.runner import RunError, RunOptions, run_benchmark
from janus_bench.sandbox import find_platform_key
from janus_bench.submit import SIGNING_KEY_ENV, SubmitError, submit_result

SUITES = ("public/dev", "public/train", "private/test", *GENERATED_SUITES)


@click.group()
@click.version_option(__version__, prog_name="janus-bench", message="%(prog)s %(version)s")
def bench() -> None:
    """The Janus benchmark: score an OpenAI-compatible target on a suite of tasks."""


def _weights(values: tuple[str, ...]) -> dict[str, float] | None:
    """The default weights with these overrides; a name beyond the defaults adds a
    registered scorer as a component (the run checks that one is registered)."""
    if not values:
        return None
    weights = dict(DEFAULT_WEIGHTS)
    for value in values:
        name, _, number = value.partition("=")
        try:
            weights[name] = float(number)
        except ValueError:
            raise CLIError(f"--weight {value}: expected COMPONENT=NUMBER") from None
    return weights


@bench.command()
@click.option("--target", required=True, metavar="URL", help="Gateway (OpenAI-compatible) URL.")
@click.option("--suite", type=click.Choice(SUITES), default="public/dev", show_default=True)
@click.option("--model", default="janus", show_default=True, help="Model id to ask for.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--task-seed",
    metavar="SECRET",
    help="A generated suite's secret seed, to repeat its items (default: a fresh one).",
)
@click.option(
    "--subset",
    type=click.FloatRange(0, 100, min_open=True),
    default=100.0,
    show_default=True,
    help="Percent of the tasks (drawn per type with the seed).",
)
@click.option("--concurrency", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--repeat", type=click.IntRange(1, 20), default=1, show_default=True)
@click.option(
    "--timeout",
    "task_timeout_s",
    type=click.FloatRange(0, min_open=True),
    default=120.0,
    show_default=True,
    help="Seconds per task.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Result JSON file (default: ./janus-bench-<run id>.json).",
)
@click.option(
    "--api-key", metavar="KEY", envvar="JANUS_BENCH_API_KEY", help="Client key for the target."
)
@click.option(
    "--platform-url", metavar="URL", help="Gateway whose sandbox grades code (default: the target)."
)
@click.option(
    "--platform-key",
    metavar="KEY",
    help="Admin key (default: $JANUS_ADMIN_KEY, else <data_dir>/admin.key).",
)
@click.option("--private-path", metavar="DIR", help=f"The private suite (or ${PRIVATE_ENV}).")
@click.option(
    "--judge-model",
    metavar="ID",
    help="Platform model that grades judge checks (default: they are skipped).",
)
@click.option(
    "--weight",
    "weights",
    multiple=True,
    metavar="COMPONENT=N",
    help="Override one weight (repeatable).",
)
@click.option(
    "--meter-verify-url",
    metavar="URL",
    help="Gateway that checks usage.janus_metered signatures (default: the target).",
)
@click.option("--submit", is_flag=True, help="POST the result to the target's competition.")
@click.option("--competitor", metavar="ID", help="Whose result --submit records.")
@click.option(
    "--signer",
    metavar="NAME",
    help="Sign the submitted result as this trusted signer (its key in --signing-key-env).",
)
@click.option(
    "--signing-key-env",
    metavar="VAR",
    default=SIGNING_KEY_ENV,
    show_default=True,
    help="Environment variable holding the signer's key.",
)
def run(
    output: Path | None,
    submit: bool,
    competitor: str | None,
    signer: str | None,
    signing_key_env: str,
    weights,
    **options,
) -> None:
    """Run a suite against --target and write the JSON result."""
    if submit and not competitor:
        raise CLIError("--submit needs --competitor ID")
    signing = None
    if signer:
        signing_key = os.environ.get(signing_key_env, "")
        if not signing_key:
            raise CLIError(f"--signer needs the signer's key in ${signing_key_env}")
        signing = (signer, signing_key.encode())
    run_options = RunOptions(**options, weights=_weights(weights))
    try:
        result = asyncio.run(run_benchmark(run_options, ProgressBar()))
    except RunError as exc:
        raise CLIError(str(exc)) from None
    path = output or Path(f"janus-bench-{result['run_id'][:12]}.json")
    try:
        path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise CLIError(f"{path}: cannot write the result: {exc.strerror}") from None
    click.echo(summary(result))
    click.echo(f"\nresult written to {path}")
    if submit:
        key = find_platform_key(run_options.platform_key)
        if not key:
            raise CLIError("--submit needs the admin key (--platform-key or $JANUS_ADMIN_KEY)")
        try:
            answer = asyncio.run(
                submit_result(run_options.target, key, result, competitor, signing)
            )
        except SubmitError as exc:
            raise CLIError(f"submitting failed (the result is in {path}): {exc}") from None
        click.echo(f"submitted for {competitor}: {json.dumps(answer)[:200]}")


@bench.command(name="list-suites")
@click.option("--private-path", metavar="DIR", help=f"The private suite (or ${PRIVATE_ENV}).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_suites(private_path: str | None, as_json: bool) -> None:
    """List the suites, their versions, hashes and task counts."""
    suites = available_suites(private_path)
    if as_json:
        click.echo(json.dumps(suites, indent=2))
        return
    for suite in suites:
        if not suite["available"]:
            click.echo(f"{suite['id']:<14} not available: {suite['reason']}")
            continue
        types = ", ".join(f"{k} {v}" for k, v in sorted(suite["types"].items()))
        click.echo(
            f"{suite['id']:<14} v{suite['version']}  {suite['tasks']} tasks  "
            f"{suite['hash']}\n{'':<14} {types}"
        )


@bench.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the components as JSON.")
def show(file: Path, as_json: bool) -> None:
    """Print the summary of a result file."""
    try:
        result = load_result(file)
    except ResultError as exc:
        raise CLIError(str(exc)) from None
    if as_json:
        keys = ("suite", "weights", "components", "composite", "ci")
        click.echo(json.dumps({k: result.get(k) for k in keys}, indent=2))
        return
    click.echo(summary(result))


@bench.command(name="compare")
@click.argument("before", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("after", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def compare_command(before: Path, after: Path, as_json: bool) -> None:
    """Per-component deltas AFTER - BEFORE with 95% bootstrap intervals."""
    try:
        comparison = compare(load_result(before), load_result(after))
    except ResultError as exc:
        raise CLIError(str(exc)) from None
    click.echo(json.dumps(comparison, indent=2) if as_json else comparison_table(comparison))


def main() -> None:
    bench.main(prog_name="janus-bench")
