"""Vega-Lite specs for the use-of-force pages, in the dashboard's chart style (`scrutiny.web.charts`).

Layout only: each takes rows of the use-of-force document (`metrics.use_of_force`) and labels them. The page
shows the same figures in a table beside the chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt

from scrutiny.web.charts import BAR, INK, TARGET, Spec, _config, _data

SERIES = ("Incidents with a Taser", "Taser fired")


def taser_years(years: Sequence[Mapping[str, Any]], *, title: str) -> Spec:
    """Each financial year's incidents with a Taser (CED) and those where it was fired, two labelled bars a
    year, oldest first. A year a release does not publish has no bar (the table says "n/a"), never a zero."""
    rows = []
    for y in years:
        rows += [{"year": y["financial_year"], "series": SERIES[0], "value": y["total"]},
                 {"year": y["financial_year"], "series": SERIES[1], "value": y["fired"]}]
    data = [r for r in rows if r["value"] is not None]
    order = [y["financial_year"] for y in years]
    base = alt.Chart(_data(data)).encode(
        y=alt.Y("year:N", title=None, sort=order, scale=alt.Scale(paddingInner=0.25)),
        yOffset=alt.YOffset("series:N", sort=list(SERIES)),
        x=alt.X("value:Q", title="Incidents", axis=alt.Axis(format=",d", tickMinStep=1)),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("series:N", title=None, sort=list(SERIES),
                        scale=alt.Scale(domain=list(SERIES), range=[BAR, TARGET]),
                        legend=alt.Legend(orient="bottom", direction="horizontal", labelLimit=0)),
        tooltip=[alt.Tooltip("year:N", title="Financial year"), alt.Tooltip("series:N", title="Incidents"),
                 alt.Tooltip("value:Q", title="Number", format=",")],
    )
    text = base.mark_text(align="left", dx=3, fontSize=11, color=INK).encode(text=alt.Text("value:Q", format=","))
    return _config(alt.layer(bars, text).properties(height=max(len(order), 1) * 52), title, room=48)
