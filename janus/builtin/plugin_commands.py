"""``janus plugin new guardrail NAME``: scaffold an installable guardrail package.

A plugin author's first hour should go into their rule, not into packaging: the scaffold
is a complete distribution (entry point, settings model, README) with a test that passes
as generated, so every later change starts from green.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from janus.builtin import guardrail_template
from janus.cli import CLIError
from janus.hookspecs import hookimpl

NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")


@click.group()
def plugin() -> None:
    """Write your own plugins."""


@plugin.group()
def new() -> None:
    """Scaffold a new plugin package."""


@new.command()
@click.argument("name")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to create the package's folder.",
)
def guardrail(name: str, directory: Path) -> None:
    """Create janus-guardrail-NAME/, a package with a working guardrail NAME and a test."""
    if not NAME.fullmatch(name):
        raise CLIError(
            f"invalid guardrail name {name!r}: use lower-case letters, digits, '-' or '_', "
            "starting with a letter"
        )
    slug = name.replace("_", "-")
    values = {
        "name": name,
        "dist": f"janus-guardrail-{slug}",
        "package": f"janus_guardrail_{slug.replace('-', '_')}",
        "cls": "".join(part.capitalize() for part in re.split("[-_]", name)) + "Guardrail",
    }
    root = directory / values["dist"]
    if root.exists():
        raise CLIError(f"{root} already exists; choose another name or --directory")
    for path, template in guardrail_template.FILES.items():
        target = root / path.format(**values)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(template.format(**values))
    click.echo(f"Created {root}: install it with `pip install -e {root}`, test it with pytest.")


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(plugin)
