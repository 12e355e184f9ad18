"""rate limit slots shared by every server process

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

The community-report limit was kept in each server's memory and checked apart from the write, so concurrent
posts (or a second server process) went past it. Its slots now live here, taken in the report's transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_slots',
    sa.Column('client', sa.String(length=80), nullable=False),
    sa.Column('slot', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('taken_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('client', 'slot', name=op.f('pk_rate_slots'))
    )
    op.create_index(op.f('ix_rate_slots_taken_at'), 'rate_slots', ['taken_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_rate_slots_taken_at'), table_name='rate_slots')
    op.drop_table('rate_slots')
