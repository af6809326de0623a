"""Problems with an operator's input: a field path, a reason in the operator's language, a code.

Pydantic's error types and our own (raised with ``PydanticCustomError`` in the models) are mapped
to our messages here, so every reason an operator can see is in the message catalogues.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from .formatting import Formatter
from .i18n import N_, Translator
from .languages import Lang

__all__ = ["MESSAGES", "Problem", "Problems", "describe_problem", "field_labels", "problems_from_errors"]

MESSAGES: Final[Mapping[str, str]] = {
    # structure and types
    "missing": N_("is required"),
    "extra_forbidden": N_("is not a field of this kind of notification"),
    "string_type": N_("must be text"),
    "int_type": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "int_parsing": N_("must be a whole number"),
    "float_type": N_("must be a number"),
    "float_parsing": N_("must be a number"),
    "finite_number": N_("must be a finite number"),
    "bool_type": N_("must be true or false"),
    "list_type": N_("must be a list"),
    "tuple_type": N_("must be a list"),
    "dict_type": N_("must be an object"),
    "model_type": N_("must be an object"),
    "model_attributes_type": N_("must be an object"),
    "json_invalid": N_("is not valid JSON"),
    "not_an_object": N_("must be a JSON object"),
    "unknown_kind": N_("is not a kind of notification; the kinds are: {kinds}"),
    # sizes and ranges
    "string_too_short": N_("must not be empty"),
    "string_too_long": N_("is too long: at most {max_length} characters"),
    "too_short": N_("needs at least {min_length} items"),
    "too_long": N_("has too many items: at most {max_length}"),
    "greater_than": N_("must be greater than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be at most {le}"),
    "enum": N_("is not one of the allowed values: {expected}"),
    "literal_error": N_("is not one of the allowed values: {expected}"),
    "union_tag_invalid": N_("is not a shape this field accepts; use one of: {expected_tags}"),
    "union_tag_not_found": N_('needs a GeoJSON "type"'),
    # times
    "datetime_type": N_("must be a time such as 2026-11-26T09:00:00Z"),
    "datetime_parsing": N_("must be a time such as 2026-11-26T09:00:00Z"),
    "datetime_from_date_parsing": N_("must be a time such as 2026-11-26T09:00:00Z"),
    "datetime_object_invalid": N_("must be a time such as 2026-11-26T09:00:00Z"),
    "time_zone_missing": N_("must give its time zone: end it with Z for UTC"),
    "time_out_of_range": N_("is not a time in this century"),
    "window_reversed": N_("must be after the start ({start})"),
    "window_too_long": N_("is too long: at most {hours} hours"),
    "track_order": N_("times must not go backwards (point {index} at {time})"),
    # geometry
    "longitude_range": N_("longitude {value} is outside −180…180"),
    "latitude_range": N_("latitude {value} is outside −90…90"),
    "ring_not_closed": N_("the outline must end at the point where it starts"),
    "self_intersection": N_("the outline crosses itself near {lat}, {lon}"),
    "polygon_degenerate": N_("the polygon encloses no area"),
    "polygon_holes": N_("a hole lies outside the polygon or overlaps another, near {lat}, {lon}"),
    "safety_area_excludes_impact": N_("must contain the whole impact area"),
    "position_or_track": N_("give either a position or a track, not both"),
    # texts, names, numbers
    "text_blank": N_("must not be blank"),
    "text_controls": N_("contains an invisible control character ({char}); remove it"),
    "name_one_line": N_("must fit on one line"),
    "callsign_form": N_("must be 2 to 16 capital Latin letters, digits or hyphens, such as ASENA11"),
    "phone_form": N_("is not a telephone number (digits, spaces, brackets and hyphens, + for international)"),
    "message_id_form": N_("is not a message id (a UUIDv7 as détente prints it)"),
    "duplicate_reference": N_("refers to the same message twice"),
    "duplicate_item": N_("lists {value} twice"),
    "flight_level_range": N_("flight level must be at most 660"),
    "altitude_band_reversed": N_("the upper limit must be above the lower limit"),
    "contact_unreachable": N_("give a telephone or a radio channel"),
    "response_needs_request": N_('must include a reference with relation "reply" to the request being answered'),
}
_FALLBACK: Final = N_("is not valid ({code})")
_WHOLE_BODY: Final = N_("the notification")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the operator's input."""

    path: str
    """Where: ``window.end``, ``aircraft[0].count``, ``area.coordinates[0][3]``; empty for the whole body."""
    label: str
    """The same place in the operator's language: ``Time window › End``."""
    code: str
    """A stable code: pydantic's error type or ours (``window_reversed``, ``self_intersection``…)."""
    message: str
    """The reason, in the operator's language."""

    def __str__(self) -> str:
        return f"{self.label or self.path}: {self.message}" if (self.label or self.path) else self.message


@dataclass(frozen=True)
class Problems:
    """Why a notification was refused: the operator's input is at fault, and here is where."""

    kind: str
    lang: Lang
    items: tuple[Problem, ...]

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def codes(self) -> dict[str, str]:
        """``{path: code}`` for every problem (handy in tests and logs)."""
        return {item.path: item.code for item in self.items}

    def text(self) -> str:
        """One problem per line, for the CLI."""
        return "\n".join(str(item) for item in self.items)


def describe_problem(code: str, context: Mapping[str, Any] | None, fmt: Formatter) -> str:
    """The message for one error code, translated, with numbers in the operator's format."""
    template = MESSAGES.get(code)
    if template is None:
        return fmt.t.format(_FALLBACK, code=code)
    values = {key: _value(value, fmt) for key, value in (context or {}).items()}
    if code in ("string_too_short",) and values.get("min_length") not in (None, "1"):
        return fmt.t.format(N_("must have at least {min_length} characters"), **values)
    try:
        return fmt.t.gettext(template).format(**values)
    except (KeyError, IndexError):
        return fmt.t.gettext(template)


def _value(value: object, fmt: Formatter) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return fmt.number(value)
    if isinstance(value, float):
        return fmt.number(value, digits=5)
    return str(value)


def problems_from_errors(kind: str, model: type[BaseModel], errors: Sequence[ErrorDetails], fmt: Formatter) -> Problems:
    """Turn pydantic's errors into Problems in the formatter's language."""
    items = []
    for error in errors:
        path, labels = field_labels(model, error["loc"], fmt.t)
        items.append(
            Problem(
                path=path,
                label=" › ".join(labels) if labels else fmt.t.gettext(_WHOLE_BODY),
                code=error["type"],
                message=describe_problem(error["type"], error.get("ctx"), fmt),
            )
        )
    return Problems(kind=kind, lang=fmt.lang, items=tuple(items))


def field_labels(model: type[BaseModel], loc: Sequence[str | int], t: Translator) -> tuple[str, list[str]]:
    """The dotted path (GeoJSON type tags left out) and translated field titles of an error location."""
    path = ""
    labels: list[str] = []
    current: Any = model
    labelling = True
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            element = _element(current)
            if labelling and labels and _model_in(element) is not None:
                labels[-1] += f" {part + 1}"
            elif _model_in(element) is None:
                labelling = False
            current = element
            continue
        tagged = _tagged(current, part)
        if tagged is not None:
            current = tagged
            continue
        cls = _model_in(current)
        field = cls.model_fields.get(part) if cls is not None else None
        path += f".{part}" if path else part
        if field is None:
            if labelling:
                labels.append(part)
            labelling = False
            current = None
            continue
        if labelling:
            labels.append(t.gettext(field.title or part))
        current = field.annotation
    return path, labels


def _strip(annotation: Any) -> Any:
    while get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _members(annotation: Any) -> tuple[Any, ...]:
    annotation = _strip(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        return tuple(_strip(arg) for arg in get_args(annotation) if arg is not type(None))
    return (annotation,)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    models = [m for m in _members(annotation) if isinstance(m, type) and issubclass(m, BaseModel)]
    return models[0] if len(models) == 1 else None


def _element(annotation: Any) -> Any:
    for member in _members(annotation):
        if get_origin(member) in (list, tuple):
            args = get_args(member)
            return args[0] if args else None
    return None


def _tagged(annotation: Any, tag: str) -> type[BaseModel] | None:
    members = _members(annotation)
    if len(members) < 2:
        return None
    for member in members:
        if isinstance(member, type) and issubclass(member, BaseModel):
            field = member.model_fields.get("type")
            if field is not None and get_args(field.annotation) == (tag,):
                return member
    return None
