"""The maturity pillar's one registration point (pluggy hooks, as third-party plugins use)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from leadline.plugins import hookimpl

if TYPE_CHECKING:
    import typer


@hookimpl
def leadline_sources() -> Iterable[Any]:
    """Modules declaring the pillar's ingest sources."""
    from leadline.maturity import ingest

    return [ingest]


@hookimpl
def leadline_store_models() -> Iterable[Any]:
    """Modules declaring the pillar's store models."""
    from leadline.maturity import models

    return [models]


@hookimpl
def leadline_cli(app: typer.Typer) -> None:
    """The pillar's commands."""
    from leadline.maturity.cli import maturity_command

    app.command("maturity")(maturity_command)


@hookimpl
def leadline_pages() -> Iterable[Any]:
    """The Maturity page (``/maturity``), after Strategy in the nav."""
    from leadline.maturity.views import maturity_page
    from leadline.webkit.registry import PageSpec

    return [PageSpec("/maturity", "Maturity", maturity_page, order=75)]
