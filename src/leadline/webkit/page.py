"""The generic page route: a registered page's HTML (its tiles, charts and tables rendered
by ``page_main.html``) or one of its tables as CSV, from the report cache. The app registers
``DECORATORS`` that finish a page's data (the scorecard's RAG colour on tiles), so pages
built below the scorecard still show it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from leadline.context import App
from leadline.present.render import align, to_csv
from leadline.webkit.cache import cached
from leadline.webkit.deps import leadline_app, page_reader
from leadline.webkit.filters import Filters, Scope, scope_of
from leadline.webkit.pages import render, templates
from leadline.webkit.palette import RAG_SYMBOL, RAG_TEXT
from leadline.webkit.registry import Builder, PageSpec
from leadline.webkit.users import Principal
from leadline.webkit.viewdata import Page, Table

log = logging.getLogger(__name__)
Reader = Annotated[Principal, Depends(page_reader)]
# Functions that finish a page's data before it is cached and shown (registered by the app).
DECORATORS: list[Callable[[App, Page], Page]] = []


def decorate_with(function: Callable[[App, Page], Page]) -> None:
    """Register a page decorator once (the app calls this at start)."""
    if function not in DECORATORS:
        DECORATORS.append(function)


def decorated(app: App, page: Page) -> Page:
    for function in DECORATORS:
        page = function(app, page)
    return page


def csv_answer(table: Table) -> Response:
    """A page table's CSV: its whole report, as ``leadline <command> --format csv`` prints
    it (the page may show fewer columns)."""
    headers = {"Content-Disposition": f'attachment; filename="{table.name}.csv"'}
    return Response(to_csv(table.report), media_type="text/csv; charset=utf-8", headers=headers)


def cache_key(filters: Filters) -> tuple[str | tuple[str, str], ...]:
    return (*sorted(filters.query().items()), *filters.errors)


def page_data(app: App, build: Callable[..., Page], filters: Filters) -> tuple[Page, Scope]:
    """A page's data for these filters, from the report cache."""
    query = cache_key(filters)
    scope = cached(app, "scope", partial(scope_of, app, filters), query)
    page = cached(
        app,
        "page",
        lambda: decorated(app, build(app, filters, scope)),
        build.__name__,
        query,
    )
    return page, scope


def warm_up(app: App, build: Builder) -> None:
    """Compute the unfiltered home page once (at server start, in the background), so the
    first visitor does not wait for every pillar's report."""
    try:
        page_data(app, build, Filters())
    except Exception:  # a failure here shows again, with its message, on the first visit
        log.exception("warming up the home page failed")


def page_route(build: Callable[..., Page]) -> Callable[..., Response]:
    """The endpoint of a page: its HTML, or one of its tables as CSV (``format=csv``)."""

    def endpoint(
        request: Request,
        who: Reader,
        format: Annotated[str | None, Query()] = None,
        table: Annotated[str | None, Query()] = None,
    ) -> Response:
        app = leadline_app(request)
        filters = Filters.of(request)
        page, scope = page_data(app, build, filters)
        if format == "csv":
            found = [t for t in page.tables if t.name == table]
            if not found:
                raise HTTPException(404, f"no table {table!r} on this page")
            return csv_answer(found[0])

        def csv_query(name: str) -> str:
            return urlencode({**filters.query(), "format": "csv", "table": name})

        editable = tuple(
            t.name for t in page.tables if t.editors is not None and who.can_edit(t.editors)
        )
        context = {
            "page": page,
            "filters": filters,
            "scope": scope,
            "align": align,
            "rag_text": RAG_TEXT,
            "rag_symbol": RAG_SYMBOL,
            "csv_query": csv_query,
            "can_edit": lambda name: name in editable,
            "path": request.url.path,
        }
        main = cached(
            app,
            "page-html",
            lambda: templates.get_template("page_main.html").render(context),
            build.__name__,
            cache_key(filters),
            editable,
        )
        return render(request, "page.html", {"page": page, "main": main})

    endpoint.__name__ = f"page_{build.__name__}"
    return endpoint


def page_router(specs: Sequence[PageSpec]) -> APIRouter:
    """One GET route per registered page."""
    pages = APIRouter(include_in_schema=False)
    for spec in specs:
        pages.add_api_route(spec.path, page_route(spec.build), methods=["GET"])
    return pages
