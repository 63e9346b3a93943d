"""SLO status as people and spreadsheets read it: one :class:`~leadline.present.Report` built
from the ``leadline slo status --format json`` document, which the CLI prints as a table or CSV
and the Reliability and home pages show (their "Download CSV" is the same bytes)."""

from __future__ import annotations

from typing import Any

from leadline.present import formats
from leadline.present.model import Column, Report

STATUS_COLUMNS = (
    Column("slo", "SLO", "name"),
    Column("service", "Service", "name"),
    Column("objective", "Objective", "ratio", digits=3),
    Column("window", "Window"),
    Column("window_start", "Window start", "datetime", shown=False),
    Column("budgeting", "Budgeting", "label", shown=False),
    Column("sli", "SLI", "ratio", digits=3),
    Column("error_budget_remaining", "Error budget left", "ratio"),
    Column("budget_left_time", "Budget left as time"),
    Column("budget_left_time_seconds", "Budget left (seconds)", "number", digits=0, shown=False),
    Column("burn_rate_1h", "Burn rate 1 h", "number", digits=2),
    Column("burn_rate_6h", "Burn rate 6 h", "number", digits=2),
    Column("alert", "Alert", "label"),
    Column("policy_state", "Policy", "label"),
    Column("policy_action", "Policy action", shown=False),
    Column("good", "Good events", "number", digits=0, shown=False),
    Column("bad", "Bad events", "number", digits=0, shown=False),
    Column("total", "Events", "number", digits=0, shown=False),
    Column("allowed_bad", "Bad events allowed", "number", digits=1, shown=False),
    Column("coverage", "Coverage", "ratio"),
    Column("projected_exhaustion", "Budget runs out", "datetime", shown=False),
    Column("components", "Components"),
)


def slo_status_report(document: dict[str, Any]) -> Report:
    """One row per SLO. CSV columns: slo, service, objective, window, window_start,
    budgeting, sli, error_budget_remaining, budget_left_time, budget_left_time_seconds,
    burn_rate_1h, burn_rate_6h, alert, policy_state, policy_action, good, bad, total,
    allowed_bad, coverage, projected_exhaustion, components (objective, SLI, budget left and
    coverage as ratios: 0.999 is 99.9 %; budget left is negative when overspent, as is its
    time; a composite SLO's row lists its components with weights and SLIs)."""
    rows = [
        {**s, **(s.get("events") or {}), "components": components_text(s.get("components"))}
        for s in document["slos"]
    ]
    return Report(
        "slos",
        "SLOs, error budgets and burn-rate alerts",
        list(STATUS_COLUMNS),
        rows,
        window=f"at {str(document['at'])[:16].replace('T', ' ')} UTC",
    )


def components_text(components: list[dict[str, Any]] | None) -> str | None:
    """A composite's components in words: ``checkout-availability ×3 (SLI 99.75 %),
    payments-latency ×1 (no data)``; None for an SLO that is not a composite."""
    if not components:
        return None
    parts = []
    for c in components:
        sli = c.get("sli")
        if not c.get("known"):
            shown = "not defined"
        elif sli is None:
            shown = "no data"
        else:
            shown = f"SLI {formats.number(100 * sli, 3)} %"
        weight = formats.number(c["weight"], 0 if float(c["weight"]).is_integer() else 2)
        parts.append(f"{c['slo']} ×{weight} ({shown})")
    return ", ".join(parts)


def budget_columns() -> list[Column]:
    """The columns of ``leadline slo budget`` (its rows are the budget part of each SLO)."""
    keys = (
        "slo",
        "service",
        "window",
        "window_start",
        "objective",
        "budgeting",
        "allowed_bad",
        "bad",
        "total",
        "error_budget_remaining",
        "budget_left_time",
        "budget_left_time_seconds",
        "projected_exhaustion",
        "policy_state",
        "policy_action",
    )
    found = {c.key: c for c in STATUS_COLUMNS}
    return [Column(k, found[k].title, found[k].kind, digits=found[k].digits) for k in keys]
