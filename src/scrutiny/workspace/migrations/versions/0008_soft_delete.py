"""soft delete: panels, governance bodies and recommendations can be restored for 30 days

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

Deleting a panel took its members and meetings with it on one click, for good. A deleted panel, body or
recommendation now keeps its row with `deleted_at` set: every query leaves it out
(scrutiny.workspace.models.base.SoftDeleted), an admin can restore it from "Recently deleted" for 30 days, and
`scrutiny workspace purge` deletes it for good after that (scrutiny.workspace.deleted).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TABLES = ('governance_bodies', 'panels', 'recommendations')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_deleted_at'), ['deleted_at'], unique=False)


def downgrade() -> None:
    """Rows deleted but not yet purged are deleted for good first: without the column they would come back."""
    for table in reversed(TABLES):
        op.execute(sa.text(f"DELETE FROM {table} WHERE deleted_at IS NOT NULL"))
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_deleted_at'))
            batch_op.drop_column('deleted_at')
