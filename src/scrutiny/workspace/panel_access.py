"""Who may change which panel: a panel member only the panels their account is assigned to (`panel_accounts`),
with those panels' meetings, seats and recommendations; an admin every panel.

Enforced once, by a flush hook like the audit log's (scrutiny.workspace.audit), not by each service or route
remembering to ask: every write to a panel, its governance body row, its meetings, its seats (panel_members),
a recommendation whose `panel_id` is the panel (before or after the change) or that recommendation's KPIs is
checked against the acting account before anything is written, so the web forms, the JSON API and any future
caller are held alike. A refusal raises `Forbidden` (the workspace's 403) and the transaction writes nothing.

Decisions:
- A recommendation with no panel (made by a body that is not a panel) belongs to no panel: any panel member may
  change it, as before. Moving a recommendation to or from a panel needs both ends to be the account's.
- A panel member may create a panel, and is assigned to it in the same flush; only admins assign or remove
  other accounts.
- Reviewers keep what they had: none of these records are theirs to change.
- Writes with no account behind them (the command line, retention, purge: `Actor.user_id is None`) are the
  operator's and are not limited here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, attributes

from scrutiny.workspace.audit import actor_of
from scrutiny.workspace.errors import Forbidden, Invalid, NotFound
from scrutiny.workspace.models.accounts import Role, User
from scrutiny.workspace.models.governance import Body
from scrutiny.workspace.models.panels import Meeting, Panel, PanelAccount, PanelMember
from scrutiny.workspace.models.recommendations import LinkedKpi, Recommendation

ALL = {"include_deleted": True}  # a deleted panel is still the same panel (restore, purge)
NEW_PANEL = -1  # stands for a panel made in this flush (it has no id yet)


def _values(obj: Any, key: str) -> set[int]:
    """The attribute's value now and before this change (a record moved between panels is both's)."""
    history = attributes.get_history(obj, key)
    return {v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None}


def _panels_of(session: Session, obj: Any) -> set[int]:
    """The panels a change to `obj` belongs to (empty: no panel's record)."""
    if isinstance(obj, Panel):
        return {obj.id} if obj.id is not None else {NEW_PANEL}
    if isinstance(obj, Body):
        if obj.id is None:
            return set()
        found = session.scalar(select(Panel.id).where(Panel.body_id == obj.id).execution_options(**ALL))
        return {found} if found is not None else set()
    if isinstance(obj, PanelMember | Meeting | PanelAccount):
        ids = _values(obj, "panel_id")
        return ids or ({NEW_PANEL} if obj.panel is not None and obj.panel.id is None else set())
    if isinstance(obj, Recommendation):
        return _values(obj, "panel_id")
    if isinstance(obj, LinkedKpi):
        return set(session.scalars(select(Recommendation.panel_id).where(
            Recommendation.id.in_(_values(obj, "recommendation_id")), Recommendation.panel_id.is_not(None))
            .execution_options(**ALL)))
    return set()


KEPT = (Panel, Body, PanelMember, Meeting, PanelAccount, Recommendation, LinkedKpi)


def _changes(session: Session) -> list[Any]:
    dirty = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    return [o for o in (*session.new, *dirty, *session.deleted) if isinstance(o, KEPT)]


def assigned_panels(session: Session, user_id: int) -> set[int]:
    return set(session.scalars(select(PanelAccount.panel_id).where(PanelAccount.user_id == user_id)))


def may_change(session: Session, user: User | None, panel_id: int) -> bool:
    """Whether `user` may change the panel (for pages: show its forms or not)."""
    if user is None or user.role not in (Role.admin, Role.panel_member):
        return False
    return user.role == Role.admin or panel_id in assigned_panels(session, user.id)


def _refuse(session: Session, panels: set[int]) -> Forbidden:
    names = sorted(session.scalars(select(Body.name).join(Panel, Panel.body_id == Body.id)
                                   .where(Panel.id.in_(panels)).execution_options(**ALL)))
    which = ", ".join(names) or "a panel"
    return Forbidden(f"your account is not one of the panel's: only its own members (and admins) can change "
                     f"{which}. Ask an admin to add your account to the panel.")


@event.listens_for(Session, "before_flush")
def _only_own_panels(session: Session, _context: Any, _instances: Any) -> None:
    actor = actor_of(session)
    if actor is None or actor.user_id is None:
        return  # no actor: the audit hook refuses; no account: the operator's own tools
    with session.no_autoflush:
        changes = _changes(session)
        if not changes:
            return
        user = session.get(User, actor.user_id)
        if user is None or user.role == Role.admin:
            if user is None:
                raise Forbidden("the acting account no longer exists")
            return
        if user.role != Role.panel_member:
            raise Forbidden(f"your role ({user.role.value}) cannot change panels or recommendations")
        touched: set[int] = set()
        for obj in changes:
            if isinstance(obj, PanelAccount):
                raise Forbidden("only an admin can add accounts to a panel or remove them")
            touched |= _panels_of(session, obj)
        refused = touched - assigned_panels(session, user.id) - {NEW_PANEL}
        if refused:
            raise _refuse(session, refused)
        for obj in list(session.new):
            if isinstance(obj, Panel):
                session.add(PanelAccount(user_id=user.id, panel=obj))  # its creator keeps it


# ---- an admin assigns accounts -----------------------------------------------------------------------------

def accounts_of(session: Session, panel_id: int) -> list[User]:
    """The accounts assigned to the panel, by name."""
    return list(session.scalars(select(User).join(PanelAccount, PanelAccount.user_id == User.id)
                                .where(PanelAccount.panel_id == panel_id).order_by(User.name, User.id)))


def assignable(session: Session, panel_id: int) -> list[User]:
    """Active panel-member accounts not yet assigned to the panel (admins need no assignment)."""
    taken = select(PanelAccount.user_id).where(PanelAccount.panel_id == panel_id)
    return list(session.scalars(select(User).where(User.role == Role.panel_member, User.active.is_(True),
                                                   User.id.not_in(taken)).order_by(User.name, User.id)))


def _panel(session: Session, panel_id: int) -> Panel:
    panel = session.get(Panel, panel_id)
    if panel is None or panel.deleted_at is not None:
        raise NotFound(f"no panel {panel_id}")
    return panel


def assign(session: Session, panel_id: int, user_id: int | None) -> PanelAccount | None:
    """Add an active panel-member account to the panel (already there: nothing to do). Admin only (the hook)."""
    panel = _panel(session, panel_id)
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not user.active or user.role != Role.panel_member:
        raise Invalid("user_id", "choose one of the listed accounts (active panel members)")
    if session.get(PanelAccount, (user.id, panel.id)) is not None:
        return None
    account = PanelAccount(user_id=user.id, panel_id=panel.id)
    session.add(account)
    session.flush()
    return account


def unassign(session: Session, panel_id: int, user_id: int) -> None:
    """Take an account off the panel: it can no longer change it. Admin only (the hook)."""
    account = session.get(PanelAccount, (user_id, _panel(session, panel_id).id))
    if account is None:
        raise NotFound(f"account {user_id} is not assigned to panel {panel_id}")
    session.delete(account)
    session.flush()


def page_context(session: Session, user: User, panel_id: int) -> dict[str, Any]:
    """What the panel's page needs: whether to show its forms, and for an admin the accounts to manage."""
    found: dict[str, Any] = {"can_write": may_change(session, user, panel_id)}
    if user.role == Role.admin:
        found["panel_accounts"] = accounts_of(session, panel_id)
        found["assignable_accounts"] = [(str(u.id), f"{u.name} ({u.email})") for u in assignable(session, panel_id)]
    return found
