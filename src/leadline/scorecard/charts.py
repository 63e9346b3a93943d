"""QBR charts: Altair (Vega-Lite) specifications rendered offline by vl-convert, as inline SVG
for HTML and as PNG (embedded as a data URI) for the PDF."""

from __future__ import annotations

import base64
from typing import Any

import altair as alt
import pyarrow as pa
import vl_convert

WIDTH, HEIGHT = 230, 120


def _frame(points: list[dict[str, Any]]) -> pa.Table:
    return pa.table(
        {
            "month": pa.array([p["month"] for p in points], pa.string()),
            "value": pa.array([p["value"] for p in points], pa.float64()),
        }
    )


def kpi_chart(name: str, unit: str, points: list[dict[str, Any]], target: float | None) -> Any:
    """A KPI's monthly values (line and points), with its target as a dashed rule."""
    frame = _frame(points)
    base = alt.Chart(frame).encode(
        x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=0)),
    )
    line = base.mark_line(point=True, color="#1f5f8b").encode(
        y=alt.Y("value:Q", title=unit or None)
    )
    layers: list[Any] = [line]
    if target is not None:
        rule = alt.Chart(pa.table({"target": [float(target)]})).mark_rule(
            color="#888888", strokeDash=[4, 3]
        )
        layers.append(rule.encode(y="target:Q"))
    return alt.layer(*layers).properties(title=name, width=WIDTH, height=HEIGHT)


def bar_chart(name: str, unit: str, points: list[dict[str, Any]]) -> Any:
    frame = _frame(points)
    bars = alt.Chart(frame).mark_bar(color="#1f5f8b")
    encoded = bars.encode(
        x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=unit or None),
    )
    return encoded.properties(title=name, width=WIDTH, height=HEIGHT)


def svg(chart: Any) -> str:
    text: str = vl_convert.vegalite_to_svg(chart.to_dict())
    return text


def png_data_uri(chart: Any) -> str:
    data: bytes = vl_convert.vegalite_to_png(chart.to_dict(), scale=2)
    return "data:image/png;base64," + base64.b64encode(data).decode()
