"""QBR charts: Altair (Vega-Lite) specifications rendered offline by vl-convert, as inline SVG
for HTML and as PNG (embedded as a data URI) for the PDF.

Months are labelled as people say them (``Jul 2026``), horizontally and one per point; a
month still running at the report's instant is drawn hollow (a line's point) or pale and
outlined (a bar), ``partial`` in its tooltip, so a part-month never passes for a whole one."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import altair as alt
import pyarrow as pa
import vl_convert

WIDTH, HEIGHT = 230, 120
COLOUR = "#1f5f8b"
FONT = "DejaVu Sans"


def month_label(month: str) -> str:
    """``2026-07`` -> ``Jul 2026``."""
    return dt.datetime.strptime(month, "%Y-%m").strftime("%b %Y")


def _frame(points: list[dict[str, Any]]) -> pa.Table:
    return pa.table(
        {
            "month": pa.array([month_label(p["month"]) for p in points], pa.string()),
            "value": pa.array([p["value"] for p in points], pa.float64()),
            "state": pa.array(
                ["partial" if p.get("partial") else "complete" for p in points], pa.string()
            ),
        }
    )


def _x(points: list[dict[str, Any]]) -> alt.X:
    order = [month_label(p["month"]) for p in points]
    axis = alt.Axis(labelAngle=0, labelOverlap="greedy", labelFontSize=9, labelFont=FONT)
    return alt.X("month:O", title=None, sort=order, axis=axis)


def _y(unit: str) -> alt.Y:
    # grouped, plain decimals (d3's ``~r``: never an exponent, no trailing zeros)
    axis = alt.Axis(format=",~r", titleFont=FONT, labelFont=FONT)
    return alt.Y("value:Q", title=unit or None, axis=axis)


def kpi_chart(name: str, unit: str, points: list[dict[str, Any]], target: float | None) -> Any:
    """A KPI's monthly values (line and points, a running month's point hollow), with its
    target as a dashed rule."""
    base = alt.Chart(_frame(points)).encode(x=_x(points), y=_y(unit))
    line = base.mark_line(color=COLOUR)
    dots = base.mark_point(color=COLOUR, size=40, strokeWidth=1.5).encode(
        fill=alt.Fill(
            "state:N",
            scale=alt.Scale(domain=["complete", "partial"], range=[COLOUR, "#ffffff"]),
            legend=None,
        ),
        tooltip=["month:O", "value:Q", "state:N"],
    )
    layers: list[Any] = [line, dots]
    if target is not None:
        rule = alt.Chart(pa.table({"target": [float(target)]})).mark_rule(
            color="#666666", strokeDash=[4, 3]
        )
        layers.append(rule.encode(y="target:Q"))
    return _titled(alt.layer(*layers), name)


def bar_chart(name: str, unit: str, points: list[dict[str, Any]]) -> Any:
    """Monthly totals as bars; a running month's bar pale and outlined."""
    bars = alt.Chart(_frame(points)).mark_bar(stroke=COLOUR, strokeWidth=1)
    encoded = bars.encode(
        x=_x(points),
        y=_y(unit),
        fill=alt.Fill(
            "state:N",
            scale=alt.Scale(domain=["complete", "partial"], range=[COLOUR, "#cfe0ec"]),
            legend=None,
        ),
        tooltip=["month:O", "value:Q", "state:N"],
    )
    return _titled(encoded, name)


def _titled(chart: Any, name: str) -> Any:
    title = alt.TitleParams(name, font=FONT, fontSize=12)
    return chart.properties(title=title, width=WIDTH, height=HEIGHT)


def svg(chart: Any) -> str:
    text: str = vl_convert.vegalite_to_svg(chart.to_dict())
    return text


def png_data_uri(chart: Any) -> str:
    data: bytes = vl_convert.vegalite_to_png(chart.to_dict(), scale=2)
    return "data:image/png;base64," + base64.b64encode(data).decode()
