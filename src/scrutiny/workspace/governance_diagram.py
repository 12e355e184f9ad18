"""The governance map's layout, computed here so the page needs no JavaScript: bodies in rows by the longest
chain of `reports_to` above them (a body that reports to nobody is at the top), edges as straight lines cut
at the boxes' borders so their arrowheads show. The template draws the SVG from these numbers (escaped by
Jinja like any other text); the same relations are listed in a table for screen readers."""

from __future__ import annotations

import math
import textwrap
from collections import defaultdict
from dataclasses import dataclass

from scrutiny.workspace.models.governance import Body, Relation, RelationKind

NODE_W, NODE_H = 190, 58
GAP_X, GAP_Y, MARGIN = 30, 80, 20
LEGEND_ROW = 22
LINE_CHARS = 26
PARALLEL_OFFSET = 8  # px between two relations joining the same pair of bodies

# Each kind of relation differs by dash pattern as well as colour, so it reads without colour too.
EDGE_STYLES: dict[RelationKind, tuple[str, str, str]] = {
    RelationKind.reports_to: ("#1d3557", "", "reports to"),
    RelationKind.scrutinises: ("#a4001d", "8 4", "scrutinises"),
    RelationKind.funds: ("#2a6f2b", "2 4", "funds"),
    RelationKind.member_of: ("#6a4c93", "12 4 2 4", "is a member of"),
}


@dataclass(frozen=True)
class Node:
    id: int
    name: str
    kind: str
    x: float
    y: float
    lines: tuple[str, ...]  # the name wrapped to fit the box (the full name is in the node's <title>)

    @property
    def cx(self) -> float:
        return self.x + NODE_W / 2

    @property
    def cy(self) -> float:
        return self.y + NODE_H / 2


@dataclass(frozen=True)
class Edge:
    id: int
    kind: str
    label: str
    source: str
    target: str
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    dash: str


@dataclass(frozen=True)
class LegendItem:
    kind: str
    label: str
    colour: str
    dash: str
    y: float


@dataclass(frozen=True)
class Diagram:
    width: float
    height: float
    nodes: list[Node]
    edges: list[Edge]
    legend: list[LegendItem]
    node_w: int = NODE_W
    node_h: int = NODE_H


def layers(bodies: list[Body], relations: list[Relation]) -> dict[int, int]:
    """Row of each body: 0 if it reports to nobody, else one below the lowest body it reports to. A cycle of
    `reports_to` (a data mistake, but possible) is cut where it closes rather than looping."""
    above: dict[int, list[int]] = defaultdict(list)
    known = {b.id for b in bodies}
    for r in relations:
        if r.kind == RelationKind.reports_to and r.source_id in known and r.target_id in known:
            above[r.source_id].append(r.target_id)
    depth: dict[int, int] = {}

    def visit(body_id: int, path: frozenset[int]) -> int:
        if body_id in depth:
            return depth[body_id]
        parents = [p for p in above[body_id] if p not in path]
        found = 1 + max((visit(p, path | {p}) for p in parents), default=-1)
        depth[body_id] = found
        return found

    for b in sorted(bodies, key=lambda b: b.id):
        visit(b.id, frozenset({b.id}))
    return depth


def _clip(cx: float, cy: float, dx: float, dy: float) -> tuple[float, float]:
    """Where a line from a box's centre in direction (dx, dy) leaves the box."""
    scale = min((NODE_W / 2) / abs(dx) if dx else math.inf, (NODE_H / 2) / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


def layout(bodies: list[Body], relations: list[Relation]) -> Diagram:
    depth = layers(bodies, relations)
    rows: dict[int, list[Body]] = defaultdict(list)
    for b in bodies:
        rows[depth[b.id]].append(b)
    widest = max((len(r) for r in rows.values()), default=1)
    width = 2 * MARGIN + widest * NODE_W + (widest - 1) * GAP_X
    nodes: dict[int, Node] = {}
    for row, members in sorted(rows.items()):
        members.sort(key=lambda b: (b.kind.value, b.name.lower(), b.id))
        span = len(members) * NODE_W + (len(members) - 1) * GAP_X
        left = (width - span) / 2
        for i, b in enumerate(members):
            lines = tuple(textwrap.wrap(b.name, LINE_CHARS, max_lines=2, placeholder="…")) or ("",)
            nodes[b.id] = Node(b.id, b.name, b.kind.value, left + i * (NODE_W + GAP_X),
                               MARGIN + row * (NODE_H + GAP_Y), lines)
    edges = _edges(nodes, relations)
    top = MARGIN + (max(rows, default=-1) + 1) * (NODE_H + GAP_Y) - GAP_Y + (MARGIN if nodes else 0)
    legend = [LegendItem(kind.value, label, colour, dash, top + 14 + i * LEGEND_ROW)
              for i, (kind, (colour, dash, label)) in enumerate(EDGE_STYLES.items())]
    height = top + 14 + len(legend) * LEGEND_ROW + MARGIN
    ordered = sorted(nodes.values(), key=lambda n: n.id)
    return Diagram(width, height, ordered, edges, legend)


def _edges(nodes: dict[int, Node], relations: list[Relation]) -> list[Edge]:
    pairs: dict[frozenset[int], list[Relation]] = defaultdict(list)
    for r in relations:
        if r.source_id in nodes and r.target_id in nodes:
            pairs[frozenset((r.source_id, r.target_id))].append(r)
    edges = []
    for group in pairs.values():
        group.sort(key=lambda r: r.id)
        for i, r in enumerate(group):
            s, t = nodes[r.source_id], nodes[r.target_id]
            dx, dy = t.cx - s.cx, t.cy - s.cy
            length = math.hypot(dx, dy) or 1.0
            # a perpendicular shift keeps parallel relations apart; the same sign whichever way each points
            sign = 1 if (r.source_id, r.target_id) == tuple(sorted((r.source_id, r.target_id))) else -1
            shift = (i - (len(group) - 1) / 2) * PARALLEL_OFFSET * sign
            ox, oy = -dy / length * shift, dx / length * shift
            x1, y1 = _clip(s.cx, s.cy, dx, dy)
            x2, y2 = _clip(t.cx, t.cy, -dx, -dy)
            colour, dash, label = EDGE_STYLES[r.kind]
            edges.append(Edge(r.id, r.kind.value, label, s.name, t.name, round(x1 + ox, 1), round(y1 + oy, 1),
                              round(x2 + ox, 1), round(y2 + oy, 1), colour, dash))
    edges.sort(key=lambda e: e.id)
    return edges
