"""Tests of cix.reference.hs_search: words, prefixes, negation and inherited heading words."""

from __future__ import annotations

from cix.reference.hs_search import TextIndex, words

DESCRIPTIONS = {
    "0901": "Coffee, whether or not roasted",
    "090111": "Coffee; not roasted",
    "090121": "Coffee; roasted",
    "8703": "Motor cars",
    "870323": "Vehicles; spark-ignition engine",
    "2002": "Tomatoes; prepared",
    "8708": "Parts of motor vehicles",
}
PARENTS: dict[str, str | None] = {"090111": "0901", "090121": "0901", "870323": "8703"}


def test_words_split_on_punctuation() -> None:
    assert words("Spark-ignition; CARS") == ["spark", "ignition", "cars"]


def test_all_words_before_some_words() -> None:
    index = TextIndex(DESCRIPTIONS, PARENTS)
    ranked = index.search("roasted coffee")
    assert ranked[0] == "090121"
    assert set(ranked) == {"0901", "090111", "090121"}


def test_prefix_and_plural() -> None:
    index = TextIndex(DESCRIPTIONS)
    assert index.search("roast") == ["090121", "090111", "0901"]  # negated matches last
    assert index.search("tomato") == ["2002"]
    assert index.search("car") == ["8703"]  # "cars" is indexed as "car"
    assert index.search("mot") == []  # words under four letters match whole words only
    assert index.search("moto") == ["8703", "8708"]


def test_inherited_words_rank_below_own_words() -> None:
    index = TextIndex(DESCRIPTIONS, PARENTS)
    assert index.search("motor cars spark") == ["870323", "8703", "8708"]
    assert index.search("motor")[:2] == ["8703", "8708"]


def test_empty_query_and_limit() -> None:
    index = TextIndex(DESCRIPTIONS)
    assert index.search("") == []
    assert index.search("coffee", limit=0) == []
    assert len(index.search("coffee", limit=2)) == 2
