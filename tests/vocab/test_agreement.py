"""Where a vocabulary must be spelled out again (a typing Literal, a database enum, a catalogue file), it says
exactly what scrutiny.vocab says, so the copies cannot drift."""

from __future__ import annotations

from typing import get_args

from scrutiny.catalog import read_catalog
from scrutiny.vocab import ages, ethnicity, objects, outcomes, powers


def test_the_api_schemas_name_the_vocabularies() -> None:
    from scrutiny.web import schemas
    from scrutiny.web.workspace import community, disposals

    assert get_args(schemas.GroupName) == (*ethnicity.GROUPS, ethnicity.UNKNOWN)
    assert get_args(schemas.ObjectGroupName) == objects.OBJECT_GROUPS
    assert get_args(schemas.OutcomeClassName) == outcomes.OUTCOME_CLASSES
    assert get_args(disposals.AgeName) == ages.AGE_RANGES_OR_UNKNOWN
    report_age = community.CommunityReportIn.model_fields["age_band"].annotation
    assert get_args(get_args(report_age)[0]) == ages.AGE_RANGES


def test_the_workspace_groups_are_the_five_and_not_stated() -> None:
    from scrutiny.workspace.models import community, diversion

    assert tuple(g.value for g in diversion.EthnicGroup) == ethnicity.GROUPS_OR_NOT_STATED
    assert tuple(g.value for g in community.EthnicGroup) == (*(g.casefold() for g in ethnicity.GROUPS), "not_stated")


def test_the_catalogues_use_only_known_keys() -> None:
    assert {r["ethnic_group"] for r in read_catalog("ethnic_groups.csv")} == set(ethnicity.GROUPS)
    assert {r["outcome_class"] for r in read_catalog("outcome_classes.csv")} <= set(outcomes.OUTCOME_CLASSES)
    assert {r["object_group"] for r in read_catalog("object_groups.csv")} <= set(objects.OBJECT_GROUPS)
    assert list(powers.power_names())[-2:] == [powers.OTHER_POWER, powers.NOT_RECORDED]
    assert set(objects.PURPOSE_NAMES) == set(objects.OBJECT_LABELS) == set(objects.OBJECT_GROUPS)
    assert set(outcomes.OUTCOME_LABELS) == set(outcomes.DISPOSAL_PAGE_LABELS) == set(outcomes.OUTCOME_CLASSES)


def test_a_self_defined_ethnicity_maps_as_the_warehouse_maps_it() -> None:
    assert ethnicity.self_defined_group("White - English/Welsh/Scottish/Northern Irish/British") == "White"
    assert ethnicity.self_defined_group("Other ethnic group - Not stated") == "Not stated"
    assert ethnicity.self_defined_group("Something (B2)") == "Black"
    assert ethnicity.self_defined_group("black") == "Black"
    assert ethnicity.self_defined_group("") == "Not stated"
    assert ethnicity.warehouse_group("unknown") == "Not stated"
    assert ethnicity.warehouse_group("Mixed") == "Mixed"


def test_age_bands() -> None:
    assert ages.age_label("10-17") == "10–17"
    assert ages.age_label("over 34") == "over 34"
    assert ages.AGE_RANGES[:2] == ages.CHILD_AGES
