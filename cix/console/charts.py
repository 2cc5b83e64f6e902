"""Charts drawn on the server as SVG, readable without colour: every bar and line carries a text label,
bars are told apart by hatching patterns and lines by dash patterns and marker shapes.

Each function returns an SVG string (``role="img"`` with a ``<title>`` and ``<desc>`` for screen
readers), safe to embed: every text is escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

# A pattern per category, so that categories differ by more than colour.
PATTERNS = ("solid", "hatch", "cross", "dots")
# Colours with a contrast of at least 3:1 against white for graphics (WCAG 1.4.11).
COLOURS = ("#1b5e20", "#8a6d00", "#b71c1c", "#0d47a1", "#4a148c", "#37474f")
DASHES = ("", "6 3", "2 3", "8 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")


def _defs() -> str:
    return (
        "<defs>"
        '<pattern id="p-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="currentColor" fill-opacity="0.35"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="currentColor" stroke-width="3"/></pattern>'
        '<pattern id="p-cross" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="currentColor" fill-opacity="0.25"/>'
        '<path d="M0 0L6 6M6 0L0 6" stroke="currentColor" stroke-width="1.5"/></pattern>'
        '<pattern id="p-dots" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="currentColor" fill-opacity="0.25"/>'
        '<circle cx="3" cy="3" r="1.6" fill="currentColor"/></pattern>'
        "</defs>"
    )


def _fill(pattern: str) -> str:
    return "currentColor" if pattern == "solid" else f"url(#p-{pattern})"


def _open(width: int, height: int, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" aria-labelledby="t d">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{_defs()}"
    )


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.1f}M"
    if a >= 1e4:
        return f"{v / 1e3:.0f}k"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 1:
        return f"{v:.2f}".rstrip("0").rstrip(".")
    return f"{v:.3g}"


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, width: int = 480, height: int = 220) -> str:
    """Vertical bars with their value above each and their label below; a pattern per bar."""
    left, bottom, top = 16, 40, 24
    n = max(len(bars), 1)
    vmax = max([v for _, v in bars] + [1.0])
    slot = (width - 2 * left) / n
    bw = slot * 0.6
    desc = "; ".join(f"{label}: {_fmt(v)}" for label, v in bars) or "no data"
    out = [_open(width, height, title, desc)]
    base = height - bottom
    out.append(f'<line x1="{left}" y1="{base}" x2="{width - left}" y2="{base}" stroke="#333" />')
    for i, (label, v) in enumerate(bars):
        h = (base - top) * (v / vmax)
        x = left + i * slot + (slot - bw) / 2
        colour = COLOURS[i % len(COLOURS)]
        pattern = PATTERNS[i % len(PATTERNS)]
        out.append(
            f'<g style="color:{colour}"><rect x="{x:.1f}" y="{base - h:.1f}" width="{bw:.1f}" height="{h:.1f}" '
            f'fill="{_fill(pattern)}" stroke="{colour}" stroke-width="1.5"/></g>'
        )
        out.append(
            f'<text x="{x + bw / 2:.1f}" y="{base - h - 6:.1f}" text-anchor="middle" class="v">{escape(_fmt(v))}</text>'
        )
        out.append(f'<text x="{x + bw / 2:.1f}" y="{base + 18}" text-anchor="middle" class="l">{escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)


def distribution_chart(
    values: Sequence[float],
    *,
    title: str,
    x_label: str,
    marker: float | None = None,
    marker_label: str = "",
    bands: Sequence[tuple[str, float]] = (),
    width: int = 560,
    height: int = 240,
    bins: int = 20,
) -> str:
    """A histogram of ``values`` (log scale when they span more than 20×), reference lines named in
    ``bands`` (e.g. the median), and ``marker`` (e.g. the declared unit value) drawn as a labelled
    dashed line, so it reads without colour."""
    left, right, bottom, top = 40, 16, 44, 28
    pts = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    extra = [v for v in [marker, *[b for _, b in bands]] if v is not None and v > 0]
    desc_bits = [f"{len(pts)} observations"]
    if marker is not None:
        desc_bits.append(f"{marker_label}: {_fmt(marker)}")
    desc_bits += [f"{name}: {_fmt(v)}" for name, v in bands]
    out = [_open(width, height, title, "; ".join(desc_bits))]
    if not pts:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no observations</text></svg>')
        return "".join(out)
    lo, hi = min(pts + extra), max(pts + extra)
    log = hi / lo > 20
    f = (lambda v: math.log10(v)) if log else (lambda v: v)
    a, b = f(lo), f(hi)
    if b - a < 1e-12:
        a, b = a - 0.5, b + 0.5
    span = b - a
    a, b = a - span * 0.05, b + span * 0.05

    def x(v: float) -> float:
        return left + (f(v) - a) / (b - a) * (width - left - right)

    counts = [0] * bins
    for v in pts:
        counts[min(bins - 1, max(0, int((f(v) - a) / (b - a) * bins)))] += 1
    cmax = max(counts)
    base = height - bottom
    bw = (width - left - right) / bins
    for i, c in enumerate(counts):
        if not c:
            continue
        h = (base - top) * c / cmax
        out.append(
            f'<g style="color:#37474f"><rect x="{left + i * bw:.1f}" y="{base - h:.1f}" width="{bw - 1:.1f}" '
            f'height="{h:.1f}" fill="url(#p-hatch)" stroke="#37474f"/></g>'
        )
    out.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#333"/>')
    for t in range(5):
        fv = a + (b - a) * t / 4
        v = 10**fv if log else fv
        xx = left + (width - left - right) * t / 4
        out.append(f'<text x="{xx:.1f}" y="{base + 16}" text-anchor="middle" class="l">{escape(_fmt(v))}</text>')
    out.append(
        f'<text x="{(width + left - right) / 2:.1f}" y="{height - 6}" text-anchor="middle" class="l">'
        f"{escape(x_label)}{' (log scale)' if log else ''}</text>"
    )
    for i, (name, v) in enumerate(bands):
        if v is None or v <= 0:
            continue
        xx = x(v)
        out.append(
            f'<line x1="{xx:.1f}" y1="{top - 4}" x2="{xx:.1f}" y2="{base}" stroke="#0d47a1" stroke-dasharray="2 3"/>'
            f'<text x="{xx + 3:.1f}" y="{top + 8 + 12 * i}" class="l">{escape(name)} {escape(_fmt(v))}</text>'
        )
    if marker is not None and marker > 0:
        xx = x(marker)
        out.append(
            f'<line x1="{xx:.1f}" y1="{top - 10}" x2="{xx:.1f}" y2="{base}" stroke="#b71c1c" stroke-width="2.5" '
            f'stroke-dasharray="6 3"/><path d="M{xx - 6:.1f} {top - 16} L{xx + 6:.1f} {top - 16} L{xx:.1f} '
            f'{top - 8} Z" fill="#b71c1c"/>'
            f'<text x="{min(xx + 8, width - 150):.1f}" y="{top - 10}" class="m">▼ {escape(marker_label)} '
            f"{escape(_fmt(marker))}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def line_chart(
    series: Sequence[tuple[str, Sequence[tuple[float, float]]]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = 560,
    height: int = 260,
    y_max: float = 1.0,
) -> str:
    """Lines (e.g. precision and recall at an inspection rate): a dash pattern and a marker shape per
    series, and its name written at the line's end as well as in the legend."""
    left, right, bottom, top = 44, 110, 44, 16
    xs = [x for _, pts in series for x, _ in pts]
    desc = "; ".join(f"{name}: " + ", ".join(f"{_fmt(x)}→{_fmt(y)}" for x, y in pts) for name, pts in series)
    out = [_open(width, height, title, desc or "no data")]
    if not xs:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no data</text></svg>')
        return "".join(out)
    x0, x1 = min(xs), max(xs)
    if x1 - x0 < 1e-12:
        x1 = x0 + 1
    base = height - bottom

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def py(y: float) -> float:
        return base - (min(y, y_max) / y_max) * (base - top)

    out.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#333"/>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="#333"/>')
    for t in range(5):
        yv = y_max * t / 4
        out.append(f'<text x="{left - 4}" y="{py(yv) + 4:.1f}" text-anchor="end" class="l">{_fmt(yv)}</text>')
        xv = x0 + (x1 - x0) * t / 4
        out.append(f'<text x="{px(xv):.1f}" y="{base + 16}" text-anchor="middle" class="l">{_fmt(xv)}</text>')
    out.append(
        f'<text x="{(width - right + left) / 2:.1f}" y="{height - 6}" text-anchor="middle" class="l">'
        f"{escape(x_label)}</text>"
        f'<text x="12" y="{top + (base - top) / 2:.1f}" class="l" transform="rotate(-90 12 '
        f'{top + (base - top) / 2:.1f})" text-anchor="middle">{escape(y_label)}</text>'
    )
    for i, (name, pts) in enumerate(series):
        colour = COLOURS[(i * 2 + 3) % len(COLOURS)]
        pts = sorted(pts)
        d = " ".join(f"{'M' if j == 0 else 'L'}{px(x):.1f} {py(y):.1f}" for j, (x, y) in enumerate(pts))
        dash = DASHES[i % len(DASHES)]
        out.append(
            f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + "/>"
        )
        for x, y in pts:
            out.append(_marker(MARKERS[i % len(MARKERS)], px(x), py(y), colour))
        if pts:
            lx, ly = pts[-1]
            out.append(f'<text x="{px(lx) + 8:.1f}" y="{py(ly) + 4:.1f}" class="l">{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if shape == "triangle":
        return (
            f'<path d="M{x:.1f} {y - 4.5:.1f} L{x + 4.5:.1f} {y + 3.5:.1f} L{x - 4.5:.1f} {y + 3.5:.1f} Z" '
            f'fill="{colour}"/>'
        )
    if shape == "diamond":
        return (
            f'<path d="M{x:.1f} {y - 5:.1f} L{x + 5:.1f} {y:.1f} L{x:.1f} {y + 5:.1f} L{x - 5:.1f} {y:.1f} Z" '
            f'fill="{colour}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


def reference_chart(
    rows: Sequence[tuple[str, float, float, float, int]],
    *,
    title: str,
    x_label: str,
    marker: float | None = None,
    marker_label: str = "",
    limits: Sequence[tuple[str, float]] = (),
    width: int = 600,
) -> str:
    """Price references as horizontal boxes (first to third quartile, the median a thick tick), one row
    per group (``label, q1, median, q3, count``), on a log scale when the values span more than 20×;
    the declared unit value (``marker``) and manual limits are labelled vertical lines."""
    left, right, top, row_h, bottom = 170, 24, 34, 30, 40
    height = top + row_h * max(len(rows), 1) + bottom
    values = [v for r in rows for v in r[1:4] if v and v > 0]
    values += [v for v in [marker, *[x for _, x in limits]] if v is not None and v > 0]
    desc = "; ".join(
        f"{r[0]}: median {_fmt(r[2])}, quartiles {_fmt(r[1])}–{_fmt(r[3])}, {r[4]} observations" for r in rows
    )
    if marker is not None:
        desc += f"; {marker_label}: {_fmt(marker)}"
    out = [_open(width, height, title, desc or "no reference")]
    if not values:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no reference</text></svg>')
        return "".join(out)
    lo, hi = min(values), max(values)
    log = hi / lo > 20
    f = (lambda v: math.log10(v)) if log else (lambda v: v)
    a, b = f(lo), f(hi)
    if b - a < 1e-12:
        a, b = a - 0.5, b + 0.5
    pad = (b - a) * 0.08
    a, b = a - pad, b + pad
    if not log:
        a = max(a, 0.0)

    def x(v: float) -> float:
        return left + (f(max(v, 1e-12)) - a) / (b - a) * (width - left - right)

    base = top + row_h * max(len(rows), 1)
    for i, (label, q1, med, q3, n) in enumerate(rows):
        y = top + i * row_h
        out.append(
            f'<text x="{left - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end" class="l">'
            f"{escape(label)} (n={n})</text>"
        )
        if q1 and q3 and q1 > 0 and q3 > 0:
            out.append(
                f'<g style="color:#37474f"><rect x="{x(q1):.1f}" y="{y + 6}" width="{max(x(q3) - x(q1), 2):.1f}" '
                f'height="{row_h - 12}" fill="url(#p-hatch)" stroke="#37474f"/></g>'
            )
        if med and med > 0:
            out.append(
                f'<line x1="{x(med):.1f}" y1="{y + 3}" x2="{x(med):.1f}" y2="{y + row_h - 3}" '
                f'stroke="#1a1a1a" stroke-width="3"/>'
            )
    out.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#333"/>')
    for t in range(5):
        fv = a + (b - a) * t / 4
        v = 10**fv if log else fv
        xx = left + (width - left - right) * t / 4
        out.append(f'<text x="{xx:.1f}" y="{base + 16}" text-anchor="middle" class="l">{escape(_fmt(v))}</text>')
    out.append(
        f'<text x="{(width + left - right) / 2:.1f}" y="{height - 6}" text-anchor="middle" class="l">'
        f"{escape(x_label)}{' (log scale)' if log else ''}</text>"
    )
    for name, v in limits:
        if v is None or v <= 0:
            continue
        out.append(
            f'<line x1="{x(v):.1f}" y1="{top - 4}" x2="{x(v):.1f}" y2="{base}" stroke="#0d47a1" '
            f'stroke-dasharray="2 3"/><text x="{x(v) + 3:.1f}" y="{base - 4}" class="l">'
            f"{escape(name)} {escape(_fmt(v))}</text>"
        )
    if marker is not None and marker > 0:
        xx = x(marker)
        out.append(
            f'<line x1="{xx:.1f}" y1="{top - 8}" x2="{xx:.1f}" y2="{base}" stroke="#b71c1c" stroke-width="2.5" '
            f'stroke-dasharray="6 3"/><path d="M{xx - 6:.1f} {top - 18} L{xx + 6:.1f} {top - 18} L{xx:.1f} '
            f'{top - 9} Z" fill="#b71c1c"/><text x="{min(xx + 9, width - 170):.1f}" y="{top - 10}" class="m">'
            f"{escape(marker_label)} {escape(_fmt(marker))}</text>"
        )
    out.append("</svg>")
    return "".join(out)
