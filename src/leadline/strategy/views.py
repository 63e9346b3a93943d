"""The Strategy page: the strategy on a page (vision, outcomes with their bets and OKRs,
guardrails, proof metrics), the OKRs with their key results' scores and status, and the
90-day plan, narrowed by the shared filters (registered by ``strategy/plugin.py``).

Every figure comes from the report the CLI prints (``leadline strategy``, ``okr``, ``plan``),
read through the evaluation all pages share, so the tiles, the chart and the tables agree."""

from __future__ import annotations

from typing import Any

from leadline.context import App
from leadline.periods import iso
from leadline.present.model import humanise
from leadline.strategy.okrs import okr_report
from leadline.strategy.page import StrategyError, strategy_page
from leadline.strategy.plan import plan_report
from leadline.strategy.scoring import grade
from leadline.strategy.tables import (
    STATUS_RAG,
    okr_table_report,
    plan_table_report,
    proof_metrics_report,
    strategy_outcomes_report,
)
from leadline.webkit import tiles
from leadline.webkit.cache import cached
from leadline.webkit.filters import Filters, Scope
from leadline.webkit.palette import RAG
from leadline.webkit.scorebars import labelled_bars, wrapped
from leadline.webkit.viewdata import Page, Table, Tile, count_tile

GOOD_SCORE = 0.7  # re:Work: 0.7 is a good result for a stretch goal
GRADE_RAG = {"green": "green", "yellow": "amber", "red": "red"}


def strategy(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Strategy", period="none")
    ev = tiles.evaluation(app)
    okrs = cached(app, "okrs-page", lambda: okr_report(app, evaluation=ev), iso(ev.now))
    names = (scope.teams or set()) | {filters.business_unit or "", filters.value_stream or ""}
    objectives = [o for o in okrs["objectives"] if scope.teams is None or o.get("scope") in names]
    quarters = sorted({o["quarter"] for o in objectives})
    one = quarters[0] if len(quarters) == 1 else okrs["quarter"]  # then named in the caption
    off_page = ("objective_score", "quarter") if len(quarters) == 1 else ("objective_score",)
    # ``leadline okr``'s report of the objectives in the filtered scope
    report = okr_table_report({**okrs, "quarter": one, "objectives": objectives})
    _strategy_on_a_page(app, page, ev)
    page.kpis += okr_tiles(objectives, report.rows)
    if report.rows:
        page.charts.append(("Key result scores", score_chart(report.rows)))
    page.tables.append(
        Table(
            "key_results",
            report,
            # fits a laptop's width: the quarter is in the caption when there is one, the
            # objective's score in the outcomes table and the tile (all are in the CSV)
            show=[c.key for c in report.shown if c.key not in off_page],
            edit="/okr/{key}/checkin",
            key="key_result",
            editors="strategy",
            rag={"status": STATUS_RAG},
        )
    )
    try:
        plan = cached(app, "plan", lambda: plan_report(app), None)
    except ValueError as error:
        page.notes.append(str(error))
        return page
    plan_table = plan_table_report(plan)  # ``leadline plan``'s report
    page.kpis += plan_tiles(plan)
    page.tables.append(
        Table(
            "plan",
            plan_table,
            show=[c.key for c in plan_table.shown if c.key != "key"],  # "Action" names it
            edit="/plan/{key}/edit",
            key="key",
            editors="strategy",
            rag={"overdue": {"True": "red"}},  # an overdue item stands out
        )
    )
    return page


def _strategy_on_a_page(app: App, page: Page, ev: Any) -> None:
    """``leadline strategy``'s page: the vision, guardrails and lighthouses as the page's
    opening lines, the outcomes and proof metrics as tables (for the whole organisation)."""
    try:
        found = cached(app, "strategy-page", lambda: strategy_page(app, evaluation=ev), iso(ev.now))
    except StrategyError as error:
        page.notes.append(f"Strategy on a page: {error}.")
        return
    title = found.get("title") or found["name"]
    period = f", {found['period']}" if found.get("period") else ""
    page.notes.append(f"Vision ({title}{period}): {found['vision']}")
    if found["guardrails"]:
        page.notes.append("Guardrails: " + "; ".join(found["guardrails"]) + ".")
    lighthouses = found["lighthouse_value_streams"]
    page.notes.append(
        "Lighthouse value streams: " + (", ".join(lighthouses) if lighthouses else "none named")
    )
    page.notes.append(
        "The strategy on a page is the organisation's; the filters narrow the OKRs only."
    )
    page.tables.append(Table("outcomes", strategy_outcomes_report(found)))
    metrics = proof_metrics_report(found)
    if metrics.rows:
        page.tables.append(Table("metrics", metrics))


def okr_tiles(objectives: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[Tile]:
    """The mean objective score (coloured by its grade) and the key results delivered."""
    quarters = sorted({o["quarter"] for o in objectives if o.get("quarter")})
    window = ", ".join(quarters) if quarters else "no objectives in this scope"
    scores = [o["score"] for o in objectives if o.get("score") is not None]
    mean = sum(scores) / len(scores) if scores else None
    score = Tile(
        "OKR score (mean of objectives)",
        "no score" if mean is None else f"{mean:.2f} of 1",
        window,
        status=GRADE_RAG.get(grade(mean) or "", "grey"),
        raw=mean,
        target=GOOD_SCORE,
    )
    delivered = sum(1 for r in rows if r["status"] == "delivered")
    return [
        score,
        count_tile("Objectives", len(objectives), window),
        count_tile(
            "Key results delivered",
            f"{delivered} of {len(rows)}",
            f"{window}: score {GOOD_SCORE} or more" if quarters else window,
        ),
    ]


def plan_tiles(plan: dict[str, Any]) -> list[Tile]:
    """The plan's met items and overdue items, from ``leadline plan``'s document (the
    table's window says the same)."""
    window = f"day {plan['day']} since {plan['started_on']}"
    overdue = plan["overdue"]
    return [
        count_tile("90-day plan items met", f"{plan['met']} of {len(plan['items'])}", window),
        Tile(
            "Overdue plan items",
            f"{overdue:,}",
            f"at {plan['today']}",
            status="red" if overdue else "green",
            raw=float(overdue),
            target=0.0,
        ),
    ]


def score_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Each key result's score (0-1), labelled with its value, coloured by its status;
    a score of zero is a labelled tick, a key result without a score says so."""
    labels: dict[str, int] = {}
    data = []
    for r in rows:
        label = wrapped(r["title"], f"({r['scope']})")
        labels[label] = labels.get(label, 0) + 1
        if labels[label] > 1:  # the same title and scope twice: the id tells them apart
            label = wrapped(r["title"], f"({r['key_result']})")
        data.append(
            {
                "key_result": label,
                "score": r["score"] or 0.0,
                "text": "no score yet" if r["score"] is None else f"{r['score']:.2f}",
                "status": humanise(r["status"]),
            }
        )
    colours = {humanise(s): RAG[rag] for s, rag in STATUS_RAG.items()}
    return labelled_bars(
        data,
        category="key_result",
        value="score",
        label="text",
        title="Key result scores (0-1)",
        value_title="score (0 = baseline, 1 = target)",
        scale=(0.0, 1.0),
        status="status",
        colours=colours,
        mark=(GOOD_SCORE, "0.7: a good result for a stretch goal"),
    )
