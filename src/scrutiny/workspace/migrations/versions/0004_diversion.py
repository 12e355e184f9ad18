"""diversion cases, police re-contacts, strategic priorities and their indicators

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

No column for a name, date of birth or address exists in these tables: a diversion case names its person
only by the provider's pseudonymous id.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None
ETHNIC_GROUP = sa.Enum('Asian', 'Black', 'Mixed', 'White', 'Other', 'Not stated',
    name='ethnic_group', native_enum=False, length=20)
AGE_BAND = sa.Enum('under 18', '18-24', '25-34', '35-44', '45-54', '55-64', '65+',
    name='age_band', native_enum=False, length=10)
REFERRAL_SOURCE = sa.Enum('police stop', 'custody', 'self', 'other',
    name='referral_source', native_enum=False, length=20)
INTERVENTION = sa.Enum('education course', 'treatment', 'none',
    name='intervention', native_enum=False, length=20)
COMPLETED = sa.Enum('yes', 'no', 'unknown',
    name='completed', native_enum=False, length=10)
GRANULARITY = sa.Enum('month', 'quarter',
    name='granularity', native_enum=False, length=10)
RECONTACT_KIND = sa.Enum('stop', 'arrest', 'other',
    name='recontact_kind', native_enum=False, length=10)
INDICATOR_METRIC = sa.Enum('drugs_share', 'find_rate', 'diversion_completion',
    name='indicator_metric', native_enum=False, length=30)
TARGET_DIRECTION = sa.Enum('at_most', 'at_least',
    name='target_direction', native_enum=False, length=10)


def upgrade() -> None:
    op.create_table('diversion_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_ref', sa.String(length=64), nullable=False),
    sa.Column('ethnic_group', ETHNIC_GROUP, nullable=False),
    sa.Column('age_band', AGE_BAND, nullable=False),
    sa.Column('borough', sa.String(length=100), nullable=False),
    sa.Column('borough_code', sa.String(length=9), nullable=True),
    sa.Column('drug', sa.String(length=100), nullable=False),
    sa.Column('referral_source', REFERRAL_SOURCE, nullable=False),
    sa.Column('referral_date', sa.Date(), nullable=False),
    sa.Column('eligible', sa.Boolean(), nullable=True),
    sa.Column('eligibility_reason', sa.String(length=500), nullable=False),
    sa.Column('eligibility_date', sa.Date(), nullable=True),
    sa.Column('first_contact_date', sa.Date(), nullable=True),
    sa.Column('assessment_date', sa.Date(), nullable=True),
    sa.Column('intervention', INTERVENTION, nullable=True),
    sa.Column('completed', COMPLETED, nullable=False),
    sa.Column('completion_date', sa.Date(), nullable=True),
    sa.Column('closed_date', sa.Date(), nullable=True),
    sa.Column('closure_reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diversion_cases')),
    sa.UniqueConstraint('person_ref', 'referral_date',
    name='uq_diversion_cases_person_referral')
    )
    with op.batch_alter_table('diversion_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_diversion_cases_person_ref'), ['person_ref'], unique=False)

    op.create_table('strategy_priorities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('start_month', sa.String(length=7), nullable=False),
    sa.Column('end_month', sa.String(length=7), nullable=False),
    sa.Column('granularity', GRANULARITY, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_strategy_priorities'))
    )
    op.create_table('diversion_recontacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('contact_date', sa.Date(), nullable=False),
    sa.Column('kind', RECONTACT_KIND, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['diversion_cases.id'],
                            name=op.f('fk_diversion_recontacts_case_id_diversion_cases'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diversion_recontacts'))
    )
    with op.batch_alter_table('diversion_recontacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_diversion_recontacts_case_id'), ['case_id'], unique=False)

    op.create_table('strategy_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('priority_id', sa.Integer(), nullable=False),
    sa.Column('metric', INDICATOR_METRIC, nullable=False),
    sa.Column('direction', TARGET_DIRECTION, nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('force', sa.String(length=64), nullable=False),
    sa.Column('area', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['priority_id'], ['strategy_priorities.id'],
                            name=op.f('fk_strategy_indicators_priority_id_strategy_priorities'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_strategy_indicators'))
    )
    with op.batch_alter_table('strategy_indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_strategy_indicators_priority_id'), ['priority_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('strategy_indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_strategy_indicators_priority_id'))

    op.drop_table('strategy_indicators')
    with op.batch_alter_table('diversion_recontacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_diversion_recontacts_case_id'))

    op.drop_table('diversion_recontacts')
    op.drop_table('strategy_priorities')
    with op.batch_alter_table('diversion_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_diversion_cases_person_ref'))

    op.drop_table('diversion_cases')
