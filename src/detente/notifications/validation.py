"""Composing: check a kind and its JSON data, and return the canonical body or the problems."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..protocol.envelope import Precedence
from .catalogue import _BY_NAME, kind_names
from .common import Notice
from .errors import InvalidBodyError, UsageError
from .formatting import Formatter
from .i18n import N_
from .languages import Lang, check_lang
from .problems import Problem, Problems, describe_problem, problems_from_errors
from .spec import KindSpec

__all__ = ["ValidNotice", "parse_body", "validate"]


@dataclass(frozen=True)
class ValidNotice:
    """A notification that passed validation, ready to be queued."""

    kind: str
    body: Mapping[str, Any]
    """The canonical body for the envelope: JSON types, times in UTC, empty optionals left out."""
    notice: Notice
    """The validated model (typed access to every field)."""
    precedence: Precedence
    """The kind's default precedence (the operator may choose another)."""
    spec: KindSpec


def validate(kind: str, data: object, *, lang: Lang = "en") -> ValidNotice | Problems:
    """Check ``data`` (a JSON object, or its text) as a body of ``kind``.

    Returns the ValidNotice, or Problems with every field path and reason in the operator's
    ``lang``. Raises UsageError only for a programming error (an unknown ``lang``, or data that
    holds Python objects that JSON cannot carry).
    """
    fmt = Formatter(check_lang(lang))
    spec = _BY_NAME.get(kind)
    if spec is None:
        return _single(kind, fmt, "kind", "unknown_kind", {"kinds": ", ".join(kind_names())})
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except ValueError:
            return _single(kind, fmt, "", "json_invalid", None)
    if not isinstance(data, dict):
        return _single(kind, fmt, "", "not_an_object", None)
    try:
        text = json.dumps(data, allow_nan=False, ensure_ascii=False)
    except ValueError:
        return _single(kind, fmt, "", "finite_number", None)
    except TypeError as exc:
        raise UsageError(f"{kind} data holds something JSON cannot carry: {exc}") from None
    try:
        notice = spec.model.model_validate_json(text, strict=True)
    except ValidationError as exc:
        return problems_from_errors(kind, spec.model, exc.errors(), fmt)
    return ValidNotice(kind=kind, body=notice.canonical(), notice=notice, precedence=spec.precedence, spec=spec)


def parse_body(kind: str, body: object) -> ValidNotice:
    """Validate a body that should already be valid (stored, or received from the peer).

    Raises InvalidBodyError (the body's author is at fault) with the problems in English.
    """
    if isinstance(body, ValidNotice):
        return body
    result = validate(kind, dict(body) if isinstance(body, Mapping) else body, lang="en")
    if isinstance(result, Problems):
        if result.codes() == {"kind": "unknown_kind"}:
            raise UsageError(f"kind {kind!r} is not in the catalogue ({', '.join(kind_names())})")
        raise InvalidBodyError(kind, result, "; ".join(str(item) for item in result))
    return result


def _single(kind: str, fmt: Formatter, path: str, code: str, context: Mapping[str, Any] | None) -> Problems:
    label = fmt.t.gettext(N_("Kind")) if path == "kind" else fmt.t.gettext(N_("the notification"))
    problem = Problem(path=path, label=label, code=code, message=describe_problem(code, context, fmt))
    return Problems(kind=kind, lang=fmt.lang, items=(problem,))
