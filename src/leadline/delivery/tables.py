"""The DORA report as people and spreadsheets read it: one :class:`~leadline.present.Report`
built from the ``leadline dora --format json`` document, which the CLI prints as a table or CSV
and the Delivery and home pages show (their "Download CSV" is the same bytes)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from leadline.periods import Window, instant
from leadline.present.model import NO_GROUP, NO_GROUP_TITLE, Column, Report, humanise

TOTAL = "total"  # the bucket (and period label) of a group's totals over the whole window

METRICS = (
    Column("deployments", "Deployments", "count"),
    Column("deployment_frequency_per_day", "Deployment frequency", "per_day"),
    Column("deployment_frequency_level", "Frequency band", "label"),
    Column("lead_time_p50_hours", "Lead time p50", "hours"),
    Column("lead_time_p90_hours", "Lead time p90", "hours"),
    Column("changes", "Changes", "count", shown=False),
    Column("change_failure_rate", "Change failure rate", "ratio"),
    # The rate's numerator beside it (its denominator is Deployments): 1 of 3 reads differently
    # from 100 of 300.
    Column("failed_deployments", "Failed deployments", "count"),
    Column("time_to_restore_p50_hours", "Time to restore p50", "hours"),
    Column("time_to_restore_p90_hours", "Time to restore p90", "hours"),
    Column("incidents", "Incidents", "count", shown=False),
    Column("unresolved_incidents", "Unresolved incidents", "count", shown=False),
    Column("rework_rate", "Rework rate", "ratio"),
    Column("rework_deployments", "Rework deployments", "count", shown=False),
    Column("performance_level", "Performance level", "label"),
)


def _flat(item: dict[str, Any]) -> dict[str, Any]:
    """A group's totals or one bucket with the percentiles as columns."""
    row = {c.key: item.get(c.key) for c in METRICS}
    for name in ("lead_time", "time_to_restore"):
        for p in ("p50", "p90"):
            row[f"{name}_{p}_hours"] = (item.get(f"{name}_hours") or {}).get(p)
    return row


def dora_report(document: dict[str, Any], *, series: bool = True) -> Report:
    """One row per group (bucket ``total``) and, when the document has a series (and
    ``series``), one per group and bucket with its ``label`` and whether it is ``partial``.

    CSV columns: key, bucket, deployments, deployment_frequency_per_day,
    deployment_frequency_level, lead_time_p50_hours, lead_time_p90_hours, changes,
    change_failure_rate, failed_deployments, time_to_restore_p50_hours,
    time_to_restore_p90_hours, incidents, unresolved_incidents, rework_rate,
    rework_deployments, performance_level, and with a series label and partial.
    Rates are ratios (0.25 is 25 %), durations hours."""
    by = str(document.get("by") or "group")
    with_series = series and document.get("period") is not None
    rows = grouped_rows(document, _flat, with_series=with_series)
    partial = any(row.get("partial") for row in rows)
    columns = grouped_columns(by, METRICS, with_series=with_series)
    notes = [
        "Change failure rate = Failed deployments ÷ Deployments (successful production "
        f"deployments); incidents link to deployments by {_rule(document)}."
    ]
    if partial:
        notes.append(
            "Partial: the window or the as-of instant cuts the period short (per-day rates "
            "divide by its days inside the window)."
        )
    if any(g["key"] == NO_GROUP for g in document["groups"]):
        notes.append(
            f"{NO_GROUP_TITLE}: deployments, changes and incidents of services the catalog "
            f"gives no {humanise(by).lower()} (or does not hold); they count here, never "
            "dropped. Place the services in the catalog to move them."
        )
    unresolved = sum(g.get("unresolved_incidents") or 0 for g in document["groups"])
    if unresolved:
        notes.append(f"{unresolved} incidents are still unresolved (not in the restore times).")
    return Report(
        "dora",
        f"DORA four keys by {humanise(by).lower()}",
        columns,
        rows,
        window=_window(document),
        notes=notes,
    )


def grouped_rows(
    document: dict[str, Any],
    flat: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    with_series: bool,
) -> list[dict[str, Any]]:
    """The rows of a grouped delivery document (DORA, cycle time): per group its totals
    (bucket ``total``) and, ``with_series``, one row per bucket with its ``label`` and whether
    it is ``partial``; ``flat`` turns a group's or bucket's figures into columns."""
    rows: list[dict[str, Any]] = []
    for group in document["groups"]:
        rows.append({"key": group["key"], "bucket": TOTAL, **flat(group)})
        if not with_series:
            continue
        rows[-1]["label"] = TOTAL
        for bucket in group.get("series", []):
            rows.append(
                {
                    "key": group["key"],
                    "bucket": bucket["bucket"],
                    "label": bucket["label"],
                    **flat(bucket),
                    "partial": bool(bucket["partial"]),
                }
            )
    return rows


def grouped_columns(by: str, figures: Iterable[Column], *, with_series: bool) -> list[Column]:
    """The columns of :func:`grouped_rows`: the group, its bucket (CSV only), the period label
    with a series, the ``figures``, and whether the bucket is partial."""
    columns = [Column("key", humanise(by), "name"), Column("bucket", "Bucket", "text", shown=False)]
    if with_series:
        columns.append(Column("label", "Period"))
    columns += figures
    if with_series:
        columns.append(Column("partial", "Partial", "bool"))
    return columns


def _rule(document: dict[str, Any]) -> str:
    """How incidents were linked, in words (the document's ``incident_attribution``)."""
    if document.get("incident_attribution") == "latest":
        return "the service's latest deployment before each (no window, Apache DevLake's rule)"
    return "their deployment id, else the service's latest deployment within its window"


def _window(document: dict[str, Any]) -> str:
    window = Window(instant(document["since"]), instant(document["until"]))
    as_of = document.get("as_of")
    judged = f", as of {str(as_of)[:16].replace('T', ' ')} UTC" if as_of else ""
    return f"{window.label()}{judged}"
