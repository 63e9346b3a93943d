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
