"""Plugins: how pillars (built-in or third-party) register what they add, through pluggy
hooks, the mechanism pytest and datasette use.

Each built-in pillar has one registration point, ``leadline/<pillar>/plugin.py``; a
third-party package registers a module (or object) with the same ``@hookimpl`` functions under
the ``leadline.plugins`` entry point::

    [project.entry-points."leadline.plugins"]
    my_pillar = "my_package.plugin"

Nothing else needs editing when a pillar grows: the CLI, the web app, the ingest registry, the
lake, the store and the metric registry ask the hooks.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import typer

PROJECT = "leadline"
ENTRY_POINT = "leadline.plugins"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

# The built-in pillars, registered exactly as a third-party plugin is (as datasette does).
DEFAULT_PLUGINS: tuple[str, ...] = (
    "leadline.coreplugin",
    "leadline.catalog.plugin",
    "leadline.delivery.plugin",
    "leadline.reliability.plugin",
    "leadline.finops.plugin",
    "leadline.risk.plugin",
    "leadline.strategy.plugin",
    "leadline.people.plugin",
    "leadline.scorecard.plugin",
    "leadline.maturity.plugin",
    "leadline.connect.plugin",
)


class Specs:
    """The hooks a plugin may implement (each returns what it adds; all are optional)."""

    @hookspec
    def leadline_sources(self) -> Iterable[Any]:  # type: ignore[empty-body]
        """Ingest sources: modules (or module names) whose import registers
        ``ingest.registry.Source`` classes (``@register``), Source classes or instances."""

    @hookspec
    def leadline_fact_tables(self) -> Iterable[Any]:  # type: ignore[empty-body]
        """Lake tables: modules (or module names) whose import registers
        ``lake.tables.FactTable`` objects (``register_table``), or FactTable objects."""

    @hookspec
    def leadline_store_models(self) -> Iterable[Any]:  # type: ignore[empty-body]
        """Modules (or module names) declaring SQLAlchemy models on ``store.base.Base`` (so
        the metadata and Alembic see them)."""

    @hookspec
    def leadline_cli(self, app: typer.Typer) -> None:
        """Add commands or command groups to the ``leadline`` CLI (called in registration
        order, see ``call_in_order``, so ``leadline --help`` lists the pillars in order)."""

    @hookspec
    def leadline_api_routers(self) -> Iterable[Any]:  # type: ignore[empty-body]
        """FastAPI routers (REST API routes, under ``/api/v1``; those in the schema appear in
        the OpenAPI document)."""

    @hookspec
    def leadline_pages(self) -> Iterable[Any]:  # type: ignore[empty-body]
        """Web pages: ``web.registry.PageSpec`` objects (path, title, builder, nav order) or
        FastAPI routers with page routes."""

    @hookspec
    def leadline_metrics(self) -> Iterable[Any]:  # type: ignore[empty-body]
        """Metrics for the registry: ``semantic.registry.Metric`` objects."""

    @hookspec
    def leadline_services(self, settings: Any, store: Any) -> Iterable[Any]:  # type: ignore[empty-body]
        """Background services of the web app, as ``(name, service)`` pairs: each is made
        with the app, started when the app runs its background work (``leadline serve``) and
        stopped with ``stop(timeout=seconds)`` when it ends; routes find it in
        ``request.app.state.services[name]``."""

    @hookspec
    def leadline_connector_kinds(self) -> Iterable[Any]:  # type: ignore[empty-body]
        """Connector kinds for ``leadline connect`` and ``sync``: classes decorated with
        ``connect.kinds.base.register_kind``, kind classes or instances, or the names of
        modules declaring them (imported when a connector command first asks)."""

    @hookspec
    def leadline_pending_normalisers(self) -> Iterable[Any]:  # type: ignore[empty-body]
        """Callables ``(settings, store) -> {"statuses": {status: count}, "remaining": n}``
        that turn deliveries stored pending (webhooks received by ``leadline serve``) into
        facts, one batch per call; ``leadline ingest --pending`` calls each until none
        remain."""


_lock = threading.Lock()
_state: dict[str, pluggy.PluginManager] = {}


def manager() -> pluggy.PluginManager:
    """The plugin manager: built-in pillars, then installed plugins (entry points)."""
    with _lock:
        if "manager" not in _state:
            pm = pluggy.PluginManager(PROJECT)
            pm.add_hookspecs(Specs)
            for name in DEFAULT_PLUGINS:
                pm.register(importlib.import_module(name), name=name)
            pm.load_setuptools_entrypoints(ENTRY_POINT)
            _state["manager"] = pm
        return _state["manager"]


def reset() -> None:
    """Forget the manager (tests that install a plugin at run time call this)."""
    with _lock:
        _state.clear()


def collected(results: Iterable[Iterable[Any] | None]) -> list[Any]:
    """The items of every plugin's answer, in registration order."""
    return [item for answer in reversed(list(results)) if answer for item in answer]


def call_in_order(caller: pluggy.HookCaller, **kwargs: Any) -> list[Any]:
    """Call every implementation of a hook in registration order (the built-in pillars as
    ``DEFAULT_PLUGINS`` lists them, then installed plugins), where pluggy calls the last
    registered first: for hooks whose effects are ordered, as ``leadline_cli``'s commands."""
    answers = []
    for impl in caller.get_hookimpls():
        if impl.hookwrapper or impl.wrapper:
            raise TypeError(f"{impl.plugin_name}: {caller.name} takes no wrappers")
        answers.append(impl.function(*(kwargs[name] for name in impl.argnames)))
    return answers


def imported(item: Any) -> Any:
    """A module name as its module (importing it registers what it declares); else the item."""
    return importlib.import_module(item) if isinstance(item, str) else item
