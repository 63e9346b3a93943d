"""The chart specs say what the data means: partial buckets never drawn as complete, risk
cells coloured by rating, error budgets by state with outliers clipped (true value in the
label), CSF functions in CSF 2.0 order, and one RAG palette shared with the stylesheet."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from leadline.risk.scoring import Matrix
from leadline.webkit import charts, palette

CSS = Path(__file__).resolve().parents[2] / "src" / "leadline" / "web" / "static" / "leadline.css"
CSF_ORDER = ["Govern", "Identify", "Protect", "Detect", "Respond", "Recover"]


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every leaf layer of a (nested) layered spec."""
    out = []
    for layer in spec.get("layer", []):
        out.extend(_layers(layer) if "layer" in layer else [layer])
    return out


def _title(spec: dict[str, Any]) -> Any:
    """A chart's title (Altair puts a layered chart's on its layers)."""
    return spec.get("title", _layers(spec)[0].get("title"))


def _kept(layer: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows a layer draws after its filters (the expressions used here, evaluated)."""
    kept = rows
    for step in layer.get("transform", []):
        if "filter" not in step:
            continue  # a calculated field changes no row's presence
        expression = step["filter"]
        match = re.fullmatch(r"datum\.(\w+) (==|>|<=) (.+)", expression)
        assert match, expression
        field, op, raw = match.groups()
        value: Any = raw.strip("'") if raw.startswith("'") else float(raw)
        compare = {
            "==": lambda a, b: a == b,
            ">": lambda a, b: a > b,
            "<=": lambda a, b: a <= b,
        }[op]
        kept = [r for r in kept if compare(r[field], value)]
    return kept


def _weeks() -> list[dict[str, Any]]:
    """Two teams over a window starting on a Wednesday and ending on a Monday: first and last
    weeks partial (the last one day long, with no deployment yet)."""
    rows = []
    for team, counts in (("a", [3, 9, 8, 0]), ("b", [1, 4, 5, 0])):
        for i, (week, n) in enumerate(
            zip(("2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"), counts, strict=True)
        ):
            partial = i in (0, 3)
            rows.append(
                {
                    "team": team,
                    "week": week,
                    "deployments": n,
                    "bucket": "partial" if partial else "complete",
                    "days": (5.0 if i == 0 else 1.0) if partial else 7.0,
                }
            )
    return rows


def test_the_line_joins_complete_buckets_only_and_partial_ones_are_marked() -> None:
    rows = _weeks()
    spec = charts.lines(
        rows, "week", "deployments", "team", title="Deployments", y_title="deployments"
    )
    lines = [layer for layer in _layers(spec) if layer["mark"]["type"] == "line"]
    assert len(lines) == 1
    drawn = _kept(lines[0], spec["data"]["values"])
    # no drop to 0 at the one-day last week, no low start at the five-day first week
    assert {r["week"] for r in drawn} == {"2026-11-16", "2026-11-23"}
    assert min(r["deployments"] for r in drawn) == 4
    points = [layer for layer in _layers(spec) if layer["mark"]["type"] == "point"]
    outlines = [p for p in points if "shape" in p["encoding"]]
    assert len(outlines) == 1  # every bucket a point, its shape telling complete from partial
    assert len(_kept(outlines[0], rows)) == 8
    shape = outlines[0]["encoding"]["shape"]
    assert shape["field"] == "bucket"
    assert shape["scale"] == {"domain": ["complete", "partial"], "range": ["circle", "triangle-up"]}
    assert "partial (cut short)" in shape["legend"]["labelExpr"]
    filled = [p for p in points if p["mark"].get("filled")]
    assert [len(_kept(p, rows)) for p in filled] == [4]  # only complete weeks filled
    assert {"field": "days", "type": "quantitative"} in outlines[0]["encoding"]["tooltip"]


def test_a_series_without_buckets_is_one_line() -> None:
    rows = [{"t": "x", "week": "2026-11-02", "n": 1}, {"t": "x", "week": "2026-11-09", "n": 2}]
    spec = charts.lines(rows, "week", "n", "t", title="n", y_title="n")
    assert spec["mark"]["type"] == "line" and spec["mark"]["point"] is True


def test_risk_cells_are_coloured_by_rating_with_counts_as_labels() -> None:
    matrix = Matrix()  # 5 x 5, low 1-4, medium 5-9, high 10-15, critical 16-25
    cells = matrix.heatmap([(4, 4), (2, 3), (2, 3), (1, 1)])
    spec = charts.risk_matrix(cells, matrix.band_names(), "Open risks")
    rect, text = _layers(spec)
    colour = rect["encoding"]["color"]
    assert colour["field"] == "rating"  # by rating, not by count
    assert colour["scale"]["domain"] == ["low", "medium", "high", "critical"]
    fills = dict(zip(colour["scale"]["domain"], colour["scale"]["range"], strict=True))
    assert fills["critical"] == palette.RAG["red"]  # the most alarming colour
    assert len(set(fills.values())) == 4
    by_cell = {(c["likelihood"], c["impact"]): c for c in spec["data"]["values"]}
    assert by_cell[(4, 4)] == {
        "likelihood": 4,
        "impact": 4,
        "score": 16,
        "rating": "critical",
        "count": 1,
    }
    assert by_cell[(2, 3)]["rating"] == "medium" and by_cell[(2, 3)]["count"] == 2
    assert by_cell[(5, 5)]["count"] == 0 and by_cell[(5, 5)]["rating"] == "critical"
    assert text["encoding"]["text"]["field"] == "count"
    labelled = _kept(text, spec["data"]["values"])
    assert sorted((c["likelihood"], c["impact"], c["count"]) for c in labelled) == [
        (1, 1, 1),
        (2, 3, 2),
        (4, 4, 1),
    ]
    ink_scale = text["encoding"]["color"]["scale"]
    inks = dict(zip(colour["scale"]["domain"], ink_scale["range"], strict=True))
    assert inks["critical"] == "#ffffff" and inks["medium"] == "#1a1a1a"
    assert spec["resolve"] == {"scale": {"color": "independent"}}


def test_rating_colours_keep_the_most_alarming_for_the_last_band() -> None:
    four = palette.rating_colours(["low", "medium", "high", "critical"])[0]
    assert four == ["#1b7f3b", "#f2c12e", "#e8590c", "#a40000"]
    three = palette.rating_colours(["low", "medium", "high"])[0]
    assert three == ["#1b7f3b", "#e8590c", "#a40000"]  # positions 0, 1.5 -> 2, 3
    assert palette.rating_colours(["only"])[0] == ["#a40000"]


def _slo(name: str, left: float | None, state: str) -> dict[str, Any]:
    return {"slo": name, "error_budget_remaining": left, "policy_state": state}


def test_error_budget_bars_by_state_with_the_outlier_clipped() -> None:
    slos = [
        _slo("fine", 0.7, "healthy"),
        _slo("thin", 0.168, "at_risk"),
        _slo("spent", -12.676, "exhausted"),
        _slo("over", -0.5, "exhausted"),
        _slo("quiet", None, "healthy"),
    ]
    rows = charts.budget_rows(slos)
    by_slo = {r["slo"]: r for r in rows}
    assert by_slo["spent"] == {
        "slo": "spent",
        "budget_left_pct": -1267.6,
        "drawn": -100.0,
        "state": "Exhausted",
        "label": "◀ -1,267.6 %",
    }
    assert by_slo["over"]["drawn"] == -50.0 and by_slo["over"]["label"] == "-50.0 %"
    assert by_slo["thin"]["state"] == "At risk" and by_slo["thin"]["label"] == "16.8 %"
    assert by_slo["quiet"] == {
        "slo": "quiet",
        "budget_left_pct": None,
        "drawn": 0.0,
        "state": "No data",
        "label": "no data",
    }
    spec = charts.error_budget(rows, "Error budget left (%)")
    bar, outside, inside, overspent = _layers(spec)
    x = bar["encoding"]["x"]
    assert x["field"] == "drawn" and x["scale"]["domain"] == [-100.0, 100]
    # the at-risk SLO takes 16.8 of a 200-point axis, not 16.8 of 1,367.6
    colour = bar["encoding"]["color"]
    assert colour["field"] == "state" and colour["title"] == "Budget state"
    assert dict(zip(colour["scale"]["domain"], colour["scale"]["range"], strict=True)) == {
        "Healthy": palette.RAG["green"],
        "At risk": palette.RAG["amber"],
        "Exhausted": palette.RAG["red"],
        "No data": palette.RAG["grey"],
    }
    assert bar["encoding"]["y"]["sort"] == ["spent", "over", "thin", "fine", "quiet"]
    labelled = [r["slo"] for layer in (outside, inside, overspent) for r in _kept(layer, rows)]
    assert sorted(labelled) == sorted(by_slo)  # every bar has its true value as a label, once
    assert {r["slo"] for r in _kept(inside, rows)} == {"fine"}  # long bars: label inside
    assert {r["slo"] for r in _kept(overspent, rows)} == {"spent", "over"}  # by the zero line
    assert overspent["encoding"]["x"]["field"] == "at"
    assert {"calculate": "0", "as": "at"} in overspent["transform"]
    assert _title(spec)["subtitle"] == "Axis cut at -100 % (◀); labels give the true values"
    assert {"field": "label", "title": "Budget left", "type": "nominal"} in bar["encoding"][
        "tooltip"
    ]


def test_error_budgets_without_overspending_start_at_zero() -> None:
    spec = charts.error_budget(charts.budget_rows([_slo("a", 0.5, "healthy")]), "Budget")
    assert _layers(spec)[0]["encoding"]["x"]["scale"]["domain"] == [0.0, 100]
    assert _title(spec) == "Budget"  # nothing clipped, no subtitle


def test_csf_bars_keep_the_csf_order() -> None:
    rows = [{"function": f, "risks": n} for f, n in zip(CSF_ORDER, [2, 5, 9, 1, 0, 3], strict=True)]
    spec = charts.bars(rows, "function", "risks", "Risks", "risks", order=CSF_ORDER)
    assert spec["encoding"]["y"]["sort"] == CSF_ORDER
    grouped = charts.grouped(
        [{"function": f, "tier": "current tier", "mean": 2.0} for f in CSF_ORDER],
        "function",
        "mean",
        "tier",
        "Mean tier",
        order=CSF_ORDER,
    )
    assert grouped["encoding"]["x"]["sort"] == CSF_ORDER
    assert sorted(CSF_ORDER) != CSF_ORDER  # alphabetical would differ
    assert charts.bars(rows, "function", "risks", "Risks", "risks")["encoding"]["y"]["sort"] == "-x"


def test_the_stylesheet_declares_the_charts_rag_palette() -> None:
    css = CSS.read_text()
    for status, colour in palette.RAG.items():
        assert f"--rag-{status}: {colour};" in css
        assert f".rag-{status} {{ --rag: var(--rag-{status}); }}" in css
    assert set(palette.RAG_SYMBOL) == set(palette.RAG) == set(palette.RAG_TEXT)
    assert set(palette.BUDGET_STATES.values()) <= set(palette.RAG)


def test_charts_of_nothing_still_draw() -> None:
    """A filter leaving no SLO or no open risk gives a chart Vega can draw (no crash)."""
    import vl_convert as vlc

    matrix = Matrix()
    empty = [
        charts.error_budget([], "Budget"),
        charts.risk_matrix(matrix.heatmap([]), matrix.band_names(), "Risks"),
        charts.lines([], "week", "n", "team", title="n", y_title="n"),
    ]
    assert _layers(empty[0])[0]["encoding"]["x"]["scale"]["domain"] == [0.0, 100]
    for spec in empty:
        assert vlc.vegalite_to_svg(spec).startswith("<svg")
