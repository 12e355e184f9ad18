"""One of every record the workspace deletes or removes, for the confirmation and restore tests: counted by hand.

Greenwich Stop and Search Panel: 9 members, 1 meeting (factories_governance.panel_with_members); the map's three
bodies (MOPAC, the CSP, the Greenwich Scrutiny Panel) with 4 relations and 1 membership; a recommendation from the
scrutiny panel to the CSP with 1 linked figure; a body named by nothing ("Lone Board"); a strategic priority with
1 indicator; a diversion case with 1 re-contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from scrutiny.workspace import accounts, governance, panels, recommendations, strategy
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.diversion import cases
from scrutiny.workspace.models.diversion import RecontactKind
from scrutiny.workspace.models.governance import Membership
from scrutiny.workspace.models.strategy import IndicatorMetric, TargetDirection
from tests.workspace import factories_governance as fg

CASE = {"person_id": "P-9", "ethnic_group": "Black", "age_band": "18-24", "borough": "Lambeth", "drug": "cannabis",
        "referral_source": "police stop", "referral_date": "2024-03-10"}
PANEL = "Greenwich Stop and Search Panel"


@dataclass(frozen=True)
class Seeded:
    panel: int
    member: int
    meeting: int
    map: fg.Map
    lone_body: int
    membership: int
    recommendation: int
    kpi: int
    priority: int
    indicator: int
    case: int
    recontact: int

    def destructive(self) -> dict[str, str]:
        """Every delete or remove address of the workspace, by what it deletes."""
        return {
            "panel": f"/workspace/panels/{self.panel}/delete",
            "member": f"/workspace/panels/{self.panel}/members/{self.member}/delete",
            "meeting": f"/workspace/panels/{self.panel}/meetings/{self.meeting}/delete",
            "body": f"/workspace/governance/bodies/{self.lone_body}/delete",
            "relation": f"/workspace/governance/relations/{self.map.relations[0]}/delete",
            "membership": f"/workspace/governance/memberships/{self.membership}/delete",
            "recommendation": f"/workspace/recommendations/{self.recommendation}/delete",
            "kpi": f"/workspace/recommendations/{self.recommendation}/kpis/{self.kpi}/delete",
            "indicator": f"/workspace/strategy/{self.priority}/indicators/{self.indicator}/delete",
            "recontact": f"/workspace/diversion/{self.case}/recontacts/{self.recontact}/delete",
        }


def seed(ws: Workspace) -> Seeded:
    panel_id = fg.panel_with_members(ws, PANEL)
    bodies = fg.three_bodies(ws)
    rec_id = fg.recommendation(ws, bodies.panel_body, bodies.csp, made_on=date(2025, 1, 10), due=date(2025, 3, 1))
    with ws.session(accounts.COMMAND_LINE) as s:
        lone = governance.create_body(s, "Lone Board", "safer_neighbourhood_board", "Lewisham")
        membership = s.scalar(select(Membership.id).where(Membership.body_id == bodies.csp))
        assert membership is not None
        kpi = recommendations.add_kpi(s, rec_id, recommendations.KpiFields(
            metric="object_groups.drugs.share", force="metropolitan", start="2024-01", end="2024-12"))
        priority = strategy.create_priority(s, "Fewer searches of children", "", "2024-04", "2025-03")
        indicator = strategy.add_indicator(s, priority.id, IndicatorMetric.drugs_share, TargetDirection.at_most, 0.4,
                                           "metropolitan")
        case = cases.create_case(s, cases.parse_case(CASE))
        recontact = cases.add_recontact(s, case.id, date(2024, 6, 1), RecontactKind.arrest)
        found = panels.get_panel(s, panel_id)
        return Seeded(panel_id, found.members[0].id, found.meetings[0].id, bodies, lone.id, membership,
                      rec_id, kpi.id, priority.id, indicator.id, case.id, recontact.id)
