"""RFC 8785 (JCS) canonical JSON, and the strict parser that reads what peers send."""

from __future__ import annotations

import math
import struct
from collections import OrderedDict
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.protocol.canonical import MAX_DEPTH, MAX_SAFE_INTEGER, canonical_json, nesting_depth, parse_json

# --- numbers: RFC 8785 Appendix B ----------------------------------------------------------------

APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),  # minus zero
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


def double(hex_bits: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(hex_bits))[0]
    return value


@pytest.mark.parametrize(("bits", "expected"), APPENDIX_B)
def test_appendix_b_numbers(bits: str, expected: str) -> None:
    assert canonical_json(double(bits)) == expected.encode()


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])
def test_appendix_b_nan_and_infinity_are_errors(bits: str) -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        canonical_json(double(bits))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1e-7, "1e-7"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (123456789012345680000.0, "123456789012345680000"),
        (1e-6, "0.000001"),
        (1.5e-7, "1.5e-7"),
        (0.1, "0.1"),
        (-0.0, "0"),
        (4.50, "4.5"),
        (2e-3, "0.002"),
        (1e30, "1e+30"),
        (1e-27, "1e-27"),
        (333333333.33333329, "333333333.3333333"),
        (1.0, "1"),
        (-1.5, "-1.5"),
        (5e-324, "5e-324"),
        (1e16, "10000000000000000"),
    ],
)
def test_number_serialization(value: float, expected: str) -> None:
    assert canonical_json(value) == expected.encode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "0"), (-7, "-7"), (MAX_SAFE_INTEGER, "9007199254740991"), (-MAX_SAFE_INTEGER, "-9007199254740991")],
)
def test_safe_integers(value: int, expected: str) -> None:
    assert canonical_json(value) == expected.encode()


@pytest.mark.parametrize("value", [MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER - 1, 10**30])
def test_unsafe_integers_are_refused_not_rounded(value: int) -> None:
    with pytest.raises(ValueError, match="outside the exactly representable range"):
        canonical_json(value)
    with pytest.raises(ValueError):
        canonical_json({"seq": [value]})


def test_literals_and_booleans_are_not_numbers() -> None:
    assert canonical_json([None, True, False]) == b"[null,true,false]"
    assert canonical_json({"a": True}) == b'{"a":true}'


# --- the RFC's worked examples --------------------------------------------------------------------

# RFC 8785 section 3.2.2: the input as JSON text, then its canonical form.
RFC_INPUT = rb"""{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
RFC_OUTPUT = (
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
).encode()


def test_rfc_section_3_2_2_example() -> None:
    assert canonical_json(parse_json(RFC_INPUT)) == RFC_OUTPUT
    assert canonical_json(rfc8785_input_as_python()) == RFC_OUTPUT


def rfc8785_input_as_python() -> dict[str, Any]:
    return {
        "numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 1e-27],
        "string": '\u20ac$\u000f\nA\'B"\\\\"/',
        "literals": [None, True, False],
    }


def test_rfc_section_3_2_3_sorting_by_utf16_code_units() -> None:
    # By code point, U+1F600 would sort after U+FB33; as UTF-16 it is D83D DE00, before FB33.
    data = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    out = canonical_json(data)
    assert list(parse_json(out).values()) == [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]
    assert out.startswith(b'{"\\r":"Carriage Return","1":"One","\xc2\x80":"Control"')


def test_insertion_order_does_not_matter() -> None:
    forwards = OrderedDict([("b", 1), ("a", 2), ("aa", {"z": 0, "y": [1, {"d": 1, "c": 2}]})])
    backwards = OrderedDict(reversed(list(forwards.items())))
    assert canonical_json(forwards) == canonical_json(backwards) == b'{"a":2,"aa":{"y":[1,{"c":2,"d":1}],"z":0},"b":1}'


# --- strings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"', r'"\""'),
        ("\\", r'"\\"'),
        ("\b\t\n\f\r", r'"\b\t\n\f\r"'),
        ("\x00", r'"\u0000"'),
        ("\x01\x1f", r'"\u0001\u001f"'),
        ("\x0b", r'"\u000b"'),
        ("/", '"/"'),
        ("\x7f", '"\x7f"'),
        ("é€😀", '"é€😀"'),
        ("\u2028\u2029", '"\u2028\u2029"'),
        ("", '""'),
    ],
)
def test_string_escaping(text: str, expected: str) -> None:
    assert canonical_json(text) == expected.encode("utf-8")


def test_keys_are_escaped_like_strings() -> None:
    assert canonical_json({"a\nb": 1, '"': 2}) == b'{"\\"":2,"a\\nb":1}'


# --- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (math.nan, "not a finite number"),
        (math.inf, "not a finite number"),
        (-math.inf, "not a finite number"),
        ("\ud800", "lone surrogate U\\+D800"),
        ("ok\udfffok", "lone surrogate"),
        ({"\ud83d": 1}, "lone surrogate"),
        ({1: "x"}, "member name 1 is not a string"),
        ({None: "x"}, "is not a string"),
        ({("a",): "x"}, "is not a string"),
        (b"bytes", "bytes cannot be represented"),
        (bytearray(b"x"), "bytearray cannot be represented"),
        ({1, 2}, "set cannot be represented"),
        (object(), "object cannot be represented"),
        (1j, "complex cannot be represented"),
    ],
)
def test_values_json_cannot_carry_exactly_are_refused(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        canonical_json(value)


def test_refusals_name_the_offending_member() -> None:
    with pytest.raises(ValueError, match=r"^\$\.body\.list\[2\]: nan is not a finite number"):
        canonical_json({"body": {"list": [1, 2, math.nan]}})


def test_tuples_and_mappings_are_arrays_and_objects() -> None:
    assert canonical_json((1, (2,), OrderedDict(b=1, a=2))) == b'[1,[2],{"a":2,"b":1}]'


def test_absurd_nesting_is_a_value_error_not_a_crash() -> None:
    deep: list[Any] = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ValueError, match="nested too deeply"):
        canonical_json(deep)


# --- parse_json -----------------------------------------------------------------------------------


def test_parse_json_reads_json() -> None:
    assert parse_json(b' {"a": [1, 2.5, "x", null, true]} ') == {"a": [1, 2.5, "x", None, True]}
    assert parse_json(b"null") is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"a":1,"a":2}', "duplicate member name 'a'"),
        (b'{"x":{"a":1,"b":2,"a":1}}', "duplicate member name 'a'"),
        (b'[{"k":1},{"k":1,"k":1}]', "duplicate member name 'k'"),
        (b'"\xff"', "not UTF-8"),
        (b'"\xc3"', "not UTF-8"),
        (b'"\xed\xa0\x80"', "not UTF-8"),  # a surrogate encoded as UTF-8
        (b"\xfe\xff\x00[\x00]", "not UTF-8"),  # UTF-16 with a byte order mark
        ("[1]".encode("utf-16-le"), "not valid JSON"),
        (b"NaN", "NaN is not allowed"),
        (b"[Infinity]", "Infinity is not allowed"),
        (b'{"a":-Infinity}', "-Infinity is not allowed"),
        (b"1e400", "too large"),
        (b"[-1E999]", "too large"),
        (b"[1,]", "not valid JSON"),
        (b"{'a':1}", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[1] [2]", "not valid JSON"),
        (b"\xef\xbb\xbf[]", "not valid JSON"),  # a UTF-8 byte order mark
    ],
)
def test_parse_json_is_strict(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_json(data)


def test_parse_json_limits_nesting_without_overflowing_the_stack() -> None:
    assert nesting_depth(parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)) == MAX_DEPTH
    for depth in (MAX_DEPTH + 1, 990, 100_000):
        with pytest.raises(ValueError, match=f"nested more than {MAX_DEPTH} deep"):
            parse_json(b"[" * depth + b"]" * depth)
    with pytest.raises(ValueError, match="nested more than"):
        parse_json(b'{"a":' * 200_000)


@pytest.mark.parametrize(("bits", "text"), APPENDIX_B)
def test_canonical_numbers_read_back_to_the_same_canonical_form(bits: str, text: str) -> None:
    # JCS numbers are doubles: 2**53 is written "9007199254740992", which must read back as that
    # double, not as an integer canonical_json would refuse as unsafe.
    value = parse_json(text.encode())
    assert value == double(bits)
    assert canonical_json(value) == text.encode()
    assert canonical_json(parse_json(canonical_json([double(bits)]))) == f"[{text}]".encode()


def test_integer_literals_stay_integers_within_the_safe_range() -> None:
    assert parse_json(b"[9007199254740991,-9007199254740991,0,-0]") == [MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, 0, 0]
    assert all(type(v) is int for v in parse_json(b"[9007199254740991,-9007199254740991,0,-0]"))
    assert type(parse_json(b"9007199254740992")) is float
    with pytest.raises(ValueError, match="too large"):
        parse_json(b"1" + b"0" * 400)


def test_nesting_depth() -> None:
    assert nesting_depth(7) == nesting_depth("[[[") == 0
    assert nesting_depth([]) == nesting_depth({}) == 1
    assert nesting_depth({"a": [1, {"b": []}], "c": 2}) == 4


def test_parse_json_accepts_valid_json_that_is_not_canonical() -> None:
    # The parser reads JSON; canonical form is what canonical_json writes, not what it demands.
    assert parse_json(b'{ "b" : 1.50, "a" : "\\u0041" }') == {"a": "A", "b": 1.5}


# --- agreement with the reference implementation ----------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()  # without surrogates, which both refuse
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=500, deadline=None)
@given(json_values)
def test_matches_rfc8785_reference(value: Any) -> None:
    out = canonical_json(value)
    assert out == rfc8785.dumps(value)
    assert canonical_json(parse_json(out)) == out  # canonical form is a fixed point


# Values without floats are written by the standard library's C encoder (the fast path): member
# names and strings drawn from every plane, control characters included, must come out exactly
# as the reference writes them.
any_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12)
float_free = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | any_text,
    lambda children: (
        st.lists(children, max_size=5) | st.tuples(children, children) | st.dictionaries(any_text, children, max_size=6)
    ),
    max_leaves=30,
)


@settings(max_examples=1000, deadline=None)
@given(float_free)
def test_values_without_floats_match_rfc8785_reference(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


def test_names_beyond_the_basic_plane_sort_by_utf16_code_units_in_nested_objects() -> None:
    # U+1F600 is D83D DE00 in UTF-16, so it sorts before U+FB01 although its code point is larger.
    value = {"outer": [{"\ufb01": 1, "\U0001f600": 2, "a": {"\U0001f600": 3, "\uffff": 4}}]}
    assert canonical_json(value) == rfc8785.dumps(value)
    assert canonical_json(value).decode().index("\U0001f600") < canonical_json(value).decode().index("\ufb01")


def test_a_lone_surrogate_deep_inside_is_named() -> None:
    with pytest.raises(ValueError, match=r"\$\.a\[1\]\.b: string holds a lone surrogate U\+D800"):
        canonical_json({"a": [1, {"b": "x\ud800"}]})


@settings(max_examples=1000, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_match_rfc8785_and_round_trip(value: float) -> None:
    out = canonical_json(value)
    assert out == rfc8785.dumps(value)
    assert float(out) == value  # shortest digits that read back as the same double


@given(st.integers(min_value=MAX_SAFE_INTEGER + 1) | st.integers(max_value=-MAX_SAFE_INTEGER - 1))
def test_unsafe_integers_refused_like_rfc8785(value: int) -> None:
    with pytest.raises(ValueError):
        canonical_json(value)
    with pytest.raises(rfc8785.IntegerDomainError):
        rfc8785.dumps(value)


@given(st.text(alphabet=st.characters(categories=["Cs"]), min_size=1))
def test_surrogates_refused_like_rfc8785(text: str) -> None:
    with pytest.raises(ValueError):
        canonical_json(text)
    with pytest.raises(rfc8785.CanonicalizationError):
        rfc8785.dumps(text)
