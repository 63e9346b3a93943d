"""Connectors (issue 18): connections (secret references only), their runs and their cursors.

Revision ID: 0018_connectors
Revises: 0017_slo_gate
Create Date: 2026-12-07 14:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import leadline.store.base

revision = "0018_connectors"
down_revision = "0017_slo_gate"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("options", leadline.store.base.JSONType(), nullable=False),
        sa.Column("token_env", sa.String(length=256), nullable=True),
        sa.Column("token_file", sa.Text(), nullable=True),
        sa.Column("schedule", sa.String(length=128), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", leadline.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", leadline.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint("name", name=op.f("uq_connections_name")),
    )
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_connections_kind"), ["kind"], unique=False)
    op.create_table(
        "connection_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("started_at", leadline.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", leadline.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("facts_landed", sa.Integer(), nullable=False),
        sa.Column("batches", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("next_run", leadline.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_connection_runs_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connection_runs")),
    )
    with op.batch_alter_table("connection_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connection_runs_connection_id"), ["connection_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_connection_runs_started_at"), ["started_at"], unique=False
        )
    op.create_table(
        "connector_cursors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=512), nullable=False),
        sa.Column("cursor", leadline.store.base.JSONType(), nullable=False),
        sa.Column("updated_at", leadline.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_connector_cursors_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_cursors")),
        sa.UniqueConstraint(
            "connection_id", "stream", name=op.f("uq_connector_cursors_connection_id_stream")
        ),
    )
    with op.batch_alter_table("connector_cursors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connector_cursors_connection_id"), ["connection_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("connector_cursors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connector_cursors_connection_id"))
    op.drop_table("connector_cursors")
    with op.batch_alter_table("connection_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connection_runs_started_at"))
        batch_op.drop_index(batch_op.f("ix_connection_runs_connection_id"))
    op.drop_table("connection_runs")
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connections_kind"))
    op.drop_table("connections")
