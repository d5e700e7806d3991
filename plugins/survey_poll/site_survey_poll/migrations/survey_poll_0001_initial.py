"""The survey poll's tables: polls, options (with tallies), ballots, choices, rate buckets.

Revision ID: survey_poll_0001
Revises:
Create Date: 2026-11-27

The base of the ``survey_poll`` branch. Tables are created only if absent,
so a database built by ``create_all`` before migrations existed upgrades
cleanly (its polls and votes are kept).
"""
from alembic import op
import sqlalchemy as sa

revision = "survey_poll_0001"
down_revision = None
branch_labels = ("survey_poll",)
depends_on = "site_core_0001"


def upgrade():
    op.create_table(
        "poll_polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=500), nullable=False),
        sa.Column("max_choices", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=True),  # UTC, no offset
        sa.Column("closes_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "poll_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("votes", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["poll_polls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_poll_options_poll", "poll_options", ["poll_id", "position"], if_not_exists=True)
    op.create_table(
        "poll_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["poll_polls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("poll_id", "voter_key", name="uq_poll_votes_voter"),
        if_not_exists=True,
    )
    op.create_table(
        "poll_choices",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["option_id"], ["poll_options.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["poll_id", "voter_key"], ["poll_votes.poll_id", "poll_votes.voter_key"],
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("poll_id", "voter_key", "option_id"),
        if_not_exists=True,
    )
    op.create_index("ix_poll_choices_option_id", "poll_choices", ["option_id"], if_not_exists=True)
    op.create_table(
        "poll_rate",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("poll_id", "address_key", "bucket"),
        if_not_exists=True,
    )


def downgrade():
    op.drop_table("poll_rate")
    op.drop_index("ix_poll_choices_option_id", table_name="poll_choices")
    op.drop_table("poll_choices")
    op.drop_table("poll_votes")
    op.drop_index("ix_poll_options_poll", table_name="poll_options")
    op.drop_table("poll_options")
    op.drop_table("poll_polls")
