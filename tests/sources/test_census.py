"""Census layouts: hand-made fixtures counted by eye, then the real published files checked against the
README's totals and against each other (expected values computed here with the csv module)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from scrutiny.errors import SourceRefused
from scrutiny.sources.census import GROUPS, POPULATION_COLUMNS, read_census, sniff_census

from .conftest import FIXTURES, head_of

CENSUS = FIXTURES / "census"
# The 32 London boroughs without the City: the Metropolitan Police area.
MET_BOROUGHS = {f"E090000{n:02d}" for n in range(2, 34)}
# data/README.md, "census2021/": what every layout must give for those 32 boroughs.
README_TOTALS = {"Asian": 1_816_196, "Black": 1_188_138, "Mixed": 505_320, "Other": 556_315, "White": 4_725_212}
REAL_FILES = {
    "ts022_detailed_ethnicity_london_boroughs.csv": "census_ts022",
    "ethnicity_19_groups_by_local_authority.csv": "census_19_groups",
    "ethnicity_age_sex_by_local_authority.csv": "census_age_sex",
    "ethnicity_5_groups_by_police_force_area_2011_2021.csv": "census_pfa_5_groups",
}


def group_of(category: str) -> str:
    """Independent of the code under test: the first word of a Census heading names the group."""
    return category.split()[0].rstrip(",:")


def rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    """(area, group, age, residents, suppressed) tuples, age None for all ages."""
    return [
        (r.area_code, r.ethnic_group, None if pd.isna(r.age) else int(r.age), r.residents, r.suppressed_cells)
        for r in frame.itertuples()
    ]


def totals(frame: pd.DataFrame, areas: set[str]) -> dict[str, int]:
    return {k: int(v) for k, v in frame[frame.area_code.isin(areas)].groupby("ethnic_group").residents.sum().items()}


def assert_population_shape(frame: pd.DataFrame, source: str) -> None:
    assert tuple(frame.columns) == POPULATION_COLUMNS
    for column in ("area_code", "area_name", "ethnic_group", "sex", "source"):
        assert pd.api.types.is_string_dtype(frame[column]), column
    assert frame["age"].dtype == "Int64"
    for column in ("residents", "suppressed_cells", "census_year"):
        assert frame[column].dtype == "int64", column
    if source == "census_age_sex":
        assert list(frame["sex"].unique()) == ["Female", "Male"]
    else:
        assert frame["sex"].isna().all()
    assert set(frame["ethnic_group"]) <= set(GROUPS)
    assert (frame["source"] == source).all()


# ---------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("name", "layout"),
    [
        ("ts022_small.csv", "census_ts022"),
        ("groups19_small.csv", "census_19_groups"),
        ("age_sex_small.csv", "census_age_sex"),
        ("pfa_small.csv", "census_pfa_5_groups"),
    ],
)
def test_sniff_recognises_each_fixture(name: str, layout: str) -> None:
    assert sniff_census(CENSUS / name, head_of(CENSUS / name)) == layout


@pytest.mark.parametrize(
    "head",
    [
        "",
        "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude\n",
        "\ufeffFID,LAD20CD,LAD20NM,CSP20CD,CSP20NM,PFA20CD,PFA20NM\n",
        '{"type": "FeatureCollection"}',
        'Area code;Area name;"unterminated',
    ],
)
def test_sniff_ignores_other_files(head: str) -> None:
    assert sniff_census(Path("x.csv"), head) is None


# ---------------------------------------------------------------- fixtures, exact


def test_ts022_fixture() -> None:
    frame = read_census(CENSUS / "ts022_small.csv", "census_ts022")
    assert_population_shape(frame, "census_ts022")
    # "Does not apply" (7 people in Hackney here) is not a group and is left out.
    assert rows(frame) == [
        ("E09000012", "Asian", None, 210, 0),
        ("E09000012", "Black", None, 345, 0),
        ("E09000012", "Mixed", None, 6, 0),
        ("E09000012", "White", None, 1025, 0),
        ("E09000012", "Other", None, 4, 0),
        ("E09000022", "Asian", None, 1, 0),
        ("E09000022", "Black", None, 2, 0),
        ("E09000022", "Mixed", None, 3, 0),
        ("E09000022", "White", None, 4, 0),
        ("E09000022", "Other", None, 0, 0),
    ]
    assert list(frame.area_name.unique()) == ["Hackney", "Lambeth"]
    assert (frame.census_year == 2021).all()


def test_19_groups_fixture() -> None:
    raw = (CENSUS / "groups19_small.csv").read_bytes()
    assert b"\r\n" in raw and b"\n(number)" in raw and b"1,3 \n" in raw  # the quirks are really there
    frame = read_census(CENSUS / "groups19_small.csv", "census_19_groups")
    assert_population_shape(frame, "census_19_groups")
    # '1.081' is 1,081, ' -   ' is 0; percentages (',' decimals) are ignored.
    assert rows(frame) == [
        ("E06000001", "Asian", None, 278 + 1081, 0),
        ("E06000001", "Black", None, 57, 0),
        ("E06000001", "Mixed", None, 0, 0),
        ("E06000001", "White", None, 87761, 0),
        ("E06000001", "Other", None, 12, 0),
        ("E09000001", "Asian", None, 1445 + 545, 0),
        ("E09000001", "Black", None, 0, 0),
        ("E09000001", "Mixed", None, 179, 0),
        ("E09000001", "White", None, 3649, 0),
        ("E09000001", "Other", None, 1234567, 0),
        ("W06000024", "Asian", None, 46 + 156, 0),
        ("W06000024", "Black", None, 59, 0),
        ("W06000024", "Mixed", None, 129, 0),
        ("W06000024", "White", None, 54916, 0),
        ("W06000024", "Other", None, 17, 0),
    ]
    assert list(frame.area_name.unique()) == ["Hartlepool", "City of London", "Merthyr Tydfil"]


def test_age_sex_fixture_keeps_sex() -> None:
    frame = read_census(CENSUS / "age_sex_small.csv", "census_age_sex")
    # 6 lines x 2 sexes x 5 groups; each line gives its Female rows, then its Male rows.
    assert (frame.sex == "Female").sum() == 30 and (frame.sex == "Male").sum() == 30
    assert list(frame.sex[:10]) == ["Female"] * 5 + ["Male"] * 5
    hackney_0 = frame[(frame.area_code == "E09000012") & (frame.age == 0)]
    got = [(r.sex, r.ethnic_group, r.residents, r.suppressed_cells) for r in hackney_0.itertuples()]
    # Line 2, by eye: Indian F 10, Chinese F c; Indian M 15, Chinese M 20; African F 100, M 105;
    # White and Asian F c, M c; Irish F 500, M 505; Arab F 30, M c.
    assert got == [
        ("Female", "Asian", 10, 1), ("Female", "Black", 100, 0), ("Female", "Mixed", 0, 1),
        ("Female", "White", 500, 0), ("Female", "Other", 30, 0),
        ("Male", "Asian", 35, 0), ("Male", "Black", 105, 0), ("Male", "Mixed", 0, 1),
        ("Male", "White", 505, 0), ("Male", "Other", 0, 1),
    ]


def test_age_sex_fixture() -> None:
    frame = read_census(CENSUS / "age_sex_small.csv", "census_age_sex")
    assert_population_shape(frame, "census_age_sex")
    both = "E09000001+E09000033"  # published as E09000001 "City of London and Westminster"
    # Both sexes summed here (keys in order of first appearance: file order, then groups), as every reader
    # before sex was kept saw them.
    frame = frame.groupby(["area_code", "age", "ethnic_group"], sort=False, as_index=False).agg(
        area_name=("area_name", "first"), residents=("residents", "sum"), suppressed_cells=("suppressed_cells", "sum"))
    assert rows(frame) == [
        ("E09000012", "Asian", 0, 10 + 15 + 20, 1),
        ("E09000012", "Black", 0, 205, 0),
        ("E09000012", "Mixed", 0, 0, 2),
        ("E09000012", "White", 0, 1005, 0),
        ("E09000012", "Other", 0, 30, 1),
        ("E09000012", "Asian", 1, 40, 0),
        ("E09000012", "Black", 1, 20, 0),
        ("E09000012", "Mixed", 1, 20, 0),
        ("E09000012", "White", 1, 20, 0),
        ("E09000012", "Other", 1, 20, 0),
        ("E09000012", "Asian", 100, 0, 4),
        ("E09000012", "Black", 100, 0, 2),
        ("E09000012", "Mixed", 100, 0, 2),
        ("E09000012", "White", 100, 15, 1),
        ("E09000012", "Other", 100, 0, 2),
        (both, "Asian", 0, 2050, 0),
        (both, "Black", 0, 605, 0),
        (both, "Mixed", 0, 40, 1),
        (both, "White", 0, 4005, 0),
        (both, "Other", 0, 115, 0),
        (both, "Asian", 1, 20, 0),
        (both, "Black", 1, 10, 0),
        (both, "Mixed", 1, 10, 0),
        (both, "White", 1, 10, 0),
        (both, "Other", 1, 10, 0),
        (both, "Asian", 100, 0, 4),
        (both, "Black", 100, 0, 2),
        (both, "Mixed", 100, 0, 2),
        (both, "White", 100, 0, 2),
        (both, "Other", 100, 0, 2),
    ]
    assert set(frame.area_name) == {"Hackney", "City of London and Westminster"}


def test_pfa_fixture_with_bom() -> None:
    assert (CENSUS / "pfa_small.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    frame = read_census(CENSUS / "pfa_small.csv", "census_pfa_5_groups")
    assert_population_shape(frame, "census_pfa_5_groups")
    got = [(r.census_year, r.area_code, r.area_name, r.ethnic_group, r.residents) for r in frame.itertuples()]
    assert got == [
        (2011, "E23000001", "Metropolitan Police", "Asian", 1_510_606),
        (2011, "E23000001", "Metropolitan Police", "Black", 1_088_447),
        (2011, "E23000001", "Metropolitan Police", "Mixed", 404_990),
        (2011, "E23000001", "Metropolitan Police", "White", 4_881_636),
        (2011, "E23000001", "Metropolitan Police", "Other", 280_887),
        (2021, "E23000034", "London, City of", "Asian", 1_445),
        (2021, "E23000034", "London, City of", "Black", 232),
        (2021, "E23000034", "London, City of", "Mixed", 470),
        (2021, "E23000034", "London, City of", "White", 5_955),
        (2021, "E23000034", "London, City of", "Other", 482),
    ]
    assert frame.age.isna().all()


# ---------------------------------------------------------------- refusals


def write(tmp_path: Path, text: str, name: str = "bad.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def refusal(path: Path, layout: str) -> str:
    with pytest.raises(SourceRefused) as caught:
        read_census(path, layout)
    message = str(caught.value)
    assert str(path) in message
    return caught.value.reason


@pytest.mark.parametrize("layout", ["census_ts022", "census_19_groups", "census_age_sex", "census_pfa_5_groups"])
def test_empty_file_is_refused(tmp_path: Path, layout: str) -> None:
    assert refusal(write(tmp_path, ""), layout) == "empty file"


@pytest.mark.parametrize("layout", ["census_ts022", "census_19_groups", "census_age_sex", "census_pfa_5_groups"])
def test_header_only_is_refused(tmp_path: Path, layout: str) -> None:
    name, first_data_line = {
        "census_ts022": ("ts022_small.csv", "E09000012,"),
        "census_19_groups": ("groups19_small.csv", "E06000001;"),
        "census_age_sex": ("age_sex_small.csv", "E09000012,"),
        "census_pfa_5_groups": ("pfa_small.csv", "2011,"),
    }[layout]
    text = (CENSUS / name).read_bytes().decode("utf-8-sig")
    header = text[: text.index(first_data_line)]
    assert refusal(write(tmp_path, header), layout) == "no data rows after the header"


def test_wrong_header_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "Code,Name,Category Code,Category,Count\nE09000012,Hackney,1,White: Irish,3\n")
    assert refusal(path, "census_ts022").startswith("header is not")
    assert refusal(path, "census_pfa_5_groups").startswith("missing column 'Geocode'")
    assert refusal(path, "census_age_sex").startswith("missing column 'Geography Code'")


def test_19_groups_with_the_wrong_separator_is_refused(tmp_path: Path) -> None:
    text = (CENSUS / "groups19_small.csv").read_text().replace(";", "|")
    assert refusal(write(tmp_path, text), "census_19_groups") == "no '(number)' columns: is the separator ';'?"


def test_non_numeric_count_is_refused_with_line_and_column(tmp_path: Path) -> None:
    text = (
        (CENSUS / "age_sex_small.csv").read_text().replace("E09000012,Hackney,1,10,10,", "E09000012,Hackney,1,10,ten,")
    )
    reason = refusal(write(tmp_path, text), "census_age_sex")
    assert reason == "line 3, column 'Asian, Asian British or Asian Welsh: Indian Male': 'ten' is not a count"


def test_badly_grouped_thousands_are_refused(tmp_path: Path) -> None:
    # '1.5' is neither a count nor 1,500 written with a '.' separator: a percentage in the wrong place.
    text = (CENSUS / "groups19_small.csv").read_text().replace(" 278 ", " 1.5 ")
    reason = refusal(write(tmp_path, text), "census_19_groups")
    assert reason == "line 9, column 'Asian, Asian British or Asian Welsh: Indian (number)': '1.5' is not a count"


def test_short_line_is_refused_with_field_counts(tmp_path: Path) -> None:
    text = (
        (CENSUS / "age_sex_small.csv")
        .read_text()
        .replace("E09000012,Hackney,1,10,10,10,10,10,10,10,10,10,10,10,10", "E09000012,Hackney,1")
    )
    assert refusal(write(tmp_path, text), "census_age_sex") == "line 3: expected 15 fields, found 3"


def test_long_line_after_a_multi_line_header_names_the_physical_line(tmp_path: Path) -> None:
    text = (CENSUS / "groups19_small.csv").read_bytes().decode()
    text = text.replace("Merthyr Tydfil;", "Merthyr Tydfil;1;")  # third data row: the header spans 8 lines
    assert refusal(write(tmp_path, text), "census_19_groups") == "line 11: expected 14 fields, found 15"


def test_long_first_row_is_refused_not_silently_truncated(tmp_path: Path) -> None:
    # pandas would drop the extra field of a first data row with only a warning.
    text = (CENSUS / "groups19_small.csv").read_bytes().decode().replace("Hartlepool;", "Hartlepool;1;")
    assert refusal(write(tmp_path, text), "census_19_groups") == "line 9: more fields than the header"


def test_unknown_category_is_refused(tmp_path: Path) -> None:
    text = (CENSUS / "ts022_small.csv").read_text().replace("White: Irish", "Purple: Irish")
    assert refusal(write(tmp_path, text), "census_ts022") == (
        "line 9, column 'Ethnic Group (detailed) (288 categories)': "
        "'Purple: Irish' is not under a Census ethnic group heading"
    )


def test_repeated_area_is_refused(tmp_path: Path) -> None:
    text = (CENSUS / "groups19_small.csv").read_bytes().decode().replace("W06000024;Merthyr", "E06000001;Merthyr")
    assert refusal(write(tmp_path, text), "census_19_groups") == "line 11: area E06000001 repeats line 9"


def test_bad_area_code_and_age_are_refused(tmp_path: Path) -> None:
    text = (CENSUS / "age_sex_small.csv").read_text()
    bad_code = text.replace("E09000012,Hackney,1,", "Hackney,Hackney,1,")
    assert refusal(write(tmp_path, bad_code), "census_age_sex") == (
        "line 3, column 'Geography Code': 'Hackney' is not an ONS area code"
    )
    bad_age = text.replace("E09000012,Hackney,1,", "E09000012,Hackney,one,")
    assert refusal(write(tmp_path, bad_age), "census_age_sex") == "line 3, column 'Age': 'one' is not an age"


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((CENSUS / "pfa_small.csv").read_bytes().replace(b"City of", b"Cit\xe9 of"))
    assert refusal(path, "census_pfa_5_groups").startswith("not UTF-8 text")


def test_missing_group_is_refused(tmp_path: Path) -> None:
    text = (CENSUS / "groups19_small.csv").read_bytes().decode()
    no_arab = text.replace('"Other ethnic group: Arab\n(number)"', '"White: Roma\n(number)"')
    assert refusal(write(tmp_path, no_arab), "census_19_groups") == "no column for the Other group(s)"


def test_unknown_layout_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown Census layout"):
        read_census(CENSUS / "pfa_small.csv", "census_2031")


# ---------------------------------------------------------------- the real published files


@pytest.mark.shared_data
@pytest.mark.parametrize(("name", "layout"), sorted(REAL_FILES.items()))
def test_real_files_are_recognised(census_dir: Path, name: str, layout: str) -> None:
    assert sniff_census(census_dir / name, head_of(census_dir / name)) == layout


@pytest.fixture(scope="module")
def real() -> dict[str, pd.DataFrame]:
    from .conftest import shared_data

    directory = shared_data() / "census2021"
    return {layout: read_census(directory / name, layout) for name, layout in REAL_FILES.items()}


@pytest.mark.shared_data
def test_ts022_gives_the_readme_totals_exactly(census_dir: Path, real: dict[str, pd.DataFrame]) -> None:
    by_hand: Counter[str] = Counter()
    with (census_dir / "ts022_detailed_ethnicity_london_boroughs.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["Lower tier local authorities Code"] in MET_BOROUGHS:
                category = row["Ethnic Group (detailed) (288 categories)"]
                if category != "Does not apply":
                    by_hand[group_of(category)] += int(row["Observation"])
    assert dict(by_hand) == README_TOTALS  # TS022 is unrounded: exactly the README's figures
    assert totals(real["census_ts022"], MET_BOROUGHS) == README_TOTALS
    assert real["census_ts022"].area_code.nunique() == 33
    assert len(real["census_ts022"]) == 33 * 5


@pytest.mark.shared_data
def test_19_groups_matches_by_hand_and_the_readme(census_dir: Path, real: dict[str, pd.DataFrame]) -> None:
    by_hand: Counter[str] = Counter()
    with (census_dir / "ethnicity_19_groups_by_local_authority.csv").open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f, delimiter=";")
        header = next(reader)
        lines = list(reader)
    for line in lines:
        if line[0] in MET_BOROUGHS:
            for name, cell in zip(header[2:21], line[2:21], strict=True):
                assert name.endswith("(number)")
                value = cell.strip().replace(".", "")
                by_hand[group_of(name)] += 0 if value == "-" else int(value)
    frame = real["census_19_groups"]
    got = totals(frame, MET_BOROUGHS)
    assert got == dict(by_hand)
    assert got == {"Asian": 1_816_202, "Black": 1_188_137, "Mixed": 505_306, "Other": 556_290, "White": 4_725_217}
    # TS021 and TS022 are perturbed independently by ONS: within 30 of the README (measured at most 25).
    assert all(abs(got[g] - README_TOTALS[g]) <= 30 for g in GROUPS)
    assert frame.area_code.nunique() == len(lines) == 331


@pytest.mark.shared_data
def test_19_groups_agrees_with_ts022_borough_by_borough(real: dict[str, pd.DataFrame]) -> None:
    ts = real["census_ts022"].set_index(["area_code", "ethnic_group"]).residents
    g19 = real["census_19_groups"].set_index(["area_code", "ethnic_group"]).residents
    difference = (g19.reindex(ts.index) - ts).abs()
    assert difference.max() <= 15  # measured at most 11 for any borough and group
    for borough in ("E09000012", "E09000022", "E09000025"):  # Hackney, Lambeth, Newham
        assert difference.loc[borough].max() <= 15


@pytest.mark.shared_data
def test_pfa_file_matches_19_groups_exactly(census_dir: Path, real: dict[str, pd.DataFrame]) -> None:
    by_hand: dict[tuple[str, str, str], int] = {}
    path = census_dir / "ethnicity_5_groups_by_police_force_area_2011_2021.csv"
    with path.open(newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            key = (row["Census Year"], row["Geocode"], group_of(row["Self-defined ethnicity"]))
            by_hand[key] = int(row["Population"].replace(",", ""))
    frame = real["census_pfa_5_groups"]
    got = {(str(r.census_year), r.area_code, r.ethnic_group): r.residents for r in frame.itertuples()}
    assert got == by_hand
    assert len(frame) == 43 * 2 * 5
    met_2021 = {g: got[("2021", "E23000001", g)] for g in GROUPS}
    # The force figures are the 19-group table summed over the force's local authorities.
    assert met_2021 == totals(real["census_19_groups"], MET_BOROUGHS)
    assert all(abs(met_2021[g] - README_TOTALS[g]) <= 30 for g in GROUPS)
    city_2021 = {g: got[("2021", "E23000034", g)] for g in GROUPS}
    assert city_2021 == totals(real["census_19_groups"], {"E09000001"})


@pytest.mark.shared_data
def test_age_sex_matches_by_hand(census_dir: Path, real: dict[str, pd.DataFrame]) -> None:
    path = census_dir / "ethnicity_age_sex_by_local_authority.csv"
    residents: Counter[tuple[str, str, int, str]] = Counter()
    suppressed: Counter[tuple[str, str, int, str]] = Counter()
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        for line in reader:
            if line[0] in {"E09000012", "E09000001", "E12000007", "W06000024"}:
                age = 100 if line[2] == "100 or over" else int(line[2])
                for name, cell in zip(header[3:], line[3:], strict=True):
                    key = (line[0], group_of(name), age, name.rsplit(" ", 1)[1])  # the header's last word
                    residents[key] += 0 if cell == "c" else int(cell)
                    suppressed[key] += cell == "c"
    frame = real["census_age_sex"]
    code = frame.area_code.where(frame.area_code != "E09000001+E09000033", "E09000001")
    picked = frame[code.isin({"E09000012", "E09000001", "E12000007", "W06000024"})]
    keys = [(c, r.ethnic_group, int(r.age), r.sex)
            for c, r in zip(code[picked.index], picked.itertuples(), strict=True)]
    got = dict(zip(keys, picked.residents, strict=True))
    got_suppressed = dict(zip(keys, picked.suppressed_cells, strict=True))
    assert len(got) == len(keys)  # one row per area, group, age and sex
    assert got == dict(residents)
    assert got_suppressed == dict(suppressed)
    assert {k[3] for k in residents} == {"Female", "Male"}
    assert len(frame) == 341 * 101 * 2 * 5
    assert sorted(frame.age.unique()) == list(range(101))


@pytest.mark.shared_data
def test_age_sex_merges_city_with_westminster(real: dict[str, pd.DataFrame]) -> None:
    frame = real["census_age_sex"]
    assert "E09000033" not in set(frame.area_code) and "E09000001" not in set(frame.area_code)
    merged = frame[frame.area_code == "E09000001+E09000033"]
    assert set(merged.area_name) == {"City of London and Westminster"}
    assert "E06000052+E06000053" in set(frame.area_code)  # Cornwall and Isles of Scilly


def within_suppression(got: int, suppressed: int, reference: int) -> bool:
    """A 'c' cell hides a count of 0-9 (published counts start at 10) and counts are rounded to 5:
    the sum lies between the reference less 10 per suppressed cell and the reference, give or take 250
    of accumulated rounding (about 800 rounded cells per group and area; measured drift well inside)."""
    return reference - 10 * suppressed - 250 <= got <= reference + 250


@pytest.mark.shared_data
def test_age_sex_agrees_with_ts022_within_suppression(real: dict[str, pd.DataFrame]) -> None:
    ages = real["census_age_sex"].groupby(["area_code", "ethnic_group"])[["residents", "suppressed_cells"]].sum()
    ts = real["census_ts022"].groupby(["area_code", "ethnic_group"]).residents.sum()
    london = {g: int(ts.xs(g, level="ethnic_group").sum()) for g in GROUPS}  # all 33 authorities
    for group in GROUPS:
        region = ages.loc[("E12000007", group)]
        assert within_suppression(int(region.residents), int(region.suppressed_cells), london[group])
        for borough in sorted(MET_BOROUGHS - {"E09000033"}):
            row = ages.loc[(borough, group)]
            assert within_suppression(int(row.residents), int(row.suppressed_cells), int(ts[(borough, group)]))
        merged = ages.loc[("E09000001+E09000033", group)]
        both = int(ts[("E09000001", group)] + ts[("E09000033", group)])
        assert within_suppression(int(merged.residents), int(merged.suppressed_cells), both)
    # England and Wales: 59,597,542 usual residents (ONS headline figure); 108 cells suppressed.
    country = ages.loc["K04000001"]
    assert within_suppression(int(country.residents.sum()), int(country.suppressed_cells.sum()), 59_597_542)
    assert int(country.suppressed_cells.sum()) == 108
