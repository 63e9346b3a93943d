"""What a page shows: KPIs, charts and tables, pure data (no HTML), so CSV export and templates
use the same tables. Each pillar builds its pages in ``<pillar>/views.py`` from its core
functions, narrowed by the shared filters, and registers them (``web.registry.PageSpec``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Table:
    name: str
    caption: str
    columns: list[str]
    rows: list[dict[str, Any]]
    edit: str | None = None  # URL pattern with {key} for an edit link per row
    key: str | None = None
    link: str | None = None  # URL pattern with {key} for a "details" link per row
    editors: str | None = None  # the pillar whose editors (and admins) see the edit links


@dataclass
class Page:
    title: str
    kpis: list[tuple[str, str]] = field(default_factory=list)
    charts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    period: str = "window"  # which period fields the filter form shows: window | month | none
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, label) of reports


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def num(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def last_month(today: dt.date | None = None) -> str:
    today = today or dt.datetime.now(dt.UTC).date()
    return (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
