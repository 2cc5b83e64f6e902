"""Server-drawn SVG charts: well-formed, labelled in text (readable without colour), escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from cix.console import charts

NS = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == NS + "svg" and root.get("role") == "img"
    assert root.find(NS + "title") is not None and root.find(NS + "desc") is not None
    return ["".join(t.itertext()) for t in root.iter(NS + "text")]


def test_bar_chart_labels_every_bar_and_its_value_and_uses_patterns() -> None:
    svg = charts.bar_chart([("green", 40), ("yellow", 7), ("red", 3), ("blue", 0)], title="Channels")
    texts = _texts(svg)
    for label, value in (("green", "40"), ("yellow", "7"), ("red", "3"), ("blue", "0")):
        assert label in texts and value in texts
    assert "url(#p-hatch)" in svg and "url(#p-cross)" in svg  # bars differ by pattern, not colour alone


def test_reference_chart_marks_the_declared_value_in_words() -> None:
    svg = charts.reference_chart([("0901 BR KGM", 4.0, 5.0, 6.5, 120), ("0901 * KGM", 3.0, 5.5, 8.0, 900)],
                                 title="Price", x_label="USD per kg", marker=1.2, marker_label="declared",
                                 limits=[("minimum", 3.5)])  # fmt: skip
    texts = _texts(svg)
    assert any(t.startswith("declared 1.2") for t in texts)
    assert "0901 BR KGM (n=120)" in texts and any(t.startswith("minimum") for t in texts)
    assert 'stroke-dasharray="6 3"' in svg  # the marker is dashed as well as red


def test_line_chart_names_each_series_and_differs_by_dash_and_marker() -> None:
    svg = charts.line_chart([("precision", [(1, 0.9), (5, 0.6)]), ("recall", [(1, 0.1), (5, 0.4)])],
                            title="t", x_label="rate", y_label="share")  # fmt: skip
    texts = _texts(svg)
    assert "precision" in texts and "recall" in texts
    assert "stroke-dasharray" in svg and "<rect" in svg and "<circle" in svg


def test_empty_data_says_so() -> None:
    assert "no observations" in _texts(charts.distribution_chart([], title="t", x_label="x"))
    assert "no data" in _texts(charts.line_chart([], title="t", x_label="x", y_label="y"))
    assert "no reference" in _texts(charts.reference_chart([], title="t", x_label="x"))


@given(st.text(max_size=30), st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), max_size=30))
def test_any_labels_and_values_give_well_formed_svg(label: str, values: list[float]) -> None:
    label = "".join(c for c in label if c.isprintable())
    _texts(charts.bar_chart([(label, v) for v in values[:6]], title=label))
    _texts(charts.distribution_chart(values, title=label, x_label=label, marker=values[0] if values else None,
                                     marker_label=label))  # fmt: skip
