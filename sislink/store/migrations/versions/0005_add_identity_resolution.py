"""add identity resolution: SSID replacements, match models and decisions

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
STAMP = sa.DateTime(timezone=True)


def _foreign_key(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_match_decisions_{column}_{table}")
    )


def upgrade() -> None:
    op.create_table(
        "ssid_replacements",
        sa.Column("retired_ssid", sa.String(length=64), nullable=False),
        sa.Column("replacement_ssid", sa.String(length=64), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("loaded_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("retired_ssid", name=op.f("pk_ssid_replacements")),
    )
    op.create_table(
        "match_models",
        sa.Column("id", ID, nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("trained_records", sa.Integer(), nullable=False),
        sa.Column("link_threshold", sa.Float(), nullable=False),
        sa.Column("review_threshold", sa.Float(), nullable=False),
        sa.Column("model", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_models")),
    )
    op.create_table(
        "match_decisions",
        sa.Column("id", ID, nullable=False),
        sa.Column("submission_id", ID, nullable=False),
        sa.Column("organization_id", ID, nullable=False),
        sa.Column("record_key", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("candidate_person_id", ID, nullable=True),
        sa.Column("match_probability", sa.Float(), nullable=True),
        sa.Column("match_weight", sa.Float(), nullable=True),
        sa.Column("contributions", JSON, nullable=False),
        sa.Column("runner_up_person_id", ID, nullable=True),
        sa.Column("runner_up_probability", sa.Float(), nullable=True),
        sa.Column("model_id", ID, nullable=True),
        sa.Column("person_id", ID, nullable=True),
        sa.Column("decided_at", STAMP, nullable=False),
        sa.Column("resolved_at", STAMP, nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        _foreign_key("submission_id", "submissions"),
        _foreign_key("organization_id", "organizations"),
        _foreign_key("candidate_person_id", "persons"),
        _foreign_key("runner_up_person_id", "persons"),
        _foreign_key("model_id", "match_models"),
        _foreign_key("person_id", "persons"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_decisions")),
    )
    op.create_index(
        op.f("ix_match_decisions_organization_id_record_key"),
        "match_decisions",
        ["organization_id", "record_key"],
    )
    op.create_index(op.f("ix_match_decisions_status"), "match_decisions", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_match_decisions_status"), table_name="match_decisions")
    op.drop_index(
        op.f("ix_match_decisions_organization_id_record_key"),
        table_name="match_decisions",
    )
    op.drop_table("match_decisions")
    op.drop_table("match_models")
    op.drop_table("ssid_replacements")
