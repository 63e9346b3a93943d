"""The reliability pillar's one registration point (pluggy hooks, as third-party plugins use)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from leadline.plugins import hookimpl

if TYPE_CHECKING:
    import typer


@hookimpl
def leadline_sources() -> Iterable[Any]:
    """Modules declaring the pillar's ingest sources."""
    from leadline.reliability import agreements, ingest, openslo, prometheus, service_levels, sloth

    return [ingest, service_levels, agreements, openslo, sloth, prometheus]


@hookimpl
def leadline_fact_tables() -> Iterable[Any]:
    """Modules declaring the pillar's lake tables."""
    from leadline.reliability import schemas, service_levels

    return [schemas, service_levels]


@hookimpl
def leadline_store_models() -> Iterable[Any]:
    """Modules declaring the pillar's store models."""
    from leadline.reliability import agreement_models, gate_models, models

    return [models, agreement_models, gate_models]


@hookimpl
def leadline_cli(app: typer.Typer) -> None:
    """The pillar's commands."""
    from leadline.reliability.cli import slo_app
    from leadline.reliability.sla_report import sla_app
    from leadline.reliability.xla import xla_app

    app.add_typer(slo_app, name="slo")
    app.add_typer(sla_app, name="sla")
    app.add_typer(xla_app, name="xla")


@hookimpl
def leadline_api_routers() -> Iterable[Any]:
    """The pillar's REST API routes."""
    from leadline.reliability.api import router
    from leadline.reliability.gate_api import router as gate_router

    return [router, gate_router]


@hookimpl
def leadline_metrics() -> Iterable[Any]:
    from leadline.reliability.measures import METRICS

    return METRICS


@hookimpl
def leadline_pages() -> Iterable[Any]:
    from leadline.reliability.views import reliability
    from leadline.webkit.registry import PageSpec

    return [PageSpec("/reliability", "Reliability", reliability, order=40)]
