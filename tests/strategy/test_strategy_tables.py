"""The Strategy page's reports from hand-made documents: the OKR status words, the plan's
phase titles, the strategy on a page's outcomes and proof metrics."""

from __future__ import annotations

import pytest

from leadline.present.formats import cell
from leadline.strategy.tables import (
    okr_status,
    phase_titles,
    proof_metrics_report,
    strategy_outcomes_report,
)


def test_okr_status_is_the_grade_in_words() -> None:
    assert [okr_status(g) for g in ("green", "yellow", "red", None)] == [
        "delivered",
        "progress_made",
        "not_made",
        "no_data",
    ]


def test_plan_phases_are_titled() -> None:
    assert phase_titles() == {
        "days-0-30": "Days 0–30: Listen and assess",
        "days-31-60": "Days 31–60: Launch",
        "days-61-90": "Days 61–90: Review and scale",
    }


PAGE = {
    "name": "s",
    "title": "Our strategy",
    "period": "2026-2027",
    "quarter": "2026Q4",
    "outcomes": [
        {
            "id": "fast",
            "title": "Ship faster",
            "description": None,
            "bets": [{"title": "Paved road", "horizon": "now"}, {"title": "CI", "horizon": None}],
            "objectives": [
                {"name": "a", "title": "A ships", "scope": "team-a", "score": 0.5},
                {"name": "b", "title": "B ships", "scope": "team-b", "score": None},
                {"name": "c", "title": "C ships", "scope": "team-c", "score": 0.2},
            ],
        },
        {"id": "cheap", "title": "Cheaper", "description": "x", "bets": [], "objectives": []},
    ],
    "metrics": [
        {"name": "Lead time", "metric": "dora.lead_time_p50", "current": 5.4, "target": 24.0},
        {"name": "NPS", "current": None, "target": 40.0},
    ],
}


def test_outcomes_with_bets_okrs_and_their_mean_score() -> None:
    report = strategy_outcomes_report(PAGE)
    fast, cheap = report.rows
    assert fast["bets"] == "Paved road (now); CI (no horizon)"
    assert fast["objectives"] == (
        "A ships (team-a: 0.50); B ships (team-b: no score); C ships (team-c: 0.20)"
    )
    assert fast["okr_score"] == pytest.approx(0.35)  # (0.5 + 0.2) / 2: B has no score yet
    assert (cheap["bets"], cheap["objectives"], cheap["okr_score"]) == (
        "no bet yet",
        "none this quarter",
        None,
    )
    assert report.window == "Our strategy (2026-2027); OKRs of 2026Q4"


def test_proof_metrics_by_title_in_their_units() -> None:
    report = proof_metrics_report(PAGE)
    lead, nps = report.rows
    assert lead["measured_by"] == "Lead time for changes (median)"
    assert nps["measured_by"] == "not bound"
    current = report.column("current")
    assert cell(lead["current"], current, lead) == "5.4 h"
    assert cell(nps["current"], current, nps) == "—"
