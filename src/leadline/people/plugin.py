"""The people pillar's one registration point (pluggy hooks, as third-party plugins use)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from leadline.plugins import hookimpl

if TYPE_CHECKING:
    import typer


@hookimpl
def leadline_sources() -> Iterable[Any]:
    """Modules declaring the pillar's ingest sources."""
    from leadline.people import ingest, skills

    return [ingest, skills]


@hookimpl
def leadline_fact_tables() -> Iterable[Any]:
    """Modules declaring the pillar's lake tables."""
    from leadline.people import schemas

    return [schemas]


@hookimpl
def leadline_store_models() -> Iterable[Any]:
    """Modules declaring the pillar's store models."""
    from leadline.people import models

    return [models]


@hookimpl
def leadline_cli(app: typer.Typer) -> None:
    """The pillar's commands."""
    from leadline.people.cli import devex_command, paved_road_command, skills_command

    app.command("devex")(devex_command)
    app.command("paved-road")(paved_road_command)
    app.command("skills")(skills_command)


@hookimpl
def leadline_api_routers() -> Iterable[Any]:
    """The pillar's REST API routes."""
    from leadline.people.api import router

    return [router]


@hookimpl
def leadline_metrics() -> Iterable[Any]:
    from leadline.people.measures import METRICS

    return METRICS
