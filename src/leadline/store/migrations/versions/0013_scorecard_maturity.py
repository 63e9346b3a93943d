"""scorecard outcomes and KPI overrides, maturity answers

Revision ID: 0013_scorecard_maturity
Revises: 0012_web_users
Create Date: 2026-11-25 07:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import leadline.store.base

revision = "0013_scorecard_maturity"
down_revision = "0012_web_users"
branch_labels = None
depends_on = None


def _batch_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["batch_id"],
        ["ingest_batch.id"],
        name=op.f(f"fk_{table}_batch_id_ingest_batch"),
        ondelete="SET NULL",
    )


def upgrade() -> None:
    op.create_table(
        "scorecard_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=253), nullable=False),
        sa.Column("scope_kind", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=253), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("owner", sa.String(length=253), nullable=True),
        sa.Column("unit", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", leadline.store.base.UTCDateTime(timezone=True), nullable=False),
        _batch_fk("scorecard_outcome"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecard_outcome")),
        sa.UniqueConstraint(
            "name",
            "scope_kind",
            "scope",
            "period",
            name=op.f("uq_scorecard_outcome_name_scope_kind_scope_period"),
        ),
    )
    with op.batch_alter_table("scorecard_outcome", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scorecard_outcome_name"), ["name"], unique=False)
    op.create_table(
        "scorecard_kpi",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("definition", leadline.store.base.JSONType(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", leadline.store.base.UTCDateTime(timezone=True), nullable=False),
        _batch_fk("scorecard_kpi"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecard_kpi")),
        sa.UniqueConstraint("key", name=op.f("uq_scorecard_kpi_key")),
    )
    op.create_table(
        "maturity_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        sa.Column("answer", sa.Boolean(), nullable=False),
        sa.Column("answered_by", sa.String(length=253), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", leadline.store.base.UTCDateTime(timezone=True), nullable=False),
        _batch_fk("maturity_answer"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maturity_answer")),
        sa.UniqueConstraint("rule", name=op.f("uq_maturity_answer_rule")),
    )


def downgrade() -> None:
    op.drop_table("maturity_answer")
    op.drop_table("scorecard_kpi")
    with op.batch_alter_table("scorecard_outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scorecard_outcome_name"))
    op.drop_table("scorecard_outcome")
