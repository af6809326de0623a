"""Which messages the catalogues must hold, and the template (``.pot``) they are kept against.

A message is required if the code marks it with ``N_()`` (or, with plural forms, calls
``ngettext(singular, plural, n)``) here or in :mod:`detente.alarms`, if it is a field title of a notification
model, a kind's title, an enumerated value (context: the enum's class name), a country of the
border data (context ``country``), a language (context ``language``), a hemisphere letter
(context ``hemisphere``) or a point of the compass (context ``bearing``). ``make messages``
rewrites ``locale/detente.pot`` and adds new entries to each ``.po``; the tests fail while a
``.po`` lacks one or leaves it empty or fuzzy.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any, get_args, get_origin

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po
from pydantic import BaseModel

from .catalogue import kinds
from .gazetteer import COMPASS_POINTS
from .geodata import REGION
from .i18n import DOMAIN, LOCALE_DIR, po_path
from .languages import LANGUAGES
from .translation import _CertifiedModel

__all__ = ["Message", "enums", "models", "required_messages", "template", "update_catalogues"]

Message = tuple[str | None, str | tuple[str, str]]
"""(context, msgid); a message with plural forms has (singular, plural) as its msgid."""

PACKAGE = Path(__file__).resolve().parent
SOURCES = (PACKAGE, PACKAGE.parent / "alarms", PACKAGE.parent / "monitoring")
"""Where marked messages are extracted from: the notifications and the station's alarms."""
KEYWORDS = {"N_": None, "ngettext": (1, 2)}


def models() -> list[type[BaseModel]]:
    """Every model a notification (or a certified translation) is made of."""
    found: list[type[BaseModel]] = []

    def visit(annotation: Any) -> None:
        for item in _types(annotation):
            if isinstance(item, type) and issubclass(item, BaseModel) and item not in found:
                found.append(item)
                for field in item.model_fields.values():
                    visit(field.annotation)

    for spec in kinds():
        visit(spec.model)
    visit(_CertifiedModel)
    return found


def enums() -> list[type[StrEnum]]:
    """Every enumeration used in a notification."""
    found: list[type[StrEnum]] = []
    for model in models():
        for field in model.model_fields.values():
            for item in _types(field.annotation):
                if isinstance(item, type) and issubclass(item, StrEnum) and item not in found:
                    found.append(item)
    return found


def _types(annotation: Any) -> Iterator[Any]:
    yield annotation
    if get_origin(annotation) is typing.Annotated:
        yield from _types(get_args(annotation)[0])
        return
    for arg in get_args(annotation) if get_origin(annotation) in (list, tuple, typing.Union, types.UnionType) else ():
        yield from _types(arg)


def required_messages() -> list[Message]:
    """Every (context, msgid) the renderers and validators can look up, in a stable order."""
    found: dict[Message, None] = {}
    for path in sorted(path for source in SOURCES for path in source.rglob("*.py")):
        for _line, message, _comments, context in extract_from_file("python", path, keywords=KEYWORDS):
            if isinstance(message, str):
                found[(context, message)] = None
            elif isinstance(message, tuple) and len(message) == 2 and all(isinstance(m, str) for m in message):
                found[(context, (str(message[0]), str(message[1])))] = None
    for spec in kinds():
        found[(None, spec.title)] = None
    for model in models():
        for name, field in model.model_fields.items():
            found[(None, field.title or name)] = None
    for enum in enums():
        for member in enum:
            found[(enum.__name__, member.value)] = None
    for code in REGION.values():
        found[("country", code)] = None
    for lang in LANGUAGES:
        found[("language", lang)] = None
    for letter in "NSEW":
        found[("hemisphere", letter)] = None
    for point in COMPASS_POINTS:
        found[("bearing", point)] = None
    return list(found)


def template() -> Catalog:
    """The catalogue template: every required message with an empty translation."""
    catalog = Catalog(domain=DOMAIN, project="détente", version="1", charset="utf-8")
    for context, message in required_messages():
        catalog.add(message, context=context)
    return catalog


def update_catalogues() -> None:
    """Rewrite ``detente.pot`` and add any new message (untranslated) to each ``.po``."""
    pot = template()
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, pot, omit_header=True, sort_output=False, width=0)
    for lang in LANGUAGES:
        path = po_path(lang)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=lang, domain=DOMAIN)
            catalog.update(pot, no_fuzzy_matching=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang, domain=DOMAIN)
            catalog.update(pot, no_fuzzy_matching=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, sort_output=False, width=0, ignore_obsolete=True)


def main() -> None:
    """``python -m detente.notifications.messages``: rewrite the template, add new messages to each .po."""
    update_catalogues()


if __name__ == "__main__":
    main()
