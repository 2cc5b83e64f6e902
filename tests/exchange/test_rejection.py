"""The Rejection error: its rule, field, JSON shape and receipt reason."""

from __future__ import annotations

from cix.exchange.rejection import RULES, Rejection


def test_rejection_shapes() -> None:
    exc = Rejection("digest.mismatch", "payload altered", field="payload")
    assert exc.to_dict() == {
        "error": {"code": "rejected", "message": "payload altered", "rule": "digest.mismatch", "field": "payload"}
    }
    assert str(exc) == "digest.mismatch [payload]: payload altered"
    assert exc.status_code == 422


def test_reason_for_a_receipt() -> None:
    assert Rejection("key.unknown", "no such key", field="key_id").to_reason() == {
        "rule": "key.unknown",
        "message": "no such key",
        "field": "key_id",
    }
    assert Rejection("envelope.too_large", "too big").to_reason() == {
        "rule": "envelope.too_large",
        "message": "too big",
    }


def test_rules_are_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "exchange-crypto.md").read_text()
    for rule in RULES:
        assert f"`{rule}`" in doc, rule
