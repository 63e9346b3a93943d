"""The risk pillar's one registration point (pluggy hooks, as third-party plugins use)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from leadline.plugins import hookimpl

if TYPE_CHECKING:
    import typer


@hookimpl
def leadline_sources() -> Iterable[Any]:
    """Modules declaring the pillar's ingest sources."""
    from leadline.risk import ai, assessments, controls, ingest

    return [ingest, assessments, controls, ai]


@hookimpl
def leadline_store_models() -> Iterable[Any]:
    """Modules declaring the pillar's store models."""
    from leadline.risk import models

    return [models]


@hookimpl
def leadline_cli(app: typer.Typer) -> None:
    """The pillar's commands."""
    from leadline.risk.cli import risk_app

    app.add_typer(risk_app, name="risk")


@hookimpl
def leadline_api_routers() -> Iterable[Any]:
    """The pillar's REST API routes."""
    from leadline.risk.api import router

    return [router]


@hookimpl
def leadline_metrics() -> Iterable[Any]:
    from leadline.risk.measures import METRICS

    return METRICS


@hookimpl
def leadline_pages() -> Iterable[Any]:
    from leadline.risk.views import risk, router
    from leadline.webkit.registry import PageSpec

    return [PageSpec("/risk", "Risk", risk, order=60), router]
