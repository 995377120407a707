"""The status index ends with id, so a status page is read off the index without a sort.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscribers") as batch_op:
        batch_op.drop_index("ix_subscribers_status_recent")
        batch_op.create_index(
            "ix_subscribers_status_recent", ["status", "last_status_change", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("subscribers") as batch_op:
        batch_op.drop_index("ix_subscribers_status_recent")
        batch_op.create_index(
            "ix_subscribers_status_recent", ["status", "last_status_change"], unique=False
        )
