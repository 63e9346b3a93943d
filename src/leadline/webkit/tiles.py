"""Headline tiles from the metric registry: the value of a registered metric for the scope
the page's filters choose, with its window, its trend against the previous equivalent window
(``webkit.trends``) and a link to the facts behind it (``/metrics/{key}/explain``); the page
route adds RAG colour (``web.targets``).

Every page of one data version and hour shares one :class:`Evaluation` (judged at the start
of the hour), so a figure shown on two pages is one computation and one number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from urllib.parse import urlencode

from leadline.catalog.grouping import ORGANISATION, Scope
from leadline.context import App
from leadline.periods import FIRST_YEAR, Window, iso, utc_now
from leadline.semantic import registry
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.query import currency, display
from leadline.webkit.cache import cached
from leadline.webkit.filters import Filters
from leadline.webkit.trends import change, previous_window
from leadline.webkit.viewdata import Tile


def evaluation(app: App) -> Evaluation:
    """The evaluation pages share: one per data version and hour, judged at the hour."""
    now = utc_now().replace(minute=0, second=0, microsecond=0)
    found: Evaluation = cached(app, "evaluation", lambda: Evaluation(app, now=now), iso(now))
    return found


def scope_of(filters: Filters) -> Scope:
    """The scope the filters choose: a team, else a value stream, else a business unit,
    else the organisation."""
    for attribute, kind in (
        ("team", "team"),
        ("value_stream", "value-stream"),
        ("business_unit", "business-unit"),
    ):
        name = getattr(filters, attribute)
        if name:
            return Scope(kind, name)  # type: ignore[arg-type]
    return Scope("organisation", ORGANISATION)


def window_text(window: Window, ev: Evaluation, *, point: bool = False) -> str:
    """How a tile names its window: the dates it covers (cut at the as-of instant), or the
    instant a point-in-time figure was read at."""
    if point:
        moment = min(window.until, ev.now)
        return f"at {moment.strftime('%Y-%m-%d %H:%M')} UTC"
    text = window.label()
    return f"{text} (to date)" if window.until > ev.now else text


def explain_href(key: str, scope: Scope, window: Window, ev: Evaluation) -> str:
    query = {
        "scope": str(scope),
        "since": iso(window.since),
        "until": iso(window.until),
        "at": iso(ev.now),
    }
    return f"/metrics/{key}/explain?{urlencode(query)}"


def metric_tile(
    ev: Evaluation,
    key: str,
    scope: Scope,
    window: Window,
    *,
    title: str | None = None,
    params: Mapping[str, str] | None = None,
) -> Tile:
    """A registered metric's tile for one scope and window (a dash when it has no value), with
    its trend against the previous equivalent window, evaluated in one batch with it."""
    metric = registry.get(key)
    judged = window  # evaluated as given, as `leadline metrics show --since --until` does
    kind = scope.kind if scope.kind in metric.scopes else None
    earlier, label = previous_window(judged, ev.now)
    value = previous = None
    if kind and earlier.since.year < FIRST_YEAR:  # 1970-01 has no earlier month to read
        value = ev.values(key, kind, [judged], params)[0].get(scope.name)
    elif kind:
        now, before = ev.values(key, kind, [judged, earlier], params)
        value, previous = now.get(scope.name), before.get(scope.name)
    money = currency(ev, metric, judged)
    trend = change(metric, value, previous, label, money) if kind else None
    return Tile(
        title or metric.title,
        display(metric, value, money),
        window_text(window, ev, point=metric.point_in_time),
        explain_href(key, scope, judged, ev) if metric.explain is not None and kind else None,
        trend=trend.trend if trend else None,
        trend_arrow=trend.arrow if trend else None,
        trend_text=trend.text if trend else None,
        metric=key,
        raw=value,
        previous=previous,
        scope=str(scope),
    )


def days_ago(ev: Evaluation, days: int) -> Window:
    """The ``days`` up to the end of the evaluation's day."""
    end = dt.datetime.combine(ev.now.date(), dt.time()) + dt.timedelta(days=1)
    return Window(end - dt.timedelta(days=days), end)
