"""The report's HTML as an A4 PDF, through WeasyPrint, fetching nothing from anywhere."""

from __future__ import annotations

import logging
from pathlib import Path

from scrutiny.errors import Unavailable


def write_pdf(html: str, out: Path) -> None:
    try:
        import weasyprint
    except OSError as exc:  # Pango/HarfBuzz missing from the system: say which packages give them
        raise Unavailable(
            f"cannot make a PDF: WeasyPrint needs Pango ({exc}); on Debian/Ubuntu "
            "`apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0`"
        ) from None
    # WeasyPrint warns about CSS it ignores (e.g. screen-only properties); the HTML is ours and tested.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    out.parent.mkdir(parents=True, exist_ok=True)
    # The report is self-contained: anything it tries to fetch is a bug, and must not reach the network.
    no_fetching = weasyprint.urls.URLFetcher(allowed_protocols=("data",))
    weasyprint.HTML(string=html, url_fetcher=no_fetching).write_pdf(out)
