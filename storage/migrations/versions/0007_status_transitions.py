"""Status history (every status change of a subscriber, stored once) and a space's watches.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "status_transitions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("subscriber_id", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("from_status", sa.String(length=40), nullable=True),
        sa.Column("to_status", sa.String(length=40), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_text", sa.Text(), nullable=True),
        sa.Column("cause", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=True),
        sa.Column("cause_ref", sa.String(length=64), nullable=True),
        sa.Column("audit_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_transitions")),
        sa.UniqueConstraint("user_id", "to_status", "at", name="uq_status_transitions_change"),
    )
    with op.batch_alter_table("status_transitions") as batch_op:
        batch_op.create_index("ix_status_transitions_user", ["user_id", "at"], unique=False)
        batch_op.create_index(
            "ix_status_transitions_day",
            ["day", "customer_id", "from_status", "to_status"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_status_transitions_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_status_transitions_cause_ref"), ["cause_ref"], unique=False
        )
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watches")),
    )
    with op.batch_alter_table("watches") as batch_op:
        batch_op.create_index(batch_op.f("ix_watches_space_id"), ["space_id"], unique=False)
    op.create_table(
        "watch_alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["watch_id"],
            ["watches.id"],
            name=op.f("fk_watch_alerts_watch_id_watches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_alerts")),
        sa.UniqueConstraint("watch_id", "key", name="uq_watch_alerts_key"),
    )


def downgrade() -> None:
    op.drop_table("watch_alerts")
    op.drop_table("watches")
    op.drop_table("status_transitions")
