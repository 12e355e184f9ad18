"""`scrutiny bias` as JSON and tables, GET /api/v1/bias equal to the CLI's JSON, and the report's section.

The command and the router are mounted here on their own, so these tests do not depend on the wiring in
scrutiny.cli and scrutiny.web.api.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from scrutiny.bias import document as bias_doc
from scrutiny.cli import bias as bias_cli
from scrutiny.metrics import Scope
from scrutiny.report.build import write_report
from scrutiny.web import create_app, get_settings
from scrutiny.web.api import PREFIX
from scrutiny.web.api import bias as bias_api
from tests.bias.test_outcome_test import build

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SCOPE = ["--force", "kent", "--from", "2024-01", "--to", "2024-01"]


@pytest.fixture(scope="module")
def bias_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("bias-cli"))


def run(*args: str | Path, code: int = 0) -> str:
    app = typer.Typer()
    bias_cli.register(app)
    app.command("other")(lambda: None)  # two commands, so `bias` is a subcommand as in the real app
    result = CliRunner().invoke(app, ["bias", *map(str, args)])
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture(scope="module")
def client(bias_db: Path) -> Iterator[TestClient]:
    app = create_app(get_settings(bias_db))
    app.include_router(bias_api.router, prefix=PREFIX)
    with TestClient(app) as test_client:
        yield test_client


def test_cli_json_and_table(bias_db: Path) -> None:
    doc = json.loads(run(*SCOPE, "--no-threshold", "--db", bias_db))
    black = next(g for g in doc["outcome_test"]["groups"] if g["group"] == "Black")
    assert (black["searches"], black["hits"], black["hit_rate"]) == (30, 7, 7 / 30)
    assert doc["threshold_test"]["run"] is False and set(doc["methods"]) == {"outcome_test", "threshold_test"}
    by_area = json.loads(run(*SCOPE, "--no-threshold", "--by", "area", "--db", bias_db))
    assert [a["area_name"] for a in by_area["outcome_test"]["areas"]] == ["Maidstone", "Sevenoaks"]
    table = run(*SCOPE, "--no-threshold", "--by", "area", "--format", "table", "--db", bias_db)
    assert "Outcome test" in table and "23.3%" in table and "Sevenoaks" in table and "infra-marginality" in table


def test_cli_without_numpyro_says_how_to_install(bias_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bias_doc, "threshold_available", lambda: False)
    output = run(*SCOPE, "--db", bias_db)
    assert "pip install 'scrutiny[bias]'" in output


def test_cli_errors_are_one_line(bias_db: Path, tmp_path: Path) -> None:
    assert "unknown area 'Narnia'" in run(*SCOPE, "--area", "Narnia", "--db", bias_db, code=1)
    bad = tmp_path / "exposure.csv"
    bad.write_text("area_code,group,exposure\nE07000110,Black,lots\n")
    if bias_doc.threshold_available():
        assert "line 2" in run(*SCOPE, "--exposure", bad, "--db", bias_db, code=1)


def test_api_equals_cli_json(client: TestClient, bias_db: Path) -> None:
    for extra, params in (([], {}), (["--by", "area"], {"by": "area"}), (["--area", "Sevenoaks"],
                                                                          {"area": "Sevenoaks"})):
        cli_doc = json.loads(run(*SCOPE, "--no-threshold", *extra, "--db", bias_db))
        r = client.get(f"{PREFIX}/bias", params={"force": "kent", "from": "2024-01", "to": "2024-01", **params})
        assert r.status_code == 200, r.text
        assert r.json() == cli_doc
    again = client.get(f"{PREFIX}/bias", params={"force": "kent", "from": "2024-01", "to": "2024-01"})
    assert again.headers["x-scrutiny-cache"] == "hit"
    assert client.get(f"{PREFIX}/bias", params={"force": "kent", "area": "Narnia"}).status_code == 404
    assert client.get(f"{PREFIX}/bias", params={"force": "kent", "by": "borough"}).status_code == 422


def test_report_has_the_tests_of_bias_section(bias_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(bias_db, Scope("kent", None, "2024-01", "2024-01"), out)
    html = out.read_text()
    assert 'id="bias"' in html and "Tests of bias" in html and 'href="#bias"' in html
    assert "23.3%" in html and "infra-marginality" in html and "public space" in html
