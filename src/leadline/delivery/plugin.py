"""The delivery pillar's one registration point (pluggy hooks, as third-party plugins use)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from leadline.plugins import hookimpl

if TYPE_CHECKING:
    import typer


@hookimpl
def leadline_sources() -> Iterable[Any]:
    """Modules declaring the pillar's ingest sources."""
    from leadline.delivery import (
        git,
        github,
        github_api,
        gitlab,
        ingest,
        jira,
        linear,
        opsgenie,
        pagerduty,
    )

    return [ingest, github, github_api, gitlab, pagerduty, git, jira, linear, opsgenie]


@hookimpl
def leadline_fact_tables() -> Iterable[Any]:
    """Modules declaring the pillar's lake tables."""
    from leadline.delivery import pr_tables, schemas, tickets

    return [schemas, tickets, pr_tables]


@hookimpl
def leadline_cli(app: typer.Typer) -> None:
    """The pillar's commands."""
    from leadline.delivery.cycle_cli import dora_app

    app.add_typer(dora_app, name="dora")  # ``leadline dora`` and ``leadline dora cycle-time``


@hookimpl
def leadline_api_routers() -> Iterable[Any]:
    """The pillar's REST API routes."""
    from leadline.delivery.api import router
    from leadline.delivery.cycle_api import router as cycle_router

    return [router, cycle_router]


@hookimpl
def leadline_metrics() -> Iterable[Any]:
    from leadline.delivery.cycle_measures import CYCLE_METRICS
    from leadline.delivery.measures import METRICS
    from leadline.delivery.rework import METRICS as REWORK_METRICS

    return [*METRICS, *REWORK_METRICS, *CYCLE_METRICS]


@hookimpl
def leadline_pending_normalisers() -> Iterable[Any]:
    """Webhook deliveries (GitHub, GitLab, PagerDuty) stored pending become facts."""
    from leadline.delivery.pending import normalise_pending

    return [normalise_pending]


@hookimpl
def leadline_pages() -> Iterable[Any]:
    from leadline.delivery.cycle_views import cycle_page
    from leadline.delivery.views import delivery
    from leadline.webkit.registry import PageSpec

    return [
        PageSpec("/delivery", "Delivery", delivery, order=30),
        PageSpec("/delivery/cycle-time", "Cycle time", cycle_page, order=31),
    ]
