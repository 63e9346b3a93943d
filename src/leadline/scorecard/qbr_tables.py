"""The QBR's tables as people read them: each section is a :class:`~leadline.present.Report`
(the scorecard's is ``leadline scorecard``'s own report) formatted by ``present`` (money with
thousands separators and its currency to the minor unit, ratios as percentages, labels
humanised, a dash when absent), so the QBR prints a figure as the CLI and the pages do.

A cell that carries a RAG meaning has a status too (green, amber, red, grey); the template
shows it with a colour *and* a symbol and word, never colour alone."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from leadline.present.formats import cell, money
from leadline.present.model import Column, Report
from leadline.present.render import align
from leadline.reliability.tables import STATUS_COLUMNS
from leadline.scorecard.tables import scorecard_report
from leadline.webkit.palette import BUDGET_STATES, RAG_SYMBOL

GRADES = {"green": "green", "yellow": "amber", "red": "red"}  # OKR grades in RAG terms
# a residual risk rating in RAG terms (the register's bands; high and critical both call for action)
RATINGS = {"low": "green", "medium": "amber", "high": "red", "critical": "red"}


@dataclass
class Cell:
    text: str
    align: str  # "number" (right-aligned figures) or "text"
    status: str | None = None  # RAG status shown with colour, symbol and word

    @property
    def symbol(self) -> str:
        return RAG_SYMBOL.get(self.status or "", "")


@dataclass
class Section:
    """Rows of cells under column titles; ``groups`` splits them under sub-headings."""

    titles: list[tuple[str, str]]  # (title, alignment)
    groups: list[tuple[str | None, list[list[Cell]]]] = field(default_factory=list)
    widths: list[int] | None = None  # column widths in per cent (the PDF's A4 page)

    @property
    def empty(self) -> bool:
        return not any(rows for _, rows in self.groups)


def _section(
    report: Report,
    keys: list[str],
    rag: dict[str, dict[str, str]] | None = None,
    group: str | None = None,
    widths: list[int] | None = None,
) -> Section:
    """``report``'s columns ``keys`` as a section, rows under the formatted ``group``
    column's values in their first-seen order."""
    columns = report.select(keys)
    rag = rag or {}
    groups: dict[str | None, list[list[Cell]]] = {}
    for row in report.rows:
        cells = [
            Cell(
                cell(row.get(c.key), c, row), align(c), rag.get(c.key, {}).get(str(row.get(c.key)))
            )
            for c in columns
        ]
        heading = cell(row.get(group), report.column(group), row) if group else None
        groups.setdefault(heading, []).append(cells)
    return Section([(c.title, align(c)) for c in columns], list(groups.items()), widths)


def scorecard_section(card: dict[str, Any]) -> Section:
    """The organisation's KPIs by group: ``leadline scorecard``'s report and formatting, the
    previous quarter's column titled with its label."""
    scope = card["scopes"][0]["scope"] if card["scopes"] else None
    report = scorecard_report(card, scope)
    report.columns = [
        replace(c, title=card["previous_period"]) if c.key == "previous" else c
        for c in report.columns
    ]
    keys = ["name", "value", "target", "status", "previous", "trend", "owner"]
    rag = {"status": {s: s for s in RAG_SYMBOL}}
    return _section(report, keys, rag, "group", [21, 15, 14, 11, 14, 8, 17])


def objectives_section(objectives: list[dict[str, Any]]) -> Section:
    rows = [
        {**o, "title": o.get("title") or o.get("name"), "key_results": len(o["key_results"])}
        for o in objectives
    ]
    columns = [
        Column("title", "Objective"),
        Column("owner", "Owner", "name"),
        Column("score", "Score", "number", digits=2),
        Column("grade", "Grade", "label"),
        Column("key_results", "Key results", "count"),
    ]
    report = Report("objectives", "OKR scores", columns, rows)
    return _section(
        report, [c.key for c in columns], {"grade": GRADES}, widths=[46, 20, 10, 12, 12]
    )


def risks_section(top: list[dict[str, Any]]) -> Section:
    columns = [
        Column("risk_id", "Risk", "name"),
        Column("title", "Title"),
        Column("owner", "Owner", "name"),
        Column("residual_score", "Residual score", "count"),
        Column("residual_rating", "Rating", "label"),
        Column("treatment", "Treatment", "label"),
    ]
    report = Report("risks", "Top risks", columns, top)
    keys = [c.key for c in columns]
    return _section(report, keys, {"residual_rating": RATINGS}, widths=[9, 39, 18, 11, 11, 12])


def slos_section(worst: list[dict[str, Any]]) -> Section:
    """The SLOs with the least error budget left, in the SLO status report's formats."""
    found = {c.key: c for c in STATUS_COLUMNS}
    columns = [
        *(found[k] for k in ("slo", "service", "objective", "sli", "error_budget_remaining")),
        Column("policy_state", "Budget", "label"),
        Column("alert", "Alert", "label"),
    ]
    rows = [{**s, "alert": s.get("alert") or "none firing"} for s in worst]
    report = Report("slos", "SLOs", columns, rows)
    keys = [c.key for c in columns]
    return _section(
        report, keys, {"policy_state": BUDGET_STATES}, widths=[21, 17, 12, 10, 10, 16, 14]
    )


def costs_section(costs: dict[str, Any], month: str) -> Section:
    """The top teams of the highlighted month (``month``: its label for people)."""
    columns = [
        Column("key", f"Team ({month})", "name"),
        Column("cost", "Cost", "money", currency=costs["currency"]),
        Column("share", "Share", "ratio", digits=1),
    ]
    report = Report("costs", "Top teams by cost", columns, costs["top"])
    return _section(report, [c.key for c in columns], widths=[50, 30, 20])


def plan_section(items: list[dict[str, Any]]) -> Section:
    columns = [
        Column("title", "Overdue item"),
        Column("owner", "Owner", "name"),
        Column("due", "Due", "date"),
    ]
    report = Report("plan", "Overdue plan items", columns, items)
    return _section(report, [c.key for c in columns], widths=[60, 25, 15])


def maturity_section(domains: list[dict[str, Any]]) -> Section:
    rows = [
        {
            "name": d["name"],
            "level": f"{d['level']} · {d['level_name']}",
            "missing": "; ".join(
                f"{x['description']} ({x['detail']})" for x in d["next"]["missing"]
            )
            if d.get("next")
            else "top level reached",
        }
        for d in domains
    ]
    columns = [
        Column("name", "Domain"),
        Column("level", "Level"),
        Column("missing", "Missing for the next level"),
    ]
    report = Report("maturity", "Maturity", columns, rows)
    return _section(report, [c.key for c in columns], widths=[18, 16, 66])


def amount(value: Any, currency: str) -> str:
    """Money as every QBR figure shows it (``present.formats.money``)."""
    return money(value, currency)
