"""The web app's pages as the pillars register them (the ``leadline_pages`` hook): each a
``PageSpec`` (path, nav title, builder, nav order, whether in the nav), or a FastAPI router
with page routes of its own. The nav is built from the registered pages in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter

from leadline import plugins
from leadline.context import App
from leadline.webkit.filters import Filters, Scope
from leadline.webkit.viewdata import Page

Builder = Callable[[App, Filters, Scope], Page]


@dataclass(frozen=True)
class PageSpec:
    """A page at ``path``: ``build(app, filters, scope)`` gives its data; it is in the nav
    (as ``title``, ordered by ``order``, then by registration) unless ``nav`` is false."""

    path: str
    title: str
    build: Builder
    order: int = 100
    nav: bool = True


@dataclass(frozen=True)
class Pages:
    """Every registered page, in nav order, and the routers of pages with routes of their own."""

    specs: tuple[PageSpec, ...]
    routers: tuple[APIRouter, ...]

    @property
    def nav(self) -> tuple[tuple[str, str], ...]:
        return tuple((s.path, s.title) for s in self.specs if s.nav)

    def get(self, path: str) -> PageSpec | None:
        return next((s for s in self.specs if s.path == path), None)


def registered() -> Pages:
    """The pages every plugin registers (``leadline_pages``)."""
    specs: list[PageSpec] = []
    routers: list[APIRouter] = []
    for item in plugins.collected(plugins.manager().hook.leadline_pages()):
        if isinstance(item, PageSpec):
            specs.append(item)
        elif isinstance(item, APIRouter):
            routers.append(item)
        else:
            raise TypeError(f"leadline_pages gave {item!r}: not a PageSpec or an APIRouter")
    paths = [s.path for s in specs]
    twice = sorted({p for p in paths if paths.count(p) > 1})
    if twice:
        raise ValueError(f"pages registered twice: {', '.join(twice)}")
    return Pages(tuple(sorted(specs, key=lambda s: s.order)), tuple(routers))
