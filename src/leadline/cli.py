"""The ``leadline`` command: the core's commands, then each plugin's (``leadline_cli``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperOption

from leadline import __version__, plugins
from leadline.audit.cli import audit
from leadline.context import App
from leadline.demo.cli import demo
from leadline.ingest.cli import batches, ingest_app, register_ingest_commands, rejects, templates
from leadline.lake.cli import lake_app
from leadline.output import console
from leadline.semantic.cli import metrics_app
from leadline.setup import init
from leadline.web.cli import serve, token_app, user_app

app = typer.Typer(
    name="leadline",
    help="leadline: run IT leadership on real data.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    # Markdown joins a docstring's wrapped lines into one paragraph that Rich re-wraps to the
    # terminal (Rich mode keeps each source line break, cutting descriptions mid-sentence);
    # ``code`` shows as code. Every sub-command inherits the mode.
    rich_markup_mode="markdown",
)
_typer_type = TyperOption.display_type_rich


def _flag_type(self: TyperOption, ctx: Any) -> str | None:
    """A flag takes no value, so its help shows no type (Typer shows ``<bool>``)."""
    if self.is_flag and self.metavar is None:
        return None
    return _typer_type(self, ctx)


TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign]


def _version(value: bool) -> None:
    if value:
        console.print(f"leadline {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home", envvar="LEADLINE_HOME", help="Data directory (default ./leadline-data)."
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = App.from_options(home=home)
    ctx.call_on_close(ctx.obj.close)


app.command()(init)
app.command()(demo)
app.add_typer(ingest_app, name="ingest")
app.command()(batches)
app.command()(rejects)
app.command()(templates)
app.add_typer(lake_app, name="lake")
app.add_typer(metrics_app, name="metrics")
app.command()(audit)
plugins.call_in_order(plugins.manager().hook.leadline_cli, app=app)
app.command()(serve)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
register_ingest_commands()


def main() -> None:
    app()
