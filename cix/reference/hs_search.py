"""A small ranked text search over HS descriptions, built once per edition on first search.

Words are lower-cased runs of letters and digits; a query word matches a description word that
starts with it when it has four letters or more ("roast" finds "roasted", "car" finds only
"car"); a trailing plural "s" is ignored so "tomatoes" finds
"tomato"). Ranking, best first: descriptions containing *all* the query words; then more query
words present; then matches that are not negated (in "Coffee; decaffeinated, not roasted" the word
"roasted" follows "not" and counts for less than in "Coffee; roasted, not decaffeinated"); then
words of the entry's own description over words it inherits from its heading and chapter (a
subheading "Vehicles; with only spark-ignition ..." is found for "motor cars" through heading
8703 "Motor cars and other motor vehicles ..."); then whole-word over prefix matches; then
subheadings over headings over chapters; then the shorter (more specific) description; then the
code.

>>> index = TextIndex({"090121": "Coffee; roasted, not decaffeinated",
...                    "090111": "Coffee; not roasted or decaffeinated",
...                    "0902": "Tea, whether or not flavoured"})
>>> index.search("roasted coffee")
['090121', '090111']
"""

from __future__ import annotations

import re
from collections import defaultdict

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NEGATIONS = frozenset({"not", "other", "excluding", "except", "without", "non"})


def words(text: str) -> list[str]:
    """The lower-cased words of ``text``.

    >>> words("Horses; live, pure-bred")
    ['horses', 'live', 'pure', 'bred']
    """
    return _WORD.findall(text.lower())


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


class TextIndex:
    """An inverted index from words to codes, with the ranking described in the module docstring."""

    def __init__(self, descriptions: dict[str, str], parents: dict[str, str | None] | None = None) -> None:
        self._lengths: dict[str, int] = {}
        # word -> {code: (negated, inherited)}; the best occurrence per code is kept
        self._postings: dict[str, dict[str, tuple[bool, bool]]] = defaultdict(dict)
        parents = parents or {}
        for code, text in descriptions.items():
            tokens = words(text)
            self._lengths[code] = len(tokens)
            self._add(code, tokens, inherited=False)
            ancestor = parents.get(code)
            while ancestor is not None and ancestor in descriptions:
                self._add(code, words(descriptions[ancestor]), inherited=True)
                ancestor = parents.get(ancestor)
        self._vocabulary = sorted(self._postings)

    def _add(self, code: str, tokens: list[str], *, inherited: bool) -> None:
        previous = ""
        for token in tokens:
            postings = self._postings[_stem(token)]
            mark = (previous in _NEGATIONS, inherited)
            was = postings.get(code)
            if was is None or mark < was:
                postings[code] = mark
            previous = token

    def _matches(self, word: str) -> dict[str, tuple[bool, bool, bool]]:
        """Codes matching one query word -> (negated?, inherited?, prefix only?), lowest is best."""
        stem = _stem(word)
        found: dict[str, tuple[bool, bool, bool]] = {}
        candidates = self._vocabulary if len(stem) >= 4 else ([stem] if stem in self._postings else [])
        for vocab_word in candidates:
            if not vocab_word.startswith(stem):
                continue
            prefix = vocab_word != stem
            for code, (negated, inherited) in self._postings[vocab_word].items():
                mark = (negated, inherited, prefix)
                was = found.get(code)
                if was is None or mark < was:
                    found[code] = mark
        return found

    def search(self, text: str, limit: int = 20) -> list[str]:
        """Codes ranked for ``text`` (empty when no word of it occurs)."""
        query = list(dict.fromkeys(words(text)))
        if not query or limit <= 0:
            return []
        per_word = [self._matches(w) for w in query]
        scores: dict[str, list[int]] = {}
        for matches in per_word:
            for code, (negated, inherited, prefix) in matches.items():
                score = scores.setdefault(code, [0, 0, 0, 0])
                score[0] += 1
                score[1] += 0 if negated else 1
                score[2] += 0 if inherited else 1
                score[3] += 0 if prefix else 1
        n = len(query)

        def rank(code: str) -> tuple[int, int, int, int, int, int, int, str]:
            present, positive, own, exact = scores[code]
            return (
                0 if present == n else 1,
                -present,
                -positive,
                -own,
                -exact,
                -len(code),
                self._lengths[code],
                code,
            )

        return sorted(scores, key=rank)[:limit]
