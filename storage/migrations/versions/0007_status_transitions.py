"""Status history: every status change of a subscriber, stored once.

Revision ID: 0007
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0002"
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
        batch_op.create_index(batch_op.f("ix_status_transitions_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_status_transitions_cause_ref"), ["cause_ref"], unique=False
        )


def downgrade() -> None:
    op.drop_table("status_transitions")
