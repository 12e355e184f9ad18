"""Exposure for the threshold test: how many people of each group each area's searches could have met.

By default, Census 2021 usual residents per local authority and group (`metrics.population`). Residents
are not the people officers actually encounter in public space, so a user may give another table as CSV
with the columns `area_code`, `group`, `exposure` (one row per area and group; any extra columns ignored).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import ibis

from scrutiny.errors import BadInput
from scrutiny.metrics.categories import GROUPS
from scrutiny.metrics.population import all_ages_by_area

COLUMNS = ("area_code", "group", "exposure")
CENSUS = "Census 2021 usual residents (all ages) by local authority"


@dataclass
class Exposure:
    values: dict[tuple[str, str], float]  # (area code, group) -> exposure
    source: str
    notes: list[str] = field(default_factory=list)

    @property
    def areas(self) -> list[str]:
        return sorted({area for area, _ in self.values})

    def complete_areas(self, groups: tuple[str, ...] = GROUPS) -> list[str]:
        """Areas with a positive exposure for every group (the model needs one for each)."""
        return [a for a in self.areas if all(self.values.get((a, g), 0) > 0 for g in groups)]

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "areas": len(self.areas), "notes": list(self.notes)}


def census_exposure(backend: ibis.BaseBackend, codes: list[str]) -> Exposure:
    """Residents of each area and group from the Census `population` table (preferred all-ages source)."""
    by_area = all_ages_by_area(backend, codes)
    values = {(code, group): float(n) for code, groups in by_area.items() for group, n in groups.items()
              if group in GROUPS}
    notes = []
    missing = sorted(set(codes) - set(by_area))
    if missing:
        notes.append(f"No Census residents loaded for {', '.join(missing)}: those areas are left out of the "
                     "threshold test.")
    return Exposure(values, CENSUS, notes)


def read_exposure_csv(path: Path) -> Exposure:
    """A user's exposure table, checked line by line; an error names the file and the line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such exposure file") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 text; expected a CSV with columns {', '.join(COLUMNS)}") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise BadInput(f"{path}, line 1: missing column(s) {', '.join(missing)}; expected a header with "
                            f"{', '.join(COLUMNS)} (found {', '.join(header) or 'nothing'})")
    reader.fieldnames = header
    values: dict[tuple[str, str], float] = {}
    for line, row in enumerate(reader, start=2):
        if None in row:
            raise BadInput(f"{path}, line {line}: more fields than the header has")
        area = (row["area_code"] or "").strip()
        group = (row["group"] or "").strip()
        raw = (row["exposure"] or "").strip()
        if not area:
            raise BadInput(f"{path}, line {line}: empty area_code")
        if group not in GROUPS:
            raise BadInput(f"{path}, line {line}: unknown group {group!r}; expected one of {', '.join(GROUPS)}")
        try:
            value = float(raw.replace(",", ""))
        except ValueError:
            raise BadInput(f"{path}, line {line}: exposure {raw!r} is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise BadInput(f"{path}, line {line}: exposure {raw!r} must be a finite number, 0 or more")
        if (area, group) in values:
            raise BadInput(f"{path}, line {line}: a second row for area {area} and group {group}")
        values[(area, group)] = value
    if not values:
        raise BadInput(f"{path}: no rows after the header")
    return Exposure(values, f"user-supplied exposure table {path.name}")


def check_covers(exposure: Exposure, areas: list[str]) -> list[str]:
    """The scope's areas that the exposure covers for every group; an error if none is."""
    complete = set(exposure.complete_areas())
    kept = [a for a in areas if a in complete]
    left_out = [a for a in areas if a not in complete]
    if left_out:
        exposure.notes.append(f"{len(left_out)} area(s) with searches have no positive exposure for every group "
                              f"in {exposure.source} and are left out of the threshold test: "
                              f"{', '.join(left_out[:20])}{' …' if len(left_out) > 20 else ''}")
    if not kept:
        raise BadInput(f"the exposure ({exposure.source}) covers none of the areas searched "
                            f"({', '.join(areas[:20]) or 'none'}) with a positive figure for every group")
    return kept
