"""The report's "Use of force" section on the hand-made releases of tests/use_of_force_fixture.py (Kent: 330
incidents and 400 tactic uses over 3,300 residents in 2019/20; Black people 120 uses over 400 residents against
White people's 200 over 2,000; 60 Taser incidents, 8 fired; April 2019's searches beside it): in the report with
the fixture's figures and the year it chose said in words when figures are loaded for the force and a year of the
period, and absent otherwise.
"""

from __future__ import annotations

import html as markup
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from scrutiny.metrics import Scope
from scrutiny.report.build import write_report
from scrutiny.report.use_of_force import choose_year, compute_section, years_overlapping
from tests.use_of_force_fixture import build


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("uof-report"))


def report(db: Path, folder: Path, scope: Scope, pdf: bool = False) -> str:
    files = write_report(db, scope, folder / "report.html", folder / "report.pdf" if pdf else None)
    return files.html.read_text(encoding="utf-8")


def section(html: str) -> str:
    found = re.search(r'<section id="use-of-force".*?</section>', html, re.S)
    assert found, "no use-of-force section"
    return found.group(0)


def words(html: str) -> str:
    text = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    text = re.sub(r"</?(strong|code|span)\b[^>]*>", "", text)
    return markup.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))


def test_the_section_gives_the_fixtures_figures(db: Path, tmp_path: Path) -> None:
    html = report(db, tmp_path, Scope("kent", None, "2019-04", "2019-04"))
    assert '<a href="#use-of-force">Use of force</a>' in html
    assert "Police use of force statistics, England and Wales: Home Office" in html  # among the sources
    text = words(section(html))
    assert ("this section shows 2019/20 (April 2019 to March 2020), the latest year loaded overlapping the report's "
            "period (April 2019).") in text
    assert "Incidents per 1,000 residents 100.00 330 incidents; England and Wales 147.06" in text
    assert "Tactic uses per 1,000 residents 121.21 400 tactic uses; England and Wales 294.12" in text
    assert "Incidents with a Taser 60 fired in 13.3% of them" in text
    assert "Tactic uses on children (under 18) 10.0% 40 tactic uses; England and Wales 10.0%" in text
    assert "Black 120 400 300.00 3.00 2.39–3.76" in text
    assert "White 200 2,000 100.00 1 (reference)" in text
    assert "Mixed 8 200 40.00 suppressed" in text
    assert "Not reported 40" in text  # 15 don't know and 25 not reported
    assert "Every incident with a Taser 60 Not discharged, of which 50 Drawn 30" in text
    assert "2017/18 30 3 10.0% n/a n/a 2018/19 42 5 11.9% 4 10.0% 2019/20 60 8 13.3% 5 10.0%" in text
    assert "Yes, for Black people: compared with White people, they were over-represented both in stop and search" \
        in text
    assert "Asian people: over-represented in stop and search only" in text
    assert "not the report's period" in text  # its searches are the year's, not April's
    assert ("Figures for 2018/19 were revised in the 2019/20 release (published 17 December 2020): 1 figure first "
            "published in the 2018/19 release changed.") in text
    assert "2018/19 Kent Police incidents with a Taser 40 42" in text
    assert "scrutiny force-use --force kent --year 2019/20" in text


def test_a_financial_year_report_says_it_is_its_period(db: Path, tmp_path: Path) -> None:
    text = words(section(report(db, tmp_path, Scope("kent", None, "2019-04", "2020-03"))))
    assert "These figures are for the financial year 2019/20 (April 2019 to March 2020), the report's period." in text
    assert "not the report's period" not in text
    assert "Incidents per 1,000 residents 100.00 330 incidents" in text


def test_every_force_is_england_and_wales(db: Path, tmp_path: Path) -> None:
    text = words(section(report(db, tmp_path, Scope("all", None, "2019-04", "2019-04"))))
    assert "Use of force in England and Wales, 2019/20" in text
    assert "Incidents per 1,000 residents 147.06 1,000 incidents" in text
    assert "beside England and Wales" not in text


def test_no_section_without_figures_for_the_force_and_period(db: Path, tmp_path: Path) -> None:
    bare = build(tmp_path / "bare", use_of_force=False)
    html = report(bare, tmp_path, Scope("kent", None, "2019-04", "2019-04"))
    assert 'id="use-of-force"' not in html and 'href="#use-of-force"' not in html
    assert "Police use of force statistics" not in html
    # an area's report: the figures are the force's, so none
    assert compute_section(db, Scope("kent", "E07000110", "2019-04", "2019-04"), {}) is None
    assert compute_section(db, Scope("essex,kent", None, "2019-04", "2019-04"), {}) is None  # forces added up


def test_which_year_a_period_gets() -> None:
    loaded = ["2017/18", "2018/19", "2019/20"]
    assert years_overlapping("2018-01", "2019-06") == ["2017/18", "2018/19", "2019/20"]
    assert choose_year("2018-01", "2019-06", loaded) == "2019/20"
    assert choose_year("2018-01", "2018-03", loaded) == "2017/18"
    assert choose_year("2018-04", "2019-03", loaded) == "2018/19"
    assert choose_year("2020-04", "2021-09", loaded) is None
    assert choose_year("2016-01", "2017-03", loaded) is None


def test_the_pdf_has_the_section(db: Path, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("no pdftotext (poppler-utils) to read the PDF")
    report(db, tmp_path, Scope("kent", None, "2019-04", "2019-04"), pdf=True)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = re.sub(r"\s+", " ", text)
    assert "Use of force, 2019/20" in flat and "Are the same groups over-represented in stop and search" in flat
    assert re.search(r"Black 120 400 300\.00 3\.00 2\.39–3\.76", flat)
