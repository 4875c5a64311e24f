"""token state: the version counter behind each process's cache of token-family state

Revision ID: 0004_token_state
Revises: 0003_life_events
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_token_state"
down_revision = "0003_life_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "auth_state_epochs",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_state_epochs")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("auth_state_epochs")
