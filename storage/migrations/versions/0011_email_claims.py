"""Email addresses a retry is giving to a subscriber right now.

Two retries giving one new address to two subscribers at the same moment could both pass the
owner check (it reads the snapshot, which learns of the first only once it is done). A claim
row, taken before the check and dropped when the provider has answered, makes the second wait
its turn and be refused. A unique index on ``subscribers.email`` would be wrong: that table is
Webex's snapshot, where duplicates and swaps do appear within a sync.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_claims",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("subscriber_id", sa.String(length=200), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_email_claims")),
    )


def downgrade() -> None:
    op.drop_table("email_claims")
