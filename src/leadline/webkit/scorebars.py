"""Labelled horizontal bars on a fixed scale (OKR scores 0-1, maturity levels 1-5): each bar
carries its value as text and a tick at its end, so a bar of length zero is still seen and
read; bars are coloured by a status word (never colour alone: the word is in the legend and
the tooltip). Long category labels are wrapped onto several lines (``wrapped``), never cut."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt

NEWLINE = "\n"
LABEL_LIMIT = 200  # pixels per label line (Vega-Lite cuts longer lines with an ellipsis)
LINE_CHARS = 30  # a label is wrapped at this many characters, so it fits LABEL_LIMIT


def wrapped(*parts: str) -> str:
    """A category label of one or more parts, each wrapped into lines of at most
    ``LINE_CHARS`` characters (a phone's width leaves no room for one long line)."""
    return NEWLINE.join(line for part in parts for line in textwrap.wrap(part, LINE_CHARS))


def labelled_bars(
    rows: list[dict[str, Any]],
    *,
    category: str,
    value: str,
    label: str,
    title: str,
    value_title: str,
    scale: tuple[float, float],
    status: str | None = None,
    colours: Mapping[str, str] | None = None,
    order: Sequence[str] | None = None,
    mark: tuple[float, str] | None = None,
    ticks: Sequence[float] | None = None,
) -> dict[str, Any]:
    """One bar per row (``category`` unique), ``value`` on ``scale``, ``label`` written after
    the bar; ``status`` names the field whose words choose the colour (``colours``: word ->
    hex, in legend order); ``order`` fixes the categories' order (default: as given); ``mark``
    draws a dashed reference line at a value with its caption (0.7, "good stretch result");
    ``ticks`` the values marked on the axis (default: about five)."""
    sort = list(order) if order is not None else [r[category] for r in rows]
    y = alt.Y(
        f"{category}:N",
        sort=sort,
        title=None,
        axis=alt.Axis(labelLimit=LABEL_LIMIT, labelExpr="split(datum.label, '\\n')"),
    )
    x = alt.X(
        f"{value}:Q",
        title=value_title,
        scale=alt.Scale(domain=list(scale), nice=False),
        axis=alt.Axis(values=list(ticks)) if ticks is not None else alt.Axis(tickCount=5),
    )
    tooltip = [alt.Tooltip(f"{category}:N", title="Name"), alt.Tooltip(f"{label}:N", title="Value")]
    encoding: dict[str, Any] = {"y": y, "x": x}
    if status is not None:
        words = list(colours or {})
        encoding["color"] = alt.Color(
            f"{status}:N",
            title="Status",
            legend=alt.Legend(orient="bottom", columns=2),
            scale=alt.Scale(domain=words, range=[(colours or {})[w] for w in words]),
        )
        tooltip.append(alt.Tooltip(f"{status}:N", title="Status"))
    base = alt.Chart(alt.Data(name="rows"))  # type: ignore[no-untyped-call]
    lines = max((str(r[category]).count(NEWLINE) + 1 for r in rows), default=1)
    step = 10 + 13 * lines
    bars = base.mark_bar().encode(**encoding, tooltip=tooltip)
    ticks = base.mark_tick(thickness=3, size=step * 0.7).encode(**encoding, tooltip=tooltip)
    text = base.mark_text(align="left", dx=6, baseline="middle").encode(y=y, x=x, text=f"{label}:N")
    layers: list[Any] = [bars, ticks, text]
    if mark is not None:
        at, caption = mark
        reference = alt.Chart(alt.Data(values=[{"at": at, "caption": caption}]))  # type: ignore[no-untyped-call]
        layers.append(
            reference.mark_rule(strokeDash=[4, 4], color="#333333").encode(
                x=alt.X("at:Q"), tooltip=[alt.Tooltip("caption:N", title="Line")]
            )
        )
    chart = alt.layer(*layers, title=title).properties(width="container", height=alt.Step(step))
    spec: dict[str, Any] = chart.to_dict()
    spec["datasets"] = {"rows": rows}
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}  # the page's width, labels in
    return spec
