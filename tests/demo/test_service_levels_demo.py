"""The demo carries SLAs and XLAs with their tickets and survey answers (demo/service_levels.py,
through the real ingest paths), so the SLA and XLA attainment reports have met and breached
months and the scorecard's "SLAs met" and "XLAs met" KPIs have values instead of grey.

Survey answers are drawn from exact proportions, so each service-month's figures are known by
hand: a good month has CSAT (11x5 + 9x4 + 3x3 + 1x2) / 24 = 4.25, NPS 100 x (12 - 4) / 24 =
33.3 and CES (4x1 + 8x2 + 8x3 + 4x4) / 24 = 2.5; a poor one CSAT 90 / 24 = 3.75, NPS 0 and CES
84 / 24 = 3.5."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from leadline.context import App
from leadline.demo.run import DemoResult
from leadline.demo.service_levels import SCORES
from leadline.periods import PeriodAsOf
from leadline.reliability.agreement_models import ServiceLevelAgreement
from leadline.reliability.sla_report import sla_status
from leadline.reliability.xla import xla_status
from leadline.scorecard.core import scorecard
from tests.scorecard.conftest import NOW, demo  # noqa: F401

MONTHS = ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10")


def test_the_answer_proportions_give_the_documented_scores() -> None:
    def nps(scores: list[int]) -> float:
        promoters = sum(1 for s in scores if s >= 9)
        detractors = sum(1 for s in scores if s <= 6)
        return 100 * (promoters - detractors) / len(scores)

    assert [sum(SCORES["csat"][g]) / 24 for g in (True, False)] == [4.25, 3.75]
    assert [round(nps(SCORES["nps"][g]), 1) for g in (True, False)] == [33.3, 0.0]
    assert [sum(SCORES["ces"][g]) / 24 for g in (True, False)] == [2.5, 3.5]


def test_demo_has_slas_and_xlas_with_met_and_breached_months(
    demo: tuple[App, DemoResult],  # noqa: F811
) -> None:
    app, result = demo
    for source in ("service-levels", "tickets-csv", "experience-csv"):
        mine = [r for r in result.reports if r.source == source]
        assert len(mine) == 1 and mine[0].exit_code == 0, source
        assert all(u.rows_rejected == 0 and u.rows_accepted > 0 for u in mine[0].results)
    with app.store.session() as session:
        kinds = [a.kind for a in session.scalars(select(ServiceLevelAgreement))]
    assert sorted(kinds).count("sla") == 4 and kinds.count("xla") == 2
    sla_verdicts: set[str] = set()
    xla_verdicts: set[str] = set()
    for month in MONTHS:
        at = PeriodAsOf.parse(month, NOW)
        slas = [g for g in sla_status(app, month=at)["groups"] if g["agreement"]]
        sla_verdicts |= {g["status"] for g in slas}
        xlas = [g for g in xla_status(app, month=at)["groups"] if g["agreement"]]
        xla_verdicts |= {g["status"] for g in xlas}
        for group in xlas:  # every surveyed service-month is a good or a poor one
            if group["status"] in ("met", "breached"):
                pair = (group["csat"]["mean"], round(group["nps"]["score"], 1))
                assert pair in ((4.25, 33.3), (3.75, 0.0)), (month, group["key"], pair)
                if group["ces"]["mean"] is not None:
                    assert math.isclose(group["ces"]["mean"], 2.5 if pair[0] == 4.25 else 3.5)
    assert {"met", "breached"} <= sla_verdicts
    assert {"met", "breached"} <= xla_verdicts


@pytest.mark.parametrize("period", ["2026Q4", "2026Q3"])
def test_scorecard_sla_and_xla_kpis_are_not_grey(
    demo: tuple[App, DemoResult],  # noqa: F811
    period: str,
) -> None:
    app, _ = demo
    card = scorecard(app, by="organisation", period=period, now=NOW)
    kpis = {k["kpi"]: k for k in card["scopes"][0]["kpis"]}
    for key in ("service.sla_met", "service.xla_met"):
        kpi = kpis[key]
        assert kpi["value"] is not None and 0 < kpi["value"] <= 100, (key, kpi)
        assert kpi["status"] in ("green", "amber", "red"), (key, kpi)
    for team in scorecard(app, by="team", period=period, now=NOW)["scopes"]:
        found = {k["kpi"]: k for k in team["kpis"]}
        if "service.sla_met" in found and found["service.sla_met"]["value"] is not None:
            break
    else:
        pytest.fail("no team has an SLA value")
