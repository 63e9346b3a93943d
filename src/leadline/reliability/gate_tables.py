"""The deploy gate as people read it: the SLOs behind one decision (``leadline slo gate``) and
the latest decisions and overrides (the Reliability page), as :class:`~leadline.present.Report`s."""

from __future__ import annotations

from typing import Any

from leadline.present.model import Column, Report

GATE_SLO_COLUMNS = (
    Column("slo", "SLO", "name"),
    Column("state", "Policy", "label"),
    Column("error_budget_remaining", "Error budget left", "ratio", digits=1),
    Column("alert", "Alert", "label"),
    Column("burn_rate_1h", "Burn rate 1 h", "number", digits=1),
    Column("freeze", "Freezes", "bool"),
    Column("reason", "Reason"),
)
DECISION_COLUMNS = (
    Column("at", "When", "datetime"),
    Column("service", "Service", "name"),
    Column("decision", "Decision", "label"),
    Column("reason", "Reason"),
    Column("actor", "Who", "name"),
    Column("via", "Via", "label", shown=False),
    Column("override", "Override", "bool"),
    Column("expires_at", "Override until", "datetime"),
)
# allow green, freeze red, an override (or a decision it turned) amber: never colour alone,
# the cell says the decision in words
DECISION_STATES = {"allow": "green", "freeze": "red", "overridden": "amber", "override": "amber"}


def gate_report(document: dict[str, Any]) -> Report:
    """One row per SLO of the service, with the decision and its reasons as notes."""
    return Report(
        "gate",
        f"Deploy gate of {document['service']}: {document['decision'].upper()}",
        list(GATE_SLO_COLUMNS),
        list(document["slos"]),
        window=f"at {str(document['at'])[:16].replace('T', ' ')} UTC",
        notes=[f"reason: {r}" for r in document["reasons"]],
    )


def decisions_report(rows: list[dict[str, Any]]) -> Report:
    """The latest gate decisions and overrides, newest first (CSV: at, service, decision,
    reason, actor, via, override, expires_at)."""
    return Report("gate-decisions", "Deploy gate: latest decisions", list(DECISION_COLUMNS), rows)
