"""Deploy-gate decisions and overrides (issue 20, item 4): ``leadline slo gate`` records every
decision it takes and every override granted, with who asked and why.

Revision ID: 0017_slo_gate
Revises: 0016_session_generation
Create Date: 2026-12-07 12:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import leadline.store.base

revision = "0017_slo_gate"
down_revision = "0016_session_generation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slo_gate_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", leadline.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("evaluated_at", leadline.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("service", sa.String(length=253), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reasons", leadline.store.base.JSONType(), nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("expires_at", leadline.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slo_gate_record")),
    )
    with op.batch_alter_table("slo_gate_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slo_gate_record_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_slo_gate_record_service"), ["service"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slo_gate_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slo_gate_record_service"))
        batch_op.drop_index(batch_op.f("ix_slo_gate_record_at"))
    op.drop_table("slo_gate_record")
