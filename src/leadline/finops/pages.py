"""The FinOps pages beyond one month's showback: cost trend, budget against actual, anomalies,
unit cost, and vendors with their renewals. Each reads the computation behind its CLI command
(``leadline finops budget|anomalies|unit-cost|vendors``) or the metric registry
(``finops.cost``, ``finops.unit_cost``), and shows that command's report
(``finops/tables.py``), so the page's "Download CSV" is the command's CSV."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Any

from leadline.catalog.grouping import ScopeKind
from leadline.context import App
from leadline.finops import anomalies, budgets, unit_cost, vendors
from leadline.finops.charts import budget_chart, monthly_lines
from leadline.finops.measures import currency
from leadline.finops.report import FinOpsError
from leadline.finops.tables import (
    BUDGET_RAG,
    anomalies_table,
    budget_progress,
    budget_table,
    unit_cost_table,
    vendors_table,
)
from leadline.lake.engines import Lake
from leadline.periods import Period, Window, utc_now
from leadline.present.formats import money
from leadline.present.model import NO_GROUP, Column, Report, humanise
from leadline.webkit import tiles
from leadline.webkit.cache import cached
from leadline.webkit.filters import Filters, Scope
from leadline.webkit.viewdata import Page, Table, Tile, count_tile, last_month

TREND_MONTHS = 6
LINKS = [
    ("/finops", "Showback"),
    ("/finops/trend", "Cost trend"),
    ("/finops/budget", "Budget against actual"),
    ("/finops/anomalies", "Anomalies"),
    ("/finops/unit-cost", "Unit cost"),
    ("/finops/vendors", "Vendors and renewals"),
]


def trend_months(now: dt.datetime, count: int = TREND_MONTHS) -> list[Period]:
    """The ``count`` complete months before ``now``'s month, then ``now``'s month (running,
    so partial), oldest first."""
    current = Period.of("month", now)
    months = [current]
    for _ in range(count):
        months.insert(0, months[0].previous())
    return months


def trend(app: App, filters: Filters, scope: Scope) -> Page:
    """Monthly cost per team (and per service) of the last complete months and the running
    one, from the registry's ``finops.cost`` (the showback's allocation)."""
    page = Page("FinOps cost trend", period="none", links=LINKS)
    ev = tiles.evaluation(app)
    months = trend_months(ev.now)
    windows = [m.window for m in months]
    complete = Window(months[0].start, months[-1].start)
    chosen = tiles.scope_of(filters)
    page.kpis = [
        tiles.metric_tile(
            ev, "finops.cost", chosen, months[-2].window, title="Cost, last complete month"
        ),
        tiles.metric_tile(
            ev,
            "finops.cost",
            chosen,
            complete,
            title=f"Cost, last {TREND_MONTHS} complete months",
        ),
        tiles.metric_tile(ev, "finops.cost", chosen, months[-1].window, title="Cost, this month"),
    ]
    money_unit = currency(ev, complete) or ""
    kinds: tuple[ScopeKind, ...] = ("team", "service")
    for kind in kinds:
        rows = _trend_rows(ev, kind, months, windows, scope)
        report = trend_report(kind, rows, money_unit, months)
        page.tables.append(Table(f"trend_{kind}", report))
        if kind == "team":
            chart_rows = [
                {
                    "month": r["month"],
                    "cost": float(r["cost"]),
                    "team": r["team"],
                    "bucket": "partial (to date)" if r["partial"] else "complete",
                }
                for r in rows
            ]
            page.charts.append(
                (
                    f"Monthly cost by team ({money_unit}); the running month is partial",
                    monthly_lines(
                        chart_rows,
                        "team",
                        f"Monthly cost by team, {months[0].label} to {months[-1].label}",
                        f"Cost ({money_unit})" if money_unit else "Cost",
                    ),
                )
            )
    page.notes.append(
        f"{months[-1].label} is running: its cost is to date ({ev.now:%Y-%m-%d %H:%M} UTC) "
        "and marked partial."
    )
    return page


def _trend_rows(
    ev: Any, kind: ScopeKind, months: list[Period], windows: list[Window], scope: Scope
) -> list[dict[str, Any]]:
    """One row per (month, scope) with cost, the filters' scopes (and unallocated) only."""
    values = ev.values("finops.cost", kind, windows)
    ok = scope.team_ok if kind == "team" else scope.service_ok
    rows = []
    for month, found in zip(months, values, strict=True):
        for key, amount in sorted(found.items()):
            if amount is None or not (ok(key) or key in ("unallocated", NO_GROUP)):
                continue
            rows.append(
                {
                    "month": month.label,
                    kind: key,
                    "cost": Decimal(str(round(amount, 2))),
                    "partial": month.is_partial(ev.now),
                }
            )
    return rows


def trend_report(
    kind: str, rows: list[dict[str, Any]], currency_code: str, months: list[Period]
) -> Report:
    """One row per team (or service), one money column per month (the running one titled
    "to date"), largest last complete month first, unallocated last."""
    by_key: dict[str, dict[str, Any]] = {}
    for row in rows:
        by_key.setdefault(row[kind], {kind: row[kind]})[row["month"]] = row["cost"]
    last = months[-2].label if len(months) > 1 else months[-1].label
    ordered = sorted(
        by_key.values(),
        key=lambda r: (r[kind] in ("unallocated", NO_GROUP), -(r.get(last) or 0), r[kind]),
    )
    running = months[-1]
    columns = [Column(kind, kind.title(), "name")] + [
        Column(
            m.label,
            f"{m.label} (to date)" if m is running else m.label,
            "money",
            currency_code or None,
        )
        for m in months
    ]
    return Report(
        f"trend_{kind}",
        f"Monthly cost by {kind}",
        columns,
        ordered,
        window=f"{months[0].label} to {running.label} ({running.label} running, to date), "
        "effective cost",
    )


def budget(app: App, filters: Filters, scope: Scope) -> Page:
    """Budget, actual and forecast per team and per business unit of a month, each state in
    its colour and word."""
    page = Page("FinOps budget against actual", period="month", links=LINKS)
    month = filters.month or last_month()
    headline = False
    for by in ("business-unit", "team"):
        try:
            data = cached(
                app, "budget", partial(budgets.budget_report, app, month, by=by), month, by
            )
        except FinOpsError as error:
            page.notes.append(str(error))
            return page
        groups = data["groups"]
        if by == "team":
            groups = [g for g in groups if scope.team_ok(g["key"]) or g["key"] == "unallocated"]
        data = {**data, "groups": groups}
        report = budget_table(data)
        name = f"budget_{by.replace('-', '_')}"
        page.tables.append(Table(name, report, rag={"status": BUDGET_RAG}))
        if not headline and any(g["budget"] is not None for g in groups):
            headline = True  # the first level with budgets gives the tiles and the chart
            noun = by.replace("-", " ")
            page.kpis = _budget_tiles(data, noun)
            page.charts.append(
                (
                    f"Actual against budget by {noun}, coloured by state (a tick marks the budget)",
                    budget_chart(
                        groups,
                        f"Budget against actual by {noun}, {data['month']}",
                        data["currency"],
                    ),
                )
            )
    if not headline:
        page.notes.append(f"No budgets for {month} (leadline ingest budgets-csv FILE).")
    return page


def _budget_tiles(data: dict[str, Any], noun: str) -> list[Tile]:
    """Totals of the budgeted scopes shown (teams, business units), and how many are over
    or at risk."""
    window = f"{data['month']} ({budget_progress(data)})"
    budgeted = [g for g in data["groups"] if g["budget"] is not None]
    total = sum((Decimal(g["budget"]) for g in budgeted), Decimal(0))
    spent = sum((Decimal(g["actual"]) for g in budgeted), Decimal(0))
    over = sum(g["status"] == "over" for g in budgeted)
    at_risk = sum(g["status"] == "at risk" for g in budgeted)
    worst = "red" if over else "amber" if at_risk else "green" if budgeted else "grey"
    plural = f"{noun}s"
    return [
        Tile(f"Budget of the {plural}", money(total, data["currency"]), window),
        Tile(f"Actual of the {plural}", money(spent, data["currency"]), window, status=worst),
        Tile(
            f"{plural.capitalize()} over budget",
            f"{over:,}",
            window,
            status="red" if over else "green",
        ),
        Tile(
            f"{plural.capitalize()} at risk",
            f"{at_risk:,}",
            window,
            status="amber" if at_risk else "green",
        ),
    ]


def anomaly_page(app: App, filters: Filters, scope: Scope) -> Page:
    """Cost anomalies of the window (default: the 30 days up to the latest data)."""
    page = Page("FinOps cost anomalies", period="window", links=LINKS)
    since = filters.since.isoformat() if filters.since else None
    until = filters.until.isoformat() if filters.until else None
    try:
        data = cached(
            app,
            "anomalies",
            partial(anomalies.anomalies, app, since=since, until=until),
            since,
            until,
        )
    except ValueError as error:
        page.notes.append(str(error))
        return page
    if scope.teams is not None:  # billed services (ServiceName) are not the catalog's
        page.notes.append(
            "Anomalies are per billed service (the cost data's ServiceName), before allocation "
            "to teams: the filters do not narrow them."
        )
    services = {a["service"] for a in data["anomalies"]}
    window = f"{data['since']} → {data['until']}"
    page.kpis = [
        count_tile("Anomalies", len(data["anomalies"]), window),
        count_tile("Services with an anomaly", len(services), window),
        count_tile("Series watched", data["series"], window),
    ]
    page.tables.append(Table("anomalies", anomalies_table(data)))
    return page


def drivers(app: App) -> list[str]:
    """The business drivers with data (customers, transactions...), sorted."""
    lake = Lake(app.settings, app.store)
    if not lake.partitions("business_drivers"):
        return []
    table = lake.table("business_drivers")
    rows = lake.execute(table.select("driver").distinct()).to_pylist()
    return sorted(r["driver"] for r in rows)


def unit_cost_page(app: App, filters: Filters, scope: Scope) -> Page:
    """Cost per unit of each business driver and per deployment, for the organisation and per
    team, of a month; tiles from the registry's ``finops.unit_cost``."""
    page = Page("FinOps unit cost", period="month", links=LINKS)
    month = filters.month or last_month()
    window = Period.parse(month, ("month",)).window
    ev, chosen = tiles.evaluation(app), tiles.scope_of(filters)
    found = cached(app, "drivers", partial(drivers, app))
    if not found:
        page.notes.append("No business drivers yet (leadline ingest drivers-csv FILE).")
    for driver in found:
        page.kpis.append(
            tiles.metric_tile(
                ev,
                "finops.unit_cost",
                chosen,
                window,
                title=f"Cost per {humanise(driver).lower()}",
                params={"driver": driver},
            )
        )
        for by in ("organisation", "team"):
            try:
                data = cached(
                    app,
                    "unit-cost",
                    partial(unit_cost.unit_cost, app, month, driver=driver, by=by),
                    month,
                    driver,
                    by,
                )
            except FinOpsError as error:
                page.notes.append(str(error))
                return page
            if by == "team":
                data = {**data, "groups": [g for g in data["groups"] if scope.team_ok(g["key"])]}
            page.tables.append(Table(f"unit_cost_{driver}_{by}", unit_cost_table(data)))
    return page


def vendor_page(app: App, filters: Filters, scope: Scope) -> Page:
    """Contracts, soonest renewal first, with notice periods and the last day to give
    notice; tiles count what needs a decision."""
    del filters, scope  # contracts belong to the organisation
    page = Page("FinOps vendors and renewals", period="none", links=LINKS)
    today = utc_now().date()
    data = cached(app, "vendors", partial(vendors.vendors_report, app, at=today), today.isoformat())
    contracts = data["contracts"]
    horizon = f"at {data['at']}, next {vendors.RENEWAL_HORIZON_DAYS} days"
    renewing = [c for c in contracts if "renewal_within_90_days" in c["flags"]]
    passed = [c for c in contracts if "notice_deadline_passed" in c["flags"]]
    upcoming = sorted(
        (c for c in contracts if c["notice_deadline"] >= data["at"]),
        key=lambda c: c["notice_deadline"],
    )
    page.kpis = [
        count_tile("Renewals due", len(renewing), horizon),
        Tile(
            "Notice deadlines passed",
            f"{len(passed):,}",
            f"at {data['at']}, before their renewal",
            status="red" if passed else "green",
        ),
        Tile(
            "Next notice deadline",
            f"{upcoming[0]['notice_deadline']} ({upcoming[0]['contract']})" if upcoming else "none",
            f"at {data['at']}",
        ),
    ]
    page.tables.append(Table("vendors", vendors_table(data)))
    return page
