"""Maturity as people and spreadsheets read it: each one :class:`~leadline.present.Report`
built from ``leadline maturity --format json``'s document (``maturity.model.maturity``), so the
CLI's CSV and the Maturity page's "Download CSV" are the same bytes and nothing is judged
twice."""

from __future__ import annotations

from typing import Any

from leadline.present.model import Column, Report

TOP = "top level reached"

DOMAIN_COLUMNS = (
    Column("domain", "Domain"),
    Column("level", "Level", "count"),
    Column("level_name", "Level name"),
    Column("next", "Next level"),
    Column("gaps", "Rules missing", "count"),
    Column("missing", "Missing for the next level"),
)


def domains_report(document: dict[str, Any]) -> Report:
    """One row per domain: its level (1-5) and name, the next level, how many rules it misses
    and what they are. CSV columns: domain, level, level_name, next, gaps, missing (the
    missing rules' descriptions joined by "; ")."""
    rows = [
        {
            "domain": d["name"],
            "level": d["level"],
            "level_name": d["level_name"],
            "next": d["next"]["name"] if d["next"] else TOP,
            "gaps": len(d["next"]["missing"]) if d["next"] else 0,
            "missing": "; ".join(m["description"] for m in d["next"]["missing"])
            if d["next"]
            else "nothing: " + TOP,
        }
        for d in document["domains"]
    ]
    return Report(
        "domains",
        "Maturity by domain",
        list(DOMAIN_COLUMNS),
        rows,
        window=f"at {document['as_of']}",
        notes=[_scale(document)],
    )


def _scale(document: dict[str, Any]) -> str:
    names = ", ".join(f"{level['level']} {level['name']}" for level in document["levels"])
    return (
        f"Levels: {names}. A domain reaches a level when every rule of that level and the "
        "levels below it is met, by evidence or by a questionnaire answer."
    )


def threshold(text: str | None) -> str:
    """A rule's threshold in words: ``>= 0.7`` -> "at least 0.7", ``<= 0`` -> "at most 0",
    none (a rule judged by questionnaire answer) -> "a yes answer"."""
    if not text:
        return "a yes answer"
    return text.replace(">= ", "at least ", 1).replace("<= ", "at most ", 1)


GAP_COLUMNS = (
    Column("domain", "Domain"),
    Column("next", "For level"),
    Column("rule", "Rule id", "name", shown=False),
    Column("description", "What is needed"),
    Column("threshold", "Threshold"),
    Column("found", "What leadline found"),
    Column("answerable", "A questionnaire answer may satisfy it", "bool"),
)


def gaps_report(document: dict[str, Any]) -> Report:
    """One row per rule a domain misses for its next level, with what the evidence shows.
    CSV columns: domain, next, rule, description, threshold, found, answerable."""
    rows = [
        {
            "domain": d["name"],
            "next": f"{d['next']['level']} {d['next']['name']}",
            "rule": m["rule"],
            "description": m["description"],
            "threshold": threshold(m["threshold"]),
            "found": m["detail"],
            "answerable": m["answerable"],
        }
        for d in document["domains"]
        if d["next"]
        for m in d["next"]["missing"]
    ]
    return Report("gaps", "What the next level needs", list(GAP_COLUMNS), rows)


EVIDENCE_COLUMNS = (
    Column("domain", "Domain"),
    Column("level", "Level", "count"),
    Column("rule", "Rule id", "name", shown=False),
    Column("description", "Rule"),
    Column("met", "Met", "bool"),
    Column("via", "Met by", "label"),
    Column("threshold", "Threshold"),
    Column("value", "Value", "number"),
    Column("detail", "Evidence"),
)


def evidence_report(document: dict[str, Any]) -> Report:
    """Every rule of every domain as judged: met or not, by evidence or by answer, the fact's
    value against its threshold and the sentence explaining it. CSV columns: domain, level,
    rule, description, met, via, threshold, value, detail."""
    rows = [
        {
            "domain": d["name"],
            "level": e["level"],
            "rule": e["rule"],
            "description": e["description"],
            "met": e["met"],
            "via": e["via"] or "not_met",
            "threshold": threshold(e["threshold"]),
            "value": e["value"],
            "detail": e["detail"],
        }
        for d in document["domains"]
        for e in d["evidence"]
    ]
    return Report("evidence", "Evidence per rule", list(EVIDENCE_COLUMNS), rows)
