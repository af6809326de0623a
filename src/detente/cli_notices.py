"""``detente kinds``, ``detente render`` and ``detente cap …``: structured notifications. Thin."""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path
from typing import Any, cast

from .cli import add_command, add_home, print_json
from .config import LANGUAGES
from .errors import StationError
from .home import Home
from .invisible import shown
from .protocol.envelope import Precedence
from .protocol.timestamps import parse_time
from .store import MessageRecord, Store, TranslationRecord

# The notification catalogue (pydantic, shapely, pyproj…) is imported inside the handlers, so
# that every other command starts fast.

__all__ = ["register"]


def _message(store: Store, message_id: str) -> MessageRecord:
    record = store.message(message_id)
    if record is None:
        raise StationError(f"no message {message_id} at this station")
    return record


def cmd_kinds(args: argparse.Namespace) -> int:
    from .notifications import json_schema, kinds

    for spec in kinds():
        if args.json:
            print_json(
                {
                    "kind": spec.name,
                    "precedence": spec.precedence,
                    "lead_time_s": spec.min_lead.total_seconds() if spec.min_lead else None,
                    "schema": json_schema(spec.name),
                }
            )
        else:
            lead = f", at least {spec.min_lead.total_seconds() / 3600:g} h ahead" if spec.min_lead else ""
            print(f"{spec.name:<24} default {spec.precedence.upper()}{lead}")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from .compose import message_lateness
    from .notifications import InvalidBodyError, Lang, UsageError, render
    from .notifications.bidi import invisible_notice
    from .notifications.formatting import reader_zone
    from .reading import machine_translator, reader_zone_name
    from .views import shown_message

    home = Home(Path(args.home))
    try:
        zone = reader_zone(reader_zone_name(home.config, args.tz))
    except UsageError as exc:
        raise StationError(f"--tz: {exc}") from None
    store = home.open_store()
    try:
        record = _message(store, args.message_id)
        certified = store.translations(record.id)
    finally:
        store.close()
    seen = shown_message(record)  # the peer's invisible characters as ⟨U+202E⟩, flagged below
    body = seen.body
    original = body.get("lang") if isinstance(body.get("lang"), str) else None
    lang = cast(Lang, args.lang or home.config.language)
    machine = machine_translator(home.config)
    if machine.problem is not None:
        print(f"warning: {machine.problem}", file=sys.stderr)
    translator = None if any(t.lang == lang for t in certified) else machine.backend
    try:
        rendering = render(
            record.kind,
            body,
            lang=lang,
            tz=zone,
            original_lang=cast(Lang | None, original),
            translator=translator,
        )
    except InvalidBodyError as exc:
        raise StationError(shown(f"message {record.id} ({record.kind}) cannot be rendered: {exc}").text) from None
    who = f"from {record.peer_party}" if record.direction == "in" else f"to {record.peer_party}"
    print(f"{record.precedence.upper()} {record.kind} {record.id} {who}, created {record.created_at}")
    if seen.invisible:
        print(f"⚠ {invisible_notice(lang)}")
    late = message_lateness(record)
    if late is not None and late.late:
        print(late.describe(lang))
    print(rendering.text())
    for line in _certified_lines(certified, lang, rendering.direction == "rtl", zone):
        print(line)
    return 0


def _certified_lines(certified: list[TranslationRecord], lang: str, rtl: bool, zone: Any) -> list[str]:
    """The certified translations stored for a message (the reader's language first), each marked
    with its translator and time in the reader's language; they are part of the record."""
    from .notifications import Lang
    from .notifications.bidi import RLM, isolate_auto
    from .notifications.formatting import Formatter

    fmt = Formatter(cast(Lang, lang), zone)
    lines = []
    for item in sorted(certified, key=lambda t: t.lang != lang):
        mark = fmt.t.format(
            "certified translation by {translator}, {time}",
            translator=fmt.auto(item.translator),
            time=fmt.time(_utc(parse_time(item.at))),
        )
        language = fmt.t.pgettext("language", item.lang)
        first, *rest = item.text.split("\n")
        lines.append(f"[{mark}] {language}: {isolate_auto(first, rtl_context=fmt.rtl)}")
        lines.extend(f"    {isolate_auto(line, rtl_context=fmt.rtl)}" for line in rest)
    return [RLM + line for line in lines] if rtl else lines


def cmd_cap_export(args: argparse.Namespace) -> int:
    from .notifications import InvalidBodyError, ReferencedMessage, to_cap

    home = Home(Path(args.home))
    store = home.open_store()
    try:
        record = _message(store, args.message_id)
        referenced = {}
        for reference in record.body.get("references", []) or []:
            earlier = store.message(str(reference.get("id")))
            if earlier is not None:
                referenced[earlier.id] = ReferencedMessage(
                    earlier.id, earlier.sender, _utc(parse_time(earlier.created_at))
                )
    finally:
        store.close()
    try:
        xml = to_cap(
            record.kind,
            record.body,
            identifier=record.id,
            sender=record.sender,
            recipient=record.recipient,
            sent=record.created_at,
            precedence=cast(Any, record.precedence),
            referenced=referenced,
            sender_name=home.config.name if record.direction == "out" else None,
        )
    except InvalidBodyError as exc:
        raise StationError(shown(f"message {record.id} cannot be exported as CAP: {exc}").text) from None
    if args.out:
        try:
            Path(args.out).write_bytes(xml)
        except OSError as exc:
            raise StationError(f"cannot write {args.out}: {exc.strerror}") from None
    else:
        sys.stdout.buffer.write(xml)
    return 0


def _utc(seconds: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


def cmd_cap_import(args: argparse.Namespace) -> int:
    from .compose import compose
    from .notifications import CapImportError, from_cap

    home = Home(Path(args.home))
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        raise StationError(f"cannot read {args.file}: {exc.strerror}") from None
    try:
        alert = from_cap(data)
    except CapImportError as exc:
        raise StationError(f"{args.file}: {exc}") from None
    store = home.open_store()
    try:
        composed = compose(
            home,
            store,
            to_party=args.to,
            kind="incident-report",
            data=alert.notice.body,
            precedence=Precedence(args.precedence) if args.precedence else None,
            now=time.time(),
        )
    finally:
        store.close()
    print(composed.envelope.id)
    print(
        f"note: CAP alert {alert.identifier} from {alert.sender} ({alert.msg_type}, {alert.status}) sent as an "
        "incident report",
        file=sys.stderr,
    )
    return 0


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "kinds",
        cmd_kinds,
        "list the notification kinds and their schemas",
        "List the kinds of structured notification, with their default precedence and minimum lead time "
        "(--json: one object per kind with its JSON Schema).",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per kind, with its JSON Schema")

    p = add_command(
        sub,
        "render",
        cmd_render,
        "print a message as its reader sees it, in a language",
        "Print a message rendered in LANG from the catalogues (labels, values, units, dates, coordinates in "
        "decimal degrees and MGRS, times in UTC and the reader's zone), with the sender's original free text.",
    )
    add_home(p)
    p.add_argument("message_id", metavar="MESSAGE_ID")
    p.add_argument("--lang", choices=LANGUAGES, help="the reader's language (default: the station's)")
    p.add_argument(
        "--tz",
        metavar="ZONE",
        help="the reader's time zone besides UTC, e.g. Asia/Damascus (default: the station's "
        "notifications.time_zone; UTC only if that is empty)",
    )

    cap = add_command(sub, "cap", cmd_kinds, "OASIS CAP 1.2 export and import", "Common Alerting Protocol 1.2.")
    group = cap.add_subparsers(dest="cap_command", required=True, metavar="SUBCOMMAND")
    p = add_command(
        group,
        "export",
        cmd_cap_export,
        "write a notification as a CAP 1.2 alert",
        "Write any notification as an OASIS CAP 1.2 alert, one <info> per language (tr, ar, en, ru), areas as "
        "polygons or circles, references for replies, updates and cancellations.",
    )
    add_home(p)
    p.add_argument("message_id", metavar="MESSAGE_ID")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p = add_command(
        group,
        "import",
        cmd_cap_import,
        "send a CAP 1.2 alert to a peer as an incident report",
        "Read a CAP 1.2 alert (from a civil-protection or early-warning system) and send it to a peer as an "
        "incident report. Invalid XML is refused with the schema error; entity expansion and external "
        "entities are refused.",
    )
    add_home(p)
    p.add_argument("--to", required=True, metavar="PARTY")
    p.add_argument("file", metavar="FILE", help="the CAP alert (- for standard input)")
    p.add_argument("--precedence", choices=[x.value for x in Precedence])
