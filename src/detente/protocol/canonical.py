"""RFC 8785 JSON Canonicalization Scheme (JCS).

Envelopes, receipts and frames are JSON objects; what gets signed and hashed is their JCS form:
object members sorted by the UTF-16 code units of their names, no insignificant whitespace,
strings with the minimal JSON escapes and everything else as literal UTF-8, and numbers in the
ECMAScript ``Number.prototype.toString`` form. Integers outside the exactly representable range
of an IEEE 754 double (|n| > 2**53 - 1) are refused rather than silently rounded.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_SAFE_INTEGER", "canonical_json", "nesting_depth", "parse_json"]

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 128
"""Deepest nesting of arrays and objects that :func:`parse_json` accepts (well inside Python's
recursion limit, so that nothing parsed can make a later step overflow the stack)."""

_ESCAPES = {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}


def canonical_json(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of ``value``.

    Raises ``ValueError`` naming the offending member for values JSON cannot carry exactly
    (NaN, infinities, unsafe integers, lone surrogates, non-string keys, other types).
    """
    if _plain(value, 0):
        try:
            return _FAST.encode(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: the careful path below names the member that holds it
    parts: list[str] = []
    try:
        _emit(value, parts, "$")
    except RecursionError:
        raise ValueError("$: arrays and objects are nested too deeply") from None
    return "".join(parts).encode("utf-8")


_FAST = json.JSONEncoder(ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"))
"""The standard library's C encoder writes exactly the JCS form for the values that
:func:`_plain` admits: its string escapes are JCS's (``\\b \\t \\n \\f \\r \\" \\\\``, other
control characters as lowercase ``\\u00xx``, everything else literal), and sorting member names by
code point is sorting them by UTF-16 code units when no name holds a character beyond U+FFFF."""


def _plain(value: Any, depth: int) -> bool:
    """Whether ``value`` is made only of dicts with BMP string keys, lists, tuples, strings, safe
    integers, booleans and null, nested at most MAX_DEPTH deep: the values whose canonical form
    the C encoder writes. Anything else (floats, which need ECMAScript's number form; other
    types; errors) takes the careful path."""
    if depth > MAX_DEPTH:
        return False
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (not key.isascii() and _ASTRAL.search(key)):
                return False
            if not _plain_member(item, depth):
                return False
        return True
    if kind is list or kind is tuple:
        return all(_plain_member(item, depth) for item in value)
    return _plain_member(value, depth)


def _plain_member(item: Any, depth: int) -> bool:
    """:func:`_plain` of a value inside an object or array at ``depth``; scalars, by far the
    most of them, without another call."""
    kind = type(item)
    if kind is str or item is None or kind is bool:
        return True
    if kind is int:
        return bool(-MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER)
    if kind is dict or kind is list or kind is tuple:
        return _plain(item, depth + 1)
    return False


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def parse_json(data: bytes) -> Any:
    """Parse JSON strictly: UTF-8 only, no duplicate member names, no NaN or Infinity (nor
    numbers too large to be finite), arrays and objects nested at most MAX_DEPTH deep."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_refuse_constant,
            parse_float=_finite,
            parse_int=_integer,
        )
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ValueError(f"arrays and objects are nested more than {MAX_DEPTH} deep") from None
    if text.count("[") + text.count("{") > MAX_DEPTH and nesting_depth(value) > MAX_DEPTH:
        raise ValueError(f"arrays and objects are nested more than {MAX_DEPTH} deep")
    return value


def nesting_depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value``: 0 for a scalar, 1 for ``[]`` or ``{}``."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children = list(item.values())
        elif isinstance(item, Sequence) and not isinstance(item, (str, bytes, bytearray)):
            children = list(item)
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _integer(text: str) -> int | float:
    """A JSON number is a double (RFC 8785): an integer literal outside the safe range is read as
    the double it denotes, as canonical_json writes large doubles such as 2**53 or 1e20 in
    integer form. (As a Python int it could never be canonicalized again.)"""
    if len(text) <= 17:
        value = int(text)
        if abs(value) <= MAX_SAFE_INTEGER:
            return value
    return _finite(text)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is too large to be represented")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate member name {key!r}")
            seen.add(key)
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _emit(value: Any, out: list[str], path: str) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError(f"{path}: integer {value} is outside the exactly representable range")
        out.append(str(value))
    elif isinstance(value, float):
        out.append(_number(value, path))
    elif isinstance(value, str):
        out.append(_string(value, path))
    elif isinstance(value, Mapping):
        items = []
        for key in value:
            if not isinstance(key, str):
                raise ValueError(f"{path}: member name {key!r} is not a string")
            items.append(key)
        items.sort(key=_utf16_key)
        out.append("{")
        for index, key in enumerate(items):
            if index:
                out.append(",")
            out.append(_string(key, path))
            out.append(":")
            _emit(value[key], out, f"{path}.{key}")
        out.append("}")
    elif isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _emit(item, out, f"{path}[{index}]")
        out.append("]")
    else:
        raise ValueError(f"{path}: {type(value).__name__} cannot be represented in JSON")


def _utf16_key(name: str) -> bytes:
    return name.encode("utf-16-be", "surrogatepass")


def _string(text: str, path: str) -> str:
    chunks = ['"']
    for char in text:
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            raise ValueError(f"{path}: string holds a lone surrogate U+{code:04X}")
        escape = _ESCAPES.get(code)
        if escape is not None:
            chunks.append(escape)
        elif code < 0x20:
            chunks.append(f"\\u{code:04x}")
        else:
            chunks.append(char)
    chunks.append('"')
    return "".join(chunks)


def _number(value: float, path: str) -> str:
    if not math.isfinite(value):
        raise ValueError(f"{path}: {value} is not a finite number")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    digits, point = _shortest_digits(abs(value))
    count = len(digits)
    if count <= point <= 21:
        body = digits + "0" * (point - count)
    elif 0 < point <= 21:
        body = digits[:point] + "." + digits[point:]
    elif -6 < point <= 0:
        body = "0." + "0" * (-point) + digits
    else:
        exponent = point - 1
        mantissa = digits if count == 1 else digits[0] + "." + digits[1:]
        body = f"{mantissa}e{'+' if exponent > 0 else '-'}{abs(exponent)}"
    return sign + body


def _shortest_digits(value: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of a positive float and the position of the point.

    The value equals ``0.DIGITS × 10**point``; Python's ``repr`` gives the shortest digits.
    """
    text = repr(value)
    mantissa, _, exp_text = text.partition("e")
    exponent = int(exp_text) if exp_text else 0
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    leading_zeros = len(whole + fraction) - len((whole + fraction).lstrip("0"))
    point = len(whole) + exponent - leading_zeros
    digits = digits.rstrip("0")
    return digits, point
