"""How far the intake journal has been imported: one row, the highest sequence number moved.

serve's webhook intake on SQLite records events in a file of its own (storage/journal.py); the
workers move them into webhook_events and advance this row in the same transaction. ``token``
names this database: a journal written for another one (the file left behind when the database
was deleted and created again) is set aside instead of imported.

Revision ID: 0010
Revises: 0009
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "journal_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_imports")),
    )
    op.bulk_insert(table, [{"id": 1, "seq": 0, "token": secrets.token_hex(16)}])


def downgrade() -> None:
    op.drop_table("journal_imports")
