"""The FinOps pages' own chart: actual cost against budget per scope, each bar in the colour
of its budget state (the one palette, ``webkit.palette``) with the state in the legend and
the tooltip, so colour is never the only signal."""

from __future__ import annotations

from typing import Any

import altair as alt

from leadline.finops.tables import BUDGET_RAG
from leadline.present.formats import money
from leadline.present.model import humanise
from leadline.webkit import palette
from leadline.webkit.charts import WIDTH


def budget_rows(groups: list[dict[str, Any]], currency: str | None) -> list[dict[str, Any]]:
    """One row per budgeted scope of ``leadline finops budget``'s groups: actual, budget,
    the state's words and a label with both amounts."""
    out = []
    for g in groups:
        if g["budget"] is None:
            continue
        out.append(
            {
                "scope": g["key"],
                "actual": float(g["actual"]),
                "budget": float(g["budget"]),
                "state": humanise(g["status"]),
                "label": f"{money(g['actual'], currency)} of {money(g['budget'], currency)}",
            }
        )
    return out


def budget_chart(groups: list[dict[str, Any]], title: str, currency: str | None) -> dict[str, Any]:
    """Horizontal bars of actual cost per scope, coloured by state (on track, at risk, over:
    green, amber, red), a black tick at each budget, largest budget first."""
    rows = budget_rows(groups, currency)
    states = [s for s in BUDGET_RAG if s != "no budget"]
    base = alt.Chart(alt.Data(name="rows"), title=title, width=WIDTH)  # type: ignore[no-untyped-call]
    order = [r["scope"] for r in sorted(rows, key=lambda r: -r["budget"])]
    y = alt.Y("scope:N", title=None, sort=order)
    tooltip = [
        alt.Tooltip("scope:N", title="Scope"),
        alt.Tooltip("state:N", title="State"),
        alt.Tooltip("label:N", title="Actual of budget"),
    ]
    bars = base.mark_bar().encode(
        y=y,
        x=alt.X("actual:Q", title=f"Cost ({currency})" if currency else "Cost"),
        color=alt.Color(
            "state:N",
            title="Budget state",
            scale=alt.Scale(
                domain=[humanise(s) for s in states],
                range=[palette.RAG[BUDGET_RAG[s]] for s in states],
            ),
        ),
        tooltip=tooltip,
    )
    ticks = base.mark_tick(color="#1a1a1a", thickness=2, size=18).encode(
        y=y, x=alt.X("budget:Q"), tooltip=tooltip
    )
    spec: dict[str, Any] = (bars + ticks).to_dict()
    spec["data"] = {"values": rows}
    return spec


def monthly_lines(
    rows: list[dict[str, Any]], series: str, title: str, y_title: str
) -> dict[str, Any]:
    """Monthly cost per ``series`` (a team): months as ordered labels ("Jun 2026", one tick
    each, never a day axis), complete months joined by a line, the running month a hollow
    triangle of the series' colour, named "partial (to date)" in the legend."""
    months = sorted({r["month"] for r in rows})
    x = alt.X("label:O", title=None, sort=[_month_label(m) for m in months])
    shaped = [{**r, "label": _month_label(r["month"])} for r in rows]
    base = alt.Chart(alt.Data(name="rows"), title=title, width=WIDTH, height=240)  # type: ignore[no-untyped-call]
    colour = alt.Color(f"{series}:N", title=series.replace("_", " ").capitalize())
    y = alt.Y("cost:Q", title=y_title)
    tooltip = [f"{series}:N", alt.Tooltip("label:O", title="Month"), "cost:Q", "bucket:N"]
    line = (
        base.transform_filter("datum.bucket == 'complete'")
        .mark_line()
        .encode(x=x, y=y, color=colour)
    )
    points = base.mark_point(size=60, filled=False).encode(
        x=x,
        y=y,
        color=colour,
        shape=alt.Shape(
            "bucket:N",
            title="Month",
            scale=alt.Scale(
                domain=["complete", "partial (to date)"], range=["circle", "triangle-up"]
            ),
        ),
        tooltip=tooltip,
    )
    spec: dict[str, Any] = (line + points).to_dict()
    spec["data"] = {"values": shaped}
    return spec


def _month_label(month: str) -> str:
    """``2026-06`` as ``Jun 2026``."""
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{names[int(month[5:7]) - 1]} {month[:4]}"
