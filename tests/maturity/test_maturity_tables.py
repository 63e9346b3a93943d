"""The maturity reports people read (CLI CSV, the Maturity page) from a hand-made document."""

from __future__ import annotations

import datetime as dt
from typing import Any

from leadline.maturity.tables import domains_report, evidence_report, gaps_report, threshold
from leadline.present.render import to_csv

LEVELS = ["Reactive", "Proactive", "Integrated", "Optimized", "Transformative"]


def _rule(rule: str, level: int, met: bool, **extra: Any) -> dict[str, Any]:
    return {
        "rule": rule,
        "level": level,
        "description": f"{rule} holds",
        "met": met,
        "via": extra.get("via", "evidence" if met else None),
        "value": extra.get("value"),
        "threshold": extra.get("threshold"),
        "detail": extra.get("detail", "found"),
        "answerable": extra.get("answerable", False),
    }


DOCUMENT: dict[str, Any] = {
    "as_of": dt.date(2026, 11, 25),
    "levels": [{"level": i + 1, "name": n} for i, n in enumerate(LEVELS)],
    "domains": [
        {
            "domain": "delivery",
            "name": "Delivery",
            "level": 2,
            "level_name": "Proactive",
            "evidence": [
                _rule("d.some", 2, True, value=3.0, threshold=">= 1"),
                _rule("d.all", 3, False, value=0.5, threshold=">= 1", detail="4 of 8 teams"),
                _rule("d.ask", 3, False, answerable=True, detail="judged by answer only"),
            ],
            "next": {
                "level": 3,
                "name": "Integrated",
                "missing": [
                    {
                        "rule": "d.all",
                        "description": "d.all holds",
                        "detail": "4 of 8 teams",
                        "threshold": ">= 1",
                        "answerable": False,
                    },
                    {
                        "rule": "d.ask",
                        "description": "d.ask holds",
                        "detail": "judged by answer only",
                        "threshold": None,
                        "answerable": True,
                    },
                ],
            },
        },
        {
            "domain": "finops",
            "name": "FinOps",
            "level": 5,
            "level_name": "Transformative",
            "evidence": [_rule("f.top", 5, True, via="answer")],
            "next": None,
        },
    ],
}


def test_domains_report_is_the_csv_people_and_the_page_read() -> None:
    report = domains_report(DOCUMENT)
    assert to_csv(report).splitlines() == [
        "domain,level,level_name,next,gaps,missing",
        "Delivery,2,Proactive,Integrated,2,d.all holds; d.ask holds",
        "FinOps,5,Transformative,top level reached,0,nothing: top level reached",
    ]
    assert report.window == "at 2026-11-25"


def test_gaps_and_evidence_in_words() -> None:
    gaps = gaps_report(DOCUMENT).rows
    assert [(g["next"], g["threshold"], g["answerable"]) for g in gaps] == [
        ("3 Integrated", "at least 1", False),
        ("3 Integrated", "a yes answer", True),
    ]
    evidence = evidence_report(DOCUMENT).rows
    assert [(e["rule"], e["via"]) for e in evidence] == [
        ("d.some", "evidence"),
        ("d.all", "not_met"),
        ("d.ask", "not_met"),
        ("f.top", "answer"),
    ]
    assert (threshold("<= 0"), threshold(">= 0.7"), threshold(None)) == (
        "at most 0",
        "at least 0.7",
        "a yes answer",
    )
