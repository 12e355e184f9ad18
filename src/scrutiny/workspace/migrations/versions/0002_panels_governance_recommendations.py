"""panels, governance map and recommendations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Panels with their members and meetings; governance bodies, the relations between them and the people who hold
roles on them; recommendations with their linked KPIs.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

BODY_KIND = sa.Enum('community_safety_partnership', 'combating_drugs_partnership', 'scrutiny_panel',
                    'safer_neighbourhood_board', 'policing_and_crime_office', 'police', 'local_authority', 'other',
                    name='body_kind', native_enum=False, length=40)
PANEL_KIND = sa.Enum('scrutiny_panel', 'monitoring_group', name='panel_kind', native_enum=False, length=20)
RELATION_KIND = sa.Enum('reports_to', 'scrutinises', 'funds', 'member_of', name='relation_kind', native_enum=False,
                        length=20)
AGE_BAND = sa.Enum('under_18', 'from_18_to_24', 'from_25_to_34', 'from_35_to_44', 'from_45_to_54', 'from_55_to_64',
                   'over_64', 'not_stated', name='age_band', native_enum=False, length=20)
STATUS = sa.Enum('open', 'answered', 'accepted', 'rejected', 'implemented', name='recommendation_status',
                 native_enum=False, length=20)


def _created() -> sa.Column[datetime]:
    return sa.Column('created_at', sa.DateTime(timezone=True), nullable=False)



def upgrade() -> None:
    op.create_table('governance_bodies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', BODY_KIND, nullable=False),
    sa.Column('area', sa.String(length=100), nullable=False),
    sa.Column('website', sa.String(length=500), nullable=True),
    _created(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_bodies')),
    sa.UniqueConstraint('name', name=op.f('uq_governance_bodies_name'))
    )
    op.create_table('panels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', PANEL_KIND, nullable=False),
    sa.Column('area_name', sa.String(length=100), nullable=False),
    sa.Column('area_code', sa.String(length=9), nullable=True),
    sa.Column('terms_of_reference', sa.Text(), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('how_to_join', sa.Text(), nullable=False),
    _created(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panels'))
    )
    op.create_table('governance_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('person_name', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=200), nullable=False),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('until', sa.Date(), nullable=True),
    _created(),
    sa.ForeignKeyConstraint(['body_id'], ['governance_bodies.id'], ondelete='CASCADE',
                            name=op.f('fk_governance_memberships_body_id_governance_bodies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_memberships'))
    )
    op.create_index(op.f('ix_governance_memberships_body_id'), 'governance_memberships', ['body_id'])
    op.create_table('governance_relations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('kind', RELATION_KIND, nullable=False),
    _created(),
    sa.CheckConstraint('source_id <> target_id', name=op.f('ck_governance_relations_not_self')),
    sa.ForeignKeyConstraint(['source_id'], ['governance_bodies.id'], ondelete='CASCADE',
                            name=op.f('fk_governance_relations_source_id_governance_bodies')),
    sa.ForeignKeyConstraint(['target_id'], ['governance_bodies.id'], ondelete='CASCADE',
                            name=op.f('fk_governance_relations_target_id_governance_bodies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_governance_relations')),
    sa.UniqueConstraint('source_id', 'target_id', 'kind', name='uq_governance_relations_edge')
    )
    op.create_index(op.f('ix_governance_relations_source_id'), 'governance_relations', ['source_id'])
    op.create_index(op.f('ix_governance_relations_target_id'), 'governance_relations', ['target_id'])
    op.create_table('panel_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('minutes_url', sa.String(length=500), nullable=True),
    _created(),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], ondelete='CASCADE',
                            name=op.f('fk_panel_meetings_panel_id_panels')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_meetings'))
    )
    op.create_index(op.f('ix_panel_meetings_panel_id'), 'panel_meetings', ['panel_id'])
    op.create_table('panel_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=100), nullable=False),
    sa.Column('community', sa.String(length=200), nullable=False),
    sa.Column('age_band', AGE_BAND, nullable=False),
    _created(),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], ondelete='CASCADE',
                            name=op.f('fk_panel_members_panel_id_panels')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_members'))
    )
    op.create_index(op.f('ix_panel_members_panel_id'), 'panel_members', ['panel_id'])
    op.create_table('recommendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('from_body_id', sa.Integer(), nullable=False),
    sa.Column('to_body_id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=True),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('response_due', sa.Date(), nullable=True),
    sa.Column('response_text', sa.Text(), nullable=True),
    sa.Column('responded_on', sa.Date(), nullable=True),
    sa.Column('status', STATUS, nullable=False),
    _created(),
    sa.ForeignKeyConstraint(['from_body_id'], ['governance_bodies.id'], ondelete='RESTRICT',
                            name=op.f('fk_recommendations_from_body_id_governance_bodies')),
    sa.ForeignKeyConstraint(['panel_id'], ['panels.id'], ondelete='SET NULL',
                            name=op.f('fk_recommendations_panel_id_panels')),
    sa.ForeignKeyConstraint(['to_body_id'], ['governance_bodies.id'], ondelete='RESTRICT',
                            name=op.f('fk_recommendations_to_body_id_governance_bodies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendations'))
    )
    op.create_index(op.f('ix_recommendations_from_body_id'), 'recommendations', ['from_body_id'])
    op.create_index(op.f('ix_recommendations_panel_id'), 'recommendations', ['panel_id'])
    op.create_index(op.f('ix_recommendations_to_body_id'), 'recommendations', ['to_body_id'])
    op.create_table('recommendation_kpis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=100), nullable=False),
    sa.Column('force', sa.String(length=60), nullable=False),
    sa.Column('area_code', sa.String(length=9), nullable=True),
    sa.Column('start', sa.String(length=7), nullable=False),
    sa.Column('end', sa.String(length=7), nullable=False),
    _created(),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendations.id'], ondelete='CASCADE',
                            name=op.f('fk_recommendation_kpis_recommendation_id_recommendations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation_kpis'))
    )
    op.create_index(op.f('ix_recommendation_kpis_recommendation_id'), 'recommendation_kpis', ['recommendation_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_recommendation_kpis_recommendation_id'), table_name='recommendation_kpis')
    op.drop_table('recommendation_kpis')
    for column in ('to_body_id', 'panel_id', 'from_body_id'):
        op.drop_index(op.f(f'ix_recommendations_{column}'), table_name='recommendations')
    op.drop_table('recommendations')
    op.drop_index(op.f('ix_panel_members_panel_id'), table_name='panel_members')
    op.drop_table('panel_members')
    op.drop_index(op.f('ix_panel_meetings_panel_id'), table_name='panel_meetings')
    op.drop_table('panel_meetings')
    op.drop_index(op.f('ix_governance_relations_target_id'), table_name='governance_relations')
    op.drop_index(op.f('ix_governance_relations_source_id'), table_name='governance_relations')
    op.drop_table('governance_relations')
    op.drop_index(op.f('ix_governance_memberships_body_id'), table_name='governance_memberships')
    op.drop_table('governance_memberships')
    op.drop_table('panels')
    op.drop_table('governance_bodies')
