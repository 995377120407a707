"""Indexes for a big partner's subscriber list: per customer and package in list order, counts
per customer, emails case-insensitively, and a trigram text search (FTS5 on SQLite, pg_trgm on
PostgreSQL; see storage.search).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage import search

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscribers") as batch_op:
        batch_op.drop_index("ix_subscribers_customer_id")
        batch_op.drop_index("ix_subscribers_package")
        batch_op.create_index(
            "ix_subscribers_customer_recent", ["customer_id", "last_status_change", "id"]
        )
        batch_op.create_index(
            "ix_subscribers_package_recent", ["package", "last_status_change", "id"]
        )
        batch_op.create_index(
            "ix_subscribers_customer_status", ["customer_id", "status", "package"]
        )
    op.create_index("ix_subscribers_email_lower", "subscribers", [sa.text("lower(email)")])
    search.create(op.get_bind())


def downgrade() -> None:
    search.drop(op.get_bind())
    op.drop_index("ix_subscribers_email_lower", table_name="subscribers")
    with op.batch_alter_table("subscribers") as batch_op:
        batch_op.drop_index("ix_subscribers_customer_status")
        batch_op.drop_index("ix_subscribers_package_recent")
        batch_op.drop_index("ix_subscribers_customer_recent")
        batch_op.create_index("ix_subscribers_package", ["package"])
        batch_op.create_index("ix_subscribers_customer_id", ["customer_id"])
