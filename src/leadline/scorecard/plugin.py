"""The scorecard pillar's one registration point (pluggy hooks, as third-party plugins use)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from leadline.plugins import hookimpl

if TYPE_CHECKING:
    import typer


@hookimpl
def leadline_sources() -> Iterable[Any]:
    """Modules declaring the pillar's ingest sources."""
    from leadline.scorecard import ingest

    return [ingest]


@hookimpl
def leadline_store_models() -> Iterable[Any]:
    """Modules declaring the pillar's store models."""
    from leadline.scorecard import models

    return [models]


@hookimpl
def leadline_cli(app: typer.Typer) -> None:
    """The pillar's commands."""
    from leadline.scorecard.cli import report_app, scorecard_command

    app.command("scorecard")(scorecard_command)
    app.add_typer(report_app, name="report")


@hookimpl
def leadline_api_routers() -> Iterable[Any]:
    """The pillar's REST API routes."""
    from leadline.scorecard.api import router

    return [router]


@hookimpl
def leadline_pages() -> Iterable[Any]:
    from leadline.scorecard.qbr_index import qbr_index
    from leadline.scorecard.views import home
    from leadline.webkit.registry import PageSpec

    return [
        PageSpec("/", "Scorecard", home, order=10),
        PageSpec("/qbr", "QBR", qbr_index, order=90),
    ]
