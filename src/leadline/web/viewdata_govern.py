"""The Govern pages (FinOps, risk with CSF profiles, strategy): KPIs, charts and tables from
the pillars' core functions, narrowed by the shared filters."""

from __future__ import annotations

import datetime as dt
from functools import partial

from leadline.context import App
from leadline.finops.report import showback
from leadline.risk.compliance import compliance_report
from leadline.risk.profiles import profile_report, profiles_summary
from leadline.risk.register import register_report
from leadline.strategy.okrs import okr_report
from leadline.strategy.plan import plan_report
from leadline.web import charts
from leadline.web.cache import cached
from leadline.web.filters import Filters, Scope
from leadline.web.viewdata import Page, Table, _pct, last_month, risk_in_scope


def finops(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("FinOps", period="month")
    month = filters.month or last_month()
    page.notes.append(f"Showback of {month} (effective cost).")
    for by, caption in (
        ("team", "Showback by team"),
        ("business-unit", "By business unit"),
        ("tower", "Tower view"),
    ):
        try:
            data = cached(
                app, "showback", partial(showback, app, month, by=by), month, by, "effective"
            )
        except ValueError as error:
            page.notes.append(str(error))
            return page
        groups = data["groups"]
        if by == "team":
            groups = [g for g in groups if scope.team_ok(g["key"]) or g["key"] == "unallocated"]
            page.kpis = [
                ("Total", f"{data['total']} {data['currency'] or ''}"),
                ("Allocation coverage", _pct(data.get("allocation_coverage"))),
            ]
            page.charts.append(
                (
                    "Cost by team",
                    charts.bars(
                        [{"team": g["key"], "cost": float(g["cost"])} for g in groups],
                        "team",
                        "cost",
                        f"Cost by team, {month}",
                        data["currency"] or "",
                    ),
                )
            )
        rows = [{"key": g["key"], "cost": g["cost"], "share": _pct(g["share"])} for g in groups]
        page.tables.append(Table(by.replace("-", "_"), caption, ["key", "cost", "share"], rows))
    return page


def risk(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Risk", period="none")
    today = dt.datetime.now(dt.UTC).date()
    with app.store.session() as session:
        register = register_report(session, app.settings, today)
        coverage = compliance_report(session, today)
        profiles = profiles_summary(session, today)
    risks = [r for r in register["risks"] if risk_in_scope(r, scope)]
    page.kpis = [
        ("Open risks", str(sum(1 for r in risks if r["status"] == "open"))),
        ("Overdue reviews", str(sum(1 for r in risks if r["review_overdue"]))),
        ("Compliance coverage", _pct(coverage["coverage"])),
    ]
    cells: dict[tuple[int, int], int] = {}
    for r in risks:
        if r["status"] == "open":
            key = (r["residual_likelihood"], r["residual_impact"])
            cells[key] = cells.get(key, 0) + 1
    grid = [
        {"likelihood": lk, "impact": im, "risks": cells.get((lk, im), 0)}
        for lk in range(1, app.settings.risk.likelihood_levels + 1)
        for im in range(1, app.settings.risk.impact_levels + 1)
    ]
    page.charts.append(
        (
            "Residual risk matrix",
            charts.heatmap(
                grid, "impact", "likelihood", "risks", "Open risks: residual likelihood x impact"
            ),
        )
    )
    csf = [{"function": f["name"], "risks": f["risks"]} for f in register["by_function"]]
    page.charts.append(
        (
            "Risks per CSF function",
            charts.bars(csf, "function", "risks", "Open risks per CSF 2.0 function", "risks"),
        )
    )
    columns = [
        "risk_id",
        "title",
        "owner",
        "status",
        "csf_functions",
        "inherent_rating",
        "residual_rating",
        "next_review_on",
        "review_overdue",
    ]
    page.tables.append(
        Table(
            "register",
            "Risk register",
            columns,
            [{c: r[c] for c in columns} for r in risks],
            edit="/risk/{key}/edit",
            key="risk_id",
        )
    )
    page.tables.append(
        Table(
            "compliance",
            "Compliance coverage by business unit",
            ["key", "in_scope", "passing", "coverage"],
            coverage["groups"],
        )
    )
    page.tables.append(
        Table(
            "profiles",
            "CSF profiles",
            list(profiles[0]) if profiles else [],
            profiles,
            key="profile",
            link="/risk/csf/{key}",
        )
    )
    return page


def strategy(app: App, filters: Filters, scope: Scope) -> Page:
    page = Page("Strategy", period="none")
    okrs = cached(app, "okrs", lambda: okr_report(app), None)
    names = (scope.teams or set()) | {filters.business_unit or "", filters.value_stream or ""}
    objectives = [o for o in okrs["objectives"] if scope.teams is None or o.get("scope") in names]
    krs = [
        {
            "objective": o["name"],
            "key_result": k["name"],
            "score": k.get("score"),
            "status": k.get("status", ""),
        }
        for o in objectives
        for k in o.get("key_results", [])
    ]
    page.kpis = [("Objectives", str(len(objectives))), ("Key results", str(len(krs)))]
    page.charts.append(
        (
            "Key result scores",
            charts.bars(
                [k for k in krs if k["score"] is not None],
                "key_result",
                "score",
                "Key result scores (0-1)",
                "score",
            ),
        )
    )
    page.tables.append(
        Table(
            "key_results",
            "OKRs",
            ["objective", "key_result", "score", "status"],
            krs,
            edit="/okr/{key}/checkin",
            key="key_result",
        )
    )
    try:
        plan = cached(app, "plan", lambda: plan_report(app), None)
    except ValueError as error:
        page.notes.append(str(error))
        return page
    page.kpis.append(
        ("90-day plan", f"day {plan['day']}, {plan['met']} met, {plan['overdue']} overdue")
    )
    items = [
        {k: i.get(k) for k in ("key", "phase", "title", "owner", "status", "due_on")}
        for i in plan["items"]
    ]
    page.tables.append(
        Table(
            "plan",
            "90-day plan",
            ["key", "phase", "title", "owner", "status", "due_on"],
            items,
            edit="/plan/{key}/edit",
            key="key",
        )
    )
    return page


def csf_profile(app: App, profile: str) -> Page:
    """One CSF profile's subcategories as assessed today, with gaps (editable by risk editors)."""
    page = Page(f"CSF profile {profile}", period="none")
    with app.store.session() as session:
        report = profile_report(session, profile, dt.datetime.now(dt.UTC).date())
    rows = report["rows"]
    page.kpis = [
        ("Assessed", f"{report['assessed']} of {report['subcategories']}"),
        ("Gaps", str(report["gaps"])),
        ("Mean current tier", str(report["avg_current_tier"])),
        ("Mean target tier", str(report["avg_target_tier"])),
    ]
    functions = report["heatmap"]["functions"]
    chart_rows = [
        {"function": f["name"], "tier": f"{kind} tier", "mean": f[f"avg_{kind}_tier"] or 0}
        for f in functions
        for kind in ("current", "target")
    ]
    page.charts.append(
        (
            "CSF heat map",
            charts.grouped(chart_rows, "function", "mean", "tier", "Mean tier per CSF function"),
        )
    )
    columns = [
        "subcategory",
        "function",
        "current_status",
        "current_tier",
        "target_status",
        "target_tier",
        "tier_gap",
        "status_gap",
        "assessed_on",
    ]
    edit = f"/risk/csf/{profile}/{{key}}/edit"
    page.tables.append(
        Table(
            "csf_rows",
            f"Subcategories of {profile}",
            columns,
            [{c: r[c] for c in columns} for r in rows],
            edit=edit,
            key="subcategory",
        )
    )
    return page
