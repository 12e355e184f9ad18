"""The one-page brief: the same period's figures in plain words for young people, readable on a phone and
printable on one A4 page (`scrutiny report --brief`).

Like the report it lays out a metrics document and its headlines (`metrics.headlines`) and derives nothing:
"about 7 in 10" is a share of the document put in words (`vocab.numbers.in_ten`).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrutiny.report.build import (
    ReportFiles,
    lens_words,
    place_words,
    report_environment,
    scrutiny_version,
    write_files,
)
from scrutiny.report.headlines import sentences
from scrutiny.vocab import numbers
from scrutiny.vocab.ethnicity import HEADLINE_GROUP
from scrutiny.vocab.months import is_quarter, period_name
from scrutiny.vocab.objects import DRUGS

if TYPE_CHECKING:
    from scrutiny.metrics import Scope


def plain_place(doc: dict[str, Any]) -> str:
    """The place as a reader names it: the area ("London", "Hackney"), else the force or forces."""
    scope = doc["scope"]
    return str(scope.get("area_name") or scope.get("area") or place_words(doc))


def render_brief(document: dict[str, Any], headlines: dict[str, Any]) -> str:
    scope = document["scope"]
    black = next(r for r in document["disproportionality"] if r["group"] == HEADLINE_GROUP)
    return report_environment().get_template("brief.html.j2").render(
        doc=document,
        place=plain_place(document),
        period=period_name(scope["from"], scope["to"]),
        is_quarter=is_quarter(scope["from"], scope["to"]),
        lens=lens_words(scope),
        lensed=bool(scope.get("purpose") or scope.get("power")),
        figures=headlines["all"],
        sentences=sentences(headlines, scope, plain=True),
        black=black,
        drugs_in_ten=numbers.in_ten(document["object_groups"].get(DRUGS, {}).get("share")),
        nothing_in_ten=numbers.in_ten(document["outcomes"].get("no_further_action", {}).get("share")),
        made_on=date.today().isoformat(),
        version=scrutiny_version(),
    )


def write_brief(db: Path, scope: Scope, out: Path, pdf: Path | None = None) -> ReportFiles:
    """Compute the metrics and headlines of `scope`, write the brief's HTML to `out` and, when asked, its PDF."""
    from scrutiny.metrics import compute_metrics
    from scrutiny.metrics.headlines import compute_headlines

    started = time.perf_counter()
    document = compute_metrics(db, scope)
    html = render_brief(document, compute_headlines(db, scope, document))
    return write_files(html, out, pdf, started)
