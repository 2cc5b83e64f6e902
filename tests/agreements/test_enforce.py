"""Tests of enforcement on both sides: outbound checks, scoping, inbound strict and lenient."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cix.agreements import (
    RULES,
    Agreement,
    check_inbound,
    check_outbound,
    instantiate,
    prepare_outbound,
    scope_payload,
)

DAY = dt.date(2016, 6, 1)


@pytest.fixture(scope="module")
def green() -> Agreement:
    return instantiate(
        "green-corridor", ["FI-CUSTOMS", "RU-FCS"], valid_from=dt.date(2016, 1, 1), valid_to=dt.date(2016, 12, 31)
    )


def export(aeo: bool = True) -> dict[str, Any]:
    return {
        "kind": "export",
        "mrn": "16FI000000000001",
        "ucr": "6FI123-1",
        "date": "2016-05-30",
        "exporter": {"name": "Oy Export Ab", "identifier": "FI1234567-8", "aeo": aeo, "country": "FI"},
        "importer": {"name": "OOO Import", "identifier": "RU7701234567"},
        "declarant": {"name": "Broker Oy", "identifier": "FI7654321-0"},
        "consignment": {
            "containers": [{"number": "MSCU1234566", "seals": ["S1"]}],
            "freight": 120.0,
            "transport_documents": [{"type": "N730", "number": "CMR1"}],
        },
        "goods": [
            {"hs_code": "847130", "description": "laptops", "net_mass": 5.0, "customs_value": 900.0},
            {"hs_code": "851712", "invoice_amount": 100.0, "currency": "EUR", "tax_rate": 0.2},
        ],
        "extras": {"national": "x"},
    }


def rules(problems: list) -> list[str]:
    return [p.rule for p in problems]


def test_rule_ids_are_stable() -> None:
    assert set(RULES) == {
        "agreement.party",
        "agreement.direction",
        "agreement.expired",
        "agreement.type",
        "agreement.condition",
        "agreement.field",
    }


def test_outbound_ok_and_scoped(green: Agreement) -> None:
    assert check_outbound(green, "FI-CUSTOMS", "RU-FCS", "export_declaration", export(), on=DAY) == []
    scoped, dropped = scope_payload(green, "export_declaration", export())
    assert "customs_value" not in str(scoped) and "/goods/0/customs_value" in dropped
    assert "extras" not in scoped and "/extras" in dropped
    assert scoped["goods"][1] == {"hs_code": "851712", "invoice_amount": 100.0, "currency": "EUR"}
    assert scoped["consignment"] == {
        "containers": [{"number": "MSCU1234566", "seals": ["S1"]}],
        "transport_documents": [{"type": "N730", "number": "CMR1"}],
    }
    assert scoped["exporter"]["aeo"] is True


def test_outbound_condition_aeo_only(green: Agreement) -> None:
    problems = check_outbound(green, "FI-CUSTOMS", "RU-FCS", "export_declaration", export(aeo=False), on=DAY)
    assert [(p.rule, p.path, p.value) for p in problems] == [("agreement.condition", "/exporter/aeo", False)]
    sent, problems, _ = prepare_outbound(green, "FI-CUSTOMS", "RU-FCS", "export_declaration", export(False), on=DAY)
    assert sent is None and problems


@pytest.mark.parametrize(
    ("sender", "recipient", "mtype", "day", "expected"),
    [
        ("FI-CUSTOMS", "DE-ZOLL", "export_declaration", DAY, ["agreement.party"]),
        ("EE-MTA", "RU-FCS", "export_declaration", DAY, ["agreement.party"]),
        ("RU-FCS", "FI-CUSTOMS", "export_declaration", DAY, ["agreement.direction"]),
        ("FI-CUSTOMS", "RU-FCS", "export_declaration", dt.date(2017, 1, 1), ["agreement.expired"]),
        ("FI-CUSTOMS", "RU-FCS", "export_declaration", dt.date(2015, 12, 31), ["agreement.expired"]),
        ("FI-CUSTOMS", "RU-FCS", "price_record", DAY, ["agreement.type"]),
        ("FI-CUSTOMS", "FI-CUSTOMS", "export_declaration", DAY, ["agreement.direction"]),
    ],
)
def test_outbound_rules(
    green: Agreement, sender: str, recipient: str, mtype: str, day: dt.date, expected: list[str]
) -> None:
    problems = check_outbound(green, sender, recipient, mtype, export(), on=day)
    assert rules(problems) == expected
    assert all(p.message and p.severity == "error" for p in problems)


def test_inbound_strict_rejects_fields(green: Agreement) -> None:
    accepted, problems, dropped = check_inbound(green, "FI-CUSTOMS", "RU-FCS", "export_declaration", export(), on=DAY)
    assert accepted is None
    assert set(rules(problems)) == {"agreement.field"}
    assert {p.path for p in problems} == set(dropped)
    assert "/goods/0/customs_value" in dropped and "/extras" in dropped
    assert all(p.value is None for p in problems)  # out-of-scope data is not copied into reasons


def test_inbound_lenient_drops_fields(green: Agreement) -> None:
    accepted, problems, dropped = check_inbound(
        green, "FI-CUSTOMS", "RU-FCS", "export_declaration", export(), on=DAY, strict=False
    )
    assert problems == [] and accepted is not None
    assert accepted == scope_payload(green, "export_declaration", export())[0]
    assert "/extras" in dropped


def test_inbound_of_scoped_payload_is_clean(green: Agreement) -> None:
    scoped, _ = scope_payload(green, "export_declaration", export())
    accepted, problems, dropped = check_inbound(green, "FI-CUSTOMS", "RU-FCS", "export_declaration", scoped, on=DAY)
    assert (accepted, problems, dropped) == (scoped, [], [])


def test_inbound_rejects_uncovered_type_even_lenient(green: Agreement) -> None:
    accepted, problems, dropped = check_inbound(
        green, "FI-CUSTOMS", "RU-FCS", "risk_profile", {"a": 1}, on=DAY, strict=False
    )
    assert accepted is None and rules(problems) == ["agreement.type"] and dropped == []


def test_inbound_repeats_outbound_checks(green: Agreement) -> None:
    scoped, _ = scope_payload(green, "export_declaration", export(aeo=False))
    accepted, problems, _ = check_inbound(
        green, "RU-FCS", "FI-CUSTOMS", "export_declaration", scoped, on=DAY, strict=False
    )
    assert accepted is None and rules(problems) == ["agreement.direction", "agreement.condition"]


def test_country_parties_cover_any_administration() -> None:
    agreement = instantiate("bsec-preliminary", ["RU", "TR-GTB"], valid_from=DAY)
    payload = {"kind": "preliminary", "goods": [{"hs_code": "010121"}]}
    assert check_outbound(agreement, "RU-FCS", "TR-GTB", "preliminary_information", payload, on=DAY) == []
    assert check_outbound(agreement, "TR-GTB", "RU-ANY", "preliminary_information", payload, on=DAY) == []
    assert rules(check_outbound(agreement, "RU-FCS", "TR-OTHER", "preliminary_information", payload, on=DAY)) == [
        "agreement.party"
    ]
