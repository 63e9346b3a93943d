"""The FinOps reports the pages and the CLI share (hand-made documents): the trend pivots
months into columns with the running month titled "to date"; budget rows keep exact money and
their state; the budget chart colours by state; vendors come soonest renewal first with their
flags in words; the trend months are the six complete ones and the running one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from leadline.finops.charts import budget_chart, budget_rows
from leadline.finops.pages import trend_months, trend_report
from leadline.finops.tables import budget_progress, budget_table, vendors_table
from leadline.periods import Period
from leadline.present.render import cells
from leadline.webkit import palette


def test_trend_months_are_six_complete_and_the_running_one() -> None:
    months = trend_months(dt.datetime(2026, 12, 7, 6))
    assert [m.label for m in months] == [
        "2026-06",
        "2026-07",
        "2026-08",
        "2026-09",
        "2026-10",
        "2026-11",
        "2026-12",
    ]
    assert [m.is_partial(dt.datetime(2026, 12, 7, 6)) for m in months] == [False] * 6 + [True]


def test_trend_report_pivots_months_into_columns() -> None:
    """a: 10 then 30, b: 20 then 5, unallocated 1 then 2: sorted by the last complete month
    (November: a 30, b 5), unallocated last; December is running."""
    months = [Period.parse("2026-10"), Period.parse("2026-11"), Period.parse("2026-12")]
    rows = [
        {"month": "2026-10", "team": "a", "cost": Decimal("10.00")},
        {"month": "2026-10", "team": "b", "cost": Decimal("20.00")},
        {"month": "2026-10", "team": "unallocated", "cost": Decimal("1.00")},
        {"month": "2026-11", "team": "a", "cost": Decimal("30.00")},
        {"month": "2026-11", "team": "b", "cost": Decimal("5.00")},
        {"month": "2026-11", "team": "unallocated", "cost": Decimal("2.00")},
        {"month": "2026-12", "team": "b", "cost": Decimal("1234.50")},
    ]
    report = trend_report("team", rows, "EUR", months)
    assert [c.title for c in report.columns] == [
        "Team",
        "2026-10",
        "2026-11",
        "2026-12 (to date)",
    ]
    assert [r["team"] for r in report.rows] == ["a", "b", "unallocated"]
    shown = cells(report)
    assert shown[0] == ["a", "10.00 EUR", "30.00 EUR", "—"]
    assert shown[1][3] == "1,234.50 EUR"


BUDGET_DOC = {
    "month": "2026-11",
    "cost_type": "effective",
    "currency": "USD",
    "by": "business-unit",
    "days_in_month": 30,
    "elapsed_days": 12,
    "in_progress": True,
    "next_month": "2026-12",
    "next_month_basis": ["2026-10", "2026-09"],
    "groups": [
        {
            "key": "retail",
            "budget": "1000.00",
            "actual": "1200.00",
            "variance": "-200.00",
            "used": 1.2,
            "forecast": "3000.00",
            "status": "over",
            "next_month_forecast": "2500.00",
        },
        {
            "key": "technology",
            "budget": "5000.00",
            "actual": "2100.00",
            "variance": "2900.00",
            "used": 0.42,
            "forecast": "5250.00",
            "status": "at risk",
            "next_month_forecast": "5100.00",
        },
        {
            "key": "unallocated",
            "budget": None,
            "actual": "10.00",
            "variance": None,
            "used": None,
            "forecast": "25.00",
            "status": "no budget",
            "next_month_forecast": None,
        },
    ],
}


def test_budget_table_keeps_exact_money_and_states() -> None:
    report = budget_table(BUDGET_DOC)
    assert budget_progress(BUDGET_DOC) == "12 of 30 days"
    assert report.window == "2026-11 (12 of 30 days), effective cost"
    assert report.rows[0]["variance"] == Decimal("-200.00")
    shown = cells(report)
    assert shown[0] == [
        "retail",
        "1,000.00 USD",
        "1,200.00 USD",
        "-200.00 USD",
        "120.0 %",
        "3,000.00 USD",
        "Over",
        "2,500.00 USD",
    ]
    assert shown[2][1] == "—" and shown[2][6] == "No budget"
    assert report.notes == ["Forecast 2026-12: mean of 2026-10, 2026-09."]


def test_budget_chart_colours_bars_by_state() -> None:
    """Unbudgeted scopes are not drawn; the largest budget comes first."""
    rows = budget_rows(BUDGET_DOC["groups"], "USD")
    assert [(r["scope"], r["state"], r["label"]) for r in rows] == [
        ("retail", "Over", "1,200.00 USD of 1,000.00 USD"),
        ("technology", "At risk", "2,100.00 USD of 5,000.00 USD"),
    ]
    spec = budget_chart(BUDGET_DOC["groups"], "Budget", "USD")
    bars, ticks = spec["layer"]
    assert bars["encoding"]["y"]["sort"] == ["technology", "retail"]
    assert bars["encoding"]["color"]["scale"]["range"] == [
        palette.RAG["green"],
        palette.RAG["amber"],
        palette.RAG["red"],
    ]
    assert ticks["encoding"]["x"]["field"] == "budget"


def test_vendors_table_soonest_renewal_first_with_flags_in_words() -> None:
    def contract(name: str, renewal: str, flags: list[str]) -> dict[str, object]:
        return {
            "contract": name,
            "vendor": "V",
            "owner": None,
            "status": "active",
            "currency": "EUR",
            "spend_to_date": "1500.5",
            "term_commitment": None,
            "commitment_used": None,
            "projected_spend": "3001.00",
            "renewal_date": renewal,
            "notice_days": 60,
            "notice_deadline": "2026-11-02",
            "flags": flags,
        }

    document = {
        "at": "2026-12-07",
        "cost_type": "effective",
        "contracts": [
            contract("late", "2027-06-01", []),
            contract("soon", "2027-01-01", ["renewal_within_90_days", "notice_deadline_passed"]),
        ],
    }
    report = vendors_table(document)
    assert [r["contract"] for r in report.rows] == ["soon", "late"]
    assert report.rows[0]["flags"] == "renewal within 90 days, notice deadline passed"
    assert report.rows[1]["flags"] == "none"
    shown = dict(zip([c.key for c in report.shown], cells(report, report.shown)[0], strict=True))
    assert shown["spend"] == "1,500.50 EUR"
    assert (shown["owner"], shown["committed"], shown["notice_days"]) == ("—", "—", "60")


def test_monthly_lines_label_months_and_mark_the_running_one() -> None:
    """Months are ordered labels (Nov 2026 before Dec 2026), the line joins complete months
    only and the running month is a triangle named "partial (to date)"."""
    from leadline.finops.charts import monthly_lines

    rows = [
        {"month": "2026-12", "team": "a", "cost": 5.0, "bucket": "partial (to date)"},
        {"month": "2026-11", "team": "a", "cost": 30.0, "bucket": "complete"},
    ]
    spec = monthly_lines(rows, "team", "Cost", "Cost (EUR)")
    line, points = spec["layer"]
    assert line["encoding"]["x"]["sort"] == ["Nov 2026", "Dec 2026"]
    assert line["transform"] == [{"filter": "datum.bucket == 'complete'"}]
    shape = points["encoding"]["shape"]["scale"]
    assert shape["domain"] == ["complete", "partial (to date)"]
    assert shape["range"] == ["circle", "triangle-up"]
    assert [r["label"] for r in spec["data"]["values"]] == ["Dec 2026", "Nov 2026"]
