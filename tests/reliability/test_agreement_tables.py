"""SLA and XLA attainment as reports: titled, formatted cells (ratios as percentages, hours,
scores), the CLI's table and CSV from the same report, and the Reliability page's tables with
status badges, on the hand-computed scenarios of test_sla.py and test_xla.py."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leadline.context import App
from leadline.periods import PeriodAsOf
from leadline.present.render import cells, to_csv
from leadline.reliability.agreement_tables import sla_status_report, xla_status_report
from leadline.reliability.sla_report import sla_app, sla_status
from leadline.reliability.xla import xla_app, xla_status
from tests.reliability.test_sla import AS_OF, land_sla
from tests.reliability.test_xla import land_xla
from tests.web.support import add_user, login

MARCH = ("--month", "2026-03", "--as-of", "2026-04-10T00:00:00Z")
SLA_HEADER = (
    "key,agreement,priority,status,tickets,open,cancelled,response_target_hours,"
    "response_within_target,response_breached,response_pending,response_p50_hours,"
    "response_p90_hours,response_status,resolution_target_hours,resolution_within_target,"
    "resolution_breached,resolution_pending,resolution_p50_hours,resolution_p90_hours,"
    "resolution_status,availability,availability_objective,availability_status"
)


@pytest.fixture
def agreements(app: App, tmp_path: Path) -> App:
    (tmp_path / "sla").mkdir()
    (tmp_path / "xla").mkdir()
    land_sla(app, tmp_path / "sla")
    land_xla(app, tmp_path / "xla")
    return app


def _shown(report: object, key: str, agreement: str, priority: str | None = None) -> dict[str, str]:
    """One row's shown cells by column title."""
    columns = report.shown  # type: ignore[attr-defined]
    for row, texts in zip(report.rows, cells(report, columns), strict=True):  # type: ignore[attr-defined]
        same = row["key"] == key and row["agreement"] == agreement
        if same and (priority is None or row.get("priority") == priority):
            return {c.title: t for c, t in zip(columns, texts, strict=True)}
    raise AssertionError((key, agreement, priority))


def test_sla_report_formats_the_hand_computed_figures(agreements: App) -> None:
    report = sla_status_report(sla_status(agreements, month=PeriodAsOf.parse("2026-03", AS_OF)))
    assert report.title == "SLA attainment by service, 2026-03"
    assert report.window == "2026-03"  # complete at 2026-04-10
    totals = _shown(report, "api", "api-gold", "(all)")
    assert totals["Status"] == "Breached"
    assert totals["Tickets"] == "7" and totals["Open"] == "1"
    assert totals["Response within target"] == "60.0 %"  # 3 met of 5 judged
    assert totals["Availability"] == "99.900 %" and totals["Availability objective"] == "99.900 %"
    p1 = _shown(report, "api", "api-gold", "P1")
    assert p1["Response within target"] == "50.0 %"
    assert p1["Response p90"] == "0.3 h"  # 19 minutes
    assert p1["Resolution p90"] == "5.6 h"
    assert p1["Status"] == "—"  # a priority row has no agreement verdict
    assert p1["Availability"] == "—"
    web = _shown(report, "web", "payments-standard", "(all)")
    assert web["Availability"] == "98.000 %" and web["Status"] == "Breached"
    assert _shown(report, "search", "", "(all)")["Agreement"] == "—"


def test_sla_cli_prints_the_report_and_its_csv(agreements: App) -> None:
    document = sla_status(agreements, month=PeriodAsOf.parse("2026-03", AS_OF))
    out = CliRunner().invoke(sla_app, ["status", *MARCH, "--format", "csv"], obj=agreements)
    assert out.exit_code == 0, out.output
    assert out.output == to_csv(sla_status_report(document))
    assert out.output.splitlines()[0] == SLA_HEADER  # the CSV columns did not change
    rows = list(csv.DictReader(io.StringIO(out.output)))
    api = next(r for r in rows if (r["key"], r["priority"]) == ("api", "(all)"))
    assert (api["status"], api["response_within_target"], api["availability"]) == (
        "breached",
        "0.6",
        "0.999",
    )
    table = CliRunner().invoke(sla_app, ["status", *MARCH], obj=agreements).output
    assert "SLA attainment by service, 2026-03" in table and "60.0 %" in table


def test_xla_report_and_cli(agreements: App) -> None:
    document = xla_status(agreements, month=PeriodAsOf.parse("2026-03", AS_OF))
    report = xla_status_report(document)
    assert report.title == "XLA attainment by service, 2026-03"
    api = _shown(report, "api", "api-experience")
    assert (api["CSAT"], api["CSAT target"], api["NPS"], api["NPS target"]) == (
        "4.33",
        "4.20",
        "25.0",
        "30",
    )
    assert (api["CES"], api["Status"], api["CSAT answers"]) == ("3.00", "Breached", "3")
    web = _shown(report, "web", "payments-experience")
    assert web["Status"] == "Insufficient data" and web["CES target"] == "—"
    out = CliRunner().invoke(xla_app, ["status", *MARCH, "--format", "csv"], obj=agreements)
    assert out.exit_code == 0, out.output
    assert out.output == to_csv(report)
    assert out.output.splitlines()[0].startswith("key,agreement,status,csat_responses,csat_mean")


def test_the_reliability_page_shows_the_agreements_with_status_badges(
    agreements: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadline.reliability import views
    from leadline.web.app import create_app

    monkeypatch.setattr(views, "last_month", lambda: "2026-03")
    add_user(agreements, "vic", "viewer")
    with TestClient(create_app(agreements.settings, background=False)) as client:
        assert login(client, "vic").status_code == 303
        html = client.get("/reliability").text
        assert "SLA attainment by service, 2026-03" in html
        assert "XLA attainment by service, 2026-03" in html
        assert '<span class="rag-badge rag-red">✖ Breached</span>' in html
        assert '<span class="rag-badge rag-grey">○ Insufficient data</span>' in html
        page_csv = client.get("/reliability?format=csv&table=sla").text
    month = PeriodAsOf.parse("2026-03", None)
    assert page_csv == to_csv(sla_status_report(sla_status(agreements, month=month)))
    assert re.search(r"60\.0 %", html)
