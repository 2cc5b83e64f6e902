"""The streaming APIs and the matching defects."""

from __future__ import annotations

from collections import Counter
from itertools import islice

from cix.generate import Dataset, iter_declarations, iter_pairs, natural_key
from cix.model.rules import validate

from .conftest import END


def test_iter_declarations_yields_n_valid_imports_reproducibly() -> None:
    first = list(iter_declarations(1500, seed=2, end_date=END))
    assert len(first) == 1500 and all(r["kind"] == "import" for r in first)
    assert first == list(iter_declarations(1500, seed=2, end_date=END))
    assert first[:50] != list(iter_declarations(50, seed=3, end_date=END))
    assert len({natural_key(r) for r in first}) == 1500
    for rec in first:
        _decl, problems = validate(rec, today=END)
        assert not problems, problems
    assert max(r["date"] for r in first) == END.isoformat()


def test_iter_pairs_counts_and_defects() -> None:
    n = 4000
    pairs = list(iter_pairs(n, seed=9, end_date=END))
    exports = [p.export for p in pairs if p.export is not None]
    imports = [p.imp for p in pairs if p.imp is not None]
    assert len(exports) == len(imports) == n
    both = [p for p in pairs if p.export is not None and p.imp is not None]
    assert len(both) == n - 200
    defects = Counter(d.split(":")[0] for p in both for d in p.defects)
    assert abs(defects["missing_ucr"] / len(both) - 0.2) < 0.03
    assert abs(defects["mistyped_container"] / len(both) - 0.1) < 0.02
    for p in both:
        e, i = p.export, p.imp
        assert e is not None and i is not None
        if not any(d.startswith("missing_ucr") for d in p.defects):
            assert e["ucr"] == i["ucr"]
        else:
            assert ("ucr" in e) != ("ucr" in i)
        ce = [c["number"] for c in e["consignment"]["containers"]]
        ci = [c["number"] for c in i["consignment"]["containers"]]
        mistyped = any(d.startswith("mistyped") for d in p.defects)
        assert (ce != ci) == mistyped
        if mistyped:
            assert sum(a != b for a, b in zip(ce, ci, strict=True)) == 1
    for p in islice(pairs, 500):
        for rec in (p.export, p.imp):
            if rec is not None:
                _decl, problems = validate(rec, today=END)
                assert not problems, problems


def test_defect_shares_in_a_dataset(defective: Dataset) -> None:
    links = defective.links
    pairs = [link for link in links if link["export"] and link["imports"]]
    export_only = sum(1 for link in links if not link["imports"])
    import_only = sum(1 for link in links if not link["export"])
    assert abs(export_only / len(defective.exports) - 0.05) < 0.02
    assert abs(import_only / len(defective.imports) - 0.05) < 0.02
    defects = Counter(d.split(":")[0] for link in pairs for d in link["defects"])
    assert abs(defects["missing_ucr"] / len(pairs) - 0.2) < 0.03
    assert abs(defects["mistyped_container"] / len(pairs) - 0.1) < 0.02
    with_ucr = {r["ucr"] for r in defective.exports if "ucr" in r}
    missing = sum(1 for r in defective.exports + defective.imports if "ucr" not in r)
    assert missing == defects["missing_ucr"] and with_ucr
    for rec in defective.imports[:400] + defective.exports[:400]:
        _decl, problems = validate(rec, today=END)
        assert not problems, problems
