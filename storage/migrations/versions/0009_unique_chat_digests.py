"""One enabled chat digest per (space, schedule, zone, content): two admins adding the same
digest at the same moment both passed the read-then-write check and the space got it twice.

A partial unique index (both SQLite and PostgreSQL have them) over enabled digests added in
chat; config digests are left out, the config file being their one source. Twins already
stored are disabled first (the oldest stays), or the index could not be built.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = "enabled AND source = 'chat'"


def upgrade() -> None:
    op.execute(
        sa.text(
            f"UPDATE digests SET enabled = false WHERE {_WHERE} AND id NOT IN ("
            f"SELECT min(id) FROM digests WHERE {_WHERE} "
            "GROUP BY space_id, cron, timezone, content)"
        )
    )
    op.create_index(
        "uq_digests_chat_schedule",
        "digests",
        ["space_id", "cron", "timezone", "content"],
        unique=True,
        sqlite_where=sa.text(_WHERE),
        postgresql_where=sa.text(_WHERE),
    )


def downgrade() -> None:
    op.drop_index("uq_digests_chat_schedule", table_name="digests")
