"""identity cards: the register of issued chip ID cards (valid, replaced, reported lost, revoked)

Revision ID: 0003_identity_cards
Revises: 0001
Create Date: 2026-12-02 04:56:41.596728
"""

import sqlalchemy as sa
from alembic import op

import backend.database

revision = "0003_identity_cards"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_number", sa.String(length=12), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=14), nullable=False),
        sa.Column("status_changed_at", backend.database.UtcDateTime(), nullable=False),
        sa.Column("status_changed_by", sa.Integer(), nullable=True),
        sa.Column("status_reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint("status IN ('valid', 'replaced', 'reported_lost', 'revoked')",
                           name=op.f("ck_identity_cards_status")),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizens.id"], name=op.f("fk_identity_cards_citizen_id_citizens")),
        sa.ForeignKeyConstraint(["status_changed_by"], ["accounts.id"],
                                name=op.f("fk_identity_cards_status_changed_by_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_cards")),
        sa.UniqueConstraint("citizen_id", "issued_on", name=op.f("uq_identity_cards_citizen_id")),
    )
    with op.batch_alter_table("identity_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_cards_citizen_id"), ["citizen_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("identity_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_cards_citizen_id"))
    op.drop_table("identity_cards")
