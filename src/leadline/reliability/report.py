"""``leadline slo status|budget|alerts|kpi``: SLO figures at an instant, alert history, KPI.

The JSON keys of ``status`` are the contract of DESIGN.md §4 (slo, service, objective, window,
sli, error_budget_remaining, burn_rate_1h, burn_rate_6h, alert) plus ``policy_state``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pyarrow as pa
from sqlalchemy import select

from leadline.catalog.grouping import GroupBy, Grouping
from leadline.config import BurnRateRule
from leadline.context import App
from leadline.lake.engines import Lake
from leadline.periods import Grain, Period, instant, iso, months_between
from leadline.reliability import metrics
from leadline.reliability.budget_time import budget_left_seconds, budget_left_text
from leadline.reliability.composite_report import composite_rows, load_composites
from leadline.reliability.durations import label
from leadline.reliability.models import Slo

POLICY_ACTIONS = {
    "healthy": "ship as usual",
    "at_risk": "prioritise reliability work; watch the burn rate",
    "exhausted": "freeze releases except reliability fixes until the budget recovers",
}
SLO_COLUMNS = pa.schema(
    [
        ("slo", pa.string()),
        ("objective", pa.float64()),
        ("budgeting", pa.string()),
        ("timeslice_target", pa.float64()),
        ("timeslice_seconds", pa.int64()),
        ("step_seconds", pa.int64()),
        ("window_start", pa.timestamp("us")),
    ]
)


def now() -> dt.datetime:
    """The current instant, naive UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def parse_instant(text: str | None) -> dt.datetime:
    if not text:
        return now()
    return instant(text)  # naive UTC, years outside FIRST_YEAR-LAST_YEAR refused


CALENDAR_UNITS: dict[str, Grain] = {
    "week": "week",
    "month": "month",
    "quarter": "quarter",
    "year": "year",
}


def window_bounds(slo: Slo, at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of the SLO window that ``at`` closes: the rolling window ending at
    ``at``, or the calendar period holding the instant just before ``at``."""
    if slo.window_kind == "rolling":
        return at - dt.timedelta(days=slo.window_days or 28), at
    unit = CALENDAR_UNITS.get(slo.calendar_unit or "", "month")
    period = Period.of(unit, at - dt.timedelta(microseconds=1))
    return period.start, period.end


def window_label(slo: Slo) -> str:
    if slo.window_kind == "rolling":
        return f"{slo.window_days or 28}d"
    return f"calendar {slo.calendar_unit}"


def slo_table(slos: list[Slo], at: dt.datetime, step: int) -> ibis.Table:
    """The SLO specifications as a table the metrics take (no nullable integers: see
    metrics._slice_start)."""
    return ibis.memtable(
        pa.table(
            {
                "slo": [s.name for s in slos],
                "objective": [s.objective for s in slos],
                "budgeting": [s.budgeting for s in slos],
                "timeslice_target": [s.timeslice_target or 0.0 for s in slos],
                "timeslice_seconds": [s.timeslice_seconds or 0 for s in slos],
                "step_seconds": [step for _ in slos],
                "window_start": [window_bounds(s, at)[0] for s in slos],
            },
            schema=SLO_COLUMNS,
        )
    )


def load_slos(app: App, name: str | None = None) -> list[Slo]:
    with app.store.session() as session:
        query = select(Slo).order_by(Slo.name)
        if name:
            query = query.where(Slo.name == name)
        return list(session.scalars(query))


# Specification formats whose SLOs always state their rules: a Sloth SLO gets Sloth's page and
# ticket rules unless its spec disables them, so no rules there means alerts are off.
STATES_ITS_RULES = {"sloth/v1"}


def rules_for(app: App, slo: Slo) -> list[BurnRateRule]:
    """The SLO's own burn-rate rules if its specification has them (none when a Sloth spec
    disables both alerts), else the settings'."""
    own = [BurnRateRule.model_validate(r) for r in slo.alerting or []]
    if own or slo.source_format in STATES_ITS_RULES:
        return own
    return list(app.settings.reliability.burn_rate_rules)


def alert_at(rules: list[BurnRateRule], row: dict[str, Any]) -> str | None:
    """The severity firing at the status instant (page outranks ticket)."""
    firing = set()
    for rule in rules:
        long_rate = row.get(f"burn_rate_{rule.long_window}")
        short_rate = row.get(f"burn_rate_{rule.short_window}")
        if (
            long_rate is not None
            and short_rate is not None
            and min(long_rate, short_rate) > rule.factor
        ):
            firing.add(rule.severity)
    return "page" if "page" in firing else ("ticket" if "ticket" in firing else None)


def status(
    app: App, *, at: dt.datetime | None = None, slo: str | None = None, engine: str | None = None
) -> dict[str, Any]:
    """Every SLO's state at ``at``: SLI, budget, burn rates, alert and policy."""
    at = at or now()
    composites = load_composites(app)
    if slo is not None and slo in composites:  # a composite: it and its components
        composites = {slo: composites[slo]}
        members = {c.slo for c in composites[slo][0].components}
        slos = [s for s in load_slos(app) if s.name in members]
    else:
        composites = composites if slo is None else {}
        slos = load_slos(app, slo)
    rules = {s.name: rules_for(app, s) for s in slos}
    # The status windows first, then any other window a rule reads (same names, same widths).
    windows = {
        **metrics.STATUS_WINDOWS,
        **metrics.rule_windows(r for rs in rules.values() for r in rs),
    }
    rows: dict[str, dict[str, Any]] = {}
    lake = Lake(app.settings, app.store, engine)
    if slos:
        expr = metrics.slo_status(
            metrics.finite_samples(
                lake.table("sli_samples", _sample_months(slos, at, max(windows.values())))
            ),
            slo_table(slos, at, app.settings.reliability.step_seconds),
            ibis.literal(at, "timestamp(6)"),
            windows,
        )
        rows = {r["slo"]: r for r in lake.execute(expr).to_pylist()}
    out = [_status_row(app, s, rows.get(s.name, {}), rules[s.name], at) for s in slos]
    at_risk = app.settings.reliability.at_risk_remaining
    joint = composite_rows(
        lake,
        composites,
        slos=slos,
        slo_rows=out,
        at=at,
        bounds=window_bounds,
        label=window_label,
        policy=lambda remaining: policy_state(remaining, None, at_risk),
    )
    for row in joint:
        row["policy_action"] = POLICY_ACTIONS[row["policy_state"]]
    return {"at": iso(at), "slos": out + joint}


def _sample_months(slos: list[Slo], at: dt.datetime, longest_window: int) -> list[str]:
    """The month partitions the status at ``at`` can read: from the earliest SLO window start
    or burn-rate window start to the latest window end (not the whole history)."""
    bounds = [window_bounds(s, at) for s in slos]
    first = min([at - dt.timedelta(seconds=longest_window), *(b[0] for b in bounds)])
    return months_between(first, max([at, *(b[1] for b in bounds)]))


def _status_row(
    app: App, slo: Slo, row: dict[str, Any], rules: list[BurnRateRule], at: dt.datetime
) -> dict[str, Any]:
    start, end = window_bounds(slo, at)
    remaining = row.get("error_budget_remaining")
    alert = alert_at(rules, row)
    exhaustion = _exhaustion(remaining, row.get("burn_rate_1d"), end - start, at)
    state = policy_state(remaining, alert, app.settings.reliability.at_risk_remaining)
    total = row.get("total") or 0.0
    bad = total - (row.get("good") or 0.0)
    allowed = (1 - slo.objective) * total
    left_seconds = budget_left_seconds(remaining, slo.objective, (end - start).total_seconds())
    return {
        "slo": slo.name,
        "service": slo.service,
        "objective": slo.objective,
        "window": window_label(slo),
        "window_start": iso(start),
        "budgeting": slo.budgeting,
        "sli": row.get("sli"),
        "error_budget_remaining": remaining,
        "budget_left_time_seconds": left_seconds,
        "budget_left_time": budget_left_text(
            left_seconds, slo.window_kind, slo.calendar_unit, slo.window_days
        ),
        "burn_rate_1h": row.get("burn_rate_1h"),
        "burn_rate_6h": row.get("burn_rate_6h"),
        "burn_rates": {
            k.removeprefix("burn_rate_"): v for k, v in row.items() if k.startswith("burn_rate_")
        },
        "alert": alert,
        "policy_state": state,
        "policy_action": POLICY_ACTIONS[state],
        "events": {"good": row.get("good"), "total": total, "bad": bad, "allowed_bad": allowed},
        "slices": {"good": row.get("good_slices"), "total": row.get("slices")},
        "coverage": row.get("coverage"),
        "projected_exhaustion": iso(exhaustion) if exhaustion else None,
    }


def policy_state(remaining: float | None, alert: str | None, at_risk: float) -> str:
    """Error-budget policy: exhausted when nothing is left; at risk when little is left or a
    burn-rate alert fires; healthy otherwise (no data counts as healthy: see coverage)."""
    if remaining is not None and remaining <= 0:
        return "exhausted"
    if (remaining is not None and remaining < at_risk) or alert is not None:
        return "at_risk"
    return "healthy"


def _exhaustion(
    remaining: float | None, burn_1d: float | None, window: dt.timedelta, at: dt.datetime
) -> dt.datetime | None:
    """When the budget runs out if the last day's burn rate holds: a burn rate of 1 spends a
    whole window's budget in one window, so the rest lasts remaining × window ÷ rate."""
    if remaining is None or burn_1d is None or burn_1d <= 0 or remaining <= 0:
        return None
    return at + window * (remaining / burn_1d)


def alerts(
    app: App,
    *,
    since: dt.datetime,
    until: dt.datetime,
    slo: str | None = None,
    engine: str | None = None,
) -> dict[str, Any]:
    """Alert episodes (multiwindow burn-rate rules) evaluated over ``[since, until)``."""
    slos = load_slos(app, slo)
    episodes: list[dict[str, Any]] = []
    lake = Lake(app.settings, app.store, engine)
    by_rules: dict[tuple[tuple[str, str, str, float], ...], list[Slo]] = {}
    for item in slos:
        rules = rules_for(app, item)
        by_rules.setdefault(
            tuple((r.severity, r.long_window, r.short_window, r.factor) for r in rules), []
        ).append(item)
    step = app.settings.reliability.step_seconds
    for key, group in by_rules.items():
        rules = [
            BurnRateRule(
                severity=s,
                long_window=lw,
                short_window=sw,
                factor=f,
            )
            for s, lw, sw, f in key
        ]
        found = metrics.alert_history(
            metrics.finite_samples(lake.table("sli_samples")),
            slo_table(group, until, step),
            ibis.literal(since, "timestamp(6)"),
            ibis.literal(until, "timestamp(6)"),
            rules,
        )
        for row in lake.execute(found).to_pylist():
            episodes.append(
                {
                    "slo": row["slo"],
                    "severity": row["severity"],
                    "started_at": iso(row["started_at"]),
                    "last_evaluated_at": iso(row["last_evaluated_at"]),
                    # The episode lasts until the next evaluation, one sample later.
                    "ended_at": iso(
                        row["last_evaluated_at"] + dt.timedelta(seconds=int(row["step_seconds"]))
                    ),
                    "evaluations": row["evaluations"],
                }
            )
    episodes.sort(key=lambda e: (e["started_at"], e["slo"]))
    return {
        "since": iso(since),
        "until": iso(until),
        "episodes": episodes,
        "rules": {"step": label(step)},
    }


def kpi(
    app: App,
    *,
    by: GroupBy = "team",
    engine: str | None = None,
    months: list[str] | None = None,
) -> dict[str, Any]:
    """Percentage of SLOs that met their objective, per group and calendar month (only the
    given ``YYYY-MM`` months when asked: a month's attainment reads only its own samples)."""
    slos = load_slos(app)
    if not slos:
        return {"by": by, "groups": []}
    lake = Lake(app.settings, app.store, engine)
    table = slo_table(slos, now(), app.settings.reliability.step_seconds)
    samples = metrics.finite_samples(lake.table("sli_samples", months))
    rows = lake.execute(metrics.monthly_attainment(samples, table)).to_pylist()
    grouping = Grouping.of(app)
    service_of = {s.name: s.service for s in slos}
    cells: dict[tuple[str, str], list[bool]] = {}
    for row in rows:
        if row["sli"] is None:  # no events that month: neither met nor missed
            continue
        key = grouping.service_key(service_of[row["slo"]], by)
        cells.setdefault((key, iso(row["month"])[:7]), []).append(bool(row["met"]))
    groups: dict[str, list[dict[str, Any]]] = {}
    for (key, month), met in sorted(cells.items()):
        groups.setdefault(key, []).append(
            {
                "month": month,
                "slos": len(met),
                "met": sum(met),
                "percent_met": 100.0 * sum(met) / len(met),
            }
        )
    return {"by": by, "groups": [{"key": k, "months": v} for k, v in groups.items()]}
