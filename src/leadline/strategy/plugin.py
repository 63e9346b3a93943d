"""The strategy pillar's one registration point (pluggy hooks, as third-party plugins use)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from leadline.plugins import hookimpl

if TYPE_CHECKING:
    import typer


@hookimpl
def leadline_sources() -> Iterable[Any]:
    """Modules declaring the pillar's ingest sources."""
    from leadline.strategy import change, ingest, portfolio_ingest

    return [ingest, change, portfolio_ingest]


@hookimpl
def leadline_store_models() -> Iterable[Any]:
    """Modules declaring the pillar's store models."""
    from leadline.strategy import change_models, models, portfolio_models

    return [models, change_models, portfolio_models]


@hookimpl
def leadline_cli(app: typer.Typer) -> None:
    """The pillar's commands."""
    from leadline.strategy.change_cli import change_app
    from leadline.strategy.cli import okr_app
    from leadline.strategy.plan_cli import plan_app
    from leadline.strategy.portfolio_cli import strategy_app

    app.add_typer(okr_app, name="okr")
    app.add_typer(strategy_app, name="strategy")
    app.add_typer(plan_app, name="plan")
    app.add_typer(change_app, name="change")


@hookimpl
def leadline_api_routers() -> Iterable[Any]:
    """The pillar's REST API routes."""
    from leadline.strategy.api import router

    return [router]


@hookimpl
def leadline_pages() -> Iterable[Any]:
    from leadline.strategy.views import strategy
    from leadline.webkit.registry import PageSpec

    return [PageSpec("/strategy", "Strategy", strategy, order=70)]
