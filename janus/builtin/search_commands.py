"""``janus search index PATH``: load an operator's documents into the local search index.

The index is the one the gateway reads: ``[platform.search.local] index_path`` of the
configuration ``janus run`` would use, else ``<platform.data_dir>/search/local/``. Loading
is one transaction, so a bad line leaves the index as it was.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click

from janus.cli import CLIError
from janus.config import ConfigError, resolve_config, validate_settings
from janus.hookspecs import hookimpl
from janus.platform.app import backend_data_dir
from janus.platform.search import fts
from janus.platform.search.indexing import DocumentError, load_documents
from janus.platform.search.local import LocalSearchBackend, index_path


@click.group()
def search() -> None:
    """The platform's local search index."""


@search.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--index",
    "index_file",
    metavar="FILE",
    type=click.Path(path_type=Path),
    help="Index file to fill (default: the one the configured gateway reads).",
)
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    help="janus.toml to use (default: $JANUS_CONFIG, ./janus.toml, embedded default).",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="URL prefix for files, followed by their path under PATH "
    "(default: corpus://<PATH's name>/).",
)
@click.option("--replace", is_flag=True, help="Empty the index first.")
def index(
    path: Path,
    index_file: Path | None,
    config_path: str | None,
    base_url: str | None,
    replace: bool,
) -> None:
    """Index PATH: a .md, .markdown, .txt or .jsonl file, or a directory tree of them.

    JSON lines carry "url", "text" (or "content") and optionally "title". Documents are
    keyed by URL: indexing the same files again updates them rather than adding copies.
    """
    target = index_file or _configured_index(config_path)
    try:
        connection = fts.create(target)
    except fts.UnusableIndex as exc:
        raise CLIError(str(exc)) from None
    try:
        report = fts.add(connection, load_documents(path, base_url), replace=replace)
        total = fts.count(connection)
    except DocumentError as exc:
        raise CLIError(str(exc)) from None
    except sqlite3.Error as exc:
        raise CLIError(f"{target}: {exc}") from None
    finally:
        connection.close()
    replaced = f"; {report.removed} removed first" if replace else ""
    click.echo(
        f"Indexed {_documents(report.indexed)} into {target} ({report.added} new, "
        f"{report.updated} updated, {report.unchanged} unchanged{replaced}); "
        f"the index holds {_documents(total)}."
    )


def _documents(count: int) -> str:
    return f"{count} document" if count == 1 else f"{count} documents"


def _configured_index(config_path: str | None) -> Path:
    try:
        config, source = resolve_config(config_path)
    except ConfigError as exc:
        raise CLIError(str(exc)) from None
    try:
        settings = validate_settings(
            LocalSearchBackend.Settings,
            config.platform.search.settings_for("local"),
            "platform.search.local",
        )
    except ConfigError as exc:
        raise CLIError(f"{source}: {exc}") from None
    return index_path(settings, backend_data_dir(config, "search", "local"))


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(search)
