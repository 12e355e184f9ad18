"""Vega-Lite specs (built with Altair) for the dashboard, from a metrics document.

Each function takes figures from `scrutiny.metrics.compute_metrics`'s document and lays them out: it picks
rows and labels them, never derives a new number. The browser draws the spec with the vendored vega-embed;
the page shows the same figures in a table beside every chart, for screen readers and for people who want
the numbers. Charts never rely on colour alone: values are labelled or in the table, the target is a
labelled rule, and the interval is drawn as whiskers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

import altair as alt

from scrutiny.vocab.ethnicity import GROUPS as GROUPS
from scrutiny.vocab.ethnicity import REFERENCE
from scrutiny.vocab.numbers import whole_pct
from scrutiny.vocab.objects import OBJECT_LABELS as OBJECT_LABELS
from scrutiny.vocab.suppression import HOTSPOT_MIN_SEARCHES

Spec = dict[str, Any]
INK = "#1b1b1b"
BAR = "#2c5d8f"
LIGHT = "#9dbcdb"
TARGET = "#b3400a"
HIGHLIGHT = "#b3400a"
SIDES = ("#2c5d8f", "#b3400a")  # compare: side A, side B (also told apart by position and legend)
HEIGHT = 220
GAP: Final = "break-paths-show-domains"  # a null value breaks a line or band: a window with no figure is a gap
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
OUTLINES = "outlines"  # a map's features, by name (_outlines)


def _data(values: Sequence[Mapping[str, Any]]) -> alt.Data:
    """Inline data (the spec carries its figures; nothing is fetched)."""
    return alt.Data(values=list(values))  # type: ignore[no-untyped-call]


def _outlines(spec: Spec, values: list[dict[str, Any]]) -> Spec:
    """`spec` with the map's features as its dataset `OUTLINES`: given to Altair by name only, so it neither
    copies nor hashes the geometry at every step (a third of a force page's time)."""
    spec.setdefault("datasets", {})[OUTLINES] = values
    return spec


def _config(chart: alt.TopLevelMixin, description: str, *, fill_height: bool = False, room: int = 0) -> Spec:
    """The spec as a dict: full container width, one font, described for screen readers (the page's heading
    and the table caption say the same; the chart has no title of its own, so it is not said twice)."""
    # one properties() and one configure(): Altair copies the whole chart, its data too, at each call
    spec: Spec = chart.properties(
        description=description,
        width="container",
        # fit the width; the height is the plot's own, axes and legends added below it (with "fit" a chart of one
        # or two rows would give its height to its axis and legend and draw its bars a few pixels high)
        autosize=alt.AutoSizeParams(type="fit" if fill_height else "fit-x", contains="padding"),
        padding={"left": 5, "top": 5, "bottom": 5, "right": 5 + room},  # room: for value labels past a bar's end
    ).configure(
        font=FONT, background="transparent", view=alt.ViewConfig(stroke=None),
        axis=alt.AxisConfig(labelFontSize=12, titleFontSize=12, labelLimit=160),
    ).to_dict(validate=False)  # checking every spec against the Vega-Lite schema took half the charts' time:
    # the tests check the specs of the pages instead (tests/web/test_pages.py)
    if fill_height:  # the page's CSS gives the box its height (maps keep their shape at any width)
        spec["height"] = "container"
    return spec


def _time_axis(points: int, step: int = 1) -> alt.Axis:
    """A time axis labelled by month: a tick per point when there are few, else Vega's choice; no vertical grid."""
    ticks: Any = {"interval": "month", "step": step} if points <= 18 else alt.Undefined
    return alt.Axis(format="%b %Y", tickCount=ticks, labelAngle=0, grid=False)


def trend(monthly: Sequence[Mapping[str, Any]], *, title: str = "Searches per month") -> Spec:
    """Searches per month, a line with a point (and tooltip) per month. A month with no data (`searches`
    null: not covered) breaks the line: it is a gap, never a zero and never bridged."""
    rows = [{"month": f"{m['month']}-01", "searches": m["searches"]} for m in monthly]
    base = alt.Chart(_data(rows)).encode(
        x=alt.X("month:T", title=None, axis=_time_axis(len(rows))),
        y=alt.Y("searches:Q", title="Searches", scale=alt.Scale(zero=True)),
        tooltip=[alt.Tooltip("month:T", title="Month", format="%B %Y"),
                 alt.Tooltip("searches:Q", title="Searches", format=",")],
    )
    line = base.mark_line(color=BAR, strokeWidth=2.5, invalid=GAP)
    points = base.mark_point(color=BAR, filled=True, size=60, invalid="filter")
    return _config(alt.layer(line, points).properties(height=HEIGHT), title)


def window_date(window: Mapping[str, Any], kind: str) -> str:
    """Where a trend window sits on a time axis: its first month, or its last for a rolling window."""
    return f"{window['to' if kind == 'rolling_12' else 'from']}-01"


def ratio_trend(windows: Sequence[Mapping[str, Any]], group: str, kind: str, *, title: str) -> Spec:
    """One group's ratio to the White rate per window (`trend[kind]` of the document), a line with its 95%
    interval as a band and a dashed rule at 1 (the same rate). A window with no ratio (no data, or too few
    searches) breaks the line and the band: a gap, never bridged (mark `invalid`: break-paths-show-domains)."""
    rows = []
    for w in windows:
        r = next(g for g in w["groups"] if g["group"] == group)
        rows.append({"when": window_date(w, kind), "period": w["period"], "ratio": r["ratio_vs_white"],
                     "low": r["ci_low"], "high": r["ci_high"], "searches": r["searches"]})
    x = alt.X("when:T", title=None, axis=_time_axis(len(rows), 3 if kind == "quarterly" else 1))
    y_title = "Times the White rate"
    base = alt.Chart(_data(rows)).encode(x=x)
    band = base.mark_area(color=LIGHT, opacity=0.6, invalid=GAP).encode(
        y=alt.Y("low:Q", title=y_title, scale=alt.Scale(zero=True)), y2="high:Q")
    line = base.mark_line(color=BAR, strokeWidth=2.5, invalid=GAP).encode(y=alt.Y("ratio:Q", title=y_title))
    points = base.mark_point(color=BAR, filled=True, size=45, opacity=1, invalid="filter").encode(
        y=alt.Y("ratio:Q", title=y_title),
        tooltip=[alt.Tooltip("period:N", title="Period"), alt.Tooltip("ratio:Q", title="Times White", format=".2f"),
                 alt.Tooltip("low:Q", title="95% interval from", format=".2f"),
                 alt.Tooltip("high:Q", title="to", format=".2f"),
                 alt.Tooltip("searches:Q", title=f"Searches of {group} people", format=",")],
    )
    one = alt.Chart(_data([{"y": 1}])).mark_rule(color=INK, strokeDash=[3, 3]).encode(y="y:Q")
    return _config(alt.layer(band, line, points, one).properties(height=180), title)


def targets(rows: Sequence[Mapping[str, Any]], *, title: str = "What searches were for, against the targets") -> Spec:
    """Each object group's share of all searches as a bar, its target as a labelled dashed tick."""
    data = [
        {"group": OBJECT_LABELS.get(t["group"], t["group"]), "actual": t["actual"], "target": t["target"],
         "rule": f"target {'at least' if t['op'] == '>=' else 'at most'} {whole_pct(t['target'])}",
         "verdict": "not judged" if t["met"] is None else "met" if t["met"] else "not met"}
        for t in rows
    ]
    base = alt.Chart(_data(data)).encode(
        y=alt.Y("group:N", title=None, sort=None),
    )
    bars = base.mark_bar(color=BAR, height=18).encode(
        x=alt.X("actual:Q", title="Share of all searches", axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("group:N", title="Searches for"), alt.Tooltip("actual:Q", title="Share", format=".1%"),
                 alt.Tooltip("rule:N", title="Target"), alt.Tooltip("verdict:N", title="Verdict")],
    )
    ticks = base.mark_tick(color=TARGET, thickness=3, size=30, strokeDash=[4, 2]).encode(x="target:Q")
    labels = base.mark_text(align="left", dx=4, dy=-13, fontSize=11, color=TARGET).encode(
        x="target:Q", text="rule:N"
    )
    return _config(alt.layer(bars, ticks, labels).properties(height=3 * 52), title)


def disproportionality(rows: Sequence[Mapping[str, Any]], *,
                       title: str = "Searches compared with White people") -> Spec:
    """Each group's rate ratio to White with its 95% interval; suppressed ratios are left out (the table says so).

    A light band shows `unknown_bounds`, how far searches of unknown ethnicity could move the ratio.
    """
    data = [
        {"group": r["group"], "ratio": r["ratio_vs_white"], "low": r["ci_low"], "high": r["ci_high"],
         "bound_low": (r["unknown_bounds"] or [None, None])[0], "bound_high": (r["unknown_bounds"] or [None, None])[1]}
        for r in rows
        if r["group"] != REFERENCE and r["ratio_vs_white"] is not None
    ]
    base = alt.Chart(_data(data)).encode(
        y=alt.Y("group:N", title=None, sort=list(GROUPS)),
    )
    x_title = "Times the White rate (1 = same rate)"
    bounds = base.mark_bar(color=LIGHT, opacity=0.55, height=22).encode(
        x=alt.X("bound_low:Q", title=x_title), x2="bound_high:Q",
        tooltip=[alt.Tooltip("bound_low:Q", title="If all unknown were White", format=".2f"),
                 alt.Tooltip("bound_high:Q", title="If all unknown were this group", format=".2f")],
    )
    whiskers = base.mark_rule(color=INK, strokeWidth=2).encode(x=alt.X("low:Q", title=x_title), x2="high:Q")
    point = base.mark_point(color=BAR, filled=True, size=90, opacity=1).encode(
        x=alt.X("ratio:Q", title=x_title),
        tooltip=[alt.Tooltip("group:N", title="Group"), alt.Tooltip("ratio:Q", title="Ratio", format=".2f"),
                 alt.Tooltip("low:Q", title="95% interval from", format=".2f"),
                 alt.Tooltip("high:Q", title="to", format=".2f")],
    )
    label = base.mark_text(align="left", dx=8, dy=-12, fontSize=11, color=INK).encode(
        x="ratio:Q", text=alt.Text("ratio:Q", format=".2f")
    )
    one = alt.Chart(_data([{"x": 1}])).mark_rule(color=INK, strokeDash=[3, 3]).encode(x="x:Q")
    chart = alt.layer(bounds, whiskers, point, label, one).properties(height=max(len(data), 1) * 44)
    return _config(chart, title, room=12)


def rates(rows: Sequence[Mapping[str, Any]], *, title: str = "Searches per 1,000 residents") -> Spec:
    """Searches per 1,000 Census residents of each group, one bar each, labelled."""
    data = [{"group": r["group"], "rate": r["rate_per_1000"]} for r in rows if r["rate_per_1000"] is not None]
    base = alt.Chart(_data(data)).encode(
        y=alt.Y("group:N", title=None, sort=list(GROUPS)),
        x=alt.X("rate:Q", title="Searches per 1,000 residents"),
    )
    bars = base.mark_bar(color=BAR, height=18).encode(
        tooltip=[alt.Tooltip("group:N", title="Group"), alt.Tooltip("rate:Q", title="Per 1,000", format=".2f")]
    )
    text = base.mark_text(align="left", dx=4, fontSize=11, color=INK).encode(text=alt.Text("rate:Q", format=".2f"))
    return _config(alt.layer(bars, text).properties(height=max(len(data), 1) * 34), title, room=32)


def crime_types(rows: Sequence[Mapping[str, Any]], *, title: str = "Recorded crimes by type") -> Spec:
    """Recorded crimes of each type in the document's order (most first), one labelled bar each. Anti-social
    behaviour is not a crime: the document keeps it apart and so does the chart (the table gives its count)."""
    data = [{"type": r["type"], "crimes": r["crimes"]} for r in rows]
    base = alt.Chart(_data(data)).encode(
        y=alt.Y("type:N", title=None, sort=None, axis=alt.Axis(labelLimit=175)),  # "Violence and sexual offences"
        x=alt.X("crimes:Q", title="Crimes recorded", axis=alt.Axis(format=",d", tickMinStep=1)),
    )
    bars = base.mark_bar(color=BAR, height=16).encode(
        tooltip=[alt.Tooltip("type:N", title="Crime type"), alt.Tooltip("crimes:Q", title="Crimes", format=",")]
    )
    text = base.mark_text(align="left", dx=4, fontSize=11, color=INK).encode(text=alt.Text("crimes:Q", format=","))
    return _config(alt.layer(bars, text).properties(height=max(len(data), 1) * 26), title, room=44)


def _shaded(data: Any, field: str, title: str, scheme: Literal["blues", "oranges"], fmt: str, missing: str, *,
            stroke_width: float, spread: bool = False, **channels: Any) -> list[alt.Chart]:
    """A map's fill as two layers: `properties.<field>` on a colour scale with its legend below, and `missing`
    where it is null (no figure, or a withheld one). Two layers, not a colour condition, because Vega-Lite
    drops (or, told to show them, colours as the scale's lowest) features whose value is null. With `spread`, a
    logarithmic scale: on a map where one tiny area's figure is many times the rest (the City of London among
    forces), a linear one leaves every other area the same pale shade."""
    scale = alt.Scale(type="log", scheme=scheme) if spread else alt.Scale(scheme=scheme)
    legend = alt.Legend(orient="bottom", gradientLength=180, format=fmt)
    valid = f"isValid(datum.properties.{field})"
    blank = alt.Chart(data).transform_filter(f"!{valid}").mark_geoshape(
        fill=missing, stroke="#ffffff", strokeWidth=stroke_width).encode(**channels)
    shades = alt.Chart(data).transform_filter(valid).mark_geoshape(stroke="#ffffff", strokeWidth=stroke_width).encode(
        color=alt.Color(f"properties.{field}:Q", title=title, scale=scale, legend=legend), **channels)
    return [blank, shades]


def borough_map(features: Sequence[Mapping[str, Any]], areas: Sequence[Mapping[str, Any]], *,
                highlight: str | None = None, title: str = "Searches per 1,000 residents by area",
                label: str = "Area", spread: bool = False) -> Spec:
    """Area outlines (GeoJSON features in WGS84, inline; a force's outline on the national map) shaded by the
    document's rate per 1,000.

    The figures are joined to the outlines by area code here (a lookup, not a calculation). With `highlight`,
    that borough is outlined in a contrasting colour.
    """
    by_code = {a["area_code"]: a for a in areas}
    values = []
    for f in features:
        code = f["properties"]["area_code"]
        row = by_code.get(code, {})
        props = {**f["properties"], "rate": row.get("rate_per_1000"), "searches": row.get("searches"),
                 "selected": code == highlight}
        values.append({"type": "Feature", "geometry": f["geometry"], "properties": props})
    data = alt.Data(name=OUTLINES)  # type: ignore[no-untyped-call]
    layers = _shaded(data, "rate", "Per 1,000", "blues", ".2f", "#bdbdbd" if spread else "#e4e4e4",
                     stroke_width=0.8, spread=spread,
                     tooltip=[alt.Tooltip("properties.area_name:N", title=label),
                              alt.Tooltip("properties.rate:Q", title="Searches per 1,000", format=".2f"),
                              alt.Tooltip("properties.searches:Q", title="Searches", format=",")],
                     href=alt.Href("properties.href:N"))
    if highlight is not None:
        chosen = alt.Chart(data).transform_filter("datum.properties.selected").mark_geoshape(
            fill=None, stroke=HIGHLIGHT, strokeWidth=3
        )
        layers.append(chosen)
    chart = alt.layer(*layers).project(type="mercator")
    return _outlines(_config(chart, title, fill_height=True), values)


def locator_map(features: Sequence[Mapping[str, Any]], highlight: str, *, title: str) -> Spec:
    """Where one borough is: every outline in grey, the chosen one filled."""
    values = [
        {"type": "Feature", "geometry": f["geometry"],
         "properties": {**f["properties"], "selected": f["properties"]["area_code"] == highlight}}
        for f in features
    ]
    chart = alt.Chart(alt.Data(name=OUTLINES)).mark_geoshape(  # type: ignore[no-untyped-call]
        stroke="#ffffff", strokeWidth=0.8).encode(
        color=alt.condition("datum.properties.selected", alt.value(HIGHLIGHT), alt.value("#d0d0d0")),
        tooltip=[alt.Tooltip("properties.area_name:N", title="Area")],
        href=alt.Href("properties.href:N"),
    )
    return _outlines(_config(chart.project(type="mercator"), title, fill_height=True), values)


def hotspot_map(cells: Sequence[Mapping[str, Any]], outline: Mapping[str, Any], *, title: str) -> Spec:
    """The hotspots document's cells as squares shaded by searches (a withheld cell grey, a cell that stands
    out outlined), over the area's outline."""
    squares = []
    for cell in cells:
        west, south, east, north = cell["bounds"]
        ring = [[west, south], [west, north], [east, north], [east, south], [west, south]]  # clockwise, as d3-geo
        # wants it: the other way round a square is the whole globe but the square
        shown = f"fewer than {HOTSPOT_MIN_SEARCHES}" if cell["suppressed"] else f"{cell['searches']:,}"
        squares.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                        "properties": {"searches": cell["searches"], "shown": shown,
                                       "stands_out": "yes" if cell["stands_out"] else "no"}})
    area = alt.Chart(_data([dict(outline)])).mark_geoshape(fill="#f4f4f4", stroke=INK, strokeWidth=1)
    shaded = _shaded(_data(squares), "searches", "Searches", "oranges", ",d", "#cfcfcf", stroke_width=0.3,
                     tooltip=[alt.Tooltip("properties.shown:N", title="Searches"),
                              alt.Tooltip("properties.stands_out:N", title="Stands out")])
    flagged = alt.Chart(_data(squares)).transform_filter("datum.properties.stands_out == 'yes'").mark_geoshape(
        fill=None, stroke=HIGHLIGHT, strokeWidth=2.5)
    return _config(alt.layer(area, *shaded, flagged).project(type="mercator"), title, fill_height=True)


def compare_bars(rows: Sequence[Mapping[str, Any]], sides: Sequence[str], *, title: str, axis_title: str,
                 fmt: str = ".1%", axis_fmt: str = ".0%") -> Spec:
    """Two sides' values for the same measures, bars next to each other. `rows`: measure, side, value."""
    data = [r for r in rows if r["value"] is not None]
    base = alt.Chart(_data(data)).encode(
        y=alt.Y("measure:N", title=None, sort=None, scale=alt.Scale(paddingInner=0.25)),
        yOffset=alt.YOffset("side:N", sort=list(sides)),
        x=alt.X("value:Q", title=axis_title, axis=alt.Axis(format=axis_fmt)),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("side:N", title=None, sort=list(sides), scale=alt.Scale(domain=list(sides), range=SIDES),
                        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=0)),
        tooltip=[alt.Tooltip("measure:N", title="Measure"), alt.Tooltip("side:N", title="Side"),
                 alt.Tooltip("value:Q", title="Value", format=fmt)],
    )
    text = base.mark_text(align="left", dx=3, fontSize=10, color=INK).encode(text=alt.Text("value:Q", format=fmt))
    measures = len({r["measure"] for r in data})
    return _config(alt.layer(bars, text).properties(height=max(measures, 1) * 46), title, room=40)


def counterfactual(months: Sequence[Mapping[str, Any]], at: str, *, title: str, y_title: str = "Per 1,000 residents"
                   ) -> Spec:
    """A policy-change fit (`bias.policy_change`): each month's observed value as points, the fitted line, and
    the counterfactual (the trend before the change carried on) dashed, with a labelled rule at the change. A
    month with no data breaks the observed line: a gap, never a zero. The lines are told apart by dash and by
    the legend, not by colour alone."""
    rows = []
    for m in months:
        when = f"{m['month']}-01"
        rows += [{"month": when, "series": "Observed", "value": m["observed"]},
                 {"month": when, "series": "Fitted", "value": m["fitted"]},
                 {"month": when, "series": "Without the change", "value": m["counterfactual"]}]
    x = alt.X("month:T", title=None, axis=_time_axis(len(months), 6 if len(months) > 18 else 1))
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=True))
    legend = alt.Legend(title=None, orient="bottom")
    colour = alt.Color("series:N", scale=alt.Scale(domain=["Observed", "Fitted", "Without the change"],
                                                   range=[INK, BAR, TARGET]), legend=legend)
    dash = alt.StrokeDash("series:N", scale=alt.Scale(domain=["Observed", "Fitted", "Without the change"],
                                                      range=[[1, 0], [1, 0], [6, 4]]), legend=legend)
    base = alt.Chart(_data(rows)).encode(x=x, y=y, color=colour)
    lines = base.transform_filter(alt.datum.series != "Observed").mark_line(strokeWidth=2.5, invalid=GAP).encode(
        strokeDash=dash)
    points = base.transform_filter(alt.datum.series == "Observed").mark_point(filled=True, size=40,
                                                                              invalid="filter").encode(
        tooltip=[alt.Tooltip("month:T", title="Month", format="%B %Y"),
                 alt.Tooltip("value:Q", title=y_title, format=".3g")])
    rule = alt.Chart(_data([{"month": f"{at}-01", "label": "change"}])).encode(x="month:T")
    marks = [rule.mark_rule(color=INK, strokeDash=[2, 2]), rule.mark_text(align="left", dx=4, dy=-6, y=0).encode(
        text="label:N")]
    return _config(alt.layer(lines, points, *marks).properties(height=HEIGHT), title)
