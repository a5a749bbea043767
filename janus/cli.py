"""The ``janus`` command line: ``run``, ``serve``, ``plugins`` and whatever plugins add.

User mistakes (bad config, unknown plugin, port in use) end with one line on stderr and
exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys

import click

from janus import __version__
from janus.config import ConfigError, resolve_config
from janus.plugins import PluginError, PluginManager, load_plugins
from janus.provenance import shared_package_warning


class CLIError(click.ClickException):
    exit_code = 2


@click.group()
@click.version_option(__version__, prog_name="janus")
def cli() -> None:
    """Janus: an open, competitive, OpenAI-compatible intelligence API."""


@cli.command()
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    help="janus.toml to use (default: $JANUS_CONFIG, ./janus.toml, embedded default).",
)
@click.option("--host", help="Override gateway.host.")
@click.option("--port", type=click.IntRange(0, 65535), help="Override gateway.port.")
@click.pass_obj
def run(plugins: PluginManager, config_path: str | None, host: str | None, port: int | None):
    """Start the gateway."""
    from janus.gateway.app import create_app
    from janus.server import raise_open_file_limit, serve_until_stopped
    from janus.server import run as run_loop

    try:
        config, source = resolve_config(config_path)
    except ConfigError as exc:
        raise CLIError(str(exc)) from None
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    if overrides:
        config = config.model_copy(update={"gateway": config.gateway.model_copy(update=overrides)})
    _configure_logging()
    if warning := shared_package_warning():
        logging.getLogger("janus").warning(warning)
    try:
        app = create_app(config, plugins)
    except (PluginError, ConfigError) as exc:
        raise CLIError(f"{source}: {exc}") from None
    raise_open_file_limit()
    competitors = ", ".join(c.id for c in config.competitors) or "none"

    def ready(url: str) -> None:
        logging.getLogger("janus").info(
            "janus %s listening on %s (config: %s; router: %s; competitors: %s; default: %s; "
            "guardrails: %s)",
            __version__,
            url,
            source,
            config.routing.router,
            competitors,
            config.routing.default or "none",
            ", ".join(config.guardrails.enabled) or "none",
        )

    where = {
        "host": config.gateway.host,
        "port": config.gateway.port,
        "shutdown_timeout": config.gateway.shutdown_grace_s,
    }
    _serve(run_loop, serve_until_stopped(app, ready, **where), where)


@cli.command()
@click.argument("name")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--unix-socket", metavar="PATH", help="Listen on a unix socket instead.")
@click.pass_obj
def serve(plugins: PluginManager, name: str, host: str, port: int, unix_socket: str | None):
    """Run the competitor plugin NAME standalone (the competitor contract on one port)."""
    from janus.server import run as run_loop
    from janus.server import serve_until_stopped

    factories = plugins.collect("register_competitors")
    if name not in factories:
        known = ", ".join(sorted(factories)) or "none installed"
        raise CLIError(f"no competitor plugin named '{name}' (available: {known})")
    _configure_logging()
    app = factories[name]()

    def ready(url: str) -> None:
        logging.getLogger("janus").info("competitor %s listening on %s", name, url)

    where = {"unix_socket": unix_socket} if unix_socket else {"host": host, "port": port}
    _serve(run_loop, serve_until_stopped(app, ready, **where), where)


@cli.command(name="plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_obj
def list_plugins(plugins: PluginManager, as_json: bool) -> None:
    """List loaded plugins with their version and the hooks they implement."""
    if warning := shared_package_warning():
        click.echo(f"Warning: {warning}", err=True)
    infos = plugins.describe()
    if as_json:
        rows = [
            {"name": i.name, "version": i.version, "hooks": list(i.hooks), "builtin": i.builtin}
            for i in infos
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(i.name) for i in infos)
    for info in infos:
        kind = "built-in" if info.builtin else "installed"
        click.echo(f"{info.name:<{width}}  {info.version:<10} {kind:<9}  {', '.join(info.hooks)}")


def _serve(run_loop, coroutine, where: dict) -> None:
    try:
        run_loop(coroutine)
    except (PluginError, ConfigError) as exc:  # a data_dir in use is a ConfigError too
        raise CLIError(str(exc)) from None
    except OSError as exc:
        place = where.get("unix_socket") or f"{where.get('host')}:{where.get('port')}"
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        raise CLIError(f"cannot listen on {place}: {reason}") from None


def _configure_logging() -> None:
    """Human lines for events, bare JSON lines for the access log."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    access = logging.getLogger("janus.access")
    access_handler = logging.StreamHandler(sys.stderr)
    access_handler.setFormatter(logging.Formatter("%(message)s"))
    access.handlers = [access_handler]
    access.propagate = False


def main(argv: list[str] | None = None) -> None:
    try:
        plugins = load_plugins()
        plugins.call("register_commands", cli=cli)
    except PluginError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    cli.main(args=argv, prog_name="janus", obj=plugins)
