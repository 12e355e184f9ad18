"""search-record review: records, seeded samples, two-reviewer rubric answers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 20:41:02.217816
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('review_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('source_key', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('force', sa.String(length=100), nullable=True),
    sa.Column('area_code', sa.String(length=12), nullable=True),
    sa.Column('area_name', sa.String(length=120), nullable=True),
    sa.Column('self_defined_ethnicity', sa.String(length=200), nullable=True),
    sa.Column('ethnic_group', sa.String(length=12), nullable=False),
    sa.Column('officer_defined_ethnicity', sa.String(length=100), nullable=True),
    sa.Column('age_range', sa.String(length=40), nullable=True),
    sa.Column('gender', sa.String(length=40), nullable=True),
    sa.Column('object_of_search', sa.String(length=200), nullable=True),
    sa.Column('legislation', sa.String(length=200), nullable=True),
    sa.Column('grounds', sa.Text(), nullable=False),
    sa.Column('grounds_class', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.String(length=200), nullable=True),
    sa.Column('outcome_linked', sa.Boolean(), nullable=True),
    sa.Column('body_worn_video', sa.String(length=7), nullable=False),
    sa.Column('officer_pseudonym', sa.String(length=40), nullable=True),
    sa.Column('unit_pseudonym', sa.String(length=40), nullable=True),
    sa.Column('force_reference', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_records')),
    sa.UniqueConstraint('source_key', name=op.f('uq_review_records_source_key'))
    )
    with op.batch_alter_table('review_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_records_occurred_at'), ['occurred_at'], unique=False)
    op.create_table('review_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('object_stated', sa.Boolean(), nullable=False),
    sa.Column('grounds_stated', sa.Boolean(), nullable=False),
    sa.Column('reasonable_suspicion', sa.Boolean(), nullable=False),
    sa.Column('smell_only', sa.Boolean(), nullable=False),
    sa.Column('body_worn_video', sa.String(length=7), nullable=False),
    sa.Column('conduct', sa.String(length=12), nullable=False),
    sa.Column('grounds_class', sa.String(length=12), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('slot IN (1, 2)', name=op.f('ck_review_reviews_slot')),
    sa.ForeignKeyConstraint(['record_id'], ['review_records.id'],
                            name=op.f('fk_review_reviews_record_id_review_records')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_review_reviews_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_reviews')),
    sa.UniqueConstraint('record_id', 'reviewer_id', name=op.f('uq_review_reviews_record_id')),
    sa.UniqueConstraint('record_id', 'slot', name='uq_review_reviews_record_slot')
    )
    with op.batch_alter_table('review_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_reviews_record_id'), ['record_id'], unique=False)
    op.create_table('review_samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('force', sa.String(length=100), nullable=True),
    sa.Column('area', sa.String(length=120), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'],
                            name=op.f('fk_review_samples_drawn_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_samples'))
    )
    op.create_table('review_sample_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['review_records.id'],
                            name=op.f('fk_review_sample_records_record_id_review_records')),
    sa.ForeignKeyConstraint(['sample_id'], ['review_samples.id'],
                            name=op.f('fk_review_sample_records_sample_id_review_samples'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_sample_records')),
    sa.UniqueConstraint('sample_id', 'record_id', name=op.f('uq_review_sample_records_sample_id'))
    )
    with op.batch_alter_table('review_sample_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_sample_records_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_sample_records_sample_id'), ['sample_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('review_sample_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_sample_records_sample_id'))
        batch_op.drop_index(batch_op.f('ix_review_sample_records_record_id'))
    op.drop_table('review_sample_records')
    op.drop_table('review_samples')
    with op.batch_alter_table('review_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_reviews_record_id'))
    op.drop_table('review_reviews')
    with op.batch_alter_table('review_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_records_occurred_at'))
    op.drop_table('review_records')
