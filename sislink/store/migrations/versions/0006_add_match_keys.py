"""add match keys: stored blocking keys of the person index

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-18
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CURRENT_PERSON_STUDENT = (
    "kind = 'student' AND valid_to_submission_id IS NULL AND person_id IS NOT NULL"
)


def upgrade() -> None:
    op.create_table(
        "match_keys",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("record_version_id", ID, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("key", "record_version_id", name=op.f("pk_match_keys")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_match_keys_record_version_id"), "match_keys", ["record_version_id"]
    )
    op.create_table(
        "match_key_sets",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_match_key_sets")),
    )
    op.create_index(
        "ix_record_versions_index_students",
        "record_versions",
        ["person_id"],
        sqlite_where=sa.text(CURRENT_PERSON_STUDENT),
        postgresql_where=sa.text(CURRENT_PERSON_STUDENT),
    )
    # The keys come from the code of this release: sislink.link.keys and the
    # blocking rules it reads. A later change to either rebuilds them when
    # the matcher next runs (sislink.store.match_keys.ensure_current_keys).
    from sislink.store.match_keys import rebuild_keys

    rebuild_keys(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_record_versions_index_students", table_name="record_versions")
    op.drop_table("match_key_sets")
    op.drop_index(op.f("ix_match_keys_record_version_id"), table_name="match_keys")
    op.drop_table("match_keys")
