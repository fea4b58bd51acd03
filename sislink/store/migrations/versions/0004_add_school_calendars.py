"""add school calendars: days without regular school sessions per organization

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "school_calendars",
        sa.Column("id", ID, nullable=False),
        sa.Column("organization_id", ID, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_school_calendars_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_calendars")),
    )
    op.create_index(
        op.f("ix_school_calendars_organization_id_loaded_at"),
        "school_calendars",
        ["organization_id", "loaded_at"],
    )
    op.create_table(
        "school_calendar_ranges",
        sa.Column("id", ID, nullable=False),
        sa.Column("calendar_id", ID, nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["school_calendars.id"],
            name=op.f("fk_school_calendar_ranges_calendar_id_school_calendars"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_calendar_ranges")),
    )
    op.create_index(
        op.f("ix_school_calendar_ranges_calendar_id"),
        "school_calendar_ranges",
        ["calendar_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_school_calendar_ranges_calendar_id"),
        table_name="school_calendar_ranges",
    )
    op.drop_table("school_calendar_ranges")
    op.drop_index(
        op.f("ix_school_calendars_organization_id_loaded_at"),
        table_name="school_calendars",
    )
    op.drop_table("school_calendars")
