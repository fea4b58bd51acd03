"""close stale reviews: record why a submission closed a pending review

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-20
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FOREIGN_KEY = "fk_match_decisions_resolved_submission_id_submissions"


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: on SQLite, batch mode copies the
    # table, and SQLite adds a foreign key only inline, with the column.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE match_decisions ADD COLUMN resolved_submission_id "
            "INTEGER REFERENCES submissions (id)"
        )
    else:
        op.add_column(
            "match_decisions",
            sa.Column(
                "resolved_submission_id",
                ID,
                sa.ForeignKey("submissions.id", name=op.f(FOREIGN_KEY)),
                nullable=True,
            ),
        )
    op.add_column("match_decisions", sa.Column("reason", sa.Text(), nullable=True))
    _withdraw_ended_reviews()


def _withdraw_ended_reviews() -> None:
    """Close the pending reviews whose held student record a submission ended.

    Earlier releases kept such a review pending, and accepting it moved no
    record. The submission that ended the newest held version closes it.
    """
    connection = op.get_bind()
    decisions = sa.table(
        "match_decisions",
        sa.column("id", ID),
        sa.column("organization_id", ID),
        sa.column("record_key", sa.Text()),
        sa.column("status", sa.String()),
        sa.column("reason", sa.Text()),
        sa.column("resolved_submission_id", ID),
        sa.column("resolved_at", sa.DateTime(timezone=True)),
        sa.column("resolved_by", sa.Text()),
    )
    versions = sa.table(
        "record_versions",
        sa.column("organization_id", ID),
        sa.column("kind", sa.String()),
        sa.column("record_key", sa.Text()),
        sa.column("person_id", ID),
        sa.column("valid_to_submission_id", ID),
    )
    same_student = sa.and_(
        versions.c.organization_id == decisions.c.organization_id,
        versions.c.kind == "student",
        versions.c.record_key == decisions.c.record_key,
        versions.c.person_id.is_(None),
    )
    ended_by = (
        sa.select(sa.func.max(versions.c.valid_to_submission_id))
        .where(same_student)
        .scalar_subquery()
    )
    still_held = sa.exists().where(
        same_student, versions.c.valid_to_submission_id.is_(None)
    )
    stale = connection.execute(
        sa.select(decisions.c.id, ended_by).where(
            decisions.c.status == "pending", ~still_held
        )
    ).all()
    now = datetime.now(UTC)
    for decision_id, submission_id in stale:
        reason = (
            f"submission {submission_id} ended the student record while the "
            "review waited"
            if submission_id is not None
            else "the review holds no student record"
        )
        connection.execute(
            sa.update(decisions)
            .where(decisions.c.id == decision_id)
            .values(
                status="withdrawn",
                reason=reason,
                resolved_submission_id=submission_id,
                resolved_at=now,
                resolved_by="sislink init",
            )
        )


def downgrade() -> None:
    # Withdrawn and superseded reviews keep their status: earlier releases
    # accept or reject only pending ones, so they stay closed.
    with op.batch_alter_table("match_decisions") as batch:
        if op.get_bind().dialect.name != "sqlite":
            batch.drop_constraint(op.f(FOREIGN_KEY), type_="foreignkey")
        batch.drop_column("reason")
        batch.drop_column("resolved_submission_id")
