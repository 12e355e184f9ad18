"""The threshold test's inputs from the real Metropolitan months: the force's 32 boroughs only.

The Met also records searches in the City of London, whose residents are policed by another force; those
are left out with a note rather than set against the City's 8,600 residents.
"""

from __future__ import annotations

from collections.abc import Iterator

import ibis
import pytest
from typer.testing import CliRunner

from scrutiny.bias.document import threshold_inputs
from scrutiny.metrics.categories import GROUPS
from scrutiny.metrics.scope import Scope, resolve_scope
from tests.conftest import shared

MONTHS = ["2018-04", "2018-05", "2018-06", "2018-07", "2018-08", "2018-09"]
CITY = "E09000001"


@pytest.fixture(scope="module")
def met(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ibis.BaseBackend]:
    from scrutiny.cli import app

    files = [shared("police_uk", "archive", m, f"{m}-metropolitan-stop-and-search.csv") for m in MONTHS]
    db = tmp_path_factory.mktemp("met-bias") / "met.duckdb"
    sources = [*files, shared("census2021"), shared("geography")]
    result = CliRunner().invoke(app, ["ingest", *map(str, sources), "--db", str(db)])
    assert result.exit_code == 0, result.output
    con = ibis.duckdb.connect(str(db), read_only=True)
    yield con
    con.disconnect()


@pytest.mark.shared_data
def test_only_the_forces_own_boroughs(met: ibis.BaseBackend) -> None:
    scope = resolve_scope(met, Scope("metropolitan", None, MONTHS[0], MONTHS[-1]))
    exposure, searches, hits, areas, _, notes = threshold_inputs(met, scope)
    assert len(areas) == 32 and CITY not in areas and all(a.startswith("E09") for a in areas)
    assert exposure.shape == searches.shape == (32, len(GROUPS))
    # the City cells, counted with the City kept in: searches Asian 11, Black 9, Mixed 2, White 24, Other 3
    # (49), hits 4, 2, 0, 3, 1 (10); with it the totals were 54,381 searches and 16,269 hits
    city_note = next(n for n in notes if CITY in n)
    assert city_note.startswith("49 searches in areas outside the force's own")
    assert int(searches.sum()) == 54_332 and int(hits.sum()) == 16_259
    assert (hits <= searches).all() and (exposure > 0).all()
