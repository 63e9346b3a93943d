"""Key results and roadmap KPIs bound to a metric that used to be a ratio now read it in
percentage points, as every registered percentage is (issue 14, the metric registry).

``dora.change_failure_rate``, ``dora.rework_rate`` and ``slo.error_budget_remaining`` were
ratios (0.2); the registry gives them in percentage points (20). Their stored baselines,
targets and metric check-ins are multiplied by 100 and a ``ratio`` unit becomes ``%``, so a
key result keeps its score. Nothing else changes.

Revision ID: 0015_percent_metrics
Revises: 0014_capabilities_roadmap
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from leadline.store.base import JSONType

revision = "0015_percent_metrics"
down_revision = "0014_capabilities_roadmap"
branch_labels = None
depends_on = None

RATIO_METRICS = ("dora.change_failure_rate", "dora.rework_rate", "slo.error_budget_remaining")


def _scale(factor: float) -> None:
    bind = op.get_bind()
    key_results = sa.table(
        "okr_key_result",
        sa.column("id", sa.Integer),
        sa.column("metric", sa.String),
        sa.column("baseline", sa.Float),
        sa.column("target", sa.Float),
        sa.column("unit", sa.String),
    )
    checkins = sa.table(
        "okr_checkin",
        sa.column("key_result_id", sa.Integer),
        sa.column("value", sa.Float),
        sa.column("source", sa.String),
    )
    old, new = ("ratio", "%") if factor > 1 else ("%", "ratio")
    chosen = key_results.c.metric.in_(RATIO_METRICS)
    bind.execute(
        key_results.update()
        .where(chosen)
        .values(baseline=key_results.c.baseline * factor, target=key_results.c.target * factor)
    )
    bind.execute(key_results.update().where(chosen, key_results.c.unit == old).values(unit=new))
    ids = sa.select(key_results.c.id).where(chosen).scalar_subquery()
    bind.execute(
        checkins.update()
        .where(checkins.c.key_result_id.in_(ids), checkins.c.source == "metric")
        .values(value=checkins.c.value * factor)
    )
    _scale_roadmap(bind, factor, old, new)


def _scale_roadmap(bind: Any, factor: float, old: str, new: str) -> None:
    roadmap = sa.table(
        "roadmap_initiative", sa.column("id", sa.Integer), sa.column("kpis", JSONType())
    )
    for row_id, items in bind.execute(sa.select(roadmap.c.id, roadmap.c.kpis)).all():
        changed = False
        for kpi in items or []:
            if isinstance(kpi, dict) and kpi.get("metric") in RATIO_METRICS:
                for field in ("baseline", "target"):
                    if isinstance(kpi.get(field), int | float):
                        kpi[field] = kpi[field] * factor
                if kpi.get("unit") == old:
                    kpi["unit"] = new
                changed = True
        if changed:
            bind.execute(roadmap.update().where(roadmap.c.id == row_id).values(kpis=items))


def upgrade() -> None:
    _scale(100.0)


def downgrade() -> None:
    _scale(0.01)
