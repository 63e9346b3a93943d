"""Vega-Lite chart specs built with Altair; the page embeds the JSON and vega-embed draws it
in the browser. Each chart is also readable without JavaScript: the page shows its table."""

from __future__ import annotations

from typing import Any

import altair as alt

WIDTH = 560
PARTIAL = "datum.bucket == 'partial'"


def _data(_rows: list[dict[str, Any]]) -> Any:
    """A named placeholder: Altair validates inline values row by row (slow for big tables),
    so the rows are put into the finished spec instead (``_spec``)."""
    return alt.Data(name="rows")  # type: ignore[no-untyped-call]


def _spec(chart: alt.TopLevelMixin, rows: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = chart.to_dict()
    spec["data"] = {"values": rows}
    return spec


def lines(
    rows: list[dict[str, Any]], x: str, y: str, color: str, *, title: str, y_title: str
) -> dict[str, Any]:
    """A time series per ``color`` (e.g. deployments per week per team). Rows with a
    ``bucket`` field (``complete`` or ``partial``: cut by the window or still running) show
    partial buckets as hollow, faded points with a legend, never as if complete."""
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
    line = base.mark_line().encode(**encoding)
    points = base.mark_point(size=60).encode(
        **encoding,
        shape=alt.Shape(
            "bucket:N",
            title="bucket",
            scale=alt.Scale(domain=["complete", "partial"], range=["circle", "triangle-up"]),
        ),
        fill=alt.condition(
            "datum.bucket == 'partial'", alt.value("white"), alt.Color(f"{color}:N")
        ),
        opacity=alt.condition("datum.bucket == 'partial'", alt.value(0.6), alt.value(1.0)),
        tooltip=[*tooltip, "bucket:N"],
    )
    return _spec(line + points, rows)


def bars(
    rows: list[dict[str, Any]], category: str, value: str, title: str, value_title: str
) -> dict[str, Any]:
    """A horizontal bar per category, longest first."""
    chart = (
        alt.Chart(_data(rows), title=title, width=WIDTH)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort="-x", title=None),
            x=alt.X(f"{value}:Q", title=value_title),
            tooltip=[f"{category}:N", f"{value}:Q"],
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
    rows: list[dict[str, Any]], category: str, value: str, group: str, title: str
) -> dict[str, Any]:
    """Side-by-side bars per category (e.g. current and target tier per CSF function)."""
    chart = (
        _chart(rows, title)
        .mark_bar()
        .encode(
            x=alt.X(f"{category}:N", title=None),
            xOffset=alt.XOffset(f"{group}:N"),
            y=alt.Y(f"{value}:Q", title=value),
            color=alt.Color(f"{group}:N", title=None),
            tooltip=[f"{category}:N", f"{group}:N", f"{value}:Q"],
        )
    )
    return _spec(chart, rows)


def _chart(rows: list[dict[str, Any]], title: str) -> Any:
    return alt.Chart(_data(rows), title=title, width=WIDTH)
