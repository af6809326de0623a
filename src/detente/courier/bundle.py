"""The courier file: what one station hands to another when no network path works.

A courier file is one JSON object (``detente-courier/1``) naming the sending and the receiving
station, carrying signed envelopes and signed receipts, each sealed to the receiving station
(:mod:`detente.sealing`), and signed as a whole by the sending station. Only the routing
metadata is in the clear: who to whom, and each item's sequence number and message id. The
file proves nothing that its items do not prove themselves; its own signature makes a file
altered or forged on the way fail at once, with a clear message, before anything is opened.
"""

from __future__ import annotations

import base64
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PeerError, StationError
from ..protocol.canonical import canonical_json, parse_json
from ..protocol.signing import Signer, Verifier
from ..sealing import Sealer, SealingKey, seal, unseal

__all__ = ["FORMAT", "CourierFile", "SealedItem", "build_courier", "parse_courier", "read_courier", "sealing_info"]

FORMAT = "detente-courier/1"
_DOMAIN = b"detente courier v1\n"
_MEMBERS = {"courier", "id", "from", "to", "created", "envelopes", "receipts", "sig"}
_CHUNK = 1 << 20


@dataclass(frozen=True)
class SealedItem:
    seq: int
    message_id: str
    sealed: bytes


@dataclass(frozen=True)
class CourierFile:
    """A courier file whose structure and signature were checked (its items are still sealed)."""

    id: str
    sender: str
    sender_party: str
    recipient: str
    recipient_party: str
    created: str
    envelopes: tuple[SealedItem, ...]
    receipts: tuple[SealedItem, ...]

    def open_envelope(self, item: SealedItem, sealer: Sealer) -> bytes:
        return unseal(item.sealed, sealer, sealing_info(self.sender, self.recipient, "envelope", item.message_id))

    def open_receipt(self, item: SealedItem, sealer: Sealer) -> bytes:
        return unseal(item.sealed, sealer, sealing_info(self.sender, self.recipient, "receipt", item.message_id))


def sealing_info(sender: str, recipient: str, what: str, message_id: str) -> bytes:
    """HPKE ``info`` of one sealed item: it opens only in this file's context."""
    return "\0".join((FORMAT, sender, recipient, what, message_id)).encode()


def build_courier(
    signer: Signer,
    *,
    file_id: str,
    sender: tuple[str, str],
    recipient: tuple[str, str],
    recipient_key: SealingKey,
    created: str,
    envelopes: list[tuple[int, str, bytes]],
    receipts: list[tuple[int, str, bytes]],
) -> bytes:
    """The courier file's bytes. ``sender``/``recipient``: (station id, party); items: (seq,
    message id, canonical bytes of the signed envelope or receipt)."""

    def items(what: str, plain: list[tuple[int, str, bytes]]) -> list[dict[str, Any]]:
        return [
            {
                "seq": seq,
                "id": message_id,
                "sealed": _b64(seal(data, recipient_key, sealing_info(sender[0], recipient[0], what, message_id))),
            }
            for seq, message_id, data in plain
        ]

    document: dict[str, Any] = {
        "courier": FORMAT,
        "id": file_id,
        "from": {"station_id": sender[0], "party": sender[1]},
        "to": {"station_id": recipient[0], "party": recipient[1]},
        "created": created,
        "envelopes": items("envelope", envelopes),
        "receipts": items("receipt", receipts),
        "sig": {"alg": signer.alg, "kid": signer.kid},
    }
    document["sig"]["value"] = _b64(signer.sign(_DOMAIN + canonical_json(document)))
    return canonical_json(document) + b"\n"


def read_courier(path: Path, limit: int) -> bytes:
    """The bytes of the courier file at ``path``, if it holds at most ``limit`` bytes
    (``courier.max_file_bytes``).

    A larger file is refused on its size (``fstat``) before a byte of it is read; one that is not
    a regular file (a pipe, a device) or that grows while it is read is read in chunks and refused
    as soon as it passes the limit, so no more than ``limit`` bytes are ever held. The file is one
    JSON object signed as a whole, whose signature must be checked before anything in it is used,
    so an accepted file is held whole (at most ``limit`` bytes) rather than parsed as it is read.
    PeerError naming the file, its size and the limit; StationError if it cannot be read.
    """
    try:
        with open(path, "rb") as file:
            info = os.fstat(file.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > limit:
                raise _too_large(path, f"{info.st_size:,} bytes", limit)
            data = bytearray()
            while chunk := file.read(min(_CHUNK, limit + 1 - len(data))):
                data += chunk
                if len(data) > limit:
                    raise _too_large(path, "more than that", limit)
    except OSError as exc:
        raise StationError(f"cannot read courier file {path}: {exc.strerror}") from None
    return bytes(data)


def _too_large(path: Path, size: str, limit: int) -> PeerError:
    return PeerError(
        f"courier file {path} is {size}, over the limit of {limit:,} bytes (courier.max_file_bytes in "
        "station.toml); nothing was read or imported: ask the sender for a smaller file, or raise the limit "
        "if you expected one this large"
    )


def parse_courier(data: bytes, source: str, verifiers: dict[str, Verifier], local: tuple[str, str]) -> CourierFile:
    """Check a courier file's structure, that it is addressed to ``local`` (station id, party),
    then its signature by one of ``verifiers`` (the pinned signing keys by station id);
    PeerError saying what is wrong otherwise."""
    try:
        document = parse_json(data)
    except ValueError as exc:
        raise PeerError(f"{source} is not a courier file: not JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("courier") != FORMAT:
        raise PeerError(f'{source} is not a détente courier file (expected "courier": "{FORMAT}")')
    if set(document) != _MEMBERS:
        raise PeerError(f"{source}: a courier file has exactly the members {sorted(_MEMBERS)}")
    try:
        sender, recipient = _station(document["from"]), _station(document["to"])
        envelopes, receipts = _items(document["envelopes"]), _items(document["receipts"])
        file_id, created, sig = document["id"], document["created"], document["sig"]
        if not (isinstance(file_id, str) and isinstance(created, str) and isinstance(sig, dict)):
            raise ValueError("id, created and sig")
        signature = base64.b64decode(str(sig.get("value")), validate=True)
    except (ValueError, TypeError, KeyError) as exc:
        raise PeerError(f"{source}: the courier file is malformed ({exc})") from None
    if recipient[0] != local[0]:
        raise PeerError(
            f"{source} is for {recipient[1]} (station {recipient[0]}), not this station ({local[1]}, {local[0]}): "
            "take it to its addressee; nothing was imported"
        )
    verifier = verifiers.get(sender[0])
    if verifier is None:
        raise PeerError(
            f"{source} comes from station {sender[0]} (party {sender[1]}), which is not pinned here; "
            "pin its card first, after checking the fingerprint by voice"
        )
    unsigned = {k: v for k, v in document.items() if k != "sig"} | {
        "sig": {"alg": sig.get("alg"), "kid": sig.get("kid")}
    }
    if sig.get("kid") != verifier.kid or not verifier.verify(signature, _DOMAIN + canonical_json(unsigned)):
        raise PeerError(
            f"{source}: the courier file's signature does not verify with the pinned key of {sender[1]}; it was "
            "altered or forged on the way: do not use it, ask for another"
        )
    return CourierFile(file_id, sender[0], sender[1], recipient[0], recipient[1], created, envelopes, receipts)


def _station(value: object) -> tuple[str, str]:
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("station_id"), str)
        or not isinstance(value.get("party"), str)
    ):
        raise ValueError("from and to name a station_id and a party")
    return value["station_id"], value["party"]


def _items(value: object) -> tuple[SealedItem, ...]:
    if not isinstance(value, list):
        raise ValueError("envelopes and receipts are lists")
    items = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"seq", "id", "sealed"}:
            raise ValueError("each item has seq, id and sealed")
        seq, message_id, sealed = item["seq"], item["id"], item["sealed"]
        if type(seq) is not int or seq < 1 or not isinstance(message_id, str) or not isinstance(sealed, str):
            raise ValueError("seq is a positive integer, id and sealed are strings")
        items.append(SealedItem(seq, message_id, base64.b64decode(sealed, validate=True)))
    return tuple(items)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
