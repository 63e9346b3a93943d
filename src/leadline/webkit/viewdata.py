"""What a page shows: KPIs, charts and tables, pure data (no HTML), so CSV export and templates
use the same tables (each a pillar's report, the one the CLI prints). Each pillar builds its
pages in ``<pillar>/views.py`` from its core functions, narrowed by the shared filters, and
registers them (``web.registry.PageSpec``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from leadline.periods import Period
from leadline.present.model import Column, Report
from leadline.present.render import align, cells

# A RAG column sorts worst first.
SEVERITY = {"red": 0, "amber": 1, "green": 2, "grey": 3}


@dataclass
class Table:
    """A table of a page: a pillar's :class:`~leadline.present.Report` (built by the same
    function as the CLI's table and CSV), the columns the page shows and links per row. Its
    "Download CSV" is ``present.to_csv(report)``: every column of the report, the bytes
    ``leadline <command> --format csv`` prints for the same rows."""

    name: str
    report: Report
    caption: str = ""  # default: the report's title
    show: list[str] | None = None  # keys of the columns shown (default: the report's shown)
    edit: str | None = None  # URL pattern with {key} for an edit link per row
    key: str | None = None
    link: str | None = None  # URL pattern with {key} for a "details" link per row
    editors: str | None = None  # the pillar whose editors (and admins) see the edit links
    # column key -> {value: RAG status}: cells shown with the palette's colour and symbol
    # (``webkit.palette``), e.g. a scorecard's status or an SLO's budget state
    rag: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        window = f" — {self.report.window}" if self.report.window else ""
        self.caption = self.caption or self.report.title + window

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.report.rows

    @property
    def columns(self) -> list[Column]:
        """The columns the page shows."""
        return self.report.select(self.show) if self.show else self.report.shown

    def status(self, key: str, row: dict[str, Any]) -> str | None:
        """The RAG status (green, amber, red, grey) of ``row``'s cell in column ``key``, when
        the column carries one."""
        found = self.rag.get(key)
        return None if found is None else found.get(str(row.get(key)))

    def sort_value(self, key: str, row: dict[str, Any]) -> str:
        """What a click on column ``key``'s header sorts ``row`` by (``data-sort``): the value,
        not its formatted text (1,200.00 EUR after 950.00 EUR; dates as ISO); a RAG cell by
        severity, worst first; empty for no value (sorted last either way)."""
        value = row.get(key)
        status = self.status(key, row)
        if status is not None:
            return str(SEVERITY.get(status, len(SEVERITY)))
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(int(value))
        if isinstance(value, dt.date | dt.datetime):
            return value.isoformat()
        return str(value)

    def body(self) -> list[tuple[dict[str, Any], list[tuple[str, str]]]]:
        """Each row with its shown cells as (CSS classes: alignment, ``name`` for
        identifiers; text for people)."""
        columns = self.columns
        # identifiers (kind name) never wrap: a table scrolls rather than cut "R-016"
        classes = [align(c) + (" name" if c.kind == "name" else "") for c in columns]
        texts = cells(self.report, columns)
        return [
            (row, list(zip(classes, shown, strict=True)))
            for row, shown in zip(self.report.rows, texts, strict=True)
        ]


@dataclass
class Tile:
    """A headline figure: its title, value as people read it, the window it covers, and,
    for a registered metric, its RAG status against a target, its trend against the previous
    equivalent window and the link to the facts behind it."""

    title: str
    value: str
    window: str | None = None  # "last 90 days: 2026-09-09 → 2026-12-07", "at 2026-12-07 10:00"
    href: str | None = None  # the explanation of a registered metric
    status: str | None = None  # green | amber | red | grey
    # against the previous equivalent window (``webkit.trends``): better | worse | flat, or
    # none when there is no earlier value; the arrow (▲ ▼ ▶) and the text after it
    trend: str | None = None
    trend_arrow: str | None = None
    trend_text: str | None = None  # "+1.2 pp vs previous 90 days (better)"
    metric: str | None = None  # the registry key
    raw: float | None = None  # the value itself (tests compare it with other surfaces)
    previous: float | None = None  # the value over the previous equivalent window
    scope: str | None = None  # KIND:NAME the value is for
    target: float | None = None  # the scorecard KPI's target, when one covers the metric


@dataclass
class Page:
    title: str
    kpis: list[Tile] = field(default_factory=list)
    charts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    period: str = "window"  # which period fields the filter form shows: window | month | none
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, label) of reports


def count_tile(title: str, count: int | str, window: str | None = None) -> Tile:
    """A tile that counts things (teams, open risks): no target, no explanation."""
    return Tile(title, f"{count:,}" if isinstance(count, int) else count, window)


def last_month(today: dt.date | None = None) -> str:
    """The month before today's (UTC): the default month of the cost pages."""
    return Period.current("month", today).previous().label
