"""The audit reads every command makes, by index: its asker's last minute and its event's own.

The rate limit reads an actor's entries of the last minute newest first, and the chain's
"already handled" link reads the entries of one correlation id. With an index on the actor
alone the first read every entry the actor ever made (and sorted them); with none on the
correlation id the second read the whole table. Both grew with the bot's age: over a year's
100,000 entries a ``help`` cost 22 ms of CPU instead of 2. (actor, at) replaces the actor index.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entries") as batch_op:
        batch_op.create_index("ix_audit_entries_actor_at", ["actor", "at"], unique=False)
        batch_op.create_index("ix_audit_entries_correlation", ["correlation_id"], unique=False)
        batch_op.drop_index("ix_audit_entries_actor")


def downgrade() -> None:
    with op.batch_alter_table("audit_entries") as batch_op:
        batch_op.create_index("ix_audit_entries_actor", ["actor"], unique=False)
        batch_op.drop_index("ix_audit_entries_correlation")
        batch_op.drop_index("ix_audit_entries_actor_at")
