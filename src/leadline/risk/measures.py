"""The risk pillar's registered metrics: policy compliance coverage.

Coverage is judged at the window's last day (cut at the as-of day): of the in-scope
(control, service) pairs, the share passing (a passing, unexpired attestation or a met
evidence rule). Pairs are grouped by the service's place in the catalog.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from leadline.catalog.grouping import ORGANISATION, Scope, ScopeKind
from leadline.periods import Window
from leadline.present.model import Column, Report
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.registry import Metric, Values


def judged_on(ev: Evaluation, window: Window) -> dt.date:
    return (min(window.until, ev.now) - dt.timedelta(microseconds=1)).date()


def _pairs(ev: Evaluation, day: dt.date) -> list[dict[str, Any]]:
    from leadline.risk.compliance import pairs

    def compute() -> list[dict[str, Any]]:
        with ev.app.store.session() as session:
            return pairs(session, day)

    found: list[dict[str, Any]] = ev.cached(("compliance-pairs", day), compute)
    return found


def coverage(
    ev: Evaluation, kind: ScopeKind, windows: Sequence[Window], params: Mapping[str, str]
) -> list[Values]:
    out: list[Values] = []
    for window in windows:
        if window.since > ev.now:
            out.append({})
            continue
        judged: dict[str, int] = {}
        passing: dict[str, int] = {}
        for pair in _pairs(ev, judged_on(ev, window)):
            key = ev.grouping.service_key(pair["service"], kind)
            judged[key] = judged.get(key, 0) + 1
            passing[key] = passing.get(key, 0) + bool(pair["passing"])
        out.append({k: 100.0 * passing[k] / n for k, n in judged.items() if n})
    return out


def explain(ev: Evaluation, scope: Scope, window: Window, params: Mapping[str, str]) -> Report:
    rows = [
        p
        for p in _pairs(ev, judged_on(ev, window))
        if scope.kind == ORGANISATION
        or ev.grouping.service_key(p["service"], scope.kind) == scope.name
    ]
    columns = [
        Column("control", "Control", "name"),
        Column("service", "Service", "name"),
        Column("passing", "Passing", "bool"),
        Column("evidence", "Evidence"),
        Column("reason", "Why not"),
    ]
    return Report("compliance", f"Control coverage of {scope}", columns, rows)


METRICS = (
    Metric(
        key="risk.compliance_coverage",
        title="Policy compliance coverage",
        unit="percent",
        direction="higher",
        scopes=("service", "team", "value-stream", "business-unit", "organisation"),
        default_window="quarter",
        anchor="policy-compliance-coverage",
        pillar="risk",
        description="In-scope (control, service) pairs passing at the window's end.",
        evaluate=coverage,
        explain=explain,
        point_in_time=True,
        source="NIST CSF 2.0 GV.PO (policy); NIST SP 800-53A assessment",
    ),
)
