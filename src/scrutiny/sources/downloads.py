"""Download the Census 2021 denominators and the local authority boundaries from their publishers.

Files are saved under the names the shared data uses (`census2021/...`, `geography/london_boroughs.geojson`)
so the same loaders read a fresh download and the shared copy. A base-URL override (option or environment
variable) points at a mirror laid out like those folders, e.g. an offline copy or a test server; a mirror's
files are taken as they are, while the official sources are first brought to that layout.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from scrutiny import settings
from scrutiny.errors import SourceUnavailable
from scrutiny.sources.ratelimit import Fetcher, Transform

CENSUS_URL_ENV = settings.env_name("census_url")
BOUNDARIES_URL_ENV = settings.env_name("boundaries_url")

# ONS Census 2021 dataset TS022 "Ethnic group (detailed)", the whole-dataset CSV for lower tier local
# authorities (columns `Lower tier local authorities Code, ..., Observation`, the layout of the shared
# ts022 file). Landing page: https://www.ons.gov.uk/datasets/TS022/editions/2021/versions/2 ; the href is
# the `downloads.csv.href` the ONS API (https://api.beta.ons.gov.uk/v1/datasets/TS022) gives for it.
ONS_TS022_CSV = "https://download.beta.ons.gov.uk/downloads/datasets/TS022/editions/2021/versions/2.csv"
# The same tables as Nomis bulk downloads (one zip per table, one CSV per geography level), listed at
# https://www.nomisweb.co.uk/sources/census_2021_bulk. Kept for reference and for users who want every
# geography; Scrutiny's loaders read the ONS layout above.
NOMIS_TS021_BULK_ZIP = "https://www.nomisweb.co.uk/output/census/2021/census2021-ts021.zip"
NOMIS_TS022_BULK_ZIP = "https://www.nomisweb.co.uk/output/census/2021/census2021-ts022.zip"

# ONS Open Geography Portal (https://geoportal.statistics.gov.uk): "Local Authority Districts (December
# 2021) Boundaries UK BGC", ArcGIS feature service queried for the 33 London authorities (E09) as WGS84
# GeoJSON. December 2021 districts are the Census 2021 geography.
ONS_LAD_2021_BGC_QUERY = (
    "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"
    "Local_Authority_Districts_December_2021_UK_BGC_2022/FeatureServer/0/query"
    "?where=LAD21CD%20LIKE%20%27E09%25%27&outFields=LAD21CD,LAD21NM&outSR=4326&f=geojson"
)
# "Local Authority Districts (December 2022) Boundaries UK BUC" (ultra-generalised): every authority of the UK,
# the 331 of England and Wales with Census 2021 codes, as WGS84 GeoJSON with ONS's own LAD22CD/LAD22NM (the
# boundary reader takes those as they are). The shared geography_england_wales/ file is this layer.
ONS_LAD_2022_BUC_QUERY = (
    "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"
    "Local_Authority_Districts_December_2022_UK_BUC_V2/FeatureServer/0/query"
    "?where=1%3D1&outFields=LAD22CD,LAD22NM&outSR=4326&f=geojson"
)
# London Datastore "Statistical GIS Boundary Files for London" (shapefiles, British National Grid): the
# origin of the shared london_boroughs.geojson (`NAME`, `CODE` come from London_Borough_Excluding_MHW).
LONDON_DATASTORE_BOUNDARIES_ZIP = (
    "https://data.london.gov.uk/download/statistical-gis-boundary-files-london/"
    "9ba8c833-6370-4b11-abdc-314aa020d5e0/statistical-gis-boundaries-london.zip"
)

LONDON_LA_PREFIX = b"E09"


@dataclass(frozen=True)
class Download:
    """One file: its name in the output folder, its official address, and how to vet and shape it."""

    name: str
    url: str
    check: Callable[[Path], str | None]
    to_layout: Transform | None = None  # official source only: rewrite into the shared-data layout


def _first_line(path: Path) -> str:
    with path.open("rb") as f:
        return f.readline(4096).decode("utf-8-sig", errors="replace").strip()


def check_ts022(path: Path) -> str | None:
    """The ONS TS022 CSV layout, not an error page."""
    header = _first_line(path)
    cells = [c.strip().strip('"').lower() for c in header.split(",")]
    if len(cells) >= 5 and cells[0] == "lower tier local authorities code" and cells[-1] == "observation":
        return None
    return f"not the ONS TS022 CSV layout (header {header[:120]!r})"


def london_rows(raw: Path, out: IO[bytes]) -> None:
    """Keep the header and the rows of the 33 London authorities, bytes untouched."""
    kept = 0
    with raw.open("rb") as f:
        out.write(f.readline())
        for line in f:
            if line.lstrip(b'"').startswith(LONDON_LA_PREFIX):
                out.write(line)
                kept += 1
    if not kept:
        raise SourceUnavailable(f"{raw.name}: no London (E09) rows in the TS022 download")


def check_geojson(path: Path) -> str | None:
    """A GeoJSON FeatureCollection with at least one feature."""
    try:
        with path.open("rb") as f:
            data = json.load(f)
    except (ValueError, UnicodeDecodeError) as exc:
        return f"not GeoJSON ({exc})"
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not data.get("features"):
        return "not a GeoJSON FeatureCollection with features"
    return None


def ons_lad_properties(raw: Path, out: IO[bytes]) -> None:
    """Rename the ONS fields to the shared file's `NAME` and `CODE`, so one loader reads both."""
    with raw.open("rb") as f:
        data = json.load(f)
    for feature in data["features"]:
        props = feature.get("properties") or {}
        renamed = {"NAME": props.pop("LAD21NM", None), "CODE": props.pop("LAD21CD", None)}
        feature["properties"] = renamed | props
    out.write(json.dumps(data, ensure_ascii=False).encode("utf-8"))


CENSUS: tuple[Download, ...] = (
    Download("ts022_detailed_ethnicity_london_boroughs.csv", ONS_TS022_CSV, check_ts022, london_rows),
)
BOUNDARIES: tuple[Download, ...] = (
    Download("london_boroughs.geojson", ONS_LAD_2021_BGC_QUERY, check_geojson, ons_lad_properties),
    # Beside London's finer outlines: the warehouse keeps the finer outline of each code (warehouse.areas).
    Download("local_authority_districts_dec2022_uk_buc.geojson", ONS_LAD_2022_BUC_QUERY, check_geojson),
)

#: Called once per file: (path, True if downloaded now / False if already there).
Progress = Callable[[Path, bool], None]


def _download_all(
    items: tuple[Download, ...],
    out_dir: Path,
    base_url: str | None,
    env: str,
    fetcher: Fetcher | None,
    progress: Progress | None,
) -> list[Path]:
    mirror = (base_url or settings.value_of(env) or "").rstrip("/") or None
    own = fetcher is None
    fetcher = fetcher or Fetcher(timeout=300.0)
    paths: list[Path] = []
    try:
        for item in items:
            dest = Path(out_dir) / item.name
            fetched = not dest.exists()  # files only appear by atomic rename, so one that exists is whole
            if fetched:
                if mirror:
                    fetcher.download(f"{mirror}/{item.name}", dest, check=item.check)
                else:
                    fetcher.download(item.url, dest, check=item.check, transform=item.to_layout)
            if progress is not None:
                progress(dest, fetched)
            paths.append(dest)
    finally:
        if own:
            fetcher.close()
    return paths


def download_census(
    out_dir: Path,
    base_url: str | None = None,
    *,
    fetcher: Fetcher | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Census 2021 ethnic-group tables into `out_dir` (default mirror: $SCRUTINY_CENSUS_URL)."""
    return _download_all(CENSUS, out_dir, base_url, CENSUS_URL_ENV, fetcher, progress)


def download_boundaries(
    out_dir: Path,
    base_url: str | None = None,
    *,
    fetcher: Fetcher | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """London borough boundaries and every UK local authority's generalised outline into `out_dir` (default
    mirror: $SCRUTINY_BOUNDARIES_URL)."""
    return _download_all(BOUNDARIES, out_dir, base_url, BOUNDARIES_URL_ENV, fetcher, progress)
