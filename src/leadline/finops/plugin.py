"""The finops pillar's one registration point (pluggy hooks, as third-party plugins use)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from leadline.plugins import hookimpl

if TYPE_CHECKING:
    import typer


@hookimpl
def leadline_sources() -> Iterable[Any]:
    """Modules declaring the pillar's ingest sources."""
    from leadline.finops import budgets, ingest, ledger, rules_source, vendor_sources

    return [ingest, rules_source, ledger, budgets, vendor_sources]


@hookimpl
def leadline_fact_tables() -> Iterable[Any]:
    """Modules declaring the pillar's lake tables."""
    from leadline.finops import schemas

    return [schemas]


@hookimpl
def leadline_store_models() -> Iterable[Any]:
    """Modules declaring the pillar's store models."""
    from leadline.finops import models, vendor_models

    return [models, vendor_models]


@hookimpl
def leadline_cli(app: typer.Typer) -> None:
    """The pillar's commands."""
    import leadline.finops.cli_commitments  # (its command joins finops_app)
    import leadline.finops.cli_more  # noqa: F401  (its commands join finops_app)
    from leadline.finops.cli import finops_app

    app.add_typer(finops_app, name="finops")


@hookimpl
def leadline_api_routers() -> Iterable[Any]:
    """The pillar's REST API routes."""
    from leadline.finops.api import router
    from leadline.finops.api_commitments import router as commitments

    return [router, commitments]


@hookimpl
def leadline_metrics() -> Iterable[Any]:
    from leadline.finops.commitment_metrics import METRICS as COMMITMENTS
    from leadline.finops.measures import METRICS

    return (*METRICS, *COMMITMENTS)


@hookimpl
def leadline_pages() -> Iterable[Any]:
    from leadline.finops import pages
    from leadline.finops.commitment_page import with_commitments
    from leadline.finops.views import finops
    from leadline.webkit.registry import PageSpec

    return [
        PageSpec("/finops", "FinOps", with_commitments(finops), order=50),
        PageSpec("/finops/trend", "Cost trend", pages.trend, order=51, nav=False),
        PageSpec("/finops/budget", "Budgets", pages.budget, order=52, nav=False),
        PageSpec("/finops/anomalies", "Cost anomalies", pages.anomaly_page, order=53, nav=False),
        PageSpec("/finops/unit-cost", "Unit cost", pages.unit_cost_page, order=54, nav=False),
        PageSpec("/finops/vendors", "Vendors", pages.vendor_page, order=55, nav=False),
    ]
