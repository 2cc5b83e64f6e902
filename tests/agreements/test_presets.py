"""Tests of the agreement presets and of the agreement file format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cix.agreements import Agreement, get_preset, instantiate, presets, read_agreement
from cix.agreements.model import MESSAGE_TYPES, party_matches
from cix.errors import InputError, NotFound, UsageError

DAY = dt.date(2016, 6, 1)
PARTIES = {
    "green-corridor": ["FI-CUSTOMS", "RU-FCS"],
    "apec-preliminary": ["RU-FCS", "CN-GACC", "US-CBP"],
    "bsec-preliminary": ["RU-FCS", "TR-GTB"],
    "statistics-quarterly": ["FI-CUSTOMS", "RU-FCS"],
    "mutual-assistance": ["RU-FCS", "FI-CUSTOMS"],
    "price-information": ["RU-FCS", "CN-GACC"],
    "common-risk-profiles": ["RU-FCS", "FI-CUSTOMS"],
}


def test_the_presets() -> None:
    assert set(presets()) == set(PARTIES)


@pytest.mark.parametrize("preset_id", sorted(PARTIES))
def test_every_preset_instantiates_and_round_trips(preset_id: str, tmp_path: Path) -> None:
    agreement = instantiate(preset_id, PARTIES[preset_id], valid_from=DAY)
    assert agreement.parties == tuple(PARTIES[preset_id]) and agreement.preset == preset_id
    assert set(agreement.message_types) <= set(MESSAGE_TYPES)
    path = tmp_path / "a.json"
    agreement.save(path)
    again = read_agreement(path)
    assert again == agreement
    assert again.to_json() == agreement.to_json()


def test_green_corridor() -> None:
    a = instantiate("green-corridor", ["FI-CUSTOMS", "RU-FCS"], valid_from=DAY)
    assert a.id == "green-corridor-fi-customs-ru-fcs" and a.organization == "EU-RU" and a.encrypt
    assert a.to_dict()["direction"] == {"from": ["FI-CUSTOMS"], "to": ["RU-FCS"]}
    scope = a.message_types["export_declaration"]
    assert [c.describe() for c in scope.conditions] == ["/exporter/aeo eq true"]
    assert "/goods/*/hs_code" in scope.fields and "/ucr" in scope.fields
    assert not any("customs_value" in f for f in scope.fields)
    assert scope.note and "customs value" in scope.note


def test_green_corridor_exporter_must_be_eu_member() -> None:
    with pytest.raises(UsageError, match="not a member of EU"):
        instantiate("green-corridor", ["RU-FCS", "FI-CUSTOMS"], valid_from=DAY)
    with pytest.raises(UsageError, match="not a member of EU"):
        instantiate("green-corridor", ["HR-CARINA", "RU-FCS"], valid_from=dt.date(2013, 1, 1))


def test_apec_parties_must_be_economies() -> None:
    with pytest.raises(UsageError, match="APEC"):
        instantiate("apec-preliminary", ["RU-FCS", "FI-CUSTOMS"], valid_from=DAY)


def test_bad_arguments() -> None:
    with pytest.raises(NotFound):
        get_preset("nope")
    with pytest.raises(UsageError):
        instantiate("green-corridor", ["FI-CUSTOMS"], valid_from=DAY)
    with pytest.raises(UsageError):
        instantiate("green-corridor", ["FI-CUSTOMS", "RU-FCS", "EE-MTA"], valid_from=DAY)
    with pytest.raises(UsageError, match="not a party"):
        instantiate("mutual-assistance", ["RU-FCS", "XX-NOPE"], valid_from=DAY)
    with pytest.raises(UsageError):
        instantiate("mutual-assistance", ["RU-FCS", "FI"], valid_from=DAY, valid_to=dt.date(2000, 1, 1))


def test_overrides() -> None:
    a = instantiate(
        "statistics-quarterly",
        ["fi-customs", "ru-fcs"],
        agreement_id="stats-fi-ru",
        organization="fi-ru",
        valid_from=DAY,
        retention_days=30,
        encrypt=True,
    )
    assert (a.id, a.organization, a.retention_days, a.encrypt) == ("stats-fi-ru", "FI-RU", 30, True)
    assert a.parties == ("FI-CUSTOMS", "RU-FCS")


BASE = {
    "id": "x",
    "name": "x",
    "organization": "WCO",
    "parties": ["RU-FCS", "FI-CUSTOMS"],
    "valid_from": "2016-01-01",
    "message_types": {"statistics": {"fields": ["/period"]}},
}


@pytest.mark.parametrize(
    "change",
    [
        {"parties": ["RU-FCS"]},
        {"parties": ["RU-FCS", "RU-FCS"]},
        {"parties": ["RU-FCS", "ZZ-X"]},
        {"direction": {"from": ["EE-MTA"], "to": ["RU-FCS"]}},
        {"direction": "one-way"},
        {"message_types": {}},
        {"message_types": {"Stats": {"fields": ["/period"]}}},
        {"message_types": {"statistics": {"fields": ["period"]}}},
        {"message_types": {"statistics": {"fields": []}}},
        {"valid_to": "2015-01-01"},
        {"retention_days": -1},
        {"format": "other/2"},
        {"surprise": 1},
    ],
)
def test_invalid_agreements(change: dict) -> None:
    from cix.agreements import parse_agreement

    with pytest.raises(InputError):
        parse_agreement({**BASE, **change})


def test_agreement_is_immutable() -> None:
    a = Agreement.model_validate(BASE)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error
        a.id = "y"  # type: ignore[misc]


def test_party_matching() -> None:
    assert party_matches("RU", "RU-FCS") and not party_matches("RU", "RUS-X")
    assert not party_matches("RU-FCS", "RU-FTS")
