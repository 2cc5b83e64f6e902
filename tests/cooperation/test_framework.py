"""Tests of the cooperation framework: the 2016 preset exactly, and node-local facts added later."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from cix.cooperation import load_framework
from cix.errors import InputError, NotFound

D2016 = dt.date(2016, 6, 1)

APEC_2016 = {
    "AU", "BN", "CA", "CL", "CN", "HK", "ID", "JP", "KR", "MY", "MX",
    "NZ", "PG", "PE", "PH", "RU", "SG", "TW", "TH", "US", "VN",
}  # fmt: skip
BSEC_2016 = {"AZ", "AL", "AM", "BG", "GR", "GE", "MD", "RU", "RO", "RS", "TR", "UA"}
EU_2016 = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "GB",
}  # fmt: skip


def codes(members) -> set[str]:
    return {m.member for m in members}


def test_preset_says_it_is_as_of_2016() -> None:
    fw = load_framework()
    shipped = [s for s in fw.sources if not s.local]
    assert shipped and all(s.as_of == "2016" and s.source for s in shipped)


def test_organizations() -> None:
    ids = {o.id for o in load_framework().organizations(D2016)}
    assert {"WCO", "EU", "EAEU", "APEC", "BSEC", "BRICS"} <= ids
    assert any(o.kind == "bilateral" for o in load_framework().organizations())


def test_apec_21_economies() -> None:
    fw = load_framework()
    assert codes(fw.members("APEC", D2016)) == APEC_2016
    assert len(APEC_2016) == 21
    assert fw.name_of("HK", "APEC") == "Hong Kong, China"
    assert fw.name_of("TW", "APEC") == "Chinese Taipei"


def test_bsec_12_members_and_chairs() -> None:
    fw = load_framework()
    assert codes(fw.members("BSEC", D2016)) == BSEC_2016
    assert [c.chair for c in fw.chairs("BSEC", dt.date(2016, 1, 1))] == ["RU"]
    assert [c.chair for c in fw.chairs("BSEC", dt.date(2016, 6, 30))] == ["RU"]
    assert [c.chair for c in fw.chairs("BSEC", dt.date(2016, 7, 1))] == ["RS"]
    assert [c.chair for c in fw.chairs("BSEC", dt.date(2016, 12, 31))] == ["RS"]
    timeline = fw.chairs("BSEC")
    assert [(c.chair, c.valid_from, c.valid_to) for c in timeline] == [
        ("RU", dt.date(2016, 1, 1), dt.date(2016, 6, 30)),
        ("RS", dt.date(2016, 7, 1), dt.date(2016, 12, 31)),
    ]


def test_brics_five_and_chairs() -> None:
    fw = load_framework()
    assert codes(fw.members("BRICS", D2016)) == {"BR", "RU", "IN", "CN", "ZA"}
    assert fw.chairs("BRICS", dt.date(2015, 3, 31)) == []
    assert [c.chair for c in fw.chairs("BRICS", dt.date(2015, 4, 1))] == ["RU"]
    assert [c.chair for c in fw.chairs("BRICS", dt.date(2016, 2, 14))] == ["RU"]
    assert [c.chair for c in fw.chairs("BRICS", dt.date(2016, 2, 15))] == ["IN"]
    assert [c.chair for c in fw.chairs("BRICS")] == ["RU", "IN"]


def test_eu_and_eaeu_2016() -> None:
    fw = load_framework()
    assert codes(fw.members("EU", D2016)) == EU_2016
    assert "HR" not in codes(fw.members("EU", dt.date(2013, 6, 30)))
    assert codes(fw.members("EAEU", D2016)) == {"AM", "BY", "KG", "KZ", "RU"}


def test_wco_has_every_listed_country_except_chinese_taipei() -> None:
    fw = load_framework()
    wco = codes(fw.members("WCO", D2016))
    assert (APEC_2016 - {"TW"}) | BSEC_2016 | EU_2016 | {"BR", "IN", "ZA", "BY", "KZ", "KG"} <= wco
    assert "TW" not in wco


def test_russia_acceded_to_five_wco_conventions() -> None:
    entries = load_framework().instruments("RU")
    ids = {e.instrument.id for e in entries}
    assert ids == {"wco-nairobi", "wco-ata", "wco-istanbul", "wco-hs", "wco-rkc"}
    assert all(e.instrument.organization == "WCO" and e.instrument.kind == "convention" for e in entries)
    rkc = next(e for e in entries if e.instrument.id == "wco-rkc")
    assert rkc.accessions[0].scope == "General Annex"
    # dates we do not know are left empty, with a note saying so
    assert all(a.date is None and a.note for e in entries for a in e.accessions)
    nairobi = next(e for e in entries if e.instrument.id == "wco-nairobi").instrument
    assert "Customs Offences" in nairobi.title
    assert len(load_framework().instruments()) >= 5


def test_working_groups() -> None:
    fw = load_framework()
    assert "wco-hsc" in {g.id for g in fw.working_groups("WCO")}
    assert fw.working_groups("apec")[0].organization == "APEC"


def test_unknown_organization() -> None:
    with pytest.raises(NotFound):
        load_framework().members("NOPE")


def write(home: Path, name: str, doc: dict) -> None:
    (home / "cooperation").mkdir(parents=True, exist_ok=True)
    (home / "cooperation" / name).write_text(json.dumps(doc))


def test_brics_enlarged_in_2024_by_data(tmp_path: Path) -> None:
    write(
        tmp_path,
        "brics-2024.json",
        {
            "as_of": "2024",
            "source": "BRICS Johannesburg declaration (2023)",
            "memberships": [
                {"organization": "BRICS", "member": c, "valid_from": "2024-01-01"} for c in ("EG", "ET", "IR", "AE")
            ],
        },
    )
    fw = load_framework(tmp_path)
    assert codes(fw.members("BRICS", dt.date(2024, 6, 1))) == {"BR", "RU", "IN", "CN", "ZA", "EG", "ET", "IR", "AE"}
    assert codes(fw.members("BRICS", D2016)) == {"BR", "RU", "IN", "CN", "ZA"}
    assert any(s.local and s.as_of == "2024" for s in fw.sources)
    # the shipped preset alone is unchanged
    assert len(load_framework().members("BRICS", dt.date(2024, 6, 1))) == 5


def test_bsec_thirteenth_member_in_2020(tmp_path: Path) -> None:
    write(
        tmp_path,
        "bsec-2020.json",
        {"memberships": [{"organization": "BSEC", "member": "MK", "valid_from": "2020-01-01", "note": "2020"}]},
    )
    fw = load_framework(tmp_path)
    assert len(fw.members("BSEC", dt.date(2020, 6, 1))) == 13
    assert "MK" in codes(fw.members("BSEC", dt.date(2020, 6, 1)))
    assert len(fw.members("BSEC", D2016)) == 12


def test_ends_close_facts(tmp_path: Path) -> None:
    write(
        tmp_path,
        "brexit.json",
        {
            "ends": [
                {"kind": "membership", "organization": "EU", "member": "GB", "valid_to": "2020-01-31"},
                {"kind": "chairmanship", "organization": "BRICS", "chair": "IN", "valid_to": "2016-12-31"},
            ],
            "chairmanships": [{"organization": "BRICS", "chair": "CN", "valid_from": "2017-01-01"}],
        },
    )
    fw = load_framework(tmp_path)
    assert "GB" in codes(fw.members("EU", dt.date(2020, 1, 31)))
    assert "GB" not in codes(fw.members("EU", dt.date(2020, 2, 1)))
    assert [c.chair for c in fw.chairs("BRICS", dt.date(2017, 3, 1))] == ["CN"]
    assert [c.chair for c in fw.chairs("BRICS")] == ["RU", "IN", "CN"]


def test_nested_membership() -> None:
    fw = load_framework()
    assert fw.is_member("FI", "EU-RU", D2016)
    assert not fw.is_member("FI", "EU-RU", D2016, nested=False)
    assert not fw.is_member("CN", "EU-RU", D2016)


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ({"memberships": [{"organization": "BRICS", "member": "ZZ"}]}, "ZZ"),
        ({"memberships": [{"organization": "NOPE", "member": "FR"}]}, "NOPE"),
        ({"accessions": [{"instrument": "nope", "party": "FR"}]}, "nope"),
        (
            {
                "memberships": [
                    {"organization": "EU", "member": "FR", "valid_from": "2020-01-01", "valid_to": "2019-01-01"}
                ]
            },
            "valid_to",
        ),
        ({"unknown": []}, "unknown"),
    ],
)
def test_bad_node_files_are_input_errors(tmp_path: Path, doc: dict, fragment: str) -> None:
    write(tmp_path, "bad.json", doc)
    with pytest.raises(InputError) as info:
        load_framework(tmp_path)
    assert fragment in str(info.value.message) + str(info.value.details)


def test_not_json(tmp_path: Path) -> None:
    (tmp_path / "cooperation").mkdir()
    (tmp_path / "cooperation" / "x.json").write_text("{nope")
    with pytest.raises(InputError, match="not JSON"):
        load_framework(tmp_path)
