"""A web user's session generation (issue 16, item 9): a session cookie carries the generation
it was issued under, and logout, a password change, a role change or removal bumps it, so a
cookie captured earlier stops working server-side instead of living until it expires.

Revision ID: 0016_session_generation
Revises: 0015_percent_metrics
Create Date: 2026-12-07 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_session_generation"
down_revision = "0015_percent_metrics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_user") as batch:
        batch.add_column(
            sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("web_user") as batch:
        batch.drop_column("session_generation")
