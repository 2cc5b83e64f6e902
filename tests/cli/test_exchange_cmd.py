"""Tests of ``cix exchange`` on the module's own app: two nodes set up by their commands, end to end.

Each node has its own home and SQLite store; delivery runs in-process through the in-memory
transport wired to the receiver's inbox, as in ``tests/exchange/conftest.py``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from cix.cli import agreements as agreements_cli
from cix.cli import audit_cmd, exchange_cmd, node_cmd
from cix.cli import partners as partners_cli
from cix.cli.agreements_store_cmd import register
from cix.exchange import inbox, node, outbox
from cix.exchange.transport import MemoryTransport
from cix.exchange.worker import Deliverer
from cix.settings import Settings, load_settings
from cix.store.db import Store, open_store
from cix.store.schema import outbox as outbox_t
from tests.conftest import import_declaration

register(agreements_cli.app)
runner = CliRunner()
AGREEMENT = "apec-cn-ru"
PRELIM = "preliminary_information"


def run(app: Any, *args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def ok_json(app: Any, *args: str | Path) -> dict[str, Any]:
    code, out, err = run(app, *args, "--json")
    assert code == 0, err
    assert out.count("\n") == 1, out
    obj = orjson.loads(out)
    assert isinstance(obj, dict)
    return obj


def one_line_failure(app: Any, *args: str | Path, code: int = 1) -> str:
    got, out, err = run(app, *args)
    assert got == code, (out, err)
    assert err.startswith("cix: ") and err.count("\n") == 1, err
    return err


@dataclass
class Home:
    path: Path

    def __call__(self, app: Any, *args: str | Path) -> dict[str, Any]:
        return ok_json(app, *args, "--home", self.path)

    @property
    def settings(self) -> Settings:
        return load_settings(self.path)

    @property
    def store(self) -> Store:
        return open_store(self.settings.store_url)

    @property
    def node(self) -> node.Node:
        return node.load(self.path)

    def receiver(self) -> Any:
        return lambda raws: inbox.receive(self.store, self.node, self.settings, raws)

    def deliverer(self, transport: MemoryTransport, **settings: Any) -> Deliverer:
        s = self.settings.model_copy(update=settings)
        return Deliverer(self.store, self.node, s, {"memory": transport})


def prelim(i: int = 0) -> dict[str, Any]:
    d = import_declaration(kind="preliminary", lrn=f"PI-{i}")
    d["goods"][0]["tax_rate"] = 5
    return d


def write(path: Path, *docs: dict[str, Any]) -> Path:
    path.write_bytes(b"\n".join(orjson.dumps(d) for d in docs) + b"\n")
    return path


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Home, Home, MemoryTransport]:
    """CN-GACC and RU-FCS, each set up by the commands: identity, partner cards, the APEC agreement."""
    cn, ru = Home(tmp_path / "cn"), Home(tmp_path / "ru")
    cn(node_cmd.app, "init", "--country", "CN", "--authority", "GACC")
    ru(node_cmd.app, "init", "--country", "RU", "--authority", "FCS")
    for me, other, name in ((cn, ru, "ru"), (ru, cn, "cn")):
        card = tmp_path / f"{name}-card.json"
        other(node_cmd.app, "card", "--out", card)
        assert me(partners_cli.app, "add", "--card", card)["new"] is True
    file = tmp_path / "apec.json"
    cn(agreements_cli.app, "new", "--preset", "apec-preliminary", "--parties", "CN-GACC,RU-FCS", "--id", AGREEMENT,
       "--out", file)  # fmt: skip
    for h in (cn, ru):
        assert h(agreements_cli.app, "add", file)["new"] is True
    t = MemoryTransport()
    t.register("RU-FCS", ru.receiver())
    t.register("CN-GACC", cn.receiver())
    return cn, ru, t


def send(h: Home, tmp_path: Path, *docs: dict[str, Any], to: str = "RU-FCS") -> dict[str, Any]:
    file = write(tmp_path / "payloads.jsonl", *docs)
    return h(exchange_cmd.app, "send", file, "--to", to, "--type", PRELIM, "--agreement", AGREEMENT)


def test_end_to_end(pair: tuple[Home, Home, MemoryTransport], tmp_path: Path) -> None:
    cn, ru, t = pair
    sent = send(cn, tmp_path, prelim())
    assert sent["queued"] == 1 and sent["to"] == "RU-FCS"
    (msg,) = sent["messages"]
    assert any("invoice_amount" in p for p in msg["dropped"])  # the scope cut what the agreement does not give
    status = cn(exchange_cmd.app, "status")
    (row,) = status["partners"]
    assert row["partner"] == "RU-FCS" and row["outgoing"]["pending"] == 1 and row["oldest_pending"]
    assert cn(exchange_cmd.app, "receipt", msg["id"]) == {
        "message_id": msg["id"], "direction": "outgoing", "status": "pending", "receipt": None,
    }  # fmt: skip

    assert cn.deliverer(t).run_once() == 1

    status = cn(exchange_cmd.app, "status")
    (row,) = status["partners"]
    assert row["outgoing"]["delivered"] == 1 and row["outgoing"]["pending"] == 0
    assert row["last_delivered"] and row["oldest_pending"] is None
    assert status["totals"]["delivered"] == 1
    theirs = cn(exchange_cmd.app, "receipt", msg["id"])
    assert theirs["direction"] == "outgoing" and theirs["status"] == "delivered"
    assert theirs["receipt"]["status"] == "accepted" and theirs["receipt"]["signed_by"] == "RU-FCS"
    ours = ru(exchange_cmd.app, "receipt", msg["id"])
    assert ours["direction"] == "incoming" and ours["receipt"]["envelope"] == theirs["receipt"]["envelope"]
    # the receiver sees it in its inbox and in its status; one deliver round lodges it
    received = ru(exchange_cmd.app, "inbox")
    assert [m["id"] for m in received["messages"]] == [msg["id"]] and received["messages"][0]["processed"] == 0
    assert ru(exchange_cmd.app, "status")["partners"][0]["received"] == 1
    assert ru(exchange_cmd.app, "deliver", "--once")["processed"] == 1
    assert ru(exchange_cmd.app, "inbox")["messages"][0]["processed"] == 1
    for h in (cn, ru):
        v = h(audit_cmd.app, "verify")
        assert v["ok"] is True and v["checked"] >= 1
    events = [e["event"] for e in cn(audit_cmd.app, "tail")["entries"]]
    assert events[:1] == ["message.delivered"]


def test_rotation_old_key_still_verifies(pair: tuple[Home, Home, MemoryTransport], tmp_path: Path) -> None:
    cn, ru, t = pair
    (msg,) = send(cn, tmp_path, prelim(1))["messages"]
    with cn.store.read() as conn:
        old_raw = outbox.get(conn, msg["id"])["envelope"].encode()
    old_kid = orjson.loads(old_raw)["key_id"]
    rotated = cn(node_cmd.app, "rotate", "--overlap-days", "10")
    assert rotated["new_keys"] and old_kid not in rotated["new_keys"]
    card = tmp_path / "cn-card-2.json"
    cn(node_cmd.app, "card", "--out", card)
    keys = {k["kid"]: k for k in orjson.loads(card.read_bytes())["keys"]}
    assert old_kid in keys and keys[old_kid]["valid_to"] is not None
    assert {k for k in rotated["new_keys"]} <= set(keys)
    assert ru(partners_cli.app, "add", "--card", card)["new"] is False  # the rotation reaches the partner
    (rc,) = inbox.receive(ru.store, ru.node, ru.settings, [old_raw])
    assert orjson.loads(rc)["payload"]["status"] == "accepted"
    assert ru(exchange_cmd.app, "receipt", msg["id"])["receipt"]["status"] == "accepted"
    # traffic goes on after the rotation
    (after,) = send(cn, tmp_path, prelim(2))["messages"]
    assert cn.deliverer(t).run_once() == 2  # the first one again: answered with its original receipt
    assert cn(exchange_cmd.app, "receipt", after["id"])["status"] == "delivered"
    assert ru(exchange_cmd.app, "inbox")["count"] == 2


def test_rotation_signs_with_the_new_key(pair: tuple[Home, Home, MemoryTransport], tmp_path: Path) -> None:
    cn, _ru, _t = pair
    rotated = cn(node_cmd.app, "rotate")
    (msg,) = send(cn, tmp_path, prelim(1))["messages"]
    with cn.store.read() as conn:
        kid = orjson.loads(outbox.get(conn, msg["id"])["envelope"])["key_id"]
    assert kid in rotated["new_keys"]


def test_send_json_lines_and_array(pair: tuple[Home, Home, MemoryTransport], tmp_path: Path) -> None:
    cn, _ru, _t = pair
    assert send(cn, tmp_path, prelim(1), prelim(2), prelim(3))["queued"] == 3
    array = tmp_path / "array.json"
    array.write_bytes(orjson.dumps([prelim(4), prelim(5)]))
    assert (
        cn(exchange_cmd.app, "send", array, "--to", "RU-FCS", "--type", PRELIM, "--agreement", AGREEMENT)["queued"] == 2
    )
    assert cn(exchange_cmd.app, "outbox", "--status", "pending", "--limit", "3")["count"] == 3
    assert cn(exchange_cmd.app, "outbox")["count"] == 5


def test_send_refused_queues_nothing(pair: tuple[Home, Home, MemoryTransport], tmp_path: Path) -> None:
    cn, _ru, _t = pair
    file = write(tmp_path / "p.jsonl", prelim(1), prelim(2))
    home = ("--home", cn.path)
    base = ("send", file, "--agreement", AGREEMENT)
    err = one_line_failure(exchange_cmd.app, *base, "--to", "RU-FCS", "--type", "seizure_report", *home)
    assert "payload 1" in err
    code, out, _err = run(exchange_cmd.app, *base, "--to", "RU-FCS", "--type", "seizure_report", *home, "--json")
    assert code == 1 and orjson.loads(out)["error"]["code"] == "validation_failed"
    one_line_failure(exchange_cmd.app, *base, "--to", "FI-CUSTOMS", "--type", PRELIM, *home)
    one_line_failure(exchange_cmd.app, "send", file, "--agreement", "nope", "--to", "RU-FCS", "--type", PRELIM, *home)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": 1}\nnot json\n')
    assert "line 2" in one_line_failure(exchange_cmd.app, "send", bad, "--agreement", AGREEMENT, "--to", "RU-FCS",
                                        "--type", PRELIM, *home)  # fmt: skip
    one_line_failure(exchange_cmd.app, "send", tmp_path / "missing.json", "--agreement", AGREEMENT, "--to", "RU-FCS",
                     "--type", PRELIM, *home)  # fmt: skip
    assert cn(exchange_cmd.app, "outbox")["count"] == 0


def test_dead_letters_and_retry(pair: tuple[Home, Home, MemoryTransport], tmp_path: Path) -> None:
    cn, _ru, t = pair
    ids = [m["id"] for m in send(cn, tmp_path, prelim(1), prelim(2))["messages"]]
    t.down.add("RU-FCS")
    assert cn.deliverer(t, max_attempts=1).run_once() == 0
    dead = cn(exchange_cmd.app, "dead-letters")
    assert sorted(m["id"] for m in dead["messages"]) == sorted(ids) and all(m["last_error"] for m in dead["messages"])
    assert cn(exchange_cmd.app, "status")["partners"][0]["outgoing"]["dead"] == 2
    one_line_failure(exchange_cmd.app, "retry", "--home", cn.path, code=2)  # neither ids nor --all
    one_line_failure(exchange_cmd.app, "retry", "01900000-0000-7000-8000-000000000000", "--home", cn.path)
    assert cn(exchange_cmd.app, "retry", ids[0]) == {"retried": 1, "skipped": []}
    t.down.clear()
    assert cn.deliverer(t).run_once() == 1
    assert cn(exchange_cmd.app, "retry", ids[0], ids[1]) == {
        "retried": 1, "skipped": [{"id": ids[0], "status": "delivered"}],
    }  # fmt: skip
    assert cn(exchange_cmd.app, "retry", "--all")["retried"] == 0
    assert cn(exchange_cmd.app, "dead-letters")["count"] == 0
    assert [e["event"] for e in cn(audit_cmd.app, "tail", "--event", "message.retried")["entries"]] == [
        "message.retried"
    ] * 2


def test_rejected_message_is_listed(pair: tuple[Home, Home, MemoryTransport], tmp_path: Path) -> None:
    cn, ru, t = pair
    (msg,) = send(cn, tmp_path, prelim(1))["messages"]
    with cn.store.write() as conn:  # tampered after signing
        raw = conn.execute(outbox_t.select().with_only_columns(outbox_t.c.envelope)).scalar_one()
        conn.execute(outbox_t.update().values(envelope=raw.replace("PI-1", "PI-9")))
    cn.deliverer(t).run_once()
    assert cn(exchange_cmd.app, "outbox", "--status", "rejected")["count"] == 1
    refused = ru(exchange_cmd.app, "inbox", "--rejected")
    assert refused["count"] == 1 and refused["messages"][0]["message_id"] == msg["id"]
    assert ru(exchange_cmd.app, "inbox")["count"] == 0
    rc = cn(exchange_cmd.app, "receipt", msg["id"])
    assert rc["status"] == "rejected" and rc["receipt"]["reasons"]
    assert ru(exchange_cmd.app, "receipt", msg["id"])["receipt"]["status"] == "rejected"
    assert ru(exchange_cmd.app, "status")["partners"][0]["rejected_incoming"] == 1


def test_deliver_command_rounds(
    pair: tuple[Home, Home, MemoryTransport], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cn, ru, t = pair
    send(cn, tmp_path, prelim(1), prelim(2))
    monkeypatch.setattr(exchange_cmd, "TRANSPORTS", {"memory": t})
    once = cn(exchange_cmd.app, "deliver", "--once")
    assert once["rounds"] == 1 and once["handed"] == 2 and once["outbox"]["RU-FCS"]["delivered"] == 2
    send(cn, tmp_path, prelim(3))

    def interrupt(_seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(exchange_cmd, "_wait", interrupt)
    code, out, err = run(exchange_cmd.app, "deliver", "--home", cn.path, "--json")
    assert code == 0, err
    body = orjson.loads(out)
    assert body["rounds"] == 2 and body["handed"] == 1 and body["outbox"]["RU-FCS"]["delivered"] == 3
    assert "Ctrl-C" in err
    assert ru(exchange_cmd.app, "deliver", "--once")["processed"] == 3


def test_deliver_arguments(tmp_path: Path) -> None:
    home = ("--home", tmp_path / "h")
    one_line_failure(exchange_cmd.app, "deliver", "--once", "--transport", "smoke", *home, code=2)
    one_line_failure(exchange_cmd.app, "outbox", "--status", "lost", *home, code=2)


def test_every_command_on_an_empty_home(tmp_path: Path) -> None:
    h = Home(tmp_path / "empty")
    assert h(exchange_cmd.app, "status") == {
        "partners": [],
        "totals": {"pending": 0, "sent": 0, "delivered": 0, "rejected": 0, "dead": 0},
    }
    assert h(exchange_cmd.app, "outbox")["count"] == 0
    assert h(exchange_cmd.app, "dead-letters")["count"] == 0
    assert h(exchange_cmd.app, "inbox")["count"] == 0
    assert h(exchange_cmd.app, "inbox", "--rejected")["count"] == 0
    assert h(exchange_cmd.app, "retry", "--all") == {"retried": 0, "skipped": []}
    assert h(exchange_cmd.app, "deliver", "--once")["handed"] == 0
    one_line_failure(exchange_cmd.app, "receipt", "01900000-0000-7000-8000-000000000000", "--home", h.path)


def test_text_output(pair: tuple[Home, Home, MemoryTransport], tmp_path: Path) -> None:
    cn, _ru, t = pair
    (msg,) = send(cn, tmp_path, prelim(1))["messages"]
    cn.deliverer(t).run_once()
    for args in (("status",), ("outbox",), ("receipt", msg["id"]), ("dead-letters",), ("inbox",)):
        code, out, err = run(exchange_cmd.app, *args, "--home", cn.path)
        assert code == 0 and out and not err, (args, err)
    assert "RU-FCS" in run(exchange_cmd.app, "status", "--home", cn.path)[1]


def test_deliver_rereads_a_rotated_node(pair: tuple[Home, Home, MemoryTransport]) -> None:
    from cix.exchange.service import ExchangeService

    cn, _ru, t = pair
    service = ExchangeService(cn.store, cn.node, cn.settings, transports={"memory": t})
    service.run_round()
    before = {k.kid for k in service.node.keys}
    time.sleep(0.01)
    rotated = cn(node_cmd.app, "rotate")
    service.run_round()
    assert {k.kid for k in service.node.keys} == before | set(rotated["new_keys"])
    assert {k.kid for k in service.deliverer.node.keys} == before | set(rotated["new_keys"])
