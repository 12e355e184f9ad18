"""community stop reports

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

One table: reports from the public (`/report`), their moderation state, contact details kept only with consent
until they expire, and the hash of the one-time token that fetches the person's complaint letter.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TABLE = 'community_reports'


def _answer(name: str) -> sa.Enum:
    return sa.Enum('yes', 'no', 'not_sure', name=name, native_enum=False, length=10)


def upgrade() -> None:
    op.create_table(TABLE,
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('occurred_time', sa.String(length=5), nullable=True),
    sa.Column('borough_code', sa.String(length=9), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('kind', sa.Enum('search', 'stop', name='stop_kind', native_enum=False, length=10), nullable=False),
    sa.Column('suspected_of', sa.Text(), nullable=True),
    sa.Column('grounds_given', _answer('grounds_given'), nullable=True),
    sa.Column('name_given', _answer('name_given'), nullable=True),
    sa.Column('station_given', _answer('station_given'), nullable=True),
    sa.Column('power_given', _answer('power_given'), nullable=True),
    sa.Column('power_stated', sa.Text(), nullable=True),
    sa.Column('record_offered', _answer('record_offered'), nullable=True),
    sa.Column('body_camera', _answer('body_camera'), nullable=True),
    sa.Column('searched_for', sa.Text(), nullable=True),
    sa.Column('found', sa.Text(), nullable=True),
    sa.Column('outcome', sa.Enum('no_further_action', 'arrest', 'penalty_notice', 'drugs_warning',
                                 'community_resolution', 'summons', 'other', 'not_sure', name='stop_outcome',
                                 native_enum=False, length=24), nullable=True),
    sa.Column('outer_clothing_removed', _answer('outer_clothing_removed'), nullable=True),
    sa.Column('age_band', sa.Enum('under 10', '10-17', '18-24', '25-34', 'over 34', name='age_band',
                                  native_enum=False, length=10), nullable=True),
    sa.Column('ethnicity_text', sa.String(length=200), nullable=True),
    sa.Column('ethnic_group', sa.Enum('asian', 'black', 'mixed', 'white', 'other', 'not_stated',
                                      name='ethnic_group', native_enum=False, length=12), nullable=True),
    sa.Column('respect', sa.Integer(), nullable=True),
    sa.Column('account', sa.Text(), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('contact_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('new', 'published', 'hidden', 'flagged', name='report_status', native_enum=False,
                                length=10), nullable=False),
    sa.Column('account_approved', sa.Boolean(), nullable=False),
    sa.Column('letter_token_hash', sa.String(length=64), nullable=True),
    sa.Column('letter_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('letter_text_taken', sa.Boolean(), nullable=False),
    sa.Column('letter_pdf_taken', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('respect IS NULL OR (respect >= 1 AND respect <= 5)',
                       name=op.f('ck_community_reports_respect_1_to_5')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_reports')),
    sa.UniqueConstraint('letter_token_hash', name=op.f('uq_community_reports_letter_token_hash'))
    )
    for column in ('borough_code', 'contact_expires_at', 'occurred_on', 'status'):
        op.create_index(op.f(f'ix_community_reports_{column}'), TABLE, [column], unique=False)


def downgrade() -> None:
    for column in ('borough_code', 'contact_expires_at', 'occurred_on', 'status'):
        op.drop_index(op.f(f'ix_community_reports_{column}'), table_name=TABLE)
    op.drop_table(TABLE)
