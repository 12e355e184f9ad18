"""Small SVG charts as strings: horizontal bars with error bars, lines, a choropleth.

Pure functions of the figures they are given: they place and label them, never derive new ones. Every
piece of text is escaped here, because the template inserts the SVG as markup. Charts never rely on colour
alone: bars carry their value as text, targets are labelled, lines differ in dash and marker as well.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from scrutiny.vocab.suppression import HOTSPOT_MIN_SEARCHES

Fmt = Callable[[float], str]

WIDTH = 460  # viewBox width; the SVG scales to the page (100% wide, capped in CSS)
FONT = 13
LABEL_ROOM = 150  # a bar's name wider than this is set in two smaller lines
INK = "#1b1b1b"
MUTED = "#5f5f5f"
GRID = "#d9d9d9"
BAR = "#2c5d8f"
BAR_LIGHT = "#9dbcdb"  # under error bars, which must stay visible
TARGET = "#b3400a"
# ColorBrewer "Blues", 5 classes: ordered light to dark so the order reads without hue.
BLUES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
ORANGES = ("#feedde", "#fdbe85", "#fd8d3c", "#e6550d", "#a63603")  # hotspot squares: counts, not rates
NO_DATA = "#e4e4e4"
DASHES = ("", "6 4", "2 3")
MARKERS = ("circle", "square", "diamond")


@dataclass(frozen=True)
class Bar:
    """One bar. `value` None draws no bar and shows `missing` (e.g. "suppressed") in its place."""

    label: str
    value: float | None
    low: float | None = None  # error bar (e.g. a 95% interval)
    high: float | None = None
    target: float | None = None  # a target marked on this bar's row
    note: str = ""  # text after the value, e.g. "✓ met"
    missing: str = "not available"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per x position; None breaks the line


@dataclass(frozen=True)
class MapPath:
    """A projected area outline: SVG path data in the map's own coordinates."""

    code: str
    name: str
    d: str


def _width(text: str, size: float, bold: bool = False) -> float:
    """Rough width of `text` in a sans-serif face: enough to size margins and label grounds."""
    return len(text) * size * (0.64 if bold else 0.6)


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def wrap(text: str, room: float, size: float = FONT, lines: int = 2) -> list[str]:
    """`text` in at most `lines` lines each about `room` wide, broken between words; the last ends in … if cut."""
    words = text.split()
    out: list[str] = []
    while words and len(out) < lines:
        line = words.pop(0)
        while words and _width(f"{line} {words[0]}", size) <= room:
            line += " " + words.pop(0)
        out.append(line)
    if words or (out and _width(out[-1], size) > room):
        last = out[-1] if not words else f"{out[-1]} {' '.join(words)}"
        while len(last) > 1 and _width(last + "…", size) > room:
            last = last[:-1]
        out[-1] = last.rstrip() + "…"
    return out or [""]


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = FONT, fill: str = INK,
          weight: str = "normal", italic: bool = False) -> str:
    style = ' font-style="italic"' if italic else ""
    bold = f' font-weight="{weight}"' if weight != "normal" else ""
    return (f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"'
            f"{bold}{style}>{escape(text)}</text>")


def _svg(width: float, height: float, label: str, body: Sequence[str]) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {_num(width)} {_num(height)}" role="img" aria-label="{escape(label)}"'
        f' font-family="inherit"><title>{escape(label)}</title>' + "".join(body) + "</svg>"
    )


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """0, step, 2·step … up to the first tick at or above `top`, with a 1/2/2.5/5 × 10ⁿ step."""
    if not math.isfinite(top) or top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    n = math.ceil(top / step - 1e-9)
    return [i * step for i in range(n + 1)]


def bar_chart(bars: Sequence[Bar], *, label: str, fmt: Fmt, tick_fmt: Fmt | None = None,
              reference: float | None = None, reference_label: str = "", axis_max: float | None = None,
              target_label: str = "target", label_lines: int = 2) -> Markup:
    """Horizontal bars, one row per `Bar`, value text at the end, optional error bars and targets. A long
    name is set in up to `label_lines` smaller lines (more than 2 for names that would lose their sense cut)."""
    tick_fmt = tick_fmt or fmt
    names = [wrap(b.label, LABEL_ROOM, 12, label_lines) if _width(b.label, FONT) > LABEL_ROOM else [b.label]
             for b in bars]
    lines = max((len(n) for n in names), default=1)
    longest = max((_width(line, 12 if len(n) > 1 else FONT) for n in names for line in n), default=0.0)
    left = min(230, max(70, round(longest) + 18))
    row = 30 if lines == 1 else 36 if lines == 2 else 14 * lines + 6
    right_room, top = 165, 24 if reference is not None else 8
    has_errors = any(b.low is not None and b.high is not None for b in bars)
    fill = BAR_LIGHT if has_errors else BAR
    x0, x1 = left, WIDTH - right_room
    extent = [v for b in bars for v in (b.value, b.high, b.target) if v is not None]
    if reference is not None:
        extent.append(reference)
    ticks = nice_ticks(axis_max if axis_max is not None else max(extent, default=1.0),
                       max(2, min(5, (x1 - x0) // 45)))  # fewer ticks where the labels leave little room
    vmax = ticks[-1]

    def x(v: float) -> float:
        return x0 + (x1 - x0) * min(max(v, 0.0), vmax) / vmax

    plot_h = row * len(bars)
    has_target = any(b.target is not None for b in bars)
    height = top + plot_h + 26 + (22 if has_target else 0)
    out: list[str] = []
    labels: list[tuple[float, float, str, str]] = []  # x, row centre, text, plain/bold/missing
    for t in ticks:
        out.append(f'<line x1="{_num(x(t))}" y1="{top}" x2="{_num(x(t))}" y2="{top + plot_h}" stroke="{GRID}"/>')
        out.append(_text(x(t), top + plot_h + 16, tick_fmt(t), anchor="middle", size=11, fill=MUTED))
    for i, b in enumerate(bars):
        y = top + i * row
        cy = y + row / 2
        if len(names[i]) == 1:
            out.append(_text(left - 8, cy + 4.5, names[i][0], anchor="end"))
        elif len(names[i]) == 2:
            out.append(_text(left - 8, cy - 2.5, names[i][0], anchor="end", size=12))
            out.append(_text(left - 8, cy + 11, names[i][1], anchor="end", size=12))
        else:  # lines 13.5 apart, centred on the bar
            first = cy + 4.5 - 13.5 * (len(names[i]) - 1) / 2
            out.extend(_text(left - 8, first + 13.5 * k, line, anchor="end", size=12)
                       for k, line in enumerate(names[i]))
        if b.value is None:
            labels.append((x0 + 6, cy, b.missing, "missing"))
            continue
        w = x(b.value) - x0
        out.append(f'<rect x="{x0}" y="{_num(cy - 8)}" width="{_num(max(w, 0.5))}" height="16" fill="{fill}"/>')
        end = x(b.value)
        if b.low is not None and b.high is not None:
            lo, hi = x(b.low), x(b.high)
            out.append(f'<line x1="{_num(lo)}" y1="{_num(cy)}" x2="{_num(hi)}" y2="{_num(cy)}" stroke="{INK}" '
                       'stroke-width="1.5"/>')
            for at in (lo, hi):
                out.append(f'<line x1="{_num(at)}" y1="{_num(cy - 6)}" x2="{_num(at)}" y2="{_num(cy + 6)}" '
                           f'stroke="{INK}" stroke-width="1.5"/>')
            end = max(end, hi)
        if b.target is not None:
            tx = x(b.target)
            out.append(f'<line x1="{_num(tx)}" y1="{_num(y + 2)}" x2="{_num(tx)}" y2="{_num(y + row - 2)}" '
                       f'stroke="{TARGET}" stroke-width="2.5" stroke-dasharray="4 2"/>')
            end = max(end, tx)
        value = fmt(b.value)
        if b.low is not None and b.high is not None:
            value += f" ({fmt(b.low)}–{fmt(b.high)})"
        labels.append((end + 6, cy, value + (f"  {b.note}" if b.note else ""), "bold" if b.note else "plain"))
    out.append(f'<line x1="{x0}" y1="{top}" x2="{x0}" y2="{top + plot_h}" stroke="{INK}"/>')
    if reference is not None:
        rx = x(reference)
        out.append(f'<line x1="{_num(rx)}" y1="{top - 4}" x2="{_num(rx)}" y2="{top + plot_h}" stroke="{INK}" '
                   'stroke-width="1.5" stroke-dasharray="3 3"/>')
        out.append(_text(rx, top - 8, reference_label, anchor="middle", size=11, fill=MUTED))
    for lx, cy, text, kind in labels:  # last, on a white ground, so reference lines never strike through them
        ground = _width(text, FONT, kind == "bold") + 4
        out.append(f'<rect x="{_num(lx - 2)}" y="{_num(cy - 8)}" width="{_num(ground)}" height="16" fill="#ffffff" '
                   'fill-opacity="0.85"/>')
        out.append(_text(lx, cy + 4.5, text, weight="bold" if kind == "bold" else "normal",
                         fill=MUTED if kind == "missing" else INK, italic=kind == "missing"))
    if has_target:
        ly = top + plot_h + 36
        out.append(f'<line x1="{x0}" y1="{ly - 9}" x2="{x0}" y2="{ly + 3}" stroke="{TARGET}" stroke-width="2.5" '
                   'stroke-dasharray="4 2"/>')
        out.append(_text(x0 + 8, ly, target_label, size=11, fill=MUTED))
    return _svg(WIDTH, height, label, out)


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{_num(x - 3.5)}" y="{_num(y - 3.5)}" width="7" height="7" fill="{colour}"/>'
    if kind == "diamond":
        return (f'<path d="M{_num(x)} {_num(y - 5)}L{_num(x + 5)} {_num(y)}L{_num(x)} {_num(y + 5)}'
                f'L{_num(x - 5)} {_num(y)}Z" fill="{colour}"/>')
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{colour}"/>'


def _runs(indices: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive indices as (first, last) runs: [2, 3, 7] -> [(2, 3), (7, 7)]."""
    out: list[tuple[int, int]] = []
    for i in sorted(indices):
        if out and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def _no_data(x: Callable[[int], float], n: int, gaps: Sequence[int], x0: float, x1: float, top: float,
             height: float, text: str = "no data") -> list[str]:
    """Grey columns over the x positions that have no data, each labelled, so a gap is never read as a fall."""
    step = (x1 - x0) / max(n - 1, 1)
    out: list[str] = []
    for first, last in _runs(gaps):
        a = max(x0, x(first) - step / 2) if n > 1 else x0
        b = min(x1, x(last) + step / 2) if n > 1 else x1
        out.append(f'<rect x="{_num(a)}" y="{_num(top)}" width="{_num(max(b - a, 2))}" height="{_num(height)}" '
                   f'fill="{NO_DATA}"/>')
        out.append(_text((a + b) / 2, top + 11, text, anchor="middle", size=10, fill=MUTED, italic=True))
    return out


@dataclass(frozen=True)
class _Frame:
    """A time chart's scales and its drawn grid, y axis and month labels, shared by the line charts."""

    x: Callable[[float], float]
    y: Callable[[float], float]
    out: list[str]


def _time_frame(x_labels: Sequence[str], values: Sequence[float], gaps: Sequence[int], *, left: float,
                right: float, top: float, plot_h: float, fmt: Fmt, max_labels: int,
                axis_max: float | None = None) -> _Frame:
    n = len(x_labels)
    ticks = nice_ticks(axis_max if axis_max is not None else max(values, default=1.0))
    vmax = ticks[-1]
    x0, x1 = left, WIDTH - right

    def x(i: float) -> float:
        return (x0 + x1) / 2 if n == 1 else x0 + (x1 - x0) * i / (n - 1)

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / vmax

    out: list[str] = _no_data(x, n, gaps, x0, x1, top, plot_h)
    for t in ticks:
        out.append(f'<line x1="{x0}" y1="{_num(y(t))}" x2="{x1}" y2="{_num(y(t))}" stroke="{GRID}"/>')
        out.append(_text(x0 - 6, y(t) + 4, fmt(t), anchor="end", size=11, fill=MUTED))
    every = max(1, math.ceil(n / max_labels))
    for i, name in enumerate(x_labels):
        if i % every == 0:
            out.append(_text(x(i), top + plot_h + 18, name, anchor="middle", size=11, fill=MUTED))
    return _Frame(x, y, out)


def line_chart(x_labels: Sequence[str], series: Sequence[Series], *, label: str, fmt: Fmt,
               axis_max: float | None = None, max_labels: int = 6, gaps: Sequence[int] = ()) -> Markup:
    """Lines over evenly spaced x positions (months); a None value leaves a gap rather than bridging it, and
    the positions in `gaps` (months with no data at all) are shaded grey and labelled "no data"."""
    left, right, top, plot_h = 64, 34, 12, 190
    legend_h = 22 if len(series) > 1 else 0
    height = top + plot_h + 30 + legend_h
    values = [v for s in series for v in s.values if v is not None]
    frame = _time_frame(x_labels, values, gaps, left=left, right=right, top=top, plot_h=plot_h, fmt=fmt,
                        max_labels=max_labels, axis_max=axis_max)
    x, y, out = frame.x, frame.y, frame.out
    x0, x1 = left, WIDTH - right
    for k, s in enumerate(series):
        colour = (BAR, TARGET, INK)[k % 3]
        dash = DASHES[k % len(DASHES)]
        runs: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append((x(i), y(v)))
        for pts in runs:
            if len(pts) > 1:
                d = "M" + "L".join(f"{_num(px)} {_num(py)}" for px, py in pts)
                dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                out.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>')
            out.extend(_marker(MARKERS[k % len(MARKERS)], px, py, colour) for px, py in pts)
        if len(series) > 1:
            lx = x0 + k * 170
            ly = top + plot_h + 40
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 28}" y2="{ly - 4}" stroke="{colour}" '
                       f'stroke-width="2"{dash_attr}/>')
            out.append(_marker(MARKERS[k % len(MARKERS)], lx + 14, ly - 4, colour))
            out.append(_text(lx + 34, ly, s.name, size=12))
    out.append(f'<line x1="{x0}" y1="{top + plot_h}" x2="{x1}" y2="{top + plot_h}" stroke="{INK}"/>')
    return _svg(WIDTH, height, label, out)


def class_limits(values: Sequence[float], classes: int = len(BLUES)) -> list[float]:
    """Upper limits of up to `classes` classes holding about equal numbers of areas; each is one of `values`."""
    ordered = sorted(values)
    if not ordered:
        return []
    picks = [ordered[math.ceil(len(ordered) * (i + 1) / classes) - 1] for i in range(classes)]
    return sorted(set(picks))


def choropleth(paths: Sequence[MapPath], height: float, values: Mapping[str, float | None], *, label: str,
               fmt: Fmt, legend_title: str, no_data_label: str = "no data") -> Markup:
    """Areas shaded by class (about a fifth of the areas each); each outline says its name and value."""
    limits = class_limits([v for v in values.values() if v is not None])
    # spread the classes over the ramp, lightest to darkest, however many there are
    colours = [BLUES[round(i * (len(BLUES) - 1) / max(len(limits) - 1, 1))] for i in range(len(limits))]
    out: list[str] = []
    for p in paths:
        v = values.get(p.code)
        if v is None:
            fill, shown = NO_DATA, "no data"
        else:
            fill, shown = colours[next((i for i, top in enumerate(limits) if v <= top), len(limits) - 1)], fmt(v)
        out.append(f'<path d="{p.d}" fill="{fill}" stroke="#ffffff" stroke-width="0.8" fill-rule="evenodd">'
                   f"<title>{escape(p.name)}: {escape(shown)}</title></path>")
    ly = height + 18
    out.append(_text(0, ly, legend_title, size=12, weight="bold"))
    sw = 72
    for i, (colour, top) in enumerate(zip(colours, limits, strict=True)):
        lx = i * sw
        out.append(f'<rect x="{lx}" y="{_num(ly + 8)}" width="{sw - 4}" height="14" fill="{colour}" '
                   'stroke="#8a8a8a" stroke-width="0.5"/>')
        out.append(_text(lx, ly + 36, f"up to {fmt(top)}", size=11, fill=MUTED))
    lx = len(limits) * sw + 8
    out.append(f'<rect x="{lx}" y="{_num(ly + 8)}" width="22" height="14" fill="{NO_DATA}" stroke="#8a8a8a" '
               'stroke-width="0.5"/>')
    out.append(_text(lx + 28, ly + 20, no_data_label, size=11, fill=MUTED))
    return _svg(WIDTH, height + 62, label, out)


@dataclass(frozen=True)
class Square:
    """A hotspot cell on the map: its projected outline, its count (None when withheld), whether it stands out."""

    path: MapPath
    searches: int | None
    stands_out: bool


def hotspot_map(outline: MapPath, squares: Sequence[Square], height: float, *, label: str, width: float = WIDTH,
                withheld_label: str = f"fewer than {HOTSPOT_MIN_SEARCHES}") -> Markup:
    """An area's outline with its searched cells shaded by count (about a fifth of the shown cells a class); a
    withheld cell is grey without its count, a cell that stands out is outlined."""
    limits = class_limits([float(q.searches) for q in squares if q.searches is not None])
    colours = [ORANGES[round(i * (len(ORANGES) - 1) / max(len(limits) - 1, 1))] for i in range(len(limits))]
    out = [f'<path d="{outline.d}" fill="#f4f4f4" stroke="{INK}" stroke-width="1" fill-rule="evenodd">'
           f"<title>{escape(outline.name)}</title></path>"]
    for q in squares:
        if q.searches is None:
            fill, shown = NO_DATA, withheld_label
        else:
            fill = colours[next((i for i, top in enumerate(limits) if q.searches <= top), len(limits) - 1)]
            shown = f"{q.searches:,}"
        out.append(f'<path d="{q.path.d}" fill="{fill}" stroke="#ffffff" stroke-width="0.4">'
                   f"<title>{escape(shown)} searches{' (stands out)' if q.stands_out else ''}</title></path>")
    out += [f'<path d="{q.path.d}" fill="none" stroke="{TARGET}" stroke-width="2"/>' for q in squares
            if q.stands_out]
    ly, sw = height + 16, 50
    for i, (colour, top) in enumerate(zip(colours, limits, strict=True)):
        out.append(f'<rect x="{i * sw}" y="{_num(ly)}" width="{sw - 4}" height="14" fill="{colour}" '
                   'stroke="#8a8a8a" stroke-width="0.5"/>')
        out.append(_text(i * sw, ly + 30, f"≤{top:,.0f}", size=13, fill=MUTED))
    lx = len(limits) * sw + 6
    out.append(f'<rect x="{_num(lx)}" y="{_num(ly)}" width="18" height="14" fill="{NO_DATA}" stroke="#8a8a8a" '
               'stroke-width="0.5"/>')
    out.append(_text(lx + 24, ly + 12, withheld_label, size=13, fill=MUTED))
    out.append(f'<rect x="{_num(lx)}" y="{_num(ly + 20)}" width="18" height="14" fill="none" stroke="{TARGET}" '
               'stroke-width="2"/>')
    out.append(_text(lx + 24, ly + 32, "stands out", size=13, fill=MUTED))
    return _svg(width, height + 56, label, out)


@dataclass(frozen=True)
class Banded:
    """One panel of a band chart: a value per x position and its interval; a None value breaks the line."""

    name: str
    values: Sequence[float | None]
    lows: Sequence[float | None]
    highs: Sequence[float | None]


def _axis_top(panels: Sequence[Banded], reference: float | None) -> float:
    """The top of a shared value axis: the highest interval end, but no more than three times the highest
    value, so one wide interval from a few searches does not flatten every other line (its band is cut)."""
    values = [v for p in panels for v in p.values if v is not None]
    highs = [v for p in panels for v in p.highs if v is not None]
    top = max([*values, *highs, reference or 0.0], default=1.0)
    if values and top > 3 * max(values):
        top = max(3 * max(values), reference or 0.0)
    return top


def band_chart(x_labels: Sequence[str], panels: Sequence[Banded], *, label: str, tick_fmt: Fmt,
               reference: float | None = None, reference_label: str = "", gaps: Sequence[int] = (),
               empty_text: str = "too few searches to say", max_labels: int = 3) -> Markup:
    """Small multiples, two a row on one shared value axis: per panel a line of values over evenly spaced x
    positions with its interval as a shaded band. A None value breaks the line (never bridged); the positions
    in `gaps` (no data at all) are shaded grey and labelled; an interval above the axis is cut and marked ▲."""
    columns, gutter, title_h, plot_h, label_h, space = 2, 18, 24, 110, 18, 12
    panel_w = (WIDTH - gutter * (columns - 1)) / columns
    panel_h = title_h + plot_h + label_h + space
    rows = math.ceil(len(panels) / columns)
    n = len(x_labels)
    ticks = nice_ticks(_axis_top(panels, reference), 4)
    vmax = ticks[-1]
    cut = False
    out: list[str] = []
    for k, panel in enumerate(panels):
        px = (k % columns) * (panel_w + gutter)
        top = (k // columns) * panel_h + title_h
        x0, x1 = px + 30, px + panel_w - 10

        def x(i: int, x0: float = x0, x1: float = x1) -> float:
            return (x0 + x1) / 2 if n == 1 else x0 + (x1 - x0) * i / (n - 1)

        def y(v: float, top: float = top) -> float:
            return top + plot_h - plot_h * min(max(v, 0.0), vmax) / vmax

        out.append(_text(px, top - 9, panel.name, size=12, weight="bold"))
        out.extend(_no_data(x, n, gaps, x0, x1, top, plot_h))
        for t in ticks:
            out.append(f'<line x1="{_num(x0)}" y1="{_num(y(t))}" x2="{_num(x1)}" y2="{_num(y(t))}" stroke="{GRID}"/>')
            out.append(_text(x0 - 4, y(t) + 3.5, tick_fmt(t), anchor="end", size=10, fill=MUTED))
        widest = max((_width(name, 10) for name in x_labels), default=0.0)
        room = (x1 - x0) / max(n - 1, 1)  # the first label is pushed right, clear of the "0×" tick: 1.5 widths
        every = max(1, math.ceil(n / max_labels), math.ceil((1.5 * widest + 8) / room))
        for i, name in enumerate(x_labels):
            if i % every == 0:
                half = _width(name, 10) / 2
                at = min(max(x(i), x0 - 2 + half), px + panel_w - half)  # clear of the "0×" tick
                out.append(_text(at, top + plot_h + 13, name, anchor="middle", size=10, fill=MUTED))
        if reference is not None:
            out.append(f'<line x1="{_num(x0)}" y1="{_num(y(reference))}" x2="{_num(x1)}" y2="{_num(y(reference))}" '
                       f'stroke="{INK}" stroke-width="1.2" stroke-dasharray="3 3"/>')
        banded = [i for i in range(n) if panel.lows[i] is not None and panel.highs[i] is not None]
        for first, last in _runs(banded):
            if first == last:  # one window alone: an error bar, since a band needs two
                lo, hi = panel.lows[first], panel.highs[first]
                assert lo is not None and hi is not None
                cx = x(first)
                out.append(f'<line x1="{_num(cx)}" y1="{_num(y(lo))}" x2="{_num(cx)}" y2="{_num(y(hi))}" '
                           f'stroke="{BAR}" stroke-width="6" stroke-opacity="0.35"/>')
                continue
            upper = [(x(i), y(panel.highs[i] or 0.0)) for i in range(first, last + 1)]
            lower = [(x(i), y(panel.lows[i] or 0.0)) for i in range(last, first - 1, -1)]
            d = "M" + "L".join(f"{_num(a)} {_num(b)}" for a, b in upper + lower) + "Z"
            out.append(f'<path d="{d}" fill="{BAR_LIGHT}" fill-opacity="0.75" stroke="none"/>')
        for i in banded:
            high = panel.highs[i]
            if high is not None and high > vmax:
                cut = True
                out.append(f'<path d="M{_num(x(i) - 4)} {_num(top + 5)}L{_num(x(i) + 4)} {_num(top + 5)}'
                           f'L{_num(x(i))} {_num(top - 2)}Z" fill="{INK}"/>')
        valued = [i for i in range(n) if panel.values[i] is not None]
        for first, last in _runs(valued):
            pts = [(x(i), y(panel.values[i] or 0.0)) for i in range(first, last + 1)]
            if len(pts) > 1:
                out.append(f'<path d="M{"L".join(f"{_num(a)} {_num(b)}" for a, b in pts)}" fill="none" '
                           f'stroke="{BAR}" stroke-width="2"/>')
            out.extend(f'<circle cx="{_num(a)}" cy="{_num(b)}" r="2.5" fill="{BAR}"/>' for a, b in pts)
        if not valued:
            out.append(_text((x0 + x1) / 2, top + plot_h / 2, empty_text, anchor="middle", size=11, fill=MUTED,
                             italic=True))
        out.append(f'<line x1="{_num(x0)}" y1="{_num(top + plot_h)}" x2="{_num(x1)}" y2="{_num(top + plot_h)}" '
                   f'stroke="{INK}"/>')
    ly = rows * panel_h + 6
    out.append(f'<rect x="0" y="{_num(ly - 9)}" width="26" height="12" fill="{BAR_LIGHT}" fill-opacity="0.75"/>')
    out.append(f'<line x1="0" y1="{_num(ly - 3)}" x2="26" y2="{_num(ly - 3)}" stroke="{BAR}" stroke-width="2"/>')
    out.append(_text(32, ly + 1, "ratio; shaded: 95% interval", size=11))
    lx = 32 + _width("ratio; shaded: 95% interval", 11) + 14
    if reference is not None:
        out.append(f'<line x1="{_num(lx)}" y1="{_num(ly - 3)}" x2="{_num(lx + 22)}" y2="{_num(ly - 3)}" '
                   f'stroke="{INK}" stroke-width="1.2" stroke-dasharray="3 3"/>')
        out.append(_text(lx + 28, ly + 1, reference_label, size=11))
    extra = 0
    if cut:
        extra = 18
        out.append(_text(0, ly + 19, "▲ the interval goes above the chart: see the table", size=11, fill=MUTED))
    return _svg(WIDTH, ly + 8 + extra, label, out)


def counterfactual_chart(x_labels: Sequence[str], observed: Sequence[float | None], fitted: Sequence[float | None],
                         without: Sequence[float | None], change_at: int, *, label: str, fmt: Fmt,
                         max_labels: int = 6, gaps: Sequence[int] = ()) -> Markup:
    """A policy-change fit over evenly spaced months: each observed value as a dot (a None is a gap, never a
    zero), the fitted line solid (broken at the change) and the line without the change (the trend before it
    carried on, from the last month before it) dashed in another colour, with a labelled rule at the first month
    of the policy (`change_at`, an x position). The three are told apart by marker, dash and legend, not by
    colour alone."""
    left, right, top, plot_h, legend_h = 64, 34, 18, 190, 22
    height = top + plot_h + 30 + legend_h
    n = len(x_labels)
    values = [v for s in (observed, fitted, without) for v in s if v is not None]
    frame = _time_frame(x_labels, values, gaps, left=left, right=right, top=top, plot_h=plot_h, fmt=fmt,
                        max_labels=max_labels)
    x, y, out = frame.x, frame.y, frame.out
    x0, x1 = left, WIDTH - right
    rule = x(change_at - 0.5) if 0 < change_at < n else x(change_at)  # between the last month before and the first
    out.append(f'<line x1="{_num(rule)}" y1="{top - 4}" x2="{_num(rule)}" y2="{top + plot_h}" stroke="{INK}" '
               'stroke-dasharray="2 2"/>')
    out.append(_text(rule + 4, top - 6, "change", size=11))
    # the fitted line in two segments, before and from the change; the line without the change from the last
    # month before it, where it leaves the fitted line
    pieces = ((without, TARGET, "6 4", range(max(change_at - 1, 0), n)), (fitted, BAR, "", range(change_at)),
              (fitted, BAR, "", range(change_at, n)))
    for values_, colour, dash, span in pieces:
        for first, last in _runs([i for i in span if values_[i] is not None]):
            if first == last:
                continue
            d = "M" + "L".join(f"{_num(x(i))} {_num(y(values_[i] or 0.0))}" for i in range(first, last + 1))
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2.2"{dash_attr}/>')
    out.extend(_marker("circle", x(i), y(v), INK) for i, v in enumerate(observed) if v is not None)
    ly = top + plot_h + 40
    out.append(_marker("circle", x0 + 6, ly - 4, INK))
    out.append(_text(x0 + 16, ly, "Observed", size=12))
    lx = x0 + 96
    out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 28}" y2="{ly - 4}" stroke="{BAR}" stroke-width="2.2"/>')
    out.append(_text(lx + 34, ly, "Fitted", size=12))
    lx += 90
    out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 28}" y2="{ly - 4}" stroke="{TARGET}" stroke-width="2.2" '
               'stroke-dasharray="6 4"/>')
    out.append(_text(lx + 34, ly, "Without the change", size=12))
    out.append(f'<line x1="{x0}" y1="{top + plot_h}" x2="{x1}" y2="{top + plot_h}" stroke="{INK}"/>')
    return _svg(WIDTH, height, label, out)
