"""community reports ask a child whether an appropriate adult was there

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-14

The report form asks someone under 18 whether a parent, carer or other appropriate adult was with them when they
were searched (yes, no, not sure, or "I was 18 or over"), so a child who says no is flagged for safeguarding from
their answer, not only from their own words. One nullable column: reports made before it have no answer.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('community_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appropriate_adult', sa.Enum('yes', 'no', 'not_sure', 'over_18',
                                                                   name='appropriate_adult', native_enum=False,
                                                                   length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('community_reports', schema=None) as batch_op:
        batch_op.drop_column('appropriate_adult')
