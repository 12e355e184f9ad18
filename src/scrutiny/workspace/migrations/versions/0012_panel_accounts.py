"""panel accounts: which login accounts keep which panel's record

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

A panel member may change only the panels they are assigned to (scrutiny.workspace.panel_access); before, any
panel member could change every panel. `panel_accounts` links an account to a panel: an admin assigns accounts
on the panel's page, and whoever creates a panel is assigned to it. Existing panels start with no accounts, so
after upgrading only admins can change them until an admin assigns their members.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('panel_accounts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], name=op.f('fk_panel_accounts_panel_id_panels'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_panel_accounts_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'panel_id', name=op.f('pk_panel_accounts'))
    )
    with op.batch_alter_table('panel_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_accounts_panel_id'), ['panel_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('panel_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_accounts_panel_id'))
    op.drop_table('panel_accounts')
