"""panels are governance bodies

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

A panel was a record of its own and, to appear on the governance map or make a recommendation, was entered a
second time as a body. Now every panel IS a body: `panels.body_id` points at its row in `governance_bodies`,
which holds the name, kind (`scrutiny_panel` or the new `monitoring_group`), area and website; the panel's row
keeps the rest (ONS code, terms of reference, contact, how to join; members and meetings hang off it).

Upgrade, for each panel in id order: a body whose name is the panel's (ignoring case and spacing) becomes its
body (one entered exactly as the panel is preferred; others with the same name are merged into it: their
relations, memberships and recommendations move to it, a relation that would repeat one or join the body to
itself is dropped); the panel's kind, area and website (when it has one) go onto that body. A panel with no
such body gets a new one (named "<name> (panel <id>)" if a body already has its name). A body of kind
`scrutiny_panel` that no panel matched becomes a panel with empty details, so every body of a panel's kind
is a panel. A soft-deleted panel (0008) is matched only to a soft-deleted body, and a live one to a live one.

Downgrade puts the name, kind, area and website back on each panel from its body; the bodies stay on the
map (as before 0009 a panel would have been entered there too), a `monitoring_group` body as `other`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

PANEL_KIND = sa.Enum('scrutiny_panel', 'monitoring_group', name='panel_kind', native_enum=False, length=20)
PANEL_KINDS = ('scrutiny_panel', 'monitoring_group')
NAME_LIMIT = 200


def _columns(table: str, names: Sequence[str]) -> sa.TableClause:
    """A lightweight table for the data steps, with `deleted_at` when 0008 made it."""
    present = {c['name'] for c in sa.inspect(op.get_bind()).get_columns(table)}
    return sa.table(table, *(sa.column(n) for n in names if n != 'deleted_at' or 'deleted_at' in present))


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def _rows(table: sa.TableClause) -> list[dict[str, Any]]:
    bind = op.get_bind()
    return [dict(r._mapping) for r in bind.execute(sa.select(table).order_by(table.c.id))]


def _merge(keep: int, others: list[int]) -> None:
    """Point everything that named `others` at `keep`, then remove `others`."""
    bind = op.get_bind()
    rel = sa.table('governance_relations', sa.column('id'), sa.column('source_id'), sa.column('target_id'),
                   sa.column('kind'))
    edges = {(r.source_id, r.target_id, r.kind): r.id for r in bind.execute(sa.select(rel).order_by(rel.c.id))}
    for (source, target, kind), rid in list(edges.items()):
        if source not in others and target not in others:
            continue
        new = (keep if source in others else source, keep if target in others else target, kind)
        del edges[(source, target, kind)]
        if new[0] == new[1] or new in edges:
            bind.execute(rel.delete().where(rel.c.id == rid))
        else:
            bind.execute(rel.update().where(rel.c.id == rid).values(source_id=new[0], target_id=new[1]))
            edges[new] = rid
    members = sa.table('governance_memberships', sa.column('body_id'))
    bind.execute(members.update().where(members.c.body_id.in_(others)).values(body_id=keep))
    recs = sa.table('recommendations', sa.column('from_body_id'), sa.column('to_body_id'))
    bind.execute(recs.update().where(recs.c.from_body_id.in_(others)).values(from_body_id=keep))
    bind.execute(recs.update().where(recs.c.to_body_id.in_(others)).values(to_body_id=keep))
    bodies = sa.table('governance_bodies', sa.column('id'))
    bind.execute(bodies.delete().where(bodies.c.id.in_(others)))


def _link_panels_to_bodies() -> None:
    bind = op.get_bind()
    bodies = _columns('governance_bodies', ('id', 'name', 'kind', 'area', 'website', 'created_at', 'deleted_at'))
    panels = _columns('panels', ('id', 'name', 'kind', 'area_name', 'website', 'created_at', 'deleted_at',
                                 'body_id', 'area_code', 'terms_of_reference', 'contact_email', 'how_to_join'))
    every = _rows(bodies)
    taken = {b['name'] for b in every}
    claimed: set[int] = set()
    gone: set[int] = set()
    for panel in _rows(panels):
        deleted = panel.get('deleted_at') is not None
        same = [b for b in every if b['id'] not in claimed | gone and _norm(b['name']) == _norm(panel['name'])
                and (b.get('deleted_at') is not None) == deleted]
        if same:
            keep = next((b for b in same if b['name'] == panel['name']), same[0])
            others = [b['id'] for b in same if b is not keep]
            if others:
                _merge(keep['id'], others)
                gone.update(others)
            body_id = keep['id']
            bind.execute(bodies.update().where(bodies.c.id == body_id).values(
                kind=panel['kind'], area=panel['area_name'], website=panel['website'] or keep['website']))
        else:
            name = panel['name']
            if name in taken:
                suffix = f" (panel {panel['id']})"
                name = name[:NAME_LIMIT - len(suffix)] + suffix
            values = {'name': name, 'kind': panel['kind'], 'area': panel['area_name'], 'website': panel['website'],
                      'created_at': panel['created_at']}
            if 'deleted_at' in bodies.c:
                values['deleted_at'] = panel.get('deleted_at')
            body_id = bind.execute(bodies.insert().values(**values).returning(bodies.c.id)).scalar_one()
            taken.add(name)
        claimed.add(body_id)
        bind.execute(panels.update().where(panels.c.id == panel['id']).values(body_id=body_id))
    for body in every:  # a panel entered only on the map becomes a panel
        if body['kind'] in PANEL_KINDS and body['id'] not in claimed | gone:
            values = {'name': body['name'], 'kind': body['kind'], 'area_name': body['area'],
                      'website': body['website'], 'created_at': body['created_at'], 'body_id': body['id'],
                      'terms_of_reference': '', 'how_to_join': ''}
            if 'deleted_at' in panels.c:
                values['deleted_at'] = body.get('deleted_at')
            bind.execute(panels.insert().values(**values))


def upgrade() -> None:
    with op.batch_alter_table('panels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_id', sa.Integer(), nullable=True))
    _link_panels_to_bodies()
    with op.batch_alter_table('panels', schema=None) as batch_op:
        batch_op.alter_column('body_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_panels_body_id'), ['body_id'])
        batch_op.create_foreign_key(batch_op.f('fk_panels_body_id_governance_bodies'), 'governance_bodies',
                                    ['body_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_column('name')
        batch_op.drop_column('kind')
        batch_op.drop_column('area_name')
        batch_op.drop_column('website')


def downgrade() -> None:
    with op.batch_alter_table('panels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('kind', PANEL_KIND, nullable=True))
        batch_op.add_column(sa.Column('area_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('website', sa.String(length=500), nullable=True))
    bind = op.get_bind()
    bodies = sa.table('governance_bodies', sa.column('id'), sa.column('name'), sa.column('kind'), sa.column('area'),
                      sa.column('website'))
    panels = sa.table('panels', sa.column('id'), sa.column('body_id'), sa.column('name'), sa.column('kind'),
                      sa.column('area_name'), sa.column('website'))
    found = bind.execute(sa.select(panels.c.id, bodies.c.name, bodies.c.kind, bodies.c.area, bodies.c.website)
                         .join(bodies, bodies.c.id == panels.c.body_id)).all()
    for pid, name, kind, area, website in found:
        bind.execute(panels.update().where(panels.c.id == pid).values(
            name=name, kind=kind if kind in PANEL_KINDS else 'scrutiny_panel', area_name=area, website=website))
    bind.execute(bodies.update().where(bodies.c.kind == 'monitoring_group').values(kind='other'))
    with op.batch_alter_table('panels', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_panels_body_id_governance_bodies'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_panels_body_id'), type_='unique')
        batch_op.drop_column('body_id')
        batch_op.alter_column('name', existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column('kind', existing_type=PANEL_KIND, nullable=False)
        batch_op.alter_column('area_name', existing_type=sa.String(length=100), nullable=False)
