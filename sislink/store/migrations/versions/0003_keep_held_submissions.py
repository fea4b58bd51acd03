"""keep held submissions: their files, options and resolution

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(
            sa.Column(
                "options",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("resolved_by_submission_id", ID, nullable=True))
        batch.create_foreign_key(
            op.f("fk_submissions_resolved_by_submission_id_submissions"),
            "submissions",
            ["resolved_by_submission_id"],
            ["id"],
        )
    with op.batch_alter_table("submission_files") as batch:
        batch.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submission_files") as batch:
        batch.drop_column("content")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint(
            op.f("fk_submissions_resolved_by_submission_id_submissions"),
            type_="foreignkey",
        )
        batch.drop_column("resolved_by_submission_id")
        batch.drop_column("options")
