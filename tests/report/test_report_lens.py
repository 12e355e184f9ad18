"""The report under the lens contract (docs/lens-contract.md): what it covers said everywhere, purpose and power
breakdowns, disproportionality over time with its gaps, `--versus`, the areas placed in none, notes, several
forces and a PDF that fits its pages.

Every test builds the report through the CLI from a small warehouse and checks its figures against the metrics
document (or the change document) computed from the same warehouse, formatted as a reader sees them.

The warehouse: the Metropolitan Police in Barking and Dagenham (east square) and Barnet (west square) in
2024-01, 2024-02, 2024-04, 2024-05 and 2024-06 (no file for 2024-03: a gap), plus a few searches outside both
squares and with no location; Kent Police in Maidstone in 2024-01 only.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tests.conftest import write_archive
from tests.report.test_report import report_app

S23, PACE = "Misuse of Drugs Act 1971 (section 23)", "Police and Criminal Evidence Act 1984 (section 1)"
BLACK = "Black/African/Caribbean/Black British - African"
WHITE = "White - English/Welsh/Scottish/Northern Irish/British"
ASIAN = "Asian/Asian British - Indian"
EAST, WEST, MAIDSTONE = "51.515,-0.075", "51.515,-0.145", "51.27,0.52"
OUTSIDE, NOWHERE = "51.0,0.0", ","
NFA, ARREST = "A no further action disposal", "Arrest"


def rows(n: int, month: str, where: str, ethnicity: str, law: str, obj: str, outcome: str) -> list[str]:
    return [f"Person search,{month}-15T12:00:00+00:00,False,,{where},Male,18-24,{ethnicity},,{law},{obj},{outcome},,"
            ] * n


def met_month(month: str, black: int, white: int, asian: int) -> list[str]:
    """A Met month: drugs searches under s23 and stolen-goods searches under PACE s1, mostly in the east."""
    return [
        *rows(black - black // 3, month, EAST, BLACK, S23, "Controlled drugs", NFA),
        *rows(black // 3, month, EAST, BLACK, PACE, "Stolen goods", ARREST),
        *rows(white - white // 4, month, WEST, WHITE, S23, "Controlled drugs", ARREST),
        *rows(white // 4, month, WEST, WHITE, PACE, "Stolen goods", NFA),
        *rows(asian, month, EAST, ASIAN, S23, "Controlled drugs", NFA),
        *rows(2, month, OUTSIDE, WHITE, S23, "Controlled drugs", NFA),
        *rows(1, month, NOWHERE, BLACK, PACE, "Stolen goods", NFA),
    ]


MET = {"2024-01": (30, 24, 12), "2024-02": (27, 20, 3), "2024-04": (33, 28, 11), "2024-05": (60, 16, 12),
       "2024-06": (66, 16, 12)}


def square(code: str, name: str, lon: float, lat: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + 0.05, lat], [lon + 0.05, lat + 0.03], [lon, lat + 0.03], [lon, lat]]
    return {"type": "Feature", "properties": {"CODE": code, "NAME": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scrutiny.cli import app

    folder = tmp_path_factory.mktemp("lens")
    for month, (black, white, asian) in MET.items():
        write_archive(folder, month, "metropolitan", met_month(month, black, white, asian))
    write_archive(folder, "2024-01", "kent", rows(12, "2024-01", MAIDSTONE, WHITE, S23, "Controlled drugs", NFA)
                  + rows(11, "2024-01", MAIDSTONE, BLACK, PACE, "Stolen goods", ARREST))
    (folder / "boundaries.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        square("E09000002", "Barking and Dagenham", -0.1, 51.5), square("E09000003", "Barnet", -0.17, 51.5),
        square("E07000110", "Maidstone", 0.5, 51.25)]}))
    (folder / "lookup.csv").write_text(
        "\ufeffFID,LAD20CD,LAD20NM,CSP20CD,CSP20NM,PFA20CD,PFA20NM\n"
        "1,E09000002,Barking and Dagenham,E22000186,Barking and Dagenham,E23000001,Metropolitan Police\n"
        "2,E09000003,Barnet,E22000187,Barnet,E23000001,Metropolitan Police\n"
        "3,E07000110,Maidstone,E22000001,Maidstone,E23000032,Kent\n")
    header = ("Lower tier local authorities Code,Lower tier local authorities,"
              "Ethnic Group (detailed) (288 categories) Code,Ethnic Group (detailed) (288 categories),Observation")
    census = [
        f'{code},{name},12,"Asian, Asian British or Asian Welsh: Indian or British Indian",{asian}\n'
        f'{code},{name},40,"Black, Black British, Black Welsh of African background: Nigerian",{black}\n'
        f'{code},{name},200,"White: English, Welsh, Scottish, Northern Irish or British",{white}'
        for code, name, asian, black, white in (("E09000002", "Barking and Dagenham", 800, 1000, 3000),
                                                ("E09000003", "Barnet", 700, 500, 6000),
                                                ("E07000110", "Maidstone", 300, 200, 1000))]
    (folder / "ts022.csv").write_text("\n".join([header, *census]) + "\n")
    path = folder / "lens.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


def run(db: Path, out: Path, *args: str) -> Result:
    return CliRunner().invoke(report_app(), ["report", *args, "--out", str(out), "--db", str(db)])


def report(db: Path, tmp_path: Path, *args: str) -> str:
    out = tmp_path / "report.html"
    result = run(db, out, *args)
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def metrics(db: Path, force: str, start: str, end: str, purpose: str | None = None,
            power: str | None = None) -> dict[str, Any]:
    from scrutiny.metrics import Scope, compute_metrics

    return compute_metrics(db, Scope(force, None, start, end, "self", None, purpose, power))


def section(html: str, name: str) -> str:
    found = re.search(rf'<section id="{name}".*?</section>', html, re.S)
    assert found, f"no section {name}"
    return found.group(0)


def text(html: str) -> str:
    """Markup stripped and white space collapsed: what a reader sees."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&amp;", "&").split())


def pct(share: float | None) -> str:
    return "n/a" if share is None else f"{share * 100:.1f}%"


def ratio_cell(value: float | None, low: float | None, high: float | None, suppressed: bool) -> str:
    """A ratio as the report's tables write it."""
    if suppressed:
        return "too few to say"
    if value is None:
        return "n/a"
    return f"{value:.2f}" + (f" ({low:.2f}–{high:.2f})" if low is not None and high is not None else "")


def table_rows(part: str) -> list[list[str]]:
    """Each body row of every table in `part` as the text of its cells."""
    out = []
    for body in re.findall(r"<tbody[^>]*>(.*?)</tbody>", part, re.S):
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
            out.append([text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)])
    return out


SECTIONS = ("headline", "objects", "breakdowns", "disproportionality", "over-time", "age", "outcomes", "bias",
            "boroughs", "quality")


def test_the_lens_is_in_the_title_and_every_section(db: Path, tmp_path: Path) -> None:
    html = report(db, tmp_path, "--force", "metropolitan", "--from", "2024-01", "--to", "2024-04",
                  "--purpose", "drugs", "--power", "s23")
    title = ("Searches for drugs under the Misuse of Drugs Act section 23, Metropolitan Police Service, "
             "January to April 2024")
    assert f"<h1>{title}</h1>" in html and f"<title>Stop and search: {title}</title>" in html
    covers = ("Covers searches for drugs under the Misuse of Drugs Act section 23 · Metropolitan Police Service · "
              "January to April 2024")
    for name in SECTIONS:
        assert covers in text(section(html, name)), name
    assert "This report covers searches for drugs under the Misuse of Drugs Act section 23 only" in text(
        section(html, "notes"))
    # with no lens the title says so, and no section repeats it
    plain = report(db, tmp_path, "--force", "metropolitan", "--from", "2024-01", "--to", "2024-02")
    assert "<h1>All searches, Metropolitan Police Service, January to February 2024</h1>" in plain
    assert 'class="covers"' not in plain


def test_targets_only_when_judged_else_the_note(db: Path, tmp_path: Path) -> None:
    kent = section(report(db, tmp_path, "--force", "kent", "--from", "2024-01", "--to", "2024-01"), "objects")
    assert metrics(db, "kent", "2024-01", "2024-01")["targets_note"] == "No targets are on file for Kent Police."
    assert "No targets are on file for Kent Police." in text(kent)
    assert "against the targets" not in kent and "✓" not in kent and "✗" not in kent
    assert "target (dashed line)" not in kent
    met = section(report(db, tmp_path, "--force", "metropolitan", "--from", "2024-01", "--to", "2024-02"),
                  "objects")
    judged = metrics(db, "metropolitan", "2024-01", "2024-02")["targets"]
    assert len(judged) == 3 and "against the targets" in met
    assert text(met).count("Met") + text(met).count("Not met") >= 3
    lensed = section(report(db, tmp_path, "--force", "metropolitan", "--from", "2024-01", "--to", "2024-02",
                            "--purpose", "drugs"), "objects")
    assert ("Targets are shares of all searches: they are not judged for searches for drugs alone."
            in text(lensed)) and "against the targets" not in lensed


def test_breakdown_table_gives_the_documents_figures(db: Path, tmp_path: Path) -> None:
    html = report(db, tmp_path, "--force", "metropolitan", "--from", "2024-01", "--to", "2024-06")
    doc = metrics(db, "metropolitan", "2024-01", "2024-06")
    part = section(html, "breakdowns")
    shown = {row[0]: row[1:] for row in table_rows(part) if len(row) == 6}
    names = {"drugs": "Drugs", "weapons": "Weapons", "key_crime": "Key crime", "other": "Other"}
    expected_rows = 0
    for kind in ("purpose", "power"):
        for r in doc["breakdowns"][kind]:
            bw = r["black_white"]
            name = names[r["key"]] if kind == "purpose" else r["name"]
            expected = [f"{r['searches']:,}", pct(r["share"]), pct(r["find_rate"]), pct(r["arrest_rate"]),
                        "no searches" if r["searches"] == 0 else
                        ratio_cell(bw["ratio"], bw["ci_low"], bw["ci_high"], bw["suppressed"])]
            assert shown[name] == expected, name
            expected_rows += 1
    assert len(shown) == expected_rows == 4 + 2  # every purpose; the two powers used (s23, s1)
    s23 = doc["breakdowns"]["power"][0]["black_white"]
    assert not s23["suppressed"] and f"{s23['ratio']:.2f} ({s23['ci_low']:.2f}–{s23['ci_high']:.2f})" in part
    assert part.count("<svg") == 2  # a chart by purpose and one by power


def test_trend_table_has_intervals_and_a_gap_for_the_missing_month(db: Path, tmp_path: Path) -> None:
    html = report(db, tmp_path, "--force", "metropolitan", "--from", "2024-01", "--to", "2024-06")
    doc = metrics(db, "metropolitan", "2024-01", "2024-06")
    part = section(html, "over-time")
    body = table_rows(part)
    windows = doc["trend"]["monthly"]
    assert [r[0] for r in body] == ["Jan 2024", "Feb 2024", "Mar 2024", "Apr 2024", "May 2024", "Jun 2024"]
    for row, window in zip(body, windows, strict=True):
        if window["months_covered"] == 0:
            assert window["period"] == "2024-03"
            assert row == ["Mar 2024", "0 of 1", "no data loaded for this month"]
            continue
        groups = {g["group"]: g for g in window["groups"]}
        assert row[1] == f"{window['months_covered']} of {window['months']}"
        assert row[2:] == [ratio_cell(groups[g]["ratio_vs_white"], groups[g]["ci_low"], groups[g]["ci_high"],
                                      groups[g]["suppressed"]) for g in ("Asian", "Black", "Mixed", "Other")]
    black = next(g for g in windows[0]["groups"] if g["group"] == "Black")
    assert not black["suppressed"] and f"({black['ci_low']:.2f}–{black['ci_high']:.2f})" in body[0][3]
    assert re.search(r'<tr class="gap"><th scope="row">Mar 2024</th>', part)
    chart = part.split("<table")[0]
    assert "no data" in chart and "<path" in chart and 'fill-opacity="0.75"' in chart  # the gap and the bands
    # the monthly trend shows the gap too: in its table and shaded in its charts
    monthly = section(html, "trend")
    assert next(m for m in doc["monthly"] if m["month"] == "2024-03")["covered"] is False
    assert ["Mar 2024", "no data loaded for this month"] in table_rows(monthly)
    assert monthly.split("<table")[0].count(">no data</text>") == 2


@pytest.mark.parametrize(("start", "end", "first_column", "rows"), [
    ("2023-06", "2024-06", "Quarter", 5),  # 13 months: quarters, the first and last clipped
    ("2022-07", "2024-06", "12 months to", 13),  # 24 months: rolling 12 months
])
def test_longer_periods_use_quarters_then_rolling_years(db: Path, tmp_path: Path, start: str, end: str,
                                                        first_column: str, rows: int) -> None:
    part = section(report(db, tmp_path, "--force", "metropolitan", "--from", start, "--to", end), "over-time")
    assert f'<th scope="col">{first_column}</th>' in part
    assert len(table_rows(part)) == rows


def test_versus_gives_the_change_between_the_two_documents(db: Path, tmp_path: Path) -> None:
    from scrutiny.metrics.change import change_between

    html = report(db, tmp_path, "--force", "metropolitan", "--from", "2024-01", "--to", "2024-04",
                  "--versus", "2024-05:2024-06")
    expected = change_between(metrics(db, "metropolitan", "2024-01", "2024-04"),
                              metrics(db, "metropolitan", "2024-05", "2024-06"))
    part = section(html, "change")
    body = table_rows(part)
    assert [r[0] for r in body] == [r["group"] for r in expected["change"]] == ["Asian", "Black", "Mixed", "Other"]
    verdicts = set()
    for row, r in zip(body, expected["change"], strict=True):
        before, after = r["before"], r["after"]
        verdict = ("too few to say" if r["changed"] is None else "no evidence of change" if not r["changed"]
                   else "changed: the ratio rose" if r["ratio_of_ratios"] > 1 else "changed: the ratio fell")
        assert row[1:] == [
            ratio_cell(before["ratio_vs_white"], before["ci_low"], before["ci_high"], before["suppressed"]),
            ratio_cell(after["ratio_vs_white"], after["ci_low"], after["ci_high"], after["suppressed"]),
            ratio_cell(r["ratio_of_ratios"], r["ci_low"], r["ci_high"], r["suppressed"]),
            verdict,
        ], row[0]
        verdicts.add(verdict)
    assert {"changed: the ratio rose", "too few to say"} <= verdicts  # Black rose; Mixed has no searches
    words = text(part)
    assert "January to April 2024 compared with May to June 2024" in words
    assert "What this can show." in words and "What it cannot show." in words
    # the report's period may be the later one: the earlier is still "before"
    later = section(report(db, tmp_path, "--force", "metropolitan", "--from", "2024-05", "--to", "2024-06",
                           "--versus", "2024-01:2024-04"), "change")
    assert table_rows(later) == body
    assert 'id="change"' not in report(db, tmp_path, "--force", "metropolitan", "--from", "2024-01", "--to",
                                       "2024-02")
    assert "Not the same forces" not in part
    one = section(report(db, tmp_path, "--force", "metropolitan", "--from", "2024-01", "--to", "2024-04",
                         "--versus", "2024-05"), "change")  # one month, as `scrutiny change` takes it
    assert "January to April 2024 compared with May 2024" in text(one)
    # `all` in two periods can mean different forces: the section says so
    mixed = text(section(report(db, tmp_path, "--force", "all", "--from", "2024-01", "--to", "2024-02",
                                "--versus", "2024-05:2024-06"), "change"))
    assert ("Not the same forces. The forces with data differ between the two periods (January to February 2024: "
            "2 forces, May to June 2024: 1 force; kent, metropolitan against metropolitan)") in mixed


@pytest.mark.parametrize(("versus", "message"), [
    ("2024-13:2024-14", "bad --versus '2024-13:2024-14': bad month '2024-13'"),
    ("2024-05:2024-06:2024-07", "bad --versus '2024-05:2024-06:2024-07': expected FROM:TO"),
    ("2024-5", "bad --versus '2024-5': bad month '2024-5': expected YYYY-MM"),
    ("2024-06:2024-05", "bad --versus '2024-06:2024-05': 2024-06 is after 2024-05"),
    ("may:june", "bad --versus 'may:june': bad month 'may'"),
    ("2024-05:", "bad --versus '2024-05:': expected FROM:TO"),
    ("2030-01:2030-02", "--versus 2030-01:2030-02: no searches for metropolitan from 2030-01 to 2030-02"),
])
def test_a_bad_versus_is_one_clear_line(db: Path, tmp_path: Path, versus: str, message: str) -> None:
    out = tmp_path / "bad.html"
    result = run(db, out, "--force", "metropolitan", "--from", "2024-01", "--to", "2024-02", "--versus", versus)
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output and not out.exists()


def test_areas_placed_in_none_come_last_and_data_quality_counts_them(db: Path, tmp_path: Path) -> None:
    html = report(db, tmp_path, "--force", "metropolitan", "--from", "2024-01", "--to", "2024-02")
    doc = metrics(db, "metropolitan", "2024-01", "2024-02")
    part = section(html, "boroughs")
    pseudo = [a for a in doc["areas"] if a["area_code"] in ("outside", "no_location")]
    assert [a["area_code"] for a in pseudo] == ["outside", "no_location"]
    body = table_rows(part)
    assert body[-3:] == [["Not placed in any borough"],
                         ["Outside the loaded boundaries", f"{pseudo[0]['searches']:,}", "–",
                          pct(pseudo[0]["drugs_share"]), "–"],
                         ["No location", f"{pseudo[1]['searches']:,}", "–", pct(pseudo[1]["drugs_share"]), "–"]]
    assert {r[0] for r in body[:-3]} == {"Barking and Dagenham", "Barnet"}
    quality = dict((r[0], r[1]) for r in table_rows(section(html, "quality")))
    dq = doc["data_quality"]
    assert dq["outside_boundaries"] == 4 and dq["no_location"] == 2
    assert quality["Searches with a location outside the loaded boundaries"] == "4"
    assert quality["Searches with no location"] == "2"


def test_notes_in_plain_words_then_the_detail(db: Path, tmp_path: Path) -> None:
    html = report(db, tmp_path, "--force", "metropolitan", "--from", "2024-01", "--to", "2024-06")
    doc = metrics(db, "metropolitan", "2024-01", "2024-06")
    assert doc["notes"] and doc["notes_detail"]
    part = section(html, "notes")
    assert part.index("Read this first") < part.index('<h3 class="detail">Detail</h3>')
    plain, detail = part.split('<h3 class="detail">Detail</h3>')
    for note in doc["notes"]:
        assert note in text(plain)
    for note in doc["notes_detail"]:
        assert note in text(detail)
    assert html.index('id="notes"') < html.index('id="headline"')  # read first
    # a force with a missing month lists it, in words
    coverage = table_rows(section(html, "coverage"))
    assert coverage == [["Metropolitan Police Service", "5 of 6", "Mar 2024", "yes"]]


def test_several_forces_say_which_forces_and_months(db: Path, tmp_path: Path) -> None:
    html = report(db, tmp_path, "--force", "kent,metropolitan", "--from", "2024-01", "--to", "2024-02")
    doc = metrics(db, "kent,metropolitan", "2024-01", "2024-02")
    assert doc["scope"]["forces"] == ["kent", "metropolitan"] and doc["targets"] == []
    assert "<h1>All searches, Kent Police and Metropolitan Police Service, January to February 2024</h1>" in html
    assert "It adds up the searches of 2 forces (Kent Police, Metropolitan Police Service)" in text(
        section(html, "notes"))
    assert table_rows(section(html, "coverage")) == [["Kent Police", "1 of 2", "Feb 2024", "yes"],
                                                     ["Metropolitan Police Service", "2 of 2", "none", "yes"]]
    assert doc["targets_note"] in text(section(html, "objects"))
    headline = text(section(html, "headline"))
    assert f"Searches {doc['searches']:,}" in headline
    every = report(db, tmp_path, "--force", "all", "--from", "2024-01", "--to", "2024-01")
    assert "<h1>All searches, all forces (2 with data), January 2024</h1>" in every


@pytest.mark.pdf
def test_lensed_pdf_pages_hold_their_charts_and_tables(db: Path, tmp_path: Path) -> None:
    """The PDF of a lensed report with every new section: each page laid out within its printable area."""
    import logging

    import weasyprint
    from weasyprint.formatting_structure import boxes

    out = tmp_path / "lens.html"
    result = run(db, out, "--force", "metropolitan", "--from", "2024-04", "--to", "2024-06", "--purpose", "drugs",
                 "--versus", "2024-01:2024-02", "--pdf")
    assert result.exit_code == 0, result.output
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    html = out.read_text(encoding="utf-8")
    for name in ("breakdowns", "over-time", "change"):
        assert f'id="{name}"' in html
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = weasyprint.HTML(string=html, url_fetcher=weasyprint.urls.URLFetcher(allowed_protocols=("data",))
                               ).render()
    assert len(document.pages) >= 6
    charts = 0
    for page in document.pages:
        box = page._page_box
        right, bottom = box.content_box_x() + box.width, box.content_box_y() + box.height
        for child in box.children:
            if isinstance(child, boxes.MarginBox):  # running header and footer
                continue
            for b in child.descendants():
                assert b.border_box_x() + b.border_width() <= right + 0.5, b
                assert b.border_box_y() + b.border_height() <= bottom + 0.5, b
                charts += (b.element_tag or "").endswith("svg")
    assert charts == html.count("<svg")
