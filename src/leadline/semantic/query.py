"""What ``leadline metrics`` and ``/api/v1/metrics`` answer: the catalogue of metrics, a
metric's values per scope over a window (and per bucket), and the rows behind one value. The
CLI and the API call these same functions, so they give the same JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from leadline.catalog.grouping import NO_GROUP, GroupBy, Scope
from leadline.periods import Grain, Window, buckets, iso
from leadline.present.formats import cell
from leadline.present.model import Column, Report, unit_kind
from leadline.semantic import registry
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.registry import Metric, MetricError


def catalogue() -> Report:
    """Every registered metric with its declaration."""
    rows = [m.as_dict() for m in registry.metrics().values()]
    columns = [
        Column("key", "Key", "name"),
        Column("title", "Title"),
        Column("unit", "Unit", "label"),
        Column("direction", "Better", "label"),
        Column("scopes", "Scopes"),
        Column("default_window", "Default window", "label"),
        Column("pillar", "Pillar", "label"),
        Column("definition", "Definition"),
    ]
    return Report("metrics", "Metrics", columns, rows, meta={"count": len(rows)})


def value_column(metric: Metric, currency: str | None = None) -> Column:
    return Column("value", metric.title, metric.unit, currency=currency, unit=metric.unit_label)


_UNIT_TEXT = {
    "percent": "%",
    "ratio": "%",
    "per_day": "per day",
    "hours": "hours",
    "count": "",
    "number": "",
}


def unit_text(metric: Metric, ev: Evaluation | None = None, window: Window | None = None) -> str:
    """The unit as a KPI row shows it: ``%``, ``per day``, ``hours``, a currency code (money,
    from the window's data when known), or the metric's unit label (``of 5``)."""
    if metric.unit == "money":
        code = currency(ev, metric, window) if ev is not None and window is not None else None
        return " ".join(x for x in (code, metric.unit_label) if x)
    if metric.unit_label:
        return metric.unit_label
    return _UNIT_TEXT.get(metric.unit, "")


def value_kind(metric: str | None, unit: str | None) -> dict[str, Any]:
    """How a key result's (or a KPI's) values are shown: the kind of its bound metric, else
    the kind its unit text says (``%``, ``hours``, a currency code), with the currency and
    unit label; as hidden row fields the value columns read (``kind_from``)."""
    kind, currency, label = unit_kind(unit)
    try:
        bound = registry.get(metric) if metric else None
    except MetricError:
        bound = None
    if bound is None:
        return {"_kind": kind, "_currency": currency, "_unit": label}
    code = currency if kind == "money" else None  # known when the data had one currency
    return {"_kind": bound.unit, "_currency": code, "_unit": bound.unit_label}


def currency(ev: Evaluation, metric: Metric, window: Window) -> str | None:
    return metric.currency_of(ev, window) if metric.currency_of is not None else None


def display(metric: Metric, value: float | None, unit: str | None = None) -> str:
    return cell(value, value_column(metric, unit))


def window_of(
    ev: Evaluation, metric: Metric, since: str | None, until: str | None, period: str | None
) -> Window:
    """The asked window; else the current calendar period of ``period`` (to now); else the
    metric's default window."""
    if since or until:
        return Window.parse(since, until, today=ev.now.date())
    if period in ("week", "month", "quarter", "year"):
        from leadline.periods import Period

        return ev.to_now(Period.current(period, ev.now.date()).window)  # type: ignore[arg-type]
    return ev.default_window(metric)


def show(
    ev: Evaluation,
    key: str,
    *,
    by: GroupBy = "organisation",
    window: Window,
    grain: Grain | None = None,
    params: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The ``leadline metrics show`` document: every scope of ``by`` over ``window``, with
    a series per ``grain`` bucket (partial buckets flagged) when one is asked."""
    metric = registry.get(key)
    grid = []
    if grain is not None:
        for bucket in buckets(window, grain, as_of=ev.now):
            inside = Window(max(bucket.start, window.since), min(bucket.end, window.until))
            judged = ev.to_now(inside)
            grid.append((bucket, judged, bucket.partial or judged.until < inside.until))
    windows = [window, *(w for _, w, _ in grid)]
    found = ev.values(metric.key, by, windows, params)
    totals, series = found[0], found[1:]
    money = currency(ev, metric, window)
    names = set(ev.grouping.scopes(by)) | {k for values in found for k in values}
    groups = []
    for name in sorted(names, key=lambda n: (n == NO_GROUP, n)):
        entry: dict[str, Any] = {
            "key": name,
            "title": ev.grouping.title(by, name),
            "value": totals.get(name),
            "display": display(metric, totals.get(name), money),
        }
        if grain is not None:
            entry["series"] = [
                {
                    "bucket": iso(bucket.start),
                    "label": bucket.label,
                    "since": iso(judged.since),
                    "until": iso(judged.until),
                    "partial": partial,
                    "value": values.get(name),
                    "display": display(metric, values.get(name), money),
                }
                for (bucket, judged, partial), values in zip(grid, series, strict=True)
            ]
        groups.append(entry)
    return {
        "metric": metric.as_dict(),
        "key": metric.key,
        "title": metric.title,
        "unit": metric.unit,
        "direction": metric.direction,
        "definition": metric.definition,
        "by": by,
        "period": grain,
        "since": iso(window.since),
        "until": iso(window.until),
        "window": window.label(),
        "as_of": iso(ev.now),
        "params": dict(params or {}),
        "currency": money,
        "groups": groups,
    }


def show_report(document: dict[str, Any]) -> Report:
    """The ``show`` document as rows: one per scope, or one per (scope, bucket)."""
    metric = registry.get(document["key"])
    columns = [Column("scope", "Scope", "name"), Column("title", "Name")]
    rows: list[dict[str, Any]] = []
    if document["period"]:
        columns += [Column("bucket", "Period"), Column("partial", "Partial", "bool")]
        for group in document["groups"]:
            for bucket in group["series"]:
                rows.append(
                    {
                        "scope": group["key"],
                        "title": group["title"],
                        "bucket": bucket["label"],
                        "partial": bucket["partial"],
                        "value": bucket["value"],
                    }
                )
    else:
        rows = [
            {"scope": g["key"], "title": g["title"], "value": g["value"]}
            for g in document["groups"]
        ]
    columns.append(value_column(metric, document.get("currency")))
    return Report(
        metric.key,
        f"{metric.title} by {document['by'].replace('-', ' ')}",
        columns,
        rows,
        window=document["window"],
        notes=[f"Definition: {metric.definition}"],
        meta={k: document[k] for k in ("key", "by", "since", "until", "as_of", "period")},
    )


def explain(
    ev: Evaluation,
    key: str,
    scope: Scope,
    window: Window,
    params: Mapping[str, str] | None = None,
) -> Report:
    """The rows behind one value, with the value itself in the report's meta."""
    metric = registry.get(key)
    params = dict(params or {})
    metric.check(scope.kind, params)
    if metric.explain is None:
        raise MetricError(f"{metric.key} has no explanation of its facts")
    report = metric.explain(ev, scope, window, params)
    value = ev.value(metric.key, scope, window, params)
    report.window = window.label()
    report.meta.update(
        {
            "key": metric.key,
            "scope": str(scope),
            "since": iso(window.since),
            "until": iso(window.until),
            "as_of": iso(ev.now),
            "value": value,
            "display": display(metric, value, currency(ev, metric, window)),
            "definition": metric.definition,
        }
    )
    return report
