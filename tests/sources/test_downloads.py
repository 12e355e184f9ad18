"""Census and boundary downloads from a loopback mirror of ../shared/data; official-layout rewrites."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from scrutiny.errors import SourceUnavailable
from scrutiny.sources.downloads import (
    BOUNDARIES_URL_ENV,
    CENSUS_URL_ENV,
    check_geojson,
    check_ts022,
    download_boundaries,
    download_census,
    london_rows,
    ons_lad_properties,
)
from scrutiny.sources.ratelimit import Fetcher, RetryPolicy
from tests.loopback import LoopbackServer, shared_data

pytestmark = pytest.mark.shared_data

TS022 = "ts022_detailed_ethnicity_london_boroughs.csv"
NATIONAL_LADS = ("geography_england_wales", "local_authority_districts_dec2022_uk_buc.geojson")


@pytest.fixture
def data() -> Path:
    shared_data("census2021", TS022)
    return shared_data("geography", "london_boroughs.geojson").parents[1]


@pytest.fixture
def server(data: Path) -> Iterator[LoopbackServer]:
    with LoopbackServer(root=data) as s:
        yield s


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(retry=RetryPolicy(max_tries=3, base_delay=0.01)) as f:
        yield f


def test_census_from_mirror_equals_the_original(
    server: LoopbackServer, data: Path, tmp_path: Path, fetcher: Fetcher
) -> None:
    out = tmp_path / "census2021"
    paths = download_census(out, f"{server.url}/census2021", fetcher=fetcher)
    assert paths == [out / TS022]
    assert (out / TS022).read_bytes() == (data / "census2021" / TS022).read_bytes()
    assert [r.path for r in server.requests] == [f"/census2021/{TS022}"]


def test_boundaries_from_mirror_via_env_equal_the_original(
    data: Path, tmp_path: Path, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mirror holds both boundary files in one folder (the shared data keeps them in two)."""
    originals = [data / "geography" / "london_boroughs.geojson", shared_data(*NATIONAL_LADS)]
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for original in originals:
        (mirror / original.name).write_bytes(original.read_bytes())
    out = tmp_path / "geography"
    seen: list[tuple[Path, bool]] = []
    with LoopbackServer(root=mirror) as server:
        monkeypatch.setenv(BOUNDARIES_URL_ENV, f"{server.url}/")
        paths = download_boundaries(out, fetcher=fetcher, progress=lambda p, f: seen.append((p, f)))
    assert paths == [out / original.name for original in originals]
    assert seen == [(path, True) for path in paths]
    assert [p.read_bytes() for p in paths] == [original.read_bytes() for original in originals]


def test_downloads_resume_and_survive_a_503(
    server: LoopbackServer, tmp_path: Path, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CENSUS_URL_ENV, f"{server.url}/census2021")
    server.fail(503, times=1)
    download_census(tmp_path, fetcher=fetcher)
    assert [r.status for r in server.requests] == [503, 200]
    server.clear()
    seen: list[bool] = []
    download_census(tmp_path, fetcher=fetcher, progress=lambda p, f: seen.append(f))
    assert server.requests == [] and seen == [False]


def test_a_mirror_serving_the_wrong_thing_leaves_nothing(tmp_path: Path, fetcher: Fetcher) -> None:
    def route(path: str, query: dict[str, str]) -> bytes:
        return b"<!doctype html><title>Maintenance</title>"

    with LoopbackServer(route=route) as server:
        with pytest.raises(SourceUnavailable, match="not the ONS TS022 CSV layout"):
            download_census(tmp_path, server.url, fetcher=fetcher)
        with pytest.raises(SourceUnavailable, match="not GeoJSON"):
            download_boundaries(tmp_path, server.url, fetcher=fetcher)
    assert list(tmp_path.iterdir()) == []


def test_official_ts022_is_cut_to_london(data: Path, tmp_path: Path) -> None:
    """The ONS file covers every authority of England and Wales; London rows pass through byte for byte."""
    original = (data / "census2021" / TS022).read_bytes()
    header, _, body = original.partition(b"\n")
    national = tmp_path / "TS022-2021-2.csv"
    elsewhere = b'E06000001,Hartlepool,1,"Asian, Asian British or Asian Welsh: Afghan",3\n'
    wales = b'W06000001,Isle of Anglesey,1,"Asian, Asian British or Asian Welsh: Afghan",0\n'
    national.write_bytes(header + b"\n" + elsewhere + body + wales)
    assert check_ts022(national) is None
    out = io.BytesIO()
    london_rows(national, out)
    assert out.getvalue() == original
    only_elsewhere = tmp_path / "elsewhere.csv"
    only_elsewhere.write_bytes(header + b"\n" + elsewhere)
    with pytest.raises(SourceUnavailable, match="no London"):
        london_rows(only_elsewhere, io.BytesIO())


def test_official_lad_geojson_gets_the_shared_property_names(tmp_path: Path) -> None:
    geometry = {"type": "Polygon", "coordinates": [[[-0.1, 51.5], [-0.1, 51.6], [0.0, 51.5], [-0.1, 51.5]]]}
    properties = {"LAD21CD": "E09000033", "LAD21NM": "Westminster", "OBJECTID": 7}
    feature = {"type": "Feature", "id": 1, "geometry": geometry, "properties": properties}
    ons = {"type": "FeatureCollection", "features": [feature]}
    raw = tmp_path / "query.geojson"
    raw.write_text(json.dumps(ons))
    assert check_geojson(raw) is None
    out = io.BytesIO()
    ons_lad_properties(raw, out)
    saved = json.loads(out.getvalue())["features"][0]
    assert saved["properties"] == {"NAME": "Westminster", "CODE": "E09000033", "OBJECTID": 7}
    assert saved["geometry"] == geometry


def test_transform_runs_on_the_way_in_and_is_atomic(data: Path, tmp_path: Path, fetcher: Fetcher) -> None:
    """Fetcher.download with a rewrite (the official-source path): truncated twice, then whole."""
    with LoopbackServer(root=data) as server:
        server.truncate(times=2)
        dest = tmp_path / "out.csv"
        fetcher.download(f"{server.url}/census2021/{TS022}", dest, check=check_ts022, transform=london_rows)
    assert dest.read_bytes() == (data / "census2021" / TS022).read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
