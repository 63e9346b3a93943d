"""OKRs, the 90-day plan and the strategy on a page as people and spreadsheets read them: each
one :class:`~leadline.present.Report`, built from the JSON document of ``leadline okr``,
``leadline plan`` or ``leadline strategy``, which the CLI prints and the Strategy page shows
(a table's "Download CSV" is the CLI's CSV, byte for byte)."""

from __future__ import annotations

from typing import Any

from leadline.present.model import Column, Report
from leadline.semantic import registry
from leadline.semantic.query import value_kind
from leadline.strategy.plan import load_template


def value_column(key: str, title: str) -> Column:
    """A column of values in each row's own unit (``value_kind``'s hidden fields)."""
    return Column(key, title, "number", currency="@_currency", unit="@_unit", kind_from="_kind")


OKR_COLUMNS = (
    Column("objective", "Objective id", "name", shown=False),
    Column("objective_title", "Objective"),
    Column("quarter", "Quarter"),
    Column("scope_kind", "Scope kind", "label", shown=False),
    Column("scope", "Scope", "name"),
    Column("key_result", "Key result id", "name", shown=False),
    Column("title", "Key result"),
    Column("unit", "Unit", shown=False),
    value_column("baseline", "Baseline"),
    value_column("target", "Target"),
    value_column("current", "Current"),
    Column("source", "Source", "label", shown=False),
    Column("metric", "Metric", "name", shown=False),
    Column("confidence", "Confidence", "number", digits=1),
    Column("score", "Score", "score", digits=2),
    Column("grade", "Grade", "label", shown=False),
    Column("status", "Status", "label"),
    Column("objective_score", "Objective score", "score", digits=2),
)
# A key result's grade (``scoring.grade``, re:Work's reading of its score) as the status people
# read, and that status in RAG terms (the page colours it, with the word beside the colour).
GRADE_STATUS = {"green": "delivered", "yellow": "progress_made", "red": "not_made"}
NO_SCORE = "no_data"  # no current value yet, so no score
STATUS_RAG = {"delivered": "green", "progress_made": "amber", "not_made": "red", NO_SCORE: "grey"}


def okr_status(grade: str | None) -> str:
    """``delivered`` (score 0.7-1.0), ``progress_made`` (0.4-0.7), ``not_made`` (below 0.4),
    ``no_data`` without a score."""
    return GRADE_STATUS.get(grade or "", NO_SCORE)


def okr_table_report(document: dict[str, Any]) -> Report:
    """One row per key result of ``leadline okr``. CSV columns: objective, objective_title,
    quarter, scope_kind, scope, key_result (OBJECTIVE/KEY-RESULT), title, unit, baseline,
    target, current (in the key result's unit; percentages in points), source, metric,
    confidence, score (0.0-1.0), grade, status (``okr_status`` of the grade),
    objective_score."""
    rows = [
        {
            "objective": o["name"],
            "objective_title": o.get("title") or o["name"],
            "quarter": o.get("quarter"),
            "scope_kind": o.get("scope_kind"),
            "scope": o.get("scope"),
            "key_result": k["name"],
            "title": k.get("title") or k["name"],
            "unit": k.get("unit"),
            "baseline": k.get("baseline"),
            "target": k.get("target"),
            "current": k.get("current"),
            "source": k.get("source"),
            "metric": k.get("metric"),
            "confidence": k.get("confidence"),
            "score": k.get("score"),
            "grade": k.get("grade"),
            "status": okr_status(k.get("grade")),
            "objective_score": o.get("score"),
            **value_kind(k.get("metric"), k.get("unit")),
        }
        for o in document["objectives"]
        for k in o.get("key_results", [])
    ]
    quarter = document.get("quarter")
    return Report(
        "key_results",
        "OKRs",
        list(OKR_COLUMNS),
        rows,
        window=str(quarter) if quarter else None,
        notes=["Scores run from 0.0 to 1.0; 0.7 is a good result for a stretch goal."],
    )


PLAN_COLUMNS = (
    Column("key", "Item", "name"),
    Column("phase", "Phase id", "name", shown=False),
    Column("phase_title", "Phase"),
    Column("title", "Action"),
    Column("owner", "Owner", "name"),
    Column("due", "Due", "date"),
    Column("status", "Status", "label"),
    Column("met", "Met", "bool"),
    Column("overdue", "Overdue", "bool"),
    Column("evidence", "Evidence"),
    Column("rule", "Evidence rule", "name", shown=False),
    Column("automatic_evidence", "Automatic evidence"),
)


def plan_table_report(document: dict[str, Any]) -> Report:
    """One row per item of ``leadline plan``. CSV columns: key, phase, phase_title (the
    template's, "Days 0-30: Listen and assess"), title, owner, due, status, met, overdue,
    evidence, rule, automatic_evidence (what the rule found)."""
    phases = phase_titles()
    rows = [
        {
            **{c.key: i.get(c.key) for c in PLAN_COLUMNS},
            "phase_title": phases.get(i.get("phase") or "", i.get("phase")),
            "rule": (i.get("automatic_evidence") or {}).get("rule"),
            "automatic_evidence": (i.get("automatic_evidence") or {}).get("detail"),
        }
        for i in document["items"]
    ]
    window = None
    if "plan" in document:
        window = (
            f"{document['plan']}: day {document['day']} since {document['started_on']}; "
            f"{document['met']} of {len(document['items'])} met, {document['overdue']} overdue"
        )
    return Report("plan", "90-day plan", list(PLAN_COLUMNS), rows, window=window)


def phase_titles() -> dict[str, str]:
    """Each template phase's id with its title as people read it: ``days-0-30`` ->
    "Days 0–30: Listen and assess" (a phase not named by days: its title alone)."""
    out = {}
    for phase in load_template().phases:
        days = phase.id.removeprefix("days-")
        named = days != phase.id
        out[phase.id] = f"Days {days.replace('-', '–')}: {phase.title}" if named else phase.title
    return out


OUTCOME_COLUMNS = (
    Column("outcome", "Outcome id", "name", shown=False),
    Column("title", "Outcome"),
    Column("description", "Description", shown=False),
    Column("bets", "Bets (horizon)"),
    Column("objectives", "OKRs this quarter (scope: score)"),
    Column("okr_score", "Mean OKR score", "score", digits=2),
)


def _score(value: float | None) -> str:
    return "no score" if value is None else f"{value:.2f}"


def strategy_outcomes_report(page: dict[str, Any]) -> Report:
    """One row per business outcome of ``leadline strategy``'s document: its bets with their
    horizon, this quarter's objectives serving it with their scores, and their mean score.
    CSV columns: outcome, title, description, bets, objectives, okr_score."""
    rows = []
    for outcome in page["outcomes"]:
        scores = [o["score"] for o in outcome["objectives"] if o["score"] is not None]
        bets = [f"{b['title']} ({b.get('horizon') or 'no horizon'})" for b in outcome["bets"]]
        objectives = [
            f"{o['title']} ({o['scope']}: {_score(o['score'])})" for o in outcome["objectives"]
        ]
        rows.append(
            {
                "outcome": outcome["id"],
                "title": outcome["title"],
                "description": outcome.get("description"),
                "bets": "; ".join(bets) or "no bet yet",
                "objectives": "; ".join(objectives) or "none this quarter",
                "okr_score": sum(scores) / len(scores) if scores else None,
            }
        )
    title = page.get("title") or page["name"]
    period = f" ({page['period']})" if page.get("period") else ""
    return Report(
        "outcomes",
        "Business outcomes",
        list(OUTCOME_COLUMNS),
        rows,
        window=f"{title}{period}; OKRs of {page['quarter']}",
    )


def _metric_title(key: str | None) -> str:
    if key is None:
        return "not bound"
    found = registry.find(key)
    return found.title if found is not None else key


PROOF_COLUMNS = (
    Column("metric", "Metric"),
    Column("bound_to", "Bound to", "name", shown=False),
    Column("measured_by", "Measured by"),
    value_column("current", "Current"),
    value_column("target", "Target"),
)


def proof_metrics_report(page: dict[str, Any]) -> Report:
    """The metrics that prove the strategy's progress, each current value measured over the
    page's quarter where it is bound to a leadline metric, in its own unit (never ``.4g``).
    CSV columns: metric, bound_to (a registry key), measured_by (its title, "not bound" when
    none), current, target."""
    rows = [
        {
            "metric": m["name"],
            "bound_to": m.get("metric"),
            "measured_by": _metric_title(m.get("metric")),
            "current": m["current"],
            "target": m.get("target"),
            **value_kind(m.get("metric"), m.get("unit")),
        }
        for m in page["metrics"]
    ]
    return Report(
        "metrics", "Metrics that prove progress", list(PROOF_COLUMNS), rows, window=page["quarter"]
    )
