"""``leadline report qbr``: the quarterly business review, as self-contained HTML (inline CSS
and SVG charts, no external reference) or PDF (WeasyPrint, charts as PNG from vl-convert).

``qbr_data`` gathers the content from the pillars' reports (scorecard, OKRs, risk register,
SLO status, showback, 90-day plan, maturity); ``render_html`` is what the web app serves.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from leadline.context import App
from leadline.finops.measures import allocations
from leadline.finops.report import shape
from leadline.maturity.model import maturity
from leadline.periods import Period, quarter_of
from leadline.present.formats import cell
from leadline.present.model import Column
from leadline.reliability import report as reliability
from leadline.risk.register import register_report
from leadline.scorecard import charts, qbr_tables
from leadline.scorecard.charts import month_label
from leadline.scorecard.core import scorecard
from leadline.scorecard.definitions import KpiDefinition, load_definitions
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.query import unit_text
from leadline.strategy import okrs, plan
from leadline.webkit import palette

TREND_KPIS = (
    "dora.deployment_frequency",
    "dora.lead_time_p50",
    "reliability.slos_met",
    "finops.cost_per_customer",
)
TOP = 5


def _quarter(text: str) -> Period:
    period = Period.parse(text)
    if not period.is_quarter:
        raise ValueError(f"--quarter must be YYYYQN, not {text!r}")
    return period


def month_windows(ev: Evaluation, months: list[str]) -> list[tuple[str, Any]]:
    """Each month's window as the registry judges it (cut at the as-of instant)."""
    found = [(m, Period.parse(m).window.clipped(ev.now)) for m in months]
    return [(m, w) for m, w in found if w is not None]


def _series(ev: Evaluation, d: KpiDefinition, months: list[str]) -> list[dict[str, Any]]:
    """The KPI's organisation value per month, from the registry (months evaluated together:
    one query for DORA's)."""
    judged = month_windows(ev, months)
    values = ev.values(d.metric, "organisation", [w for _, w in judged], d.params)
    found = {m: v.get("organisation") for (m, _), v in zip(judged, values, strict=True)}
    return [
        {"month": m, "value": found.get(m), "partial": Period.parse(m).is_partial(ev.now)}
        for m in months
    ]


def _trends(ev: Evaluation, card: dict[str, Any], months: list[str]) -> list[dict[str, Any]]:
    rows = {k["kpi"]: k for k in card["scopes"][0]["kpis"]} if card["scopes"] else {}
    with ev.app.store.session() as session:
        definitions = {d.key: d for d in load_definitions(session)}
    out = []
    for key in TREND_KPIS:
        d = definitions.get(key)
        if d is None or "organisation" not in d.scopes:
            continue
        points = _series(ev, d, months)
        if any(p["value"] is not None for p in points):
            out.append(
                {
                    "kpi": key,
                    "name": d.title,
                    "unit": (rows.get(key) or {}).get("unit") or unit_text(d.measure),
                    "target": d.target,
                    "row": rows.get(key),
                    "points": points,
                }
            )
    return out


def _complete(month: str, now: dt.datetime) -> bool:
    """True once the whole month lies before ``now`` (a running month is never a highlight)."""
    return Period.parse(month).end <= now


def _costs(ev: Evaluation, months: list[str], quarter: Period) -> dict[str, Any] | None:
    """Cost per month (the chart), the quarter's total so far, and the top teams of the
    quarter's last complete month, else of the last complete month before the quarter
    (``highlight_in_quarter`` says which); a running month is shown in the chart, marked
    partial, never as a highlight."""
    monthly: list[dict[str, Any]] = []
    shaped: dict[str, dict[str, Any]] = {}
    found = allocations(ev, months)
    for month in months:
        result = found.get(month)
        data = shape(result, "team") if result is not None else None
        if data is not None:
            shaped[month] = data
        monthly.append(
            {
                "month": month,
                "value": float(data["total"]) if data else None,
                "partial": not _complete(month, ev.now),
            }
        )
    done = [m for m in months if m in shaped and _complete(m, ev.now)]
    done = [m for m in done if float(shaped[m]["total"]) > 0]
    inside = [m for m in done if quarter.contains_month(m)]
    if not (inside or done):
        return None
    last = shaped[(inside or done)[-1]]
    groups = [x for x in last["groups"] if x["key"] != "unallocated"]
    top = sorted(groups, key=lambda x: -float(x["cost"]))[:TOP]
    in_quarter = [p for p in monthly if quarter.contains_month(p["month"])]
    total = sum(p["value"] or 0 for p in in_quarter)
    return {
        "currency": last["currency"],
        "monthly": monthly,
        "quarter_total": round(total, 2),
        "quarter_months": [p["month"] for p in in_quarter if p["value"] is not None],
        "quarter_to_date": any(p["partial"] for p in in_quarter) or quarter.end > ev.now,
        "last_month": last["month"],
        "highlight_in_quarter": bool(inside),
        "last_total": last["total"],
        "allocation_coverage": last["allocation_coverage"],
        "top": top,
    }


def state_of(quarter: Period, now: dt.datetime) -> str:
    """``complete`` once the quarter has ended at ``now``, ``in_progress`` while it runs
    (its figures are provisional), ``not_started`` before it begins (nothing of it is
    measured; the report shows the facts at ``now``)."""
    if now >= quarter.end:
        return "complete"
    return "in_progress" if now >= quarter.start else "not_started"


def _risks(app: App, at: dt.date) -> dict[str, Any]:
    with app.store.session() as session:
        data = register_report(session, app.settings, at)
    open_rows = [r for r in data["risks"] if r["status"] == "open"]
    top = sorted(open_rows, key=lambda r: (-r["residual_score"], r["risk_id"]))[:TOP]
    return {
        "open": len(open_rows),
        "by_rating": data["by_rating"],
        "top": top,
        "overdue_reviews": len(data["overdue_reviews"]),
    }


def _slos(app: App, at: dt.datetime, engine: str | None) -> dict[str, Any]:
    rows = reliability.status(app, at=at, engine=engine)["slos"]
    known = [r for r in rows if r["error_budget_remaining"] is not None]
    worst = sorted(known, key=lambda r: r["error_budget_remaining"])[:TOP]
    return {
        "count": len(rows),
        "overspent": sum(r["error_budget_remaining"] < 0 for r in known),
        "alerts": sum(bool(r["alert"]) for r in rows),
        "worst": worst,
    }


def _plan(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    items = data["items"]
    return {
        **{k: data[k] for k in ("plan", "owner", "started_on", "day", "met", "overdue")},
        "total": len(items),
        "overdue_items": [i for i in items if i["overdue"]][:TOP],
    }


def _summary(
    card: dict[str, Any],
    objectives: list[dict[str, Any]],
    levels: dict[str, Any],
    risks: dict[str, Any],
) -> list[str]:
    kpis = card["scopes"][0]["kpis"] if card["scopes"] else []
    s = card["summary"]
    lines = [
        f"{s['green']} KPIs on target, {s['amber']} close (amber), {s['red']} off target "
        f"and {s['grey']} without data in {card['period']}."
    ]
    better = [k["name"] for k in kpis if k["trend"] == "better"]
    worse = [k["name"] for k in kpis if k["trend"] == "worse"]
    if better or worse:
        lines.append(
            f"Against {card['previous_period']}: improved {', '.join(better) or 'none'}; "
            f"worsened {', '.join(worse) or 'none'}."
        )
    scores = [o["score"] for o in objectives if o["score"] is not None]
    if scores:
        lines.append(
            f"{len(objectives)} objectives, average score {sum(scores) / len(scores):.2f}."
        )
    domains = levels["domains"]
    if domains:
        top = max(domains, key=lambda d: d["level"])
        low = min(domains, key=lambda d: d["level"])
        lines.append(
            f"Maturity: highest {top['name']} ({top['level_name']}), lowest "
            f"{low['name']} ({low['level_name']})."
        )
    if risks["open"]:
        lines.append(
            f"{risks['open']} open risks; {risks['overdue_reviews']} past their review date."
        )
    return lines


def qbr_data(
    app: App, quarter: str, *, now: dt.datetime | None = None, engine: str | None = None
) -> dict[str, Any]:
    """Everything the QBR shows, as plain data, judged at ``now`` (default: the clock).

    The sections are independent reports; on DuckDB they run two at a time, since the
    engine releases the GIL while one section's queries run and another's Python works
    (Spark schedules its own work: one at a time). Pillar results are shared through one
    ``Evaluation`` (the scorecard's allocations and SLO attainment serve the cost section,
    the trends and maturity)."""
    period = _quarter(quarter)
    ev = Evaluation(app, engine, now) if now else Evaluation(app, engine)
    instant = ev.now
    ev.horizon = (*period.previous().months, *period.months)
    months = ev.months_started(period.previous().window) + ev.months_started(period.window)
    at = min(period.last_day, instant.date())
    spark = (engine or app.settings.engine) == "spark"
    with ThreadPoolExecutor(max_workers=1 if spark else 2) as pool:
        # The organisation's DORA figures of the scorecard's quarters and of the trends'
        # months, first and in one query (the scorecard then finds its quarters computed).
        dora_windows = [p.window.clipped(instant) for p in (period.previous(), period)]
        dora_windows += [w for _, w in month_windows(ev, months)]
        pool.submit(ev.values, "dora.deployments", "organisation", [w for w in dora_windows if w])
        card_job = pool.submit(
            scorecard, app, by="organisation", period=period.label, evaluation=ev
        )
        okr_job = pool.submit(
            okrs.okr_report, app, quarter=period.label, engine=engine, evaluation=ev
        )
        plan_job = pool.submit(_plan_report, app, at)
        slos_job = pool.submit(_slos, app, min(period.end, instant), engine)
        risks_job = pool.submit(_risks, app, at)
        okr_doc, plan_doc = okr_job.result(), plan_job.result()
        # Maturity is judged at ``at``: its OKR evidence is the quarter holding ``at``, which is
        # this report's quarter unless the quarter has not started (then today's quarter).
        known = {"okrs": okr_doc} if quarter_of(at) == period.label else {}
        known.update({"plan": plan_doc} if plan_doc else {})
        levels_job = pool.submit(maturity, app, as_of=at, engine=engine, evaluation=ev, known=known)
        card = card_job.result()
        trends, costs = _trends(ev, card, months), _costs(ev, months, period)
        levels, risks = levels_job.result(), risks_job.result()
    objectives = okr_doc["objectives"]
    return {
        "quarter": period.label,
        "previous_quarter": period.previous().label,
        "organisation": card["organisation"],
        "generated_at": instant.replace(microsecond=0),
        "as_of": at,
        "state": state_of(period, instant),
        "starts_on": period.start.date(),
        "last_day": period.last_day,
        "scorecard": card,
        "trends": trends,
        "costs": costs,
        "objectives": objectives,
        "risks": risks,
        "slos": slos_job.result(),
        "plan": _plan(plan_doc),
        "maturity": levels,
        "summary": _summary(card, objectives, levels, risks),
    }


def _plan_report(app: App, at: dt.date) -> dict[str, Any] | None:
    """The 90-day plan's report, None when there is no plan."""
    try:
        return plan.plan_report(app, today=at)
    except plan.PlanError:
        return None


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("leadline.scorecard", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: cell(v, Column("share", "", "ratio", digits=0))
    env.filters["day"] = lambda v: f"{v:%-d %b %Y}"  # 25 Nov 2026
    return env


def html_document(data: dict[str, Any], for_pdf: bool = False) -> str:
    """``qbr_data``'s content as HTML (charts inline SVG, or PNG data URIs for the PDF)."""
    figures = []
    for trend in data["trends"]:
        chart = charts.kpi_chart(trend["name"], trend["unit"], trend["points"], trend["target"])
        figures.append(chart)
    costs = data["costs"]
    if costs:
        title = f"Cost per month ({costs['currency']})"
        figures.append(charts.bar_chart(title, costs["currency"], costs["monthly"]))
    # Trusted markup: SVG written by vl-convert (it escapes chart text) or a base64 data URI.
    if for_pdf:
        uris = [charts.png_data_uri(c) for c in figures]
        images = [Markup(f'<img alt="chart" src="{u}">') for u in uris]  # noqa: S704
    else:
        images = [Markup(charts.svg(c)) for c in figures]  # noqa: S704
    template = _environment().get_template("qbr.html.j2")
    return template.render(
        d=data,
        charts=images,
        for_pdf=for_pdf,
        t=_sections(data),
        money=qbr_tables.amount,
        rag=palette.RAG,
    )


def _sections(data: dict[str, Any]) -> dict[str, Any]:
    """Each table of the report, formatted by ``present`` (``qbr_tables``)."""
    costs, plan_data = data["costs"], data["plan"]
    partial = [p["month"] for t in data["trends"] for p in t["points"] if p["partial"]]
    return {
        "scorecard": qbr_tables.scorecard_section(data["scorecard"]),
        "objectives": qbr_tables.objectives_section(data["objectives"]),
        "risks": qbr_tables.risks_section(data["risks"]["top"]),
        "slos": qbr_tables.slos_section(data["slos"]["worst"]),
        "costs": qbr_tables.costs_section(costs, month_label(costs["last_month"]))
        if costs
        else None,
        "plan": qbr_tables.plan_section(plan_data["overdue_items"]) if plan_data else None,
        "maturity": qbr_tables.maturity_section(data["maturity"]["domains"]),
        "partial_month": month_label(partial[-1]) if partial else None,
        "months": [month_label(m) for m in (costs or {}).get("quarter_months", [])],
        "last_month": month_label(costs["last_month"]) if costs else None,
    }


def render_html(
    app: App, quarter: str, *, now: dt.datetime | None = None, engine: str | None = None
) -> str:
    """The QBR as one self-contained HTML page (what the web app serves)."""
    return html_document(qbr_data(app, quarter, now=now, engine=engine))


def render_pdf(
    app: App, quarter: str, *, now: dt.datetime | None = None, engine: str | None = None
) -> bytes:
    """The QBR as PDF (WeasyPrint; charts as PNG rendered by vl-convert)."""
    return pdf_document(qbr_data(app, quarter, now=now, engine=engine))


def pdf_document(data: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=html_document(data, for_pdf=True)).write_pdf()
    return pdf


def provisional_note(data: dict[str, Any]) -> str | None:
    """What a reader must know before trusting the figures of a quarter not yet over."""
    quarter, at = data["quarter"], f"{data['generated_at']} UTC"
    if data["state"] == "in_progress":
        return f"{quarter} is still running: its figures are provisional, as of {at}."
    if data["state"] == "not_started":
        return (
            f"{quarter} has not started (it begins on {data['starts_on']}): its KPIs have no "
            f"data, the rest shows the facts as of {at}."
        )
    return None


def write(app: App, quarter: str, out: Path, *, engine: str | None = None) -> str | None:
    """Write the QBR to ``out``: PDF for ``.pdf``, else HTML. Returns the provisional note
    of a quarter not yet over (the CLI prints it), None for a complete quarter."""
    data = qbr_data(app, quarter, engine=engine)
    if out.suffix.lower() == ".pdf":
        out.write_bytes(pdf_document(data))
    else:
        out.write_text(html_document(data), encoding="utf-8")
    return provisional_note(data)
