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
    # Plain ADD COLUMN, not batch mode: on SQLite, batch mode copies the
    # table and drops the old one, which the foreign keys of findings and
    # submission files forbid once the table has rows.
    op.add_column(
        "submissions",
        sa.Column(
            "options",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=True,
        ),
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a foreign key only inline, with the column.
        op.execute(
            "ALTER TABLE submissions ADD COLUMN resolved_by_submission_id "
            "INTEGER REFERENCES submissions (id)"
        )
    else:
        op.add_column(
            "submissions",
            sa.Column(
                "resolved_by_submission_id",
                ID,
                sa.ForeignKey(
                    "submissions.id",
                    name=op.f("fk_submissions_resolved_by_submission_id_submissions"),
                ),
                nullable=True,
            ),
        )
    op.add_column("submission_files", sa.Column("content", sa.LargeBinary()))


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
