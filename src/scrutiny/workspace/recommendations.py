"""Recommendations: who asked whom for what, by when, the answer, and the figures linked to watch.

Status rules (`TRANSITIONS`): a recommendation starts open; any other status records an answer, so it needs
the response text and date; a response cannot predate the recommendation. Overdue means still open with its
response date passed, counted against a `today` the caller passes in (so tests, and reports for a past
date, are exact).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from scrutiny.errors import ScrutinyError
from scrutiny.metrics.scope import Scope
from scrutiny.vocab import numbers
from scrutiny.vocab import use_of_force as uof
from scrutiny.vocab.ages import AGE_RANGES_OR_UNKNOWN
from scrutiny.vocab.ethnicity import GROUPS, REFERENCE
from scrutiny.vocab.months import BadMonth, month_start
from scrutiny.vocab.objects import OBJECT_GROUPS
from scrutiny.vocab.outcomes import OUTCOME_CLASSES
from scrutiny.workspace.deleted import now_utc, soft_delete
from scrutiny.workspace.errors import Invalid, NotFound
from scrutiny.workspace.governance import get_body
from scrutiny.workspace.models.panels import Panel
from scrutiny.workspace.models.recommendations import LinkedKpi, Recommendation, Status
from scrutiny.workspace.panels import choice, clean
from scrutiny.workspace.scope_choices import area_words, check_area_choice, check_force_choice, force_label

ANSWERED = (Status.answered, Status.accepted, Status.rejected, Status.implemented)
TRANSITIONS: dict[Status, set[Status]] = {
    Status.open: {Status.answered, Status.accepted, Status.rejected},
    Status.answered: {Status.open, Status.accepted, Status.rejected},
    Status.accepted: {Status.answered, Status.implemented},
    Status.rejected: {Status.open, Status.answered},
    Status.implemented: {Status.accepted},
}


def _kpi_catalogue() -> dict[str, str]:
    """Dotted keys into the metrics document (docs/metrics.md) a recommendation can watch, with the plain label a
    form and a public page show. A list in the document is entered by its item's group (e.g.
    disproportionality.Black.ratio_vs_white)."""
    keys = {"searches": "Searches", "person_searches": "Searches of people",
            "children": "Searches of children (under 18)", "strip_searches": "Strip searches",
            "child_strip_searches": "Strip searches of children",
            "unknown_ethnicity_share": "Share of person searches with ethnicity not recorded",
            "outcomes.find_rate": "Find rate (something found)", "outcomes.arrest_rate": "Arrest rate",
            "outcomes.linked_find_rate": "Find linked to the object searched for"}
    for g in OBJECT_GROUPS:
        what = "other things" if g == "other" else g.replace("_", " ")
        keys[f"object_groups.{g}.share"] = f"Share of searches for {what}"
        keys[f"object_groups.{g}.count"] = f"Searches for {what}"
    for c in OUTCOME_CLASSES:
        keys[f"outcomes.{c}.share"] = ("Share of searches with no outcome recorded" if c == "unknown"
                                       else f"Share of searches ending in {c.replace('_', ' ')}")
    for band in AGE_RANGES_OR_UNKNOWN:
        keys[f"age.{band}"] = ("Searches of people with no age recorded" if band == "unknown"
                               else f"Searches of people aged {band}")
    for grp in GROUPS:
        if grp != REFERENCE:
            keys[f"disproportionality.{grp}.ratio_vs_white"] = f"{grp} to White search rate ratio"
        keys[f"disproportionality.{grp}.rate_per_1000"] = f"Searches per 1,000 {grp} residents"
    keys.update({"data_quality.no_location": "Searches with no location recorded",
                 "data_quality.outside_boundaries": "Searches placed outside the loaded boundaries",
                 "data_quality.no_age": "Searches with no age recorded",
                 "data_quality.rejected_rows": "Rows rejected when the data was loaded"})
    keys.update(_use_of_force_keys())
    return keys


KPI_GROUPS = ("Searches", "What searches were for", "Outcomes", "Disproportionality", "Use of force", "Taser",
              "Data quality")


def kpi_group(key: str) -> str:
    """The heading a figure is listed under in the form (one of KPI_GROUPS)."""
    for prefix, group in (("use_of_force.taser.", "Taser"), ("use_of_force.", "Use of force"),
                          ("disproportionality.", "Disproportionality"), ("object_groups.", "What searches were for"),
                          ("outcomes.", "Outcomes"), ("data_quality.", "Data quality"),
                          ("unknown_ethnicity_share", "Data quality")):
        if key.startswith(prefix):
            return group
    return "Searches"


def kpi_options() -> list[tuple[str, list[tuple[str, str]]]]:
    """The catalogue as a form lists it: each group in KPI_GROUPS order, its figures by their labels."""
    grouped: dict[str, list[tuple[str, str]]] = {group: [] for group in KPI_GROUPS}
    for key, label in KPIS.items():
        grouped[kpi_group(key)].append((key, label))
    return [(group, items) for group, items in grouped.items() if items]


def _use_of_force_keys() -> dict[str, str]:
    """The `use_of_force` figures (docs/metrics.md, "Use of force"): present when the KPI's months are exactly one
    financial year, April to March."""
    keys = {"use_of_force.incidents.count": "Use of force: incidents",
            "use_of_force.incidents.per_1000": "Use of force: incidents per 1,000 residents",
            "use_of_force.tactic_uses.count": "Use of force: tactic uses",
            "use_of_force.tactic_uses.per_1000": "Use of force: tactic uses per 1,000 residents",
            "use_of_force.children.tactic_uses": "Use of force: tactic uses on children (under 18)",
            "use_of_force.children.share": "Use of force: share of tactic uses on children",
            "use_of_force.taser.by_type.total": "Taser: incidents with a Taser used",
            "use_of_force.taser.fired_share": "Taser: share of uses where it was fired",
            "use_of_force.taser.children": "Taser: uses on children (under 18)",
            "use_of_force.taser.children_share": "Taser: share of uses on children"}
    for kind in uof.CED_TYPES:
        keys[f"use_of_force.taser.by_type.{kind}"] = f"Taser: {uof.CED_LABELS[kind].lower()}"
    for grp in GROUPS:
        if grp != REFERENCE:
            keys[f"use_of_force.by_ethnicity.{grp}.ratio_vs_white"] = f"Use of force: {grp} to White rate ratio"
        keys[f"use_of_force.by_ethnicity.{grp}.per_1000"] = f"Use of force: tactic uses per 1,000 {grp} residents"
    return keys


KPIS = _kpi_catalogue()


def kpi_value(document: dict[str, Any], key: str) -> Any:
    """The value at a dotted key; a list is entered by the item whose `group` matches the next part."""
    node: Any = document
    for part in key.split("."):
        if isinstance(node, list):
            node = next((item for item in node if isinstance(item, dict) and item.get("group") == part), None)
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
        if node is None:
            return None
    return node


@dataclass(frozen=True)
class KpiFields:
    metric: str
    force: str
    start: str
    end: str
    area_code: str | None = None


def check_kpi(fields: KpiFields, prefix: str = "") -> KpiFields:
    """A KPI link that can be computed: a figure of the catalogue, a catalogue force (or all), one of the force's
    local authorities or none, months in order. A refusal names the field, after `prefix` (`kpis.0.` for the
    API's list)."""
    metric = fields.metric.strip()
    if metric.startswith("objects."):  # the short form people write for object_groups
        metric = "object_groups." + metric.removeprefix("objects.")
    if metric not in KPIS:
        raise Invalid(f"{prefix}metric", f"{metric!r} is not one of the listed figures (the metrics document's "
                                         f"keys, e.g. object_groups.drugs.share; docs/metrics.md)")
    force = check_force_choice(f"{prefix}force", fields.force)
    area = check_area_choice(f"{prefix}area_code", force, fields.area_code)
    start, end = fields.start.strip(), fields.end.strip()
    for name, month in (("start", start), ("end", end)):
        try:
            month_start(month)
        except BadMonth:
            raise Invalid(f"{prefix}{name}", f"{month!r} is not a month like 2024-01") from None
    if start > end:
        raise Invalid(f"{prefix}end", f"the first month {start} is after the last {end}")
    return KpiFields(metric, force, start, end, area)


@dataclass(frozen=True)
class RecommendationFields:
    """Everything a recommendation holds; `update_recommendation` takes a dict of the ones that change."""

    text: str
    from_body_id: int
    to_body_id: int
    made_on: date
    panel_id: int | None = None
    response_due: date | None = None
    response_text: str | None = None
    responded_on: date | None = None
    status: str = Status.open.value
    kpis: list[KpiFields] = field(default_factory=list)


def get_recommendation(session: Session, recommendation_id: int) -> Recommendation:
    found = session.scalar(select(Recommendation).where(Recommendation.id == recommendation_id)
                           .options(selectinload(Recommendation.kpis)))
    if found is None:
        raise NotFound(f"no recommendation {recommendation_id}")
    return found


def _check(rec: Recommendation, before: Status | None) -> None:
    """The rules a stored recommendation always meets, and the allowed step from its previous status."""
    if rec.response_due is not None and rec.response_due < rec.made_on:
        raise Invalid("response_due", "the response cannot be due before the recommendation was made")
    if rec.responded_on is not None and rec.responded_on < rec.made_on:
        raise Invalid("responded_on", "the response date cannot be before the date the recommendation was made")
    if before is not None and rec.status != before and rec.status not in TRANSITIONS[before]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[before]))
        raise Invalid("status", f"cannot go from {before.value} to {rec.status.value}; from {before.value}: "
                                f"{allowed}")
    if rec.status in ANSWERED:
        if not (rec.response_text or "").strip():
            raise Invalid("response_text", f"a recommendation marked {rec.status.value} needs the response text")
        if rec.responded_on is None:
            raise Invalid("responded_on", f"a recommendation marked {rec.status.value} needs the response date")


def _set(session: Session, rec: Recommendation, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        if name == "text":
            rec.text = clean("text", value, 10000, required=True)
        elif name in ("from_body_id", "to_body_id"):
            if value is None:
                raise Invalid(name, "choose a body")
            setattr(rec, name, get_body(session, int(value), name).id)
        elif name == "panel_id":
            if value is not None and session.get(Panel, int(value)) is None:
                raise Invalid("panel_id", f"there is no panel {value}")
            rec.panel_id = None if value is None else int(value)
        elif name == "made_on":
            if value is None:
                raise Invalid("made_on", "give the date the recommendation was made")
            rec.made_on = value
        elif name in ("response_due", "responded_on"):
            setattr(rec, name, value)
        elif name == "response_text":
            rec.response_text = clean("response_text", value, 20000) or None
        elif name == "status":
            rec.status = choice("status", Status, value)
        elif name == "kpis":
            rec.kpis = [LinkedKpi(**vars(check_kpi(k, f"kpis.{i}."))) for i, k in enumerate(value)]
        else:
            raise Invalid(name, "this is not a field of a recommendation")


def _maker_panel(session: Session, rec: Recommendation) -> None:
    """A recommendation made by a panel is that panel's (its public page lists it) unless another is chosen."""
    if rec.panel_id is None:
        rec.panel_id = session.scalar(select(Panel.id).where(Panel.body_id == rec.from_body_id))


def create_recommendation(session: Session, fields: RecommendationFields) -> Recommendation:
    rec = Recommendation(kpis=[])
    _set(session, rec, vars(fields))
    _maker_panel(session, rec)
    if rec.from_body_id == rec.to_body_id:
        raise Invalid("to_body_id", "a body does not make recommendations to itself")
    _check(rec, None)
    session.add(rec)
    session.flush()
    return rec


def update_recommendation(session: Session, recommendation_id: int, changes: dict[str, Any]) -> Recommendation:
    """Change some fields (a response, a status, a date...) and check the result as a whole."""
    rec = get_recommendation(session, recommendation_id)
    before = rec.status
    _set(session, rec, changes)
    _maker_panel(session, rec)
    if rec.from_body_id == rec.to_body_id:
        raise Invalid("to_body_id", "a body does not make recommendations to itself")
    _check(rec, before)
    session.flush()
    return rec


def record_response(session: Session, recommendation_id: int, response_text: str, responded_on: date | None,
                    status: str = Status.answered.value) -> Recommendation:
    return update_recommendation(session, recommendation_id, {"response_text": response_text,
                                                              "responded_on": responded_on, "status": status})


def add_kpi(session: Session, recommendation_id: int, fields: KpiFields) -> LinkedKpi:
    rec = get_recommendation(session, recommendation_id)
    kpi = LinkedKpi(**vars(check_kpi(fields)))
    rec.kpis.append(kpi)
    session.flush()
    return kpi


def get_kpi(session: Session, recommendation_id: int, kpi_id: int) -> LinkedKpi:
    """A KPI of a recommendation that is there (not deleted)."""
    get_recommendation(session, recommendation_id)
    kpi = session.get(LinkedKpi, kpi_id)
    if kpi is None or kpi.recommendation_id != recommendation_id:
        raise NotFound(f"no KPI {kpi_id} on recommendation {recommendation_id}")
    return kpi


def remove_kpi(session: Session, recommendation_id: int, kpi_id: int) -> None:
    session.delete(get_kpi(session, recommendation_id, kpi_id))
    session.flush()


def delete_recommendation(session: Session, recommendation_id: int, now: datetime | None = None) -> None:
    """Hidden everywhere at once, public tracker included; an admin can restore it, KPIs and all, for 30 days
    (scrutiny.workspace.deleted)."""
    soft_delete(session, get_recommendation(session, recommendation_id), now or now_utc())


def is_overdue(rec: Recommendation, today: date) -> bool:
    return rec.status == Status.open and rec.response_due is not None and rec.response_due < today


def list_recommendations(session: Session, today: date, *, status: str | None = None, body_id: int | None = None,
                         panel_id: int | None = None, overdue: bool | None = None) -> list[Recommendation]:
    """Newest first; `body_id` matches either end (made by or made to)."""
    query = (select(Recommendation).options(selectinload(Recommendation.kpis))
             .order_by(Recommendation.made_on.desc(), Recommendation.id.desc()))
    if status:
        query = query.where(Recommendation.status == choice("status", Status, status))
    if body_id is not None:
        query = query.where(or_(Recommendation.from_body_id == body_id, Recommendation.to_body_id == body_id))
    if panel_id is not None:
        query = query.where(Recommendation.panel_id == panel_id)
    if overdue is not None:
        late = (Recommendation.status == Status.open) & (Recommendation.response_due < today)
        query = query.where(late if overdue else ~late | Recommendation.response_due.is_(None))
    return list(session.scalars(query))


def kpi_scope(kpi: LinkedKpi) -> str:
    """Where and when a KPI is for, in words: "Metropolitan Police Service, Lambeth (E09000022), 2024-01 to
    2024-12"."""
    area = f", {area_words(kpi.area_code)}" if kpi.area_code else ""
    return f"{force_label(kpi.force)}{area}, {kpi.start} to {kpi.end}"


@dataclass(frozen=True)
class KpiReading:
    kpi: LinkedKpi
    label: str
    value: Any  # None with `problem` set when the warehouse cannot answer for this scope
    problem: str | None

    @property
    def scope(self) -> str:
        return kpi_scope(self.kpi)

    @property
    def display(self) -> str:
        """Shares and rates as percentages (the document keeps fractions), counts with thousands separators."""
        if self.value is None:
            return ""
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            return str(self.value)
        if isinstance(self.value, float):
            is_share = self.kpi.metric.endswith(("share", "_rate"))
            return numbers.pct(self.value) if is_share else numbers.ratio(self.value)
        return f"{self.value:,}"


def read_kpis(kpis: list[LinkedKpi], metrics: Callable[[Scope], dict[str, Any]]) -> list[KpiReading]:
    """The current value of each KPI from the metrics layer; a scope with no data says so instead of failing."""
    out = []
    for kpi in kpis:
        label = KPIS.get(kpi.metric, kpi.metric)
        try:
            document = metrics(Scope(kpi.force, kpi.area_code, kpi.start, kpi.end))
        except ScrutinyError as exc:
            out.append(KpiReading(kpi, label, None, f"no figures for this scope: {exc}"))
            continue
        value = kpi_value(document, kpi.metric)
        out.append(KpiReading(kpi, label, value, None if value is not None else "not computed for this scope"))
    return out


def london_today() -> date:
    """Today where the panels sit: a response due on the 5th is not overdue at 23:30 on the 5th in London."""
    return datetime.now(ZoneInfo("Europe/London")).date()
