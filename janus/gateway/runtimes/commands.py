"""``janus competitor load FILE --id ID``: load an image archive for a competitor.

The archive (``docker-archive`` from ``docker save``/``podman save``, or ``oci-archive``)
goes into this machine's Podman and is tagged ``localhost/janus-competitors/<id>:latest``,
the reference to submit as the competitor's ``image``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
from pydantic import ValidationError

from janus.cli import CLIError
from janus.gateway.runtimes.podman import PodmanError
from janus.hookspecs import hookimpl


@click.group()
def competitor() -> None:
    """Manage competitor images."""


@competitor.command()
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "competitor_id", required=True, help="The competitor the image is for.")
@click.option("--podman", default="podman", show_default=True, help="The podman binary.")
def load(archive: Path, competitor_id: str, podman: str) -> None:
    """Load ARCHIVE (docker-archive or oci-archive) and tag it for competitor ID."""
    from janus.gateway.runtimes.wiring import COMPETITOR_ID, load_and_tag

    try:
        COMPETITOR_ID.validate_python(competitor_id)
    except ValidationError:
        raise CLIError(
            f"invalid competitor id {competitor_id!r}: letters, digits, '.', '_' or '-'"
        ) from None
    if not archive.is_file():
        raise CLIError(f"{archive}: no such file")
    try:
        tag = asyncio.run(load_and_tag(str(archive), competitor_id, podman))
    except PodmanError as exc:
        raise CLIError(str(exc)) from None
    click.echo(tag)


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(competitor)
