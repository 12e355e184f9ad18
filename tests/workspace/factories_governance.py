"""Small fixtures for the panel, governance and recommendation tests: three bodies in a chain, a panel with
members in known age bands, recommendations with known dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scrutiny.workspace import accounts, governance, panel_access, panels, recommendations
from scrutiny.workspace.database import Workspace
from scrutiny.workspace.models.accounts import User

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


@dataclass(frozen=True)
class Map:
    mopac: int
    csp: int
    panel_body: int
    relations: tuple[int, ...]


def three_bodies(ws: Workspace, panel_name: str = "Greenwich Scrutiny Panel") -> Map:
    """MOPAC <- CSP <- panel by reports_to; the panel also scrutinises the CSP, MOPAC funds the CSP."""
    with ws.session(accounts.COMMAND_LINE) as s:
        mopac = governance.create_body(s, "Mayor's Office for Policing and Crime", "policing_and_crime_office",
                                       "London", "https://www.london.gov.uk/mopac")
        csp = governance.create_body(s, "Safer Greenwich Partnership", "community_safety_partnership", "Greenwich")
        panel = panels.create_panel(s, panels.PanelFields(name=panel_name, area_name="Greenwich")).body
        r1 = governance.add_relation(s, csp.id, mopac.id, "reports_to")
        r2 = governance.add_relation(s, panel.id, csp.id, "reports_to")
        r3 = governance.add_relation(s, panel.id, csp.id, "scrutinises")
        r4 = governance.add_relation(s, mopac.id, csp.id, "funds")
        governance.add_membership(s, governance.MembershipFields(csp.id, "Alex Officeholder", "Royal Borough",
                                                                 "chair", date(2023, 4, 1)))
        return Map(mopac.id, csp.id, panel.id, (r1.id, r2.id, r3.id, r4.id))


# (name, age band, community): 2 under 18, 1 aged 18-24, 5 aged 25-34, 1 not stated; 6 from "Black Caribbean"
MEMBERS = [
    ("Young One", "under 18", "Black Caribbean"),
    ("Young Two", "under 18", "Black Caribbean"),
    ("Twenty Something", "18-24", "Somali"),
    *[(f"Member {i}", "25-34", "Black Caribbean") for i in range(4)],
    ("Member Five", "25-34", ""),
    ("Quiet Person", "not stated", "Turkish"),
]


def panel_with_members(ws: Workspace, name: str = "Greenwich Stop and Search Panel") -> int:
    with ws.session(accounts.COMMAND_LINE) as s:
        panel = panels.create_panel(s, panels.PanelFields(
            name=name, area_name="Greenwich", area_code="E09000011", terms_of_reference="We scrutinise searches.",
            contact_email="Panel@Example.org", website="https://panel.example.org", how_to_join="Write to us."))
        for member, band, community in MEMBERS:
            panels.add_member(s, panel.id, member, band, "member", community)
        panels.add_meeting(s, panel.id, date(2025, 3, 4), "Quarterly meeting", "https://panel.example.org/m1.pdf")
        return panel.id


def recommendation(ws: Workspace, source: int, target: int, *, made_on: date, due: date | None,
                   text: str = "Publish body-worn video reviews", panel_id: int | None = None) -> int:
    with ws.session(accounts.COMMAND_LINE) as s:
        rec = recommendations.create_recommendation(s, recommendations.RecommendationFields(
            text=text, from_body_id=source, to_body_id=target, made_on=made_on, response_due=due, panel_id=panel_id))
        return rec.id


def keeps_every_panel(ws: Workspace, user: User) -> User:
    """Assign the account to every panel there is (a panel member changes only the panels they keep)."""
    with ws.session(accounts.COMMAND_LINE) as s:
        for panel in panels.list_panels(s):
            panel_access.assign(s, panel.id, user.id)
    return user
