"""Claims with a process identity and a heartbeat, per-space order, and the outbox's send check.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_events") as batch_op:
        batch_op.add_column(sa.Column("space_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", storage.models.UTCDateTime(), nullable=True))
        batch_op.create_index("ix_webhook_events_space", ["status", "space_id", "id"], unique=False)
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("space_key", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", storage.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("sending_at", storage.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("about", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("asked_at", storage.models.UTCDateTime(), nullable=True))
        batch_op.create_index("ix_outbox_space", ["status", "space_key", "id"], unique=False)
    # Rows waiting from before keep their order too.
    op.execute("UPDATE outbox SET space_key = COALESCE(room_id, to_person_email)")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_space")
        for column in ("asked_at", "about", "sending_at", "heartbeat_at", "claimed_by"):
            batch_op.drop_column(column)
        batch_op.drop_column("space_key")
    with op.batch_alter_table("webhook_events") as batch_op:
        batch_op.drop_index("ix_webhook_events_space")
        for column in ("heartbeat_at", "claimed_by", "space_id"):
            batch_op.drop_column(column)
