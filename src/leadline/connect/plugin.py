"""The connectors' one registration point (pluggy hooks, as third-party plugins use)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from leadline.plugins import hookimpl

if TYPE_CHECKING:
    import typer


@hookimpl
def leadline_connector_kinds() -> Iterable[Any]:
    """The built-in kinds (GitHub, GitLab, PagerDuty, Opsgenie, Jira, FOCUS, Prometheus), by
    module name: imported when a connector command first asks."""
    from leadline.connect.kinds.base import builtin_kind_modules

    return builtin_kind_modules()


@hookimpl
def leadline_services(settings: Any, store: Any) -> Iterable[Any]:
    """The connections' schedule: each connection synced on its cron (``leadline serve``)."""
    from leadline.connect.schedule import Scheduler, sync_runner

    return [("connect", Scheduler(store, sync_runner(settings, store)))]


@hookimpl
def leadline_store_models() -> Iterable[Any]:
    """Connections, their runs and cursors."""
    from leadline.connect import models

    return [models]


@hookimpl
def leadline_api_routers() -> Iterable[Any]:
    """``GET /api/v1/connectors`` and an admin's run now."""
    from leadline.connect.api import router

    return [router]


@hookimpl
def leadline_pages() -> Iterable[Any]:
    """The admins' Connections page (its own routes: admins only, not in the pillars' nav)."""
    from leadline.connect.views import router

    return [router]


@hookimpl
def leadline_cli(app: typer.Typer) -> None:
    """``leadline connect add|list|remove|kinds`` and ``leadline sync``."""
    from leadline.connect.cli import connect_app, sync_command

    app.add_typer(connect_app, name="connect")
    app.command("sync")(sync_command)
