"""The Maturity page: each domain's level on the five-level model (Reactive, Proactive,
Integrated, Optimized, Transformative), what is missing for the next level and the evidence
per rule (registered by ``maturity/plugin.py``).

It shows ``leadline maturity``'s document (``maturity.model.maturity``), judged through the
evaluation all pages share, so its figures are the ones the other pages show; maturity is the
organisation's, so the filters do not narrow it."""

from __future__ import annotations

from typing import Any

from leadline.context import App
from leadline.maturity.model import maturity
from leadline.maturity.tables import domains_report, evidence_report, gaps_report
from leadline.periods import iso
from leadline.webkit import tiles
from leadline.webkit.cache import cached
from leadline.webkit.filters import Filters, Scope
from leadline.webkit.scorebars import labelled_bars
from leadline.webkit.viewdata import Page, Table, Tile, count_tile


def maturity_page(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Maturity", period="none")
    ev = tiles.evaluation(app)
    document = cached(app, "maturity", lambda: maturity(app, evaluation=ev), iso(ev.now))
    page.notes.append(
        "Maturity is judged for the whole organisation from its evidence (and questionnaire "
        "answers where a rule allows one); the filters do not narrow it."
    )
    page.kpis = domain_tiles(document)
    page.charts.append(("Maturity level per domain", level_chart(document)))
    page.tables += [
        Table("domains", domains_report(document)),
        Table("gaps", gaps_report(document)),
        Table("evidence", evidence_report(document)),
    ]
    return page


def domain_tiles(document: dict[str, Any]) -> list[Tile]:
    """A tile per domain (its level and what the next one needs), then the rules met."""
    at = f"at {document['as_of']}"
    out = []
    for d in document["domains"]:
        following = d["next"]
        count = len(following["missing"]) if following else 0
        needs = (
            f"level {following['level']} needs {count} more rule{'' if count == 1 else 's'}"
            if following
            else "top level reached"
        )
        out.append(Tile(d["name"], f"{d['level']} {d['level_name']}", f"{at}; {needs}"))
    judged = [e for d in document["domains"] for e in d["evidence"]]
    met = sum(1 for e in judged if e["met"])
    out.append(count_tile("Rules met", f"{met} of {len(judged)}", at))
    return out


def level_chart(document: dict[str, Any]) -> dict[str, Any]:
    """Each domain's level on the 1-5 scale, in the model's domain order, labelled with the
    level's number and name."""
    levels = document["levels"]
    rows = [
        {"domain": d["name"], "level": d["level"], "text": f"{d['level']} {d['level_name']}"}
        for d in document["domains"]
    ]
    return labelled_bars(
        rows,
        category="domain",
        value="level",
        label="text",
        title=f"Maturity level per domain (at {document['as_of']})",
        value_title=f"level (1 {levels[0]['name']} to 5 {levels[-1]['name']})",
        scale=(0.0, 5.0),
        ticks=[0, 1, 2, 3, 4, 5],
    )
