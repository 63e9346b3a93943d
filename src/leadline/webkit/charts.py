"""Vega-Lite chart specs built with Altair; the page embeds the JSON and vega-embed draws it
in the browser. Each chart is also readable without JavaScript: the page shows its table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

from leadline.present.formats import number
from leadline.webkit import palette

WIDTH = 560
PARTIAL = "datum.bucket == 'partial'"
COMPLETE = "datum.bucket == 'complete'"


def _data(_rows: list[dict[str, Any]]) -> Any:
    """A named placeholder: Altair validates inline values row by row (slow for big tables),
    so the rows are put into the finished spec instead (``_spec``)."""
    return alt.Data(name="rows")  # type: ignore[no-untyped-call]


def _spec(chart: alt.TopLevelMixin, rows: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = chart.to_dict()
    spec["data"] = {"values": rows}
    title = _layer_title(spec)
    if title is not None:  # one title on top (the page's script drops it on a phone)
        spec["title"] = title
    return spec


def _layer_title(spec: dict[str, Any]) -> Any:
    """The title Altair copies onto every layer of a layered chart, removed from them."""
    if "layer" not in spec:
        return spec.pop("title", None)
    titles = [_layer_title(layer) for layer in spec["layer"]]
    return next((t for t in titles if t is not None), None)


def lines(
    rows: list[dict[str, Any]], x: str, y: str, color: str, *, title: str, y_title: str
) -> dict[str, Any]:
    """A time series per ``color`` (e.g. deployments per week per team).

    Rows with a ``bucket`` field (``complete`` or ``partial``: cut by the window or not over
    yet) are drawn honestly: the line joins complete buckets only, so a one-day last week
    never looks like a drop to zero; every bucket is a point, partial ones hollow triangles
    (legend "partial"), with the bucket's days in the window in the tooltip (a ``days``
    field)."""
    base = alt.Chart(_data(rows), title=title, width=WIDTH, height=220)
    encoding = {
        "x": alt.X(f"{x}:T", title=None),
        "y": alt.Y(f"{y}:Q", title=y_title),
        "color": alt.Color(f"{color}:N", title=color.replace("_", " ")),
    }
    tooltip = [f"{color}:N", f"{x}:T", f"{y}:Q"]
    if not any("bucket" in r for r in rows):
        chart = base.mark_line(point=True).encode(**encoding, tooltip=tooltip)
        return _spec(chart, rows)
    line = base.transform_filter(COMPLETE).mark_line().encode(**encoding)
    extra = ["bucket:N", *(["days:Q"] if any("days" in r for r in rows) else [])]
    shape = alt.Shape(
        "bucket:N",
        title="bucket",
        scale=alt.Scale(domain=["complete", "partial"], range=["circle", "triangle-up"]),
        legend=alt.Legend(
            labelExpr="datum.label == 'partial' ? 'partial (cut short)' : datum.label"
        ),
    )
    # every bucket as an outline (its shape in the legend), complete ones filled on top
    outlines = base.mark_point(size=70, strokeWidth=2).encode(
        **encoding, shape=shape, tooltip=[*tooltip, *extra]
    )
    filled = (
        base.transform_filter(COMPLETE)
        .mark_point(size=60, filled=True, shape="circle")
        .encode(**encoding, tooltip=[*tooltip, *extra])
    )
    points = outlines + filled
    return _spec(line + points, rows)


def bars(
    rows: list[dict[str, Any]],
    category: str,
    value: str,
    title: str,
    value_title: str,
    *,
    order: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A horizontal bar per category, longest first, or in ``order`` (the CSF functions in
    CSF 2.0 order)."""
    chart = (
        alt.Chart(_data(rows), title=title, width=WIDTH)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort=list(order) if order else "-x", title=None),
            x=alt.X(f"{value}:Q", title=value_title),
            tooltip=[f"{category}:N", f"{value}:Q"],
        )
    )
    return _spec(chart, rows)


def stacked(
    rows: list[dict[str, Any]],
    category: str,
    value: str,
    part: str,
    title: str,
    *,
    parts: Sequence[str],
    value_title: str,
) -> dict[str, Any]:
    """A horizontal bar per category made of ``parts`` stacked in that order (the phases of a
    pull request's cycle per team), each part named in the legend and the tooltip."""
    chart = (
        _chart(rows, title)
        .mark_bar()
        .transform_calculate(order=f"indexof({list(parts)!r}, datum.{part})")
        .encode(
            y=alt.Y(f"{category}:N", title=None, sort="ascending"),
            x=alt.X(f"{value}:Q", title=value_title, stack="zero"),
            color=alt.Color(f"{part}:N", title=None, sort=list(parts)),
            order=alt.Order("order:Q"),
            tooltip=[f"{category}:N", f"{part}:N", alt.Tooltip(f"{value}:Q", format=".1f")],
        )
    )
    return _spec(chart, rows)


def heatmap(rows: list[dict[str, Any]], x: str, y: str, value: str, title: str) -> dict[str, Any]:
    """Counts on a grid (risk matrix, CSF function x business unit...), with the numbers."""
    base = alt.Chart(_data(rows), title=title, width=300, height=300)
    cells = base.mark_rect().encode(
        x=alt.X(f"{x}:O"),
        y=alt.Y(f"{y}:O", sort="descending"),
        color=alt.Color(f"{value}:Q", scale=alt.Scale(scheme="orangered")),
        tooltip=[f"{x}:O", f"{y}:O", f"{value}:Q"],
    )
    text = base.mark_text(fontSize=14).encode(
        x=alt.X(f"{x}:O"), y=alt.Y(f"{y}:O", sort="descending"), text=f"{value}:Q"
    )
    return _spec(cells + text, rows)


def grouped(
    rows: list[dict[str, Any]],
    category: str,
    value: str,
    group: str,
    title: str,
    *,
    order: Sequence[str] | None = None,
    value_title: str | None = None,
) -> dict[str, Any]:
    """Side-by-side bars per category (e.g. current and target tier per CSF function), the
    categories in ``order`` when given (else alphabetical)."""
    chart = (
        _chart(rows, title)
        .mark_bar()
        .encode(
            x=alt.X(
                f"{category}:N",
                title=None,
                sort=list(order) if order else "ascending",
                axis=alt.Axis(labelAngle=0),
            ),
            xOffset=alt.XOffset(f"{group}:N"),
            y=alt.Y(f"{value}:Q", title=value_title or value),
            color=alt.Color(f"{group}:N", title=None),
            tooltip=[f"{category}:N", f"{group}:N", f"{value}:Q"],
        )
    )
    return _spec(chart, rows)


def risk_matrix(cells: list[dict[str, Any]], bands: Sequence[str], title: str) -> dict[str, Any]:
    """The risk matrix: likelihood (up) x impact (across), each cell coloured by its rating
    band (``risk.scoring``: low, medium, high, critical by default; the last band the most
    alarming colour) and labelled with its count of risks. ``cells`` are
    ``Matrix.heatmap``'s: likelihood, impact, score, rating, count."""
    fills, inks = palette.rating_colours(bands)
    base = alt.Chart(_data(cells), title=title, width=300, height=300)
    position = {
        "x": alt.X("impact:O", title="Impact", axis=alt.Axis(labelAngle=0)),
        "y": alt.Y("likelihood:O", sort="descending", title="Likelihood"),
    }
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        **position,
        color=alt.Color(
            "rating:N",
            title="Rating",
            scale=alt.Scale(domain=list(bands), range=fills),
            sort=list(bands),
        ),
        tooltip=[
            alt.Tooltip("likelihood:O", title="Likelihood"),
            alt.Tooltip("impact:O", title="Impact"),
            alt.Tooltip("score:Q", title="Score"),
            alt.Tooltip("rating:N", title="Rating"),
            alt.Tooltip("count:Q", title="Risks"),
        ],
    )
    text = (
        base.transform_filter("datum.count > 0")
        .mark_text(fontSize=16, fontWeight="bold")
        .encode(
            **position,
            text="count:Q",
            color=alt.Color(
                "rating:N", scale=alt.Scale(domain=list(bands), range=inks), legend=None
            ),
        )
    )
    # the labels' colours are a scale of their own (dark on light fills, white on dark)
    return _spec((rect + text).resolve_scale(color="independent"), cells)


INSIDE_FROM = 60  # bars longer than this (in %) carry their label inside
INSIDE_BELOW = 40  # so do overspent bars beyond -40 %
BUDGET_FLOOR = -100.0  # budget left below this (overspent more than twice) is drawn clipped


def budget_rows(slos: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Error-budget bars from ``leadline slo status`` rows: the true budget left in percent
    (``budget_left_pct``, None without data), the drawn value clipped to the chart's domain
    (``drawn``), the policy state and a label with the true value."""
    out = []
    for s in slos:
        left = s.get("error_budget_remaining")
        state = palette.budget_state(s.get("policy_state"), left)
        pct = None if left is None else round(100 * float(left), 1)
        drawn = 0.0 if pct is None else max(pct, BUDGET_FLOOR)
        label = "no data" if pct is None else f"{number(pct, 1)} %"
        if pct is not None and pct < BUDGET_FLOOR:
            label = f"◀ {label}"  # the bar is cut at the axis's end
        out.append(
            {
                "slo": s["slo"],
                "budget_left_pct": pct,
                "drawn": drawn,
                "state": palette.BUDGET_TITLES[state],
                "label": label,
            }
        )
    return out


def error_budget(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """Error budget left per SLO (``budget_rows``), worst first, each bar coloured by its
    policy state (healthy, at risk, exhausted, no data: green, amber, red, grey, with a
    legend) and labelled with its true value. The axis stops at -100 % (a budget overspent
    twice over); a bar beyond it is drawn to the edge and its label starts with ◀ (the
    subtitle says so), so one outlier (-1,268 %) does not squeeze the at-risk SLOs into
    slivers. Labels sit inside long bars, so none runs past a narrow chart."""
    states = list(palette.BUDGET_STATES)
    low = BUDGET_FLOOR if any(r["drawn"] < 0 for r in rows) else 0.0
    clipped = any(
        r["budget_left_pct"] is not None and r["drawn"] > r["budget_left_pct"] for r in rows
    )
    heading = (
        alt.TitleParams(
            title,
            subtitle=f"Axis cut at {BUDGET_FLOOR:.0f} % (◀); labels give the true values",
        )
        if clipped
        else title
    )
    base = alt.Chart(_data(rows), title=heading, width=WIDTH)
    # worst first (no data last), as one explicit order every layer shares
    worst = sorted(rows, key=lambda r: (r["budget_left_pct"] is None, r["budget_left_pct"] or 0))
    y = alt.Y("slo:N", title=None, sort=[r["slo"] for r in worst])
    bar = base.mark_bar().encode(
        y=y,
        x=alt.X(
            "drawn:Q",
            title="error budget left (%)",
            scale=alt.Scale(domain=[low, 100], clamp=True, nice=False),
        ),
        color=alt.Color(
            "state:N",
            title="Budget state",
            scale=alt.Scale(
                domain=[palette.BUDGET_TITLES[s] for s in states],
                range=[palette.RAG[palette.BUDGET_STATES[s]] for s in states],
            ),
        ),
        tooltip=[
            alt.Tooltip("slo:N", title="SLO"),
            alt.Tooltip("state:N", title="State"),
            alt.Tooltip("label:N", title="Budget left"),
        ],
    )
    # The true value inside a long bar in white (at its end, or by the zero line for an
    # overspent budget), else beside it, so no label runs past the chart on a phone either.
    outside = (
        base.transform_filter(f"datum.drawn <= {INSIDE_FROM}")
        .transform_filter(f"datum.drawn > {-INSIDE_BELOW}")
        .transform_calculate(at="max(datum.drawn, 0)")
        .mark_text(align="left", dx=4, fontSize=11, color="#1a1a1a")
        .encode(y=y, x=alt.X("at:Q"), text="label:N")
    )
    inside = (
        base.transform_filter(f"datum.drawn > {INSIDE_FROM}")
        .mark_text(align="right", dx=-4, fontSize=11, color="#ffffff")
        .encode(y=y, x=alt.X("drawn:Q"), text="label:N")
    )
    overspent = (
        base.transform_filter(f"datum.drawn <= {-INSIDE_BELOW}")
        .transform_calculate(at="0")
        .mark_text(align="right", dx=-4, fontSize=11, color="#ffffff")
        .encode(y=y, x=alt.X("at:Q"), text="label:N")
    )
    return _spec(bar + outside + inside + overspent, rows)


def _chart(rows: list[dict[str, Any]], title: str) -> Any:
    return alt.Chart(_data(rows), title=title, width=WIDTH)
