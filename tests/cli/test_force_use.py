"""`scrutiny force-use`: the document as JSON (what the API answers), tables to read, and each mistake a person
makes as one clear line with no traceback (the hand-made releases of tests/use_of_force_fixture.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scrutiny.cli import app
from scrutiny.metrics.use_of_force import compute_use_of_force
from tests.use_of_force_fixture import build

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("uof-cli"))


def run(*args: str | Path) -> Result:
    return RUNNER.invoke(app, ["force-use", *(str(a) for a in args)])


def test_json_is_the_document(db: Path) -> None:
    result = run("--force", "kent", "--year", "2019/20", "--format", "json", "--db", db)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc == json.loads(json.dumps(compute_use_of_force(db, "kent", "2019/20")))
    assert doc["incidents"]["count"] == 330 and doc["tactic_uses"]["count"] == 400


def test_tables_show_the_figures_in_words(db: Path) -> None:
    result = run("--force", "Kent", "--year", "2019/20", "--db", db)  # table is the default; any case of the id
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "Kent Police, use of force in 2019/20 (April to March): 330 incidents, 400 tactic uses" in out
    assert "│ incidents │ 330 │ 100.0 │ 1,000 │ 147.1 │" in out  # Kent 330 / 3,300; national 1,000 / 6,800
    assert "│ Black │ 120 │ 400 │ 300.0 │ 3.00 │ 2.50–4.00 │" in out  # ratio, then the unknown bounds
    assert "│ Mixed │ 8 │ 200 │ 40.0 │ suppressed │" in out
    assert "│ 2018/19 │ 42 │ 5 │ 11.9% │ 4 │ 10.0% │" in out  # 5/42 fired; children 4 of 40
    assert "│ Black │ 10.00 (4.68–21.36) │ 3.00 (2.39–3.76) │ yes │" in out
    assert "│ Mixed │ suppressed (<10) │ suppressed (<10) │ – │" in out
    assert "revised: 2018/19, kent, ced total: 40 in use_of_force/2018-19, now 42 in use_of_force/2019-20" in out
    assert "note: A person can be counted in several incidents over the year" in out


def test_a_year_without_tables_by_force_lists_what_it_lacks(db: Path) -> None:
    result = run("--force", "kent", "--year", "2017/18", "--db", db)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "lacks: The figures loaded for 2017/18" in out and "no tactic uses by perceived ethnicity for Kent" in out
    assert "Kent Police: tactic uses by perceived ethnicity" not in out  # no table of nothing but dashes
    assert "Tactic uses by perceived age" not in out
    assert "│ 2017/18 │ 30 │ 3 │ 10.0% │ – │ – │" in out


@pytest.mark.parametrize(("args", "message"), [
    (("--force", "kentt", "--year", "2019/20"), "error: unknown force 'kentt': did you mean kent"),
    (("--force", "kent", "--year", "2019-20"), "error: bad financial year '2019-20': write it as"),
    (("--force", "kent", "--year", "2019"), "years loaded: 2017/18, 2018/19, 2019/20"),
    (("--force", "kent", "--year", "2016/17"),
     "error: no use-of-force figures for 2016/17; years loaded: 2017/18, 2018/19, 2019/20"),
    (("--force", "kent,essex", "--year", "2019/20"), "error: --force 'kent,essex': use-of-force figures are for one"),
])
def test_each_mistake_is_one_clear_line(db: Path, args: tuple[str, ...], message: str) -> None:
    result = run(*args, "--db", db)
    one_line(result, message)


def test_nothing_loaded_and_no_warehouse(tmp_path: Path) -> None:
    bare = build(tmp_path / "bare", use_of_force=False, stops=False)
    one_line(run("--force", "kent", "--year", "2019/20", "--db", bare),
             "error: no use-of-force figures are loaded: ingest the Home Office's police use of force data tables")
    missing = tmp_path / "missing.duckdb"
    one_line(run("--force", "kent", "--year", "2019/20", "--db", missing), f"error: no warehouse at {missing}")
    assert not missing.exists()


def one_line(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    joined = " ".join(" ".join(lines).split())
    assert joined.startswith("error:") and joined.count("error:") == 1, result.output
    assert message in joined, joined
