"""UUIDv7 message ids: version and variant bits, time, ordering within a process."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from cix.exchange import ids
from cix.exchange.ids import is_uuid7, uuid7, uuid7_time


def test_version_and_variant_bits() -> None:
    for _ in range(100):
        u = uuid7()
        assert u.version == 7
        assert u.variant == uuid.RFC_4122
        assert (u.int >> 76) & 0xF == 7
        assert (u.int >> 62) & 0b11 == 0b10
        assert is_uuid7(str(u))


def test_ids_made_in_one_process_sort_in_creation_order_and_are_unique() -> None:
    made = [uuid7() for _ in range(20_000)]  # many share a millisecond: the counter orders them
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert [str(u) for u in made] == sorted(str(u) for u in made)  # the text sorts the same way


def test_time_is_the_creation_millisecond() -> None:
    before = dt.datetime.now(dt.UTC) - dt.timedelta(milliseconds=1)
    u = uuid7()
    after = dt.datetime.now(dt.UTC)
    assert before <= uuid7_time(u) <= after
    assert uuid7_time(str(u)) == uuid7_time(u)


def test_time_of_the_rfc_9562_example() -> None:
    # RFC 9562 appendix A.6: 017F22E2-79B0-7CC3-98C4-DC0C0C07398F is Tuesday 2022-02-22 19:22:22 UTC
    assert uuid7_time("017f22e2-79b0-7cc3-98c4-dc0c0c07398f") == dt.datetime(2022, 2, 22, 19, 22, 22, tzinfo=dt.UTC)


def test_clock_stepping_back_keeps_ids_increasing(monkeypatch: pytest.MonkeyPatch) -> None:
    first = uuid7()
    monkeypatch.setattr(ids.time, "time_ns", lambda: 1_000_000_000)  # 1970: far in the past
    second = uuid7()
    assert second > first
    assert uuid7_time(second) == uuid7_time(first)


def test_time_of_other_versions_is_refused() -> None:
    with pytest.raises(ValueError, match="version 7"):
        uuid7_time(uuid.uuid4())


@pytest.mark.parametrize(
    "text",
    ["", "not-a-uuid", str(uuid.uuid4()), "017F22E2-79B0-7CC3-98C4-DC0C0C07398F", "017f22e279b07cc398c4dc0c0c07398f"],
)
def test_is_uuid7_wants_the_canonical_form(text: str) -> None:
    assert not is_uuid7(text)
