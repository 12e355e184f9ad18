"""Use of force (issue 20) on the three real Home Office releases in ../shared/data/home_office/use_of_force.

Every expectation is read from the spreadsheets' cells by tests/ods_cells.py (zipfile + ElementTree, written
without reading the project's loader or figures) and interpreted by tests/sources/use_of_force_cells.py from
notes/uof_contract.md. For Metropolitan, West Midlands and Avon & Somerset (':' markers in 2019/20) and every
financial year present: the rows of the warehouse table `use_of_force` cell by cell, then the figures of
`scrutiny force-use`. National figures equal the release's own total rows. Failures list every disagreeing cell.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from scrutiny.cli import app
from scrutiny.warehouse.ingest import ingest_paths
from tests.conftest import SHARED_DATA
from tests.sources.use_of_force_cells import (
    AGE,
    CED_COLUMNS,
    CHILDREN,
    ETHNICITY,
    FORCES,
    NATIONAL,
    NATIONAL_LABEL,
    Block,
    Figure,
    Release,
    norm,
    releases,
)

pytestmark = pytest.mark.shared_data

FOLDER = SHARED_DATA / "home_office" / "use_of_force"
COLUMNS = ("release", "published", "financial_year", "force", "figure", "breakdown", "grp", "label", "tactic",
           "tactic_label", "value", "marker", "sheet", "sheet_row")  # the contract's columns, in its order
REVISED = {"hampshire": "Hampshire"}  # the one force whose 2017/18 CED figures a later release revised
AGE_BANDS = ("under_11", "11_17", "18_34", "35_49", "50_64", "65_plus", "unknown")
REQUIRED_CED_KEYS = set(CED_COLUMNS.values()) - {"not_stated"}


@pytest.fixture(scope="module")
def rels() -> tuple[Release, ...]:
    if not FOLDER.is_dir():
        pytest.skip(f"real data not present at {FOLDER} (../shared/data beside the repository)")
    return releases(FOLDER)


def ingest(db: Path, *batches: list[Path]) -> Path:
    """Ingest each batch in turn (one call of the ingest API per batch) and say so if any file was not loaded."""
    for batch in batches:
        report = ingest_paths(batch, db)
        assert sorted(r.path.name for r in report.results if r.action == "new") == sorted(p.name for p in batch)
    return db


@pytest.fixture(scope="module")
def warehouse(rels: tuple[Release, ...], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three releases ingested at once."""
    return ingest(tmp_path_factory.mktemp("uof_all") / "w.duckdb", [r.path for r in rels])


def select(db: Path, where: str, *params: object) -> list[dict[str, Any]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM use_of_force WHERE {where}", list(params)).fetchall()
    finally:
        con.close()
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def differences(want: dict[Any, Any], have: dict[Any, Any]) -> str:
    """Only the keys on which two readings differ: `key: expected ... got ...`."""
    return "; ".join(f"{k}: expected {want.get(k)}, got {have.get(k)}" for k in sorted(set(want) | set(have), key=repr)
                     if want.get(k) != have.get(k))


def cell_of(row: dict[str, Any]) -> tuple[int | None, str | None]:
    return row["value"], row["marker"]


def of(fig: Figure) -> tuple[int | None, str | None]:
    return fig.number, fig.marker


def label_of(force: str) -> str:
    return NATIONAL_LABEL if force == NATIONAL else {**FORCES, **REVISED}[force]


def release_of(rels: tuple[Release, ...], year: str) -> Release:
    return next(r for r in rels if r.year == year)


def latest_ced(rels: tuple[Release, ...], year: str, label: str) -> tuple[Release, dict[str, Figure]]:
    """The CED row of the latest publication that carries the year (latest publication wins)."""
    rel = max((r for r in rels if (year, label) in r.ced), key=lambda r: r.published)
    return rel, rel.ced[(year, label)]


# ---------------------------------------------------------------------------------------------------------------
# The releases check themselves (computed by the reader alone): if these fail, the reader is wrong, not the loader.

def test_each_release_total_row_is_the_sum_of_its_forces(rels: tuple[Release, ...]) -> None:
    assert [r.year for r in rels] == ["2017/18", "2018/19", "2019/20"]
    for rel in rels:
        forces = {label: f for label, f in rel.incidents.items() if label != NATIONAL_LABEL}
        assert len(forces) == 43, rel
        assert sum(f.number or 0 for f in forces.values()) == rel.incidents[NATIONAL_LABEL].number, rel
        for year in rel.ced_years:
            for key in set(CED_COLUMNS.values()):
                parts = [v[key].number or 0 for (y, lab), v in rel.ced.items() if y == year and lab != NATIONAL_LABEL]
                assert sum(parts) == rel.ced[(year, NATIONAL_LABEL)][key].number, (rel, year, key)


def test_reader_spot_checks_read_by_eye(rels: tuple[Release, ...]) -> None:
    """A few cells read by eye from the sheets (the reader was once checked against pandas' odf reader too)."""
    r17, r18, r19 = rels
    assert r18.incidents["Metropolitan"].number == 129_729  # Table_12 C41 of the 2018/19 release
    assert r19.incidents["Metropolitan"].number == 157_705  # ... and of the 2019/20 release
    national_2017_18 = ("2017/18", NATIONAL_LABEL)  # Table_13 row 5 of each release: revised by the later ones
    assert (r17.ced[national_2017_18]["total"].number, r19.ced[national_2017_18]["total"].number) == (17_084, 16_913)
    assert r19.published.isoformat() == "2020-12-17" and r17.published.isoformat() == "2018-12-13"
    avon = r19.ethnicity_by_force
    assert avon is not None and avon["Avon & Somerset"].row({"Compliant handcuffing"}).cells["White"].marker == ":"


def test_years_and_tables_each_release_publishes(rels: tuple[Release, ...]) -> None:
    r17, r18, r19 = rels
    assert [r.ced_years for r in rels] == [["2017/18"], ["2017/18", "2018/19"], ["2017/18", "2018/19", "2019/20"]]
    assert r17.ethnicity_by_force is None and r17.age_by_force is None  # Table_14 of 2017/18 is a quarterly CED table
    for rel in (r18, r19):
        by_eth, by_age = rel.ethnicity_by_force, rel.age_by_force
        assert by_eth is not None and by_age is not None
        assert by_eth[NATIONAL_LABEL].total_tactics() == rel.ethnicity_national.total_tactics()  # "same numbers"
        assert by_age[NATIONAL_LABEL].total_tactics() == rel.age_national.total_tactics()


# ---------------------------------------------------------------------------------------------------------------
# (a) the warehouse table, cell by cell

def test_incidents_by_force_rows(rels: tuple[Release, ...], warehouse: Path) -> None:
    problems: list[str] = []
    for rel in rels:
        for force in [*FORCES, NATIONAL]:
            fig = rel.incidents[label_of(force)]
            got = select(warehouse, "release = ? AND figure = 'incidents' AND breakdown = 'all' AND force = ?",
                         rel.id, force)
            want = [{"release": rel.id, "published": rel.published, "financial_year": rel.year, "force": force,
                     "grp": "all", "tactic": "incidents", "value": fig.number, "marker": fig.marker,
                     "sheet": fig.sheet, "sheet_row": fig.row}]
            have = [{k: row[k] for k in want[0]} for row in got]
            if have != want:
                problems.append(f"{rel} {fig.where} {force}: expected {want}, got {have}")
        every = select(warehouse, "release = ? AND figure = 'incidents' AND breakdown = 'all'", rel.id)
        forces = [f for label, f in rel.incidents.items() if label != NATIONAL_LABEL]
        if len(every) != len(forces) + 1:
            problems.append(f"{rel} Table_12: {len(every)} incidents rows, expected {len(forces) + 1} (forces + E&W)")
        got_sum = sum(r["value"] or 0 for r in every if r["force"] != NATIONAL)
        want_sum = sum(f.number or 0 for f in forces)
        if got_sum != want_sum:
            problems.append(f"{rel} Table_12: forces sum to {got_sum}, the sheet's to {want_sum}")
    assert not problems, "\n".join(problems)


def test_ced_by_type_rows_for_every_year_each_release_carries(rels: tuple[Release, ...], warehouse: Path) -> None:
    problems: list[str] = []
    for rel in rels:
        for year in rel.ced_years:
            for force in [*FORCES, *REVISED, NATIONAL]:
                figs = rel.ced[(year, label_of(force))]
                got = select(warehouse, "release = ? AND figure = 'ced' AND financial_year = ? AND force = ?",
                             rel.id, year, force)
                have = {r["tactic"]: (cell_of(r), r["sheet"], r["sheet_row"], r["published"], r["grp"]) for r in got}
                want = {k: (of(f), f.sheet, f.row, rel.published, "all") for k, f in figs.items()}
                if have != want:
                    problems.append(f"{rel} Table_13 {year} {force} (row {figs['total'].row}): "
                                    f"{differences(want, have)}")
            count = len(select(warehouse, "release = ? AND figure = 'ced' AND financial_year = ?", rel.id, year))
            expected = sum(len(v) for (y, _), v in rel.ced.items() if y == year)
            if count != expected:
                problems.append(f"{rel} Table_13 {year}: {count} rows, expected {expected} (44 rows x 11 columns)")
    assert not problems, "\n".join(problems)


def compare_block(db: Path, rel: Release, force: str, breakdown: str, block: Block, problems: list[str]) -> None:
    """Every cell of a by-group block equals its warehouse row (found by sheet, row and column heading)."""
    got = select(db, "release = ? AND figure = 'tactic_uses' AND force = ? AND breakdown = ? AND sheet = ?",
                 rel.id, force, breakdown, block.sheet)
    have = {(r["sheet_row"], norm(r["label"])): (r["grp"], cell_of(r), r["financial_year"]) for r in got}
    want = {(t.row, h): (block.groups[h], of(f), rel.year) for t in block.rows for h, f in t.cells.items()}
    for key in sorted(set(have) | set(want)):
        if have.get(key) != want.get(key):
            problems.append(f"{rel} {block.sheet} row {key[0]} {key[1]!r} {force}: expected {want.get(key)}, "
                            f"got {have.get(key)}")
    for tactic, labels in (("total_tactics", {"Total Tactics"}), ("ced", {block.ced().label})):
        if tactic == "total_tactics" and not any(t.label == "Total Tactics" for t in block.rows):
            continue  # the 2017/18 release has no such row
        rows = {r["sheet_row"] for r in got if r["tactic"] == tactic}
        want_rows = {block.row(labels).row}
        if rows != want_rows:
            problems.append(f"{rel} {block.sheet} {force}: tactic {tactic!r} on rows {rows}, expected {want_rows}")


def test_tactics_by_force_and_ethnicity_or_age_rows(rels: tuple[Release, ...], warehouse: Path) -> None:
    problems: list[str] = []
    for rel in rels:
        for breakdown, blocks in (("ethnicity", rel.ethnicity_by_force), ("age", rel.age_by_force)):
            if blocks is None:
                kept = select(warehouse, "release = ? AND figure = 'tactic_uses' AND force <> ?", rel.id, NATIONAL)
                if kept:
                    problems.append(f"{rel} has no table by force, yet {len(kept)} rows by force: {kept[:2]}")
                continue
            for force in [*FORCES, NATIONAL]:
                compare_block(warehouse, rel, force, breakdown, blocks[label_of(force)], problems)
    assert not problems, "\n".join(problems)


def test_markers_are_kept_as_markers(rels: tuple[Release, ...], warehouse: Path) -> None:
    """':' (not available) is NULL with the marker, never 0; the reader finds such cells for Avon & Somerset."""
    rel = rels[-1]
    assert rel.ethnicity_by_force is not None
    block = rel.ethnicity_by_force["Avon & Somerset"]
    marked = [(t.row, h) for t in block.rows for h, f in t.cells.items() if f.marker == ":"]
    assert len(marked) == 8 * 6  # eight tactic rows, six ethnicity columns
    got = select(warehouse, "release = ? AND force = 'avon-and-somerset' AND sheet = 'Table_16' AND marker IS NOT NULL",
                 rel.id)
    assert sorted((r["sheet_row"], norm(r["label"])) for r in got) == sorted(marked)
    assert {(r["value"], r["marker"]) for r in got} == {(None, ":")}


def test_national_tables_by_age_and_ethnicity_rows(rels: tuple[Release, ...], warehouse: Path) -> None:
    problems: list[str] = []
    for rel in rels:
        for breakdown, block in (("ethnicity", rel.ethnicity_national), ("age", rel.age_national)):
            compare_block(warehouse, rel, NATIONAL, breakdown, block, problems)
            assert block.incidents is not None
            got = select(warehouse, "release = ? AND figure = 'incidents' AND force = ? AND breakdown = ?",
                         rel.id, NATIONAL, breakdown)
            have = {(r["sheet"], r["sheet_row"], norm(r["label"])): (r["grp"], cell_of(r)) for r in got}
            want = {(f.sheet, f.row, h): (block.groups[h], of(f)) for h, f in block.incidents.items()}
            if have != want:
                problems.append(f"{rel} {block.sheet} incidents involving group: {differences(want, have)}")
        fig = rel.total_tactics_row
        if fig is None:
            continue  # the 2017/18 release has no 'Total Tactics' row in Table 1
        got_all = select(warehouse, "release = ? AND figure = 'tactic_uses' AND breakdown = 'all' AND force = ? "
                                    "AND tactic = 'total_tactics'", rel.id, NATIONAL)
        have_all = [(cell_of(r), r["sheet"], r["sheet_row"], r["grp"]) for r in got_all]
        if have_all != [(of(fig), fig.sheet, fig.row, "all")]:
            problems.append(f"{rel} {fig.where}: expected {of(fig)}, got {have_all}")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------------------------
# (b) the figures: `scrutiny force-use --format json`

DOCS: dict[tuple[Path, str, str], dict[str, Any]] = {}  # each document asked for once per warehouse


def force_use(db: Path, force: str, year: str) -> dict[str, Any]:
    if (db, force, year) in DOCS:
        return DOCS[(db, force, year)]
    result = CliRunner().invoke(app, ["force-use", "--force", force, "--year", year, "--format", "json",
                                      "--db", str(db)])
    assert result.exit_code == 0, f"scrutiny force-use --force {force} --year {year}: {result.output}"
    doc: dict[str, Any] = json.loads(result.output)
    DOCS[(db, force, year)] = doc
    return doc


def by_key(items: list[dict[str, Any]], key: str, field: str) -> dict[str, Any]:
    return {item[key]: item.get(field) for item in items}


def check_force_doc(rels: tuple[Release, ...], doc: dict[str, Any], force: str, year: str) -> list[str]:
    """Every figure the issue names, for one force and year, against the reader."""
    label = label_of(force)
    rel = release_of(rels, year)
    problems: list[str] = []

    def expect(what: str, got: object, want: object, where: str) -> None:
        if got != want:
            problems.append(f"{force} {year} {what}: expected {want!r} ({where}), got {got!r}")

    inc = rel.incidents[label]
    expect("incidents.count", doc["incidents"]["count"], inc.number, f"{rel} {inc.where}")
    ced_rel, ced = latest_ced(rels, year, label)
    by_type = doc["taser"]["by_type"]
    if not set(by_type) >= REQUIRED_CED_KEYS:
        problems.append(f"{force} {year} taser.by_type lacks {sorted(REQUIRED_CED_KEYS - set(by_type))}")
    for key in by_type:
        expect(f"taser.by_type.{key}", by_type[key], ced[key].number if key in ced else "<no such column>",
               f"{ced_rel} {ced[key].where if key in ced else ''}")
    fired, ced_total = ced["fired"].number, ced["total"].number
    if fired is not None and ced_total and doc["taser"]["fired_share"] != pytest.approx(fired / ced_total):
        problems.append(f"{force} {year} taser.fired_share {doc['taser']['fired_share']} != {fired}/{ced_total}")
    expect("releases include the year's release", rel.id in {r["release"] for r in doc["releases"]}, True,
           f"{rel} published {rel.published}")

    eth = rel.ethnicity_by_force[label] if rel.ethnicity_by_force else None
    age = rel.age_by_force[label] if rel.age_by_force else None
    got_eth = by_key(doc["by_ethnicity"], "group", "tactic_uses")
    if eth is None:
        expect("by_ethnicity tactic_uses (not published by force)", {g: v for g, v in got_eth.items() if v is not None},
               {}, f"{rel} has no Table 16 by force")
        expect("taser.children (not published by force)", doc["taser"]["children"], None, f"{rel} no Table 14")
        lacks = " ".join(doc["lacks"]).lower()
        if "ethnicity" not in lacks or "age" not in lacks:
            problems.append(f"{force} {year} lacks should say ethnicity and age by force are missing: {doc['lacks']}")
    else:
        tt = eth.row({"Total Tactics"})
        expect("by_ethnicity[].tactic_uses", got_eth, eth.total_tactics(), f"{rel} Table_16 row {tt.row}")
        reported = rel.reported("Table_16", label, tt.row)
        expect("tactic_uses.count", doc["tactic_uses"]["count"], reported.number, f"{rel} {reported.where}")
    if age is not None:
        ced_row = age.ced()
        children = ced_row.group_sum(AGE, CHILDREN)
        expect("taser.children", doc["taser"]["children"], children, f"{rel} Table_14 row {ced_row.row} cols D+E")
        every_age = ced_row.group_sum(AGE, AGE_BANDS)
        share = doc["taser"]["children_share"]
        if children is not None and every_age and share != pytest.approx(children / every_age):
            problems.append(f"{force} {year} taser.children_share {share} != {children}/{every_age} "
                            f"(Table_14 row {ced_row.row})")
        expect("by_age[].tactic_uses", by_key(doc["by_age"], "band", "tactic_uses"), age.total_tactics(),
               f"{rel} Table_14 row {age.row({'Total Tactics'}).row}")
        expect("children.tactic_uses", doc["children"]["tactic_uses"],
               age.row({"Total Tactics"}).group_sum(AGE, CHILDREN), f"{rel} Table_14 Total Tactics cols D+E")

    years = {y["financial_year"]: y for y in doc["taser"]["years"]}
    for y in sorted({y for r in rels for y, lab in r.ced if lab == label}):
        y_rel, y_ced = latest_ced(rels, y, label)
        if y not in years:
            problems.append(f"{force} {year} taser.years lacks {y}")
            continue
        expect(f"taser.years[{y}].total", years[y]["total"], y_ced["total"].number, f"{y_ced['total'].where} {y_rel}")
        expect(f"taser.years[{y}].fired", years[y]["fired"], y_ced["fired"].number, f"{y_ced['fired'].where} {y_rel}")
        y_age = release_of(rels, y).age_by_force
        y_children = y_age[label].ced().group_sum(AGE, CHILDREN) if y_age else None
        expect(f"taser.years[{y}].children", years[y]["children"], y_children, f"{release_of(rels, y)} Table_14")
    return problems


def check_national_doc(rels: tuple[Release, ...], doc: dict[str, Any], year: str, where: str) -> list[str]:
    """The England and Wales figures against the release's own total rows."""
    rel = release_of(rels, year)
    problems: list[str] = []

    def expect(what: str, got: object, want: object, cell: str) -> None:
        if got != want:
            problems.append(f"{where} {year} {what}: expected {want!r} ({cell}), got {got!r}")

    inc = rel.incidents[NATIONAL_LABEL]
    expect("incidents.count", doc["incidents"]["count"], inc.number, f"{rel} {inc.where}")
    expect("tactic_uses.count", doc["tactic_uses"]["count"], rel.tactic_uses_national, f"{rel} Table_1")
    ced_rel, ced = latest_ced(rels, year, NATIONAL_LABEL)
    by_type = doc["taser"]["by_type"]
    expect("taser.by_type", by_type, {k: ced[k].number if k in ced else "<no such column>" for k in by_type},
           f"{ced_rel} Table_13 row {ced['total'].row}")
    if not set(by_type) >= REQUIRED_CED_KEYS:
        problems.append(f"{where} {year} taser.by_type lacks {sorted(REQUIRED_CED_KEYS - set(by_type))}")
    eth = rel.ethnicity_national
    expect("by_ethnicity[].tactic_uses", by_key(doc["by_ethnicity"], "group", "tactic_uses"), eth.total_tactics(),
           f"{rel} Table_4 Total Tactics (2017/18: the six kinds summed)")
    assert eth.incidents is not None
    want_inc: dict[str, int] = {}
    for heading, fig in eth.incidents.items():
        want_inc[ETHNICITY[heading]] = want_inc.get(ETHNICITY[heading], 0) + (fig.number or 0)
    expect("by_ethnicity[].incidents", by_key(doc["by_ethnicity"], "group", "incidents"), want_inc,
           f"{rel} Table_4 row {next(iter(eth.incidents.values())).row}")
    age = rel.age_national
    expect("taser.children", doc["taser"]["children"], age.ced().group_sum(AGE, CHILDREN),
           f"{rel} Table_2 row {age.ced().row}")
    expect("by_age[].tactic_uses", by_key(doc["by_age"], "band", "tactic_uses"), age.total_tactics(),
           f"{rel} Table_2 Total Tactics")
    return problems


@pytest.mark.parametrize("force", [*FORCES, *REVISED])
def test_force_figures_equal_the_cells(rels: tuple[Release, ...], warehouse: Path, force: str) -> None:
    problems: list[str] = []
    for rel in rels:
        doc = force_use(warehouse, force, rel.year)
        assert (doc["force"], doc["financial_year"]) == (force, rel.year)
        problems += check_force_doc(rels, doc, force, rel.year)
    assert not problems, "\n".join(problems)


def test_national_figures_equal_the_release_total_rows(rels: tuple[Release, ...], warehouse: Path) -> None:
    """England and Wales (`--force all`, and the `national` block beside a force) against the total rows."""
    problems: list[str] = []
    for rel in rels:
        doc = force_use(warehouse, "all", rel.year)
        assert (doc["force"], doc["financial_year"], doc["national"]) == ("all", rel.year, None)
        problems += check_national_doc(rels, doc, rel.year, "all")
        for force in FORCES:
            beside = force_use(warehouse, force, rel.year)["national"]
            assert beside is not None
            problems += check_national_doc(rels, beside, rel.year, f"{force}'s national")
    assert not problems, "\n".join(problems)


def test_revised_2017_18_ced_figures_are_shown_as_revisions(rels: tuple[Release, ...], warehouse: Path) -> None:
    """A later release revised 2017/18 CED (national and Hampshire): the latest wins, the change is listed."""
    first = rels[0]
    for force in (NATIONAL, *REVISED, *FORCES):
        label = label_of(force)
        doc = force_use(warehouse, "all" if force == NATIONAL else force, "2017/18")
        latest_rel, latest = latest_ced(rels, "2017/18", label)
        changed = {k for k, f in first.ced[("2017/18", label)].items() if f.number != latest[k].number}
        listed = [r for r in doc["revisions"] if r["figure"] == "ced" and r["force"] == force]
        for entry in doc["revisions"]:
            by_id = {r.id: r for r in rels}
            earlier, later = by_id[entry["earlier_release"]], by_id[entry["later_release"]]
            if entry["figure"] == "ced":
                key = (entry["financial_year"], label_of(entry["force"]))
                assert (earlier.ced[key][entry["tactic"]].number, later.ced[key][entry["tactic"]].number) \
                    == (entry["earlier"], entry["later"]), entry
            assert earlier.published < later.published and entry["earlier"] != entry["later"], entry
        assert {r["tactic"] for r in listed} == changed, (force, listed)
        for entry in listed:
            assert entry["earlier_release"] == first.id and entry["later"] == latest[entry["tactic"]].number, entry
        assert bool(changed) == (force in (NATIONAL, *REVISED))
        assert doc["taser"]["by_type"]["total"] == latest["total"].number, latest_rel


# ---------------------------------------------------------------------------------------------------------------
# Order of loading, and the 2017/18 release alone

def table(db: Path) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(con.execute(f"SELECT {', '.join(COLUMNS)} FROM use_of_force").fetchall(), key=repr)
    finally:
        con.close()


@pytest.mark.parametrize("order", [(2, 1, 0), (1, 2, 0)], ids=["newest-first", "middle-newest-oldest"])
def test_any_order_of_loading_gives_the_same_table_and_figures(
        rels: tuple[Release, ...], warehouse: Path, tmp_path: Path, order: tuple[int, ...]) -> None:
    """One release at a time, older ones last: the same table, and the figures of a year several releases carry
    (2017/18 and 2018/19 CED, revised for England and Wales and Hampshire) are still the latest publication's."""
    db = ingest(tmp_path / "w.duckdb", *[[rels[i].path] for i in order])
    assert table(db) == table(warehouse)
    for force in (NATIONAL, *REVISED, *FORCES):
        for year in ("2017/18", "2018/19"):
            by_type = force_use(db, "all" if force == NATIONAL else force, year)["taser"]["by_type"]
            rel, ced = latest_ced(rels, year, label_of(force))
            assert by_type == {k: ced[k].number for k in by_type}, (force, year, rel)


def test_2017_18_release_alone_loads_what_it_has_and_says_what_it_lacks(
        rels: tuple[Release, ...], tmp_path: Path) -> None:
    first = rels[0]
    db = ingest(tmp_path / "w.duckdb", [first.path])
    rows = select(db, "true")
    assert {(r["release"], r["financial_year"]) for r in rows} == {(first.id, "2017/18")}
    assert {r["force"] for r in rows if r["figure"] == "tactic_uses"} == {NATIONAL}
    for force in FORCES:
        doc = force_use(db, force, "2017/18")
        problems = check_force_doc((first,), doc, force, "2017/18")
        assert not problems, "\n".join(problems)
        assert [r["release"] for r in doc["releases"]] == [first.id]
    national = force_use(db, "all", "2017/18")
    problems = check_national_doc((first,), national, "2017/18", "all (2017/18 alone)")
    assert not problems, "\n".join(problems)
    assert national["taser"]["by_type"]["total"] == first.ced[("2017/18", NATIONAL_LABEL)]["total"].number  # 17,084
