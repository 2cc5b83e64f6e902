"""Tests of cix.reference.hs: editions as data files, entries, parents, search, suggestions."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from cix.errors import NotFound, ReferenceDataError
from cix.reference import hs


@pytest.fixture(scope="module")
def hs2022() -> hs.HsEdition:
    return hs.edition("HS2022")


def test_shipped_editions_and_dates() -> None:
    names = [(e.name, e.valid_from, e.valid_to) for e in hs.editions()]
    assert names == [
        ("HS2017", date(2017, 1, 1), date(2021, 12, 31)),
        ("HS2022", date(2022, 1, 1), None),
    ]


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2017, 1, 1), "HS2017"),
        (date(2021, 12, 31), "HS2017"),
        (date(2022, 1, 1), "HS2022"),
        (date(2031, 6, 1), "HS2022"),
    ],
)
def test_edition_for_picks_the_edition_in_force(day: date, name: str) -> None:
    assert hs.edition_for(day).name == name


def test_edition_for_before_any_edition_fails() -> None:
    with pytest.raises(ReferenceDataError, match="2016-12-31"):
        hs.edition_for(date(2016, 12, 31))


def test_unknown_edition_lists_known_names() -> None:
    with pytest.raises(NotFound, match="HS2017, HS2022"):
        hs.edition("HS1996")
    assert hs.edition("hs2017").name == "HS2017"


def test_entry_levels_parents_and_sections(hs2022: hs.HsEdition) -> None:
    entry = hs2022.entry("8703.23")
    assert entry is not None
    assert (entry.code, entry.level, entry.parent, entry.section) == ("870323", 6, "8703", "XVII")
    assert [p.code for p in hs2022.parents("870323")] == ["8703", "87"]
    assert hs2022.parents("87") == []
    chapter = hs2022.entry("87")
    assert chapter is not None and chapter.parent is None and chapter.level == 2
    assert hs2022.sections["XVII"].startswith("Vehicles, aircraft")
    assert hs2022.entry("8703").level == 4  # type: ignore[union-attr]
    assert hs2022.entry("870399") is None


def test_bom_file_reads_its_first_column() -> None:
    hs2017 = hs.edition("HS2017")
    first = hs2017.entry("01")
    assert first is not None and first.section == "I"
    assert hs2017.sections["I"].lower().startswith("live animals")


def test_comtrade_artefacts_are_not_hs(hs2022: hs.HsEdition) -> None:
    assert hs2022.entry("99") is None
    assert not hs2022.has_subheading("999999")
    assert hs2022.entry("TOTAL") is None


def test_has_subheading_is_a_set_lookup(hs2022: hs.HsEdition) -> None:
    assert isinstance(hs2022.subheadings, frozenset)
    assert len(hs2022.subheadings) == 5612  # 5613 six-digit rows less 999999
    assert hs2022.has_subheading("090121")
    assert not hs2022.has_subheading("0901")
    assert not hs2022.has_subheading("0901.21")


def test_editions_differ_where_the_nomenclature_changed() -> None:
    # 0309 (flours of fish) is new in HS2022; 030510 was deleted by it
    assert hs.edition("HS2022").has_subheading("030910")
    assert not hs.edition("HS2017").has_subheading("030910")
    assert hs.edition("HS2017").has_subheading("030510")
    assert not hs.edition("HS2022").has_subheading("030510")


def test_search_ranks_all_words_first(hs2022: hs.HsEdition) -> None:
    codes = [e.code for e in hs2022.search("roasted coffee")]
    assert set(codes[:2]) == {"090121", "090122"}
    assert codes.index("090121") < codes.index("090111")  # "not roasted" counts for less


def test_search_limit_words_and_codes(hs2022: hs.HsEdition) -> None:
    assert len(hs2022.search("fish", limit=5)) == 5
    assert hs2022.search("zzzzqqq") == []
    assert [e.code for e in hs2022.search("0901")][:2] == ["0901", "090111"]
    assert hs2022.search("horses")[0].code.startswith("0101")


def test_search_uses_heading_words_for_terse_subheadings(hs2022: hs.HsEdition) -> None:
    assert all(e.code.startswith("8703") for e in hs2022.search("motor cars spark ignition", limit=3))


def test_suggest_same_heading_then_chapter(hs2022: hs.HsEdition) -> None:
    assert hs2022.suggest("090129") == ["090122", "090121", "090112"]
    # no heading 0912: the nearest subheadings of chapter 09
    assert hs2022.suggest("091200", limit=2) == ["091099", "091091"]
    assert hs2022.suggest("770000") == []  # chapter 77 is reserved
    assert hs2022.suggest("ab") == []


def test_require_names_suggestions(hs2022: hs.HsEdition) -> None:
    with pytest.raises(NotFound, match="nearest: 090122") as info:
        hs2022.require("090129")
    assert info.value.details["suggestions"][0] == "090122"


def _add_edition(directory: Path, name: str, start: str, end: str | None, file: str) -> None:
    meta = {"name": name, "valid_from": start, "valid_to": end, "file": file, "sections": "sections.csv"}
    (directory / f"{name}.json").write_text(json.dumps(meta), encoding="utf-8")


@pytest.fixture
def data_dir_with_hs2028(tmp_path: Path) -> Path:
    for f in hs.DEFAULT_HS_DIR.iterdir():
        shutil.copy(f, tmp_path / f.name)
    _add_edition(tmp_path, "HS2022", "2022-01-01", "2027-12-31", "hs2022.csv")
    text = (hs.DEFAULT_HS_DIR / "hs2022.csv").read_text(encoding="utf-8")
    text += 'II,090130,"Coffee; capsules (HS2028 test code)",0901,6\n'
    (tmp_path / "hs2028.csv").write_text(text, encoding="utf-8")
    _add_edition(tmp_path, "HS2028", "2028-01-01", None, "hs2028.csv")
    return tmp_path


def test_a_new_edition_is_only_files(data_dir_with_hs2028: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    eds = hs.editions(data_dir_with_hs2028)
    assert [e.name for e in eds] == ["HS2017", "HS2022", "HS2028"]
    assert hs.edition_for(date(2028, 1, 1), data_dir_with_hs2028).has_subheading("090130")
    assert hs.edition_for(date(2027, 12, 31), data_dir_with_hs2028).name == "HS2022"
    monkeypatch.setenv("CIX_HS_DIR", str(data_dir_with_hs2028))
    assert hs.edition("HS2028").entry("090130").description.startswith("Coffee; capsules")  # type: ignore[union-attr]
    monkeypatch.delenv("CIX_HS_DIR")
    with pytest.raises(NotFound):
        hs.edition("HS2028")


def test_overlapping_editions_are_refused(data_dir_with_hs2028: Path) -> None:
    _add_edition(data_dir_with_hs2028, "HS2022", "2022-01-01", None, "hs2022.csv")
    with pytest.raises(ReferenceDataError, match="overlap"):
        hs.editions(data_dir_with_hs2028)


def test_bad_sidecar_is_a_reference_data_error(tmp_path: Path) -> None:
    (tmp_path / "HSX.json").write_text('{"name": "HSX", "valid_from": "soon", "file": "x.csv"}')
    with pytest.raises(ReferenceDataError, match="valid_from"):
        hs.editions(tmp_path)


def test_compact() -> None:
    assert hs.compact("8703.23") == "870323"
    assert hs.compact("87 03-23") == "870323"
