"""Rendering a notification for a reader: every label, value, unit and date in their language.

``render`` gives a structured rendering (a title and labelled fields, each with the language and
direction of its value) that a web console can lay out, and the same notice in the sender's
language as ``original`` so the two can be shown side by side. ``render_text`` gives plain text
for the CLI. Nothing is machine-translated except free text, and only when a backend is given; a
machine translation is always marked as one. Arabic renderings are right to left, with
left-to-right tokens (callsigns, MGRS, coordinates, times) isolated so that they cannot reorder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .bidi import RLM, isolate_auto, isolate_in
from .formatting import Formatter, reader_zone
from .i18n import N_
from .languages import Direction, Lang, check_lang, direction
from .translation import CertifiedTranslation, MachineTranslation, TranslationBackend
from .validation import ValidNotice, parse_body
from .values import display_of, format_value

__all__ = ["RenderedField", "Rendering", "render", "render_text"]


@dataclass(frozen=True)
class RenderedField:
    """One labelled field of a rendering."""

    path: str
    """The body member it shows (``window``, ``description``)."""
    label: str
    value: str
    """The value; several lines are separated by newlines. Free text is the sender's original."""
    lang: Lang
    """The language the value is written in: the reader's, or the sender's for free text."""
    direction: Direction
    original: bool = False
    """True for free text: the sender's own words, never translated by catalogue."""
    machine_translation: MachineTranslation | None = None
    certified: tuple[CertifiedTranslation, ...] = ()


@dataclass(frozen=True)
class Rendering:
    """A notification as one reader sees it."""

    kind: str
    lang: Lang
    direction: Direction
    title: str
    sender_lang: Lang
    fields: tuple[RenderedField, ...]
    original: Rendering | None = None
    """The same notification in the sender's language, when that is not the reader's."""

    def text(self) -> str:
        """This rendering alone as plain text (right-to-left lines start with RLM)."""
        fmt = Formatter(self.lang)
        lines = [
            _upper(self.title, self.lang),
            fmt.t.format(N_("Sender's language: {language}"), language=_language(fmt, self.sender_lang)),
        ]
        lines.extend(self.field_lines())
        if self.direction == "rtl":
            lines = [RLM + line for line in lines]
        return "\n".join(lines)

    def field_lines(self) -> list[str]:
        """The fields alone, one ``label: value`` line each (continuations indented), with any
        machine or certified translation marked as such below its free text."""
        fmt = Formatter(self.lang)
        lines: list[str] = []
        for item in self.fields:
            label = item.label
            if item.original and item.lang != self.lang:
                label += " (" + fmt.t.format(N_("original in {language}"), language=_language(fmt, item.lang)) + ")"
            first, *rest = item.value.split("\n")
            lines.append(f"{label}: {first}")
            lines.extend(f"    {line}" for line in rest)
            if item.machine_translation is not None:
                mark = fmt.t.format(
                    N_("machine translation ({engine}), not verified"), engine=item.machine_translation.engine
                )
                lines.append(f"    [{mark}] {isolate_auto(item.machine_translation.text, rtl_context=fmt.rtl)}")
            for certified in item.certified:
                mark = fmt.t.format(
                    N_("certified translation by {translator}, {time}"),
                    translator=fmt.auto(certified.translator),
                    time=fmt.time(certified.certified_at),
                )
                lines.append(f"    [{mark}] {isolate_auto(certified.text, rtl_context=fmt.rtl)}")
        return lines


def render(
    kind: str,
    body: object,
    *,
    lang: Lang,
    tz: str | ZoneInfo | None = None,
    original_lang: Lang | None = None,
    translator: TranslationBackend | None = None,
    certified: Sequence[CertifiedTranslation] = (),
    strict: bool = False,
) -> Rendering:
    """Render a body of ``kind`` for a reader of ``lang`` in time zone ``tz``.

    ``original_lang`` is the sender's language (default: the body's ``lang``). ``translator`` is
    an optional machine-translation backend for free text, ``certified`` the certified
    translations stored for this message. ``strict`` raises MissingMessage for any word missing
    from a catalogue (the tests use it). Raises InvalidBodyError if the body does not validate.
    """
    notice = parse_body(kind, body)
    zone = reader_zone(tz)
    sender = check_lang(original_lang or notice.notice.lang)
    reading = _render_one(notice, Formatter(check_lang(lang), zone, strict), sender, translator, certified)
    if sender == reading.lang:
        return reading
    original = _render_one(notice, Formatter(sender, zone, strict), sender, None, ())
    return Rendering(
        kind=reading.kind,
        lang=reading.lang,
        direction=reading.direction,
        title=reading.title,
        sender_lang=sender,
        fields=reading.fields,
        original=original,
    )


def render_text(
    kind: str,
    body: object,
    *,
    lang: Lang,
    tz: str | ZoneInfo | None = None,
    original_lang: Lang | None = None,
    translator: TranslationBackend | None = None,
    certified: Sequence[CertifiedTranslation] = (),
) -> str:
    """Plain text for the CLI: the reader's rendering, then the sender's original below it."""
    rendering = render(
        kind, body, lang=lang, tz=tz, original_lang=original_lang, translator=translator, certified=certified
    )
    text = rendering.text()
    if rendering.original is not None:
        fmt = Formatter(rendering.lang)
        rule = "—" * 8
        heading = fmt.t.format(N_("As sent, in {language}:"), language=_language(fmt, rendering.original.lang))
        if rendering.direction == "rtl":
            rule, heading = RLM + rule, RLM + heading
        text += f"\n{rule}\n{heading}\n{rendering.original.text()}"
    return text


def _upper(text: str, lang: Lang) -> str:
    """Capitals as the language writes them (Turkish dotted İ)."""
    return text.replace("i", "İ").upper() if lang == "tr" else text.upper()


def _language(fmt: Formatter, lang: Lang) -> str:
    return fmt.t.pgettext("language", lang)


def _render_one(
    notice: ValidNotice,
    fmt: Formatter,
    sender: Lang,
    backend: TranslationBackend | None,
    certified: Sequence[CertifiedTranslation],
) -> Rendering:
    model = notice.notice
    fields: list[RenderedField] = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if name == "lang" or value is None:
            continue
        display = display_of(info.annotation, info.metadata)
        label = fmt.t.gettext(info.title or name)
        if display is not None and display.style == "free-text" and isinstance(value, str):
            fields.append(_free_text(name, label, value, fmt, sender, backend, certified))
            continue
        fields.append(
            RenderedField(
                path=name,
                label=label,
                value=format_value(value, display, fmt),
                lang=fmt.lang,
                direction=direction(fmt.lang),
            )
        )
    return Rendering(
        kind=notice.kind,
        lang=fmt.lang,
        direction=direction(fmt.lang),
        title=fmt.t.gettext(notice.spec.title),
        sender_lang=sender,
        fields=tuple(fields),
    )


def _free_text(
    name: str,
    label: str,
    text: str,
    fmt: Formatter,
    sender: Lang,
    backend: TranslationBackend | None,
    certified: Sequence[CertifiedTranslation],
) -> RenderedField:
    mine = tuple(item for item in certified if item.field == name and item.lang == fmt.lang)
    machine = None
    if backend is not None and sender != fmt.lang and not mine:
        machine = backend.translate(text, sender, fmt.lang)
    return RenderedField(
        path=name,
        label=label,
        value=isolate_in(text, direction(sender), rtl_context=fmt.rtl),
        lang=sender,
        direction=direction(sender),
        original=True,
        machine_translation=machine,
        certified=mine,
    )
