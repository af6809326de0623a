"""Sessions through a relay, sealed end to end: what a relay (or anyone between) can and cannot do
to the items it carries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detente.protocol.canonical import canonical_json, parse_json
from detente.protocol.signing import Signer
from detente.relay.queue import Put, QuotaExceeded, Quotas, RelayQueue
from detente.relay.tunnel import Opener, Sender, TunnelError, new_session_id, parse_item
from detente.relay.wire import RelayFrameDecoder, WireError, encode
from detente.sealing import Sealer, generate_sealing_key

A, B = "TR-1", "SY-1"


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, tuple[Signer, Sealer]]:
    out = {}
    for name, seed in ((A, 1), (B, 2), ("RU-1", 3)):
        path = tmp_path / f"{name}.key"
        generate_sealing_key(path)
        out[name] = (Signer(bytes([seed]) * 32), Sealer(path.read_bytes()))
    return out


def session(keys: dict[str, tuple[Signer, Sealer]], sender: str = A, recipient: str = B) -> tuple[Sender, bytes]:
    out = Sender(local=sender, peer=recipient, session=new_session_id(), initiator=True)
    return out, out.open_item(keys[sender][0], keys[recipient][1].public, 1_000)


def opener(keys: dict[str, tuple[Signer, Sealer]], open_item: bytes, sender: str = A, recipient: str = B) -> Opener:
    return Opener(parse_item(open_item), local=recipient, sealer=keys[recipient][1], peer_key=keys[sender][0].verifier)


def test_bytes_cross_in_order_and_repeats_are_dropped(keys: dict[str, tuple[Signer, Sealer]]) -> None:
    sender, open_item = session(keys)
    receiver = opener(keys, open_item)
    items = sender.data_items(b"hello ") + sender.data_items(b"world")
    got = [receiver.open(parse_item(i)) for i in items]
    assert got == [b"hello ", b"world"]
    assert receiver.open(parse_item(items[0])) is None  # the relay delivered it again
    assert receiver.open(parse_item(open_item)) is None


def test_a_large_write_is_split_into_items(keys: dict[str, tuple[Signer, Sealer]]) -> None:
    sender, open_item = session(keys)
    receiver = opener(keys, open_item)
    data = bytes(range(256)) * 3000  # 768,000 bytes
    items = sender.data_items(data)
    assert len(items) == 3
    assert b"".join(receiver.open(parse_item(i)) or b"" for i in items) == data


def test_the_relay_sees_the_header_and_nothing_else(keys: dict[str, tuple[Signer, Sealer]]) -> None:
    sender, open_item = session(keys)
    (item,) = sender.data_items(b'{"kind":"free-text","text":"Patriot battery moved"}')
    assert b"Patriot" not in item and b"free-text" not in item
    header = parse_item(item).header
    assert (header["from"], header["to"], header["kind"], header["n"]) == (A, B, "data", 1)


def test_a_skipped_item_ends_the_session(keys: dict[str, tuple[Signer, Sealer]]) -> None:
    sender, open_item = session(keys)
    receiver = opener(keys, open_item)
    first, second, third = (sender.data_items(m)[0] for m in (b"1", b"2", b"3"))
    receiver.open(parse_item(first))
    with pytest.raises(TunnelError, match="item 3 arrived where 2 was due"):
        receiver.open(parse_item(third))
    del second


def test_an_altered_item_does_not_open(keys: dict[str, tuple[Signer, Sealer]]) -> None:
    sender, open_item = session(keys)
    receiver = opener(keys, open_item)
    (item,) = sender.data_items(b"fire mission cancelled")
    value = parse_json(item)
    box = bytearray(value["box"].encode())
    box[10] = ord("A") if box[10] != ord("A") else ord("B")
    value["box"] = box.decode()
    with pytest.raises(TunnelError, match="altered"):
        receiver.open(parse_item(canonical_json(value)))


def test_a_header_moved_to_another_number_does_not_open(keys: dict[str, tuple[Signer, Sealer]]) -> None:
    """The header is authenticated: an item renumbered (to replay it as a later one) fails."""
    sender, open_item = session(keys)
    receiver = opener(keys, open_item)
    first = sender.data_items(b"one")[0]
    receiver.open(parse_item(first))
    value = parse_json(first)
    value["n"] = 2
    with pytest.raises(TunnelError, match="altered"):
        receiver.open(parse_item(canonical_json(value)))


def test_an_open_item_forged_by_the_relay_is_refused(keys: dict[str, tuple[Signer, Sealer]]) -> None:
    """Anyone can seal a key to B's public key; only A can sign the open item."""
    forger = Sender(local=A, peer=B, session=new_session_id(), initiator=True)
    forged = forger.open_item(keys["RU-1"][0], keys[B][1].public, 1_000)  # signed by someone else
    with pytest.raises(TunnelError, match="not signed by its key"):
        opener(keys, forged)


def test_an_open_item_for_another_station_does_not_open(keys: dict[str, tuple[Signer, Sealer]]) -> None:
    _, open_item = session(keys, A, "RU-1")
    value = parse_json(open_item)
    with pytest.raises(TunnelError):
        Opener(parse_item(open_item), local=B, sealer=keys[B][1], peer_key=keys[A][0].verifier)
    # Readdressed to B (the header is signed): refused too.
    value["to"] = B
    with pytest.raises(TunnelError, match="not signed"):
        opener(keys, canonical_json(value))


def test_items_of_another_session_are_refused(keys: dict[str, tuple[Signer, Sealer]]) -> None:
    sender, open_item = session(keys)
    other, _ = session(keys)
    receiver = opener(keys, open_item)
    with pytest.raises(TunnelError, match="another session"):
        receiver.open(parse_item(other.data_items(b"x")[0]))
    del sender


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"item": "other/1"}, "is not a JSON object"),
        ({"session": "XYZ"}, "32 lowercase hex"),
        ({"dir": "x"}, "dir must be i or r"),
        ({"n": 0}, "n must be 0 for open"),
        ({"from": ""}, "station ids"),
    ],
)
def test_malformed_items_are_refused(
    keys: dict[str, tuple[Signer, Sealer]], change: dict[str, object], message: str
) -> None:
    sender, _ = session(keys)
    value = parse_json(sender.data_items(b"x")[0]) | change
    with pytest.raises(TunnelError, match=message):
        parse_item(canonical_json(value))
    with pytest.raises(TunnelError, match="canonical JSON"):
        parse_item(b"\xff not json")


# --- the relay's wire and queue ----------------------------------------------------------------


def test_wire_frames_round_trip_in_any_split() -> None:
    data = encode({"t": "put", "ref": 1}, b"item-bytes") + encode({"t": "ping", "n": 2})
    for cut in range(len(data) + 1):
        decoder = RelayFrameDecoder()
        frames = decoder.feed(data[:cut]) + decoder.feed(data[cut:])
        assert frames == [({"t": "put", "ref": 1}, b"item-bytes"), ({"t": "ping", "n": 2}, b"")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xff\xff\xff", "at most"),
        (b"\x00\x00\x00\x03\x00\x09ab", "runs past"),
        (b"\x00\x00\x00\x04\x00\x02{]", "not JSON"),
        (b"\x00\x00\x00\x0c\x00\x0a" + json.dumps({"t": "x"}).encode(), "no known frame"),
    ],
)
def test_wire_refuses_what_is_not_a_frame(data: bytes, message: str) -> None:
    with pytest.raises(WireError, match=message):
        RelayFrameDecoder().feed(data)


def put(sender: str, recipient: str, session: str, body: bytes, opens: bool = False) -> Put:
    return Put(sender, recipient, session, opens, body)


def test_queue_keeps_items_across_a_restart_until_taken(tmp_path: Path) -> None:
    s1 = "a" * 32
    queue = RelayQueue(tmp_path / "relay.sqlite3", Quotas())
    ids = queue.put_many([put(A, B, s1, b"one", True), put(A, B, s1, b"two")])
    queue.close()
    queue = RelayQueue(tmp_path / "relay.sqlite3", Quotas())
    assert [(i, body) for i, _, body in queue.waiting(B, 0, 10)] == list(zip(ids, [b"one", b"two"], strict=True))
    assert queue.waiting(A, 0, 10) == []
    queue.take(A, [int(ids[0])])  # not A's to take
    queue.take(B, [int(ids[0])])
    assert [body for _, _, body in queue.waiting(B, 0, 10)] == [b"two"]
    assert queue.held([A, B])[0].items_sent == 1


def test_queue_quota_refuses_with_the_reason(tmp_path: Path) -> None:
    queue = RelayQueue(tmp_path / "relay.sqlite3", Quotas(max_bytes=10, max_items=2, max_item_bytes=8))
    s1 = "b" * 32
    results = queue.put_many(
        [put(A, B, s1, b"12345"), put(A, B, s1, b"123456789"), put(A, B, s1, b"1234"), put(A, B, s1, b"1")]
    )
    assert isinstance(results[0], int)
    assert isinstance(results[1], QuotaExceeded) and results[1].code == "too-large"
    assert isinstance(results[2], int)
    assert isinstance(results[3], QuotaExceeded) and results[3].code == "quota"
    assert "quota is 2 items / 10 bytes" in results[3].detail
    ids = [r for r in results if isinstance(r, int)]
    queue.take(B, ids)
    assert isinstance(queue.put_many([put(A, B, s1, b"1")])[0], int)  # room again once taken


def test_queue_a_new_session_replaces_the_older_ones(tmp_path: Path) -> None:
    queue = RelayQueue(tmp_path / "relay.sqlite3", Quotas())
    old, new = "c" * 32, "d" * 32
    queue.put_many([put(A, B, old, b"old-open", True), put(A, B, old, b"old-data"), put(B, A, old, b"reply")])
    queue.put_many([put(A, B, new, b"new-open", True)])
    assert [body for _, _, body in queue.waiting(B, 0, 10)] == [b"new-open"]
    assert [body for _, _, body in queue.waiting(A, 0, 10)] == [b"reply"]  # the other direction is its own
    assert queue.held([A])[0].items_sent == 1


# --- the vector in PROTOCOL.md §20.1 -----------------------------------------------------------


def _relay_vector() -> dict[str, str]:
    import re

    text = (Path(__file__).resolve().parents[2] / "PROTOCOL.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"^<!-- relay-vector:data -->\n```\n(.*?)\n```$", text, re.MULTILINE | re.DOTALL)
    return {line[:16].strip(): line[16:] for line in block.splitlines()}


def test_the_relay_item_vector_is_what_the_code_makes() -> None:
    vector = _relay_vector()
    item = parse_item(vector["item"].encode())
    sender = Sender(
        local=item.sender,
        peer=item.recipient,
        session=item.session,
        initiator=True,
        key=bytes.fromhex(vector["key (hex)"]),
    )
    (made,) = sender.data_items(bytes.fromhex(vector["plaintext (hex)"]))
    assert made.decode() == vector["item"]


def test_the_relay_item_vector_independently() -> None:
    """Decrypted with cryptography's ChaCha20-Poly1305 and the header made by the rfc8785 package."""
    import base64

    import rfc8785
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    vector = _relay_vector()
    value = json.loads(vector["item"])
    header = {k: v for k, v in value.items() if k != "box"}
    assert rfc8785.dumps(value).decode() == vector["item"]
    plain = ChaCha20Poly1305(bytes.fromhex(vector["key (hex)"])).decrypt(
        value["n"].to_bytes(12, "big"), base64.b64decode(value["box"]), rfc8785.dumps(header)
    )
    assert plain == bytes.fromhex(vector["plaintext (hex)"])
    assert plain[4:] == b'{"ack":0,"n":1,"t":"ping","time_us":1790000000000000}'
