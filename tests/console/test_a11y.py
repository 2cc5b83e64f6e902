"""Contrast of the console's colours, computed from its stylesheet: every rule that sets a text colour
and a background is checked against WCAG AA (4.5:1 for text)."""

from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[2] / "cix" / "console" / "static" / "console.css"


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    chans = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in chans]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _variables(css: str) -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", css, re.S)
    assert root
    return dict(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})", root.group(1)))


def _resolve(value: str, variables: dict[str, str]) -> str | None:
    value = value.strip()
    m = re.fullmatch(r"var\((--[\w-]+)\)", value)
    if m:
        return variables[m.group(1)]
    return value if re.fullmatch(r"#[0-9a-fA-F]{3,6}", value) else None


def pairs() -> list[tuple[str, str, str]]:
    css = CSS.read_text()
    variables = _variables(css)
    out = []
    body = re.sub(r":root\s*\{.*?\}", "", css, count=1, flags=re.S)
    for selector, decls in re.findall(r"([^{}]+)\{([^{}]*)\}", body):
        props = dict((k.strip(), v.strip()) for k, v in (d.split(":", 1) for d in decls.split(";") if ":" in d))
        fg = props.get("color")
        bg = props.get("background") or props.get("background-color")
        if fg and bg and fg != "currentColor":
            f, b = _resolve(fg, variables), _resolve(bg, variables)
            if f and b:
                out.append((selector.strip(), f, b))
    return out


def test_contrast_helper_is_right() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic just-failing grey


def test_every_text_colour_on_its_background_reaches_4_5() -> None:
    found = pairs()
    assert len(found) >= 15  # body, links, bars, chips of the four channels, notices, errors, flags ...
    low = [(s, f, b, round(contrast(f, b), 2)) for s, f, b in found if contrast(f, b) < 4.5]
    assert low == []


def test_the_main_colours_are_among_the_checked_pairs() -> None:
    checked = {(f.lower(), b.lower()) for _s, f, b in pairs()}
    v = _variables(CSS.read_text())
    for fg, bg in [("--text", "--page"), ("--bar-text", "--bar"), ("--red-fg", "--red-bg"),
                   ("--green-fg", "--green-bg"), ("--yellow-fg", "--yellow-bg"), ("--blue-fg", "--blue-bg"),
                   ("--muted", "--page"), ("--link", "--page"), ("--flag-fg", "--flag-bg")]:  # fmt: skip
        assert (v[fg].lower(), v[bg].lower()) in checked, (fg, bg)
