""""Download PDF" on the force and area pages: the report for the page's selection, made on first request,
served again from disk for the same warehouse version, with no command in it (a public report names the API).
On the hand-counted Kent fixture of tests/metrics/test_fixture_metrics.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from scrutiny.cli import app as cli_app
from scrutiny.metrics import Scope, compute_metrics
from scrutiny.report.build import render
from scrutiny.web import create_app, get_settings
from tests.conftest import write_archive
from tests.metrics.test_fixture_metrics import ROWS, write_kent_reference

Q = "from=2024-01&to=2024-01"
QA = Q.replace("&", "&amp;") + "&amp;ethnicity=self"  # as the page writes it


@pytest.fixture(scope="module")
def kent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kent-pdf")
    write_archive(folder, "2024-01", "kent", ROWS)
    write_kent_reference(folder)
    db = folder / "kent.duckdb"
    result = CliRunner().invoke(cli_app, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="module")
def site(kent: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    spool = tmp_path_factory.mktemp("spool")
    with TestClient(create_app(get_settings(kent, tmp_dir=spool))) as client:
        yield client, spool / "scrutiny-reports"


def test_every_force_and_area_page_links_its_pdf(site: tuple[TestClient, Path]) -> None:
    client, _ = site
    force = client.get(f"/force/kent?{Q}&purpose=drugs").text
    assert re.search(rf'href="/force/kent/report.pdf\?{QA}&amp;purpose=drugs"[^>]*>Download PDF', force)
    area = client.get(f"/force/kent/area/E07000110?{Q}").text
    assert re.search(rf'href="/force/kent/area/E07000110/report.pdf\?{QA}"[^>]*>Download PDF', area)


def test_the_pdf_is_made_once_and_kept(site: tuple[TestClient, Path]) -> None:
    client, kept = site
    first = client.get(f"/force/kent/report.pdf?{Q}")
    assert first.status_code == 200 and first.headers["content-type"] == "application/pdf"
    assert first.content.startswith(b"%PDF-")
    assert 'filename="scrutiny-kent-2024-01-to-2024-01.pdf"' in first.headers["content-disposition"]
    files = sorted(kept.glob("*.pdf"))
    assert len(files) == 1
    again = client.get(f"/force/kent/report.pdf?{Q}")
    assert again.content == first.content and sorted(kept.glob("*.pdf")) == files
    by_name = client.get(f"/force/kent/area/maidstone/report.pdf?{Q}&purpose=drugs")
    assert by_name.status_code == 200 and by_name.content.startswith(b"%PDF-")
    named = by_name.headers["content-disposition"]
    assert 'filename="scrutiny-kent-E07000110-2024-01-to-2024-01-drugs.pdf"' in named


@pytest.mark.parametrize(("url", "status", "words"), [
    ("/force/nosuch/report.pdf", 404, "nosuch"),
    (f"/force/kent/report.pdf?{Q}&purpose=cannabis", 400, "cannabis"),
    ("/force/kent/report.pdf?from=2030-01&to=2030-02", 404, "2030-01"),
    (f"/force/kent/area/Nowhere/report.pdf?{Q}", 404, "Nowhere"),
])
def test_a_bad_request_is_a_page_that_says_why(site: tuple[TestClient, Path], url: str, status: int,
                                               words: str) -> None:
    client, _ = site
    response = client.get(url)
    assert response.status_code == status and response.headers["content-type"].startswith("text/html")
    assert words in response.text and "Traceback" not in response.text


def test_a_public_report_names_the_api_not_a_command(kent: Path) -> None:
    document = compute_metrics(kent, Scope("kent", None, "2024-01", "2024-01"))
    private, public = render(document), render(document, public=True)
    assert "<code>scrutiny metrics --format json</code>" in private
    assert "<code>scrutiny" not in public and "<code>/api/v1/metrics</code>" in public


def test_more_waiting_than_the_queue_holds_is_told_to_try_again(site: tuple[TestClient, Path],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Every place in the queue taken (as by four slow reports): a new report is a 503 at once, not a wait."""
    import threading

    from scrutiny.web.pages import report_pdf

    client, _ = site
    monkeypatch.setattr(report_pdf, "_places", threading.BoundedSemaphore(1))
    report_pdf._places.acquire()
    response = client.get("/force/kent/report.pdf?from=2024-01&to=2024-01&purpose=weapons")
    assert response.status_code == 503 and "busy making other reports" in response.text
    report_pdf._places.release()
    assert client.get("/force/kent/report.pdf?from=2024-01&to=2024-01&purpose=weapons").status_code == 200
