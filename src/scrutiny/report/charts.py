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

Fmt = Callable[[float], str]

WIDTH = 460  # viewBox width; the SVG scales to the page (100% wide, capped in CSS)
FONT = 13
INK = "#1b1b1b"
MUTED = "#5f5f5f"
GRID = "#d9d9d9"
BAR = "#2c5d8f"
BAR_LIGHT = "#9dbcdb"  # under error bars, which must stay visible
TARGET = "#b3400a"
# ColorBrewer "Blues", 5 classes: ordered light to dark so the order reads without hue.
BLUES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
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
              target_label: str = "target") -> Markup:
    """Horizontal bars, one row per `Bar`, value text at the end, optional error bars and targets."""
    tick_fmt = tick_fmt or fmt
    left = min(230, max(70, round(_width(max((b.label for b in bars), key=len, default=""), FONT)) + 18))
    right_room, row, top = 165, 30, 24 if reference is not None else 8
    has_errors = any(b.low is not None and b.high is not None for b in bars)
    fill = BAR_LIGHT if has_errors else BAR
    x0, x1 = left, WIDTH - right_room
    extent = [v for b in bars for v in (b.value, b.high, b.target) if v is not None]
    if reference is not None:
        extent.append(reference)
    ticks = nice_ticks(axis_max if axis_max is not None else max(extent, default=1.0))
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
        out.append(_text(left - 8, cy + 4.5, b.label, anchor="end"))
        if b.value is None:
            labels.append((x0 + 6, cy, b.missing, "missing"))
            continue
        w = x(b.value) - x0
        out.append(f'<rect x="{x0}" y="{_num(y + 7)}" width="{_num(max(w, 0.5))}" height="16" fill="{fill}"/>')
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


def line_chart(x_labels: Sequence[str], series: Sequence[Series], *, label: str, fmt: Fmt,
               axis_max: float | None = None, max_labels: int = 6) -> Markup:
    """Lines over evenly spaced x positions (months); a None value leaves a gap rather than bridging it."""
    left, right, top, plot_h = 64, 34, 12, 190
    legend_h = 22 if len(series) > 1 else 0
    height = top + plot_h + 30 + legend_h
    n = len(x_labels)
    values = [v for s in series for v in s.values if v is not None]
    ticks = nice_ticks(axis_max if axis_max is not None else max(values, default=1.0))
    vmax = ticks[-1]
    x0, x1 = left, WIDTH - right

    def x(i: int) -> float:
        return (x0 + x1) / 2 if n == 1 else x0 + (x1 - x0) * i / (n - 1)

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / vmax

    out: list[str] = []
    for t in ticks:
        out.append(f'<line x1="{x0}" y1="{_num(y(t))}" x2="{x1}" y2="{_num(y(t))}" stroke="{GRID}"/>')
        out.append(_text(x0 - 6, y(t) + 4, fmt(t), anchor="end", size=11, fill=MUTED))
    every = max(1, math.ceil(n / max_labels))
    for i, name in enumerate(x_labels):
        if i % every == 0:
            out.append(_text(x(i), top + plot_h + 18, name, anchor="middle", size=11, fill=MUTED))
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
