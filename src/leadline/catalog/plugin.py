"""The catalog pillar's one registration point (pluggy hooks, as third-party plugins use)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from leadline.plugins import hookimpl

if TYPE_CHECKING:
    import typer


@hookimpl
def leadline_sources() -> Iterable[Any]:
    """Modules declaring the pillar's ingest sources."""
    from leadline.catalog import ingest

    return [ingest]


@hookimpl
def leadline_store_models() -> Iterable[Any]:
    """Modules declaring the pillar's store models."""
    from leadline.catalog import models

    return [models]


@hookimpl
def leadline_cli(app: typer.Typer) -> None:
    """The pillar's commands."""
    from leadline.catalog.cli import catalog_app

    app.add_typer(catalog_app, name="catalog")


@hookimpl
def leadline_api_routers() -> Iterable[Any]:
    """The pillar's REST API routes."""
    from leadline.catalog.api import router

    return [router]


@hookimpl
def leadline_pages() -> Iterable[Any]:
    from leadline.catalog.views import catalog
    from leadline.webkit.registry import PageSpec

    return [PageSpec("/catalog", "Catalog", catalog, order=20)]
