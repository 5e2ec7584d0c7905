"""Scale frame parsers: valid, partial, garbage, parity, negative, overload, motion and unit variants.

Every table row is a frame as it comes off the wire, terminator included. Of the three protocols only the
8217 has a check (its 7E1 parity, whose failures reach the parser as bytes with the 8th bit set); the
Dini/CAS and Adam lines carry no checksum, so their "wrong checksum" cases are garbled fields. The
properties check that a weight formatted the way each manual describes parses back to exactly the same
grams, and that no byte string parses to a weight unless an independent reading of the documented grammar
agrees with it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.devices.scale import (
    PROTOCOLS,
    Fault,
    Flag,
    FrameError,
    ScaleFault,
    ScaleStatus,
    Weight,
    encode_adam,
    encode_continuous,
    encode_toledo_status,
    encode_toledo_weight,
    grams_from_text,
    parse_adam,
    parse_continuous,
    parse_toledo_8217,
)

MOTION, OVER, UNDER, OUTSIDE = Fault.MOTION, Fault.OVER_CAPACITY, Fault.UNDER_ZERO, Fault.OUTSIDE_ZERO_RANGE


def fault(*faults: Fault, net: bool = False, flags: frozenset[Flag] = frozenset()) -> ScaleFault:
    return ScaleFault(frozenset(faults), net=net, flags=flags)


# --- Mettler Toledo 8217 -----------------------------------------------------------------------------------

TOLEDO_VALID = [
    (b"\x0201.234\r", Weight(1234, stable=True)),
    (b"\x0200.000\r", Weight(0, stable=True)),
    (b"\x0299.999\r", Weight(99_999, stable=True)),
    (b"\x02 1.234\r", Weight(1234, stable=True)),  # leading zero sent as a space
    (b"\x0212.345N\r", Weight(12_345, stable=True, net=True)),
    (b"\x02?@\r", ScaleStatus()),  # bit 6 only: answer to Z/T/C with nothing wrong
    (b"\x02?P\r", ScaleStatus(flags=frozenset({Flag.CENTRE_OF_ZERO}))),
    (b"\x02?p\r", ScaleStatus(net=True, flags=frozenset({Flag.CENTRE_OF_ZERO}))),
    (b"\x02?A\r", fault(MOTION)),
    (b"\x02?B\r", fault(OVER)),
    (b"\x02?D\r", fault(UNDER)),  # a negative weight is reported as "under zero", never as a number
    (b"\x02?H\r", fault(OUTSIDE)),
    (b"\x02?c\r", fault(MOTION, OVER, net=True)),
    (b"\x02?O\r", fault(MOTION, OVER, UNDER, OUTSIDE)),
]

TOLEDO_INVALID = [
    (b"", "incomplete"),
    (b"\x02", "incomplete"),
    (b"\x0201.2", "incomplete"),  # partial: the CR has not come
    (b"\x0201.234", "incomplete"),
    (b"01.234\r", "garbage"),  # no STX
    (b"hello\r", "garbage"),
    (b"\x02hello!\r", "number"),
    (b"\x02\xb01.234\r", "parity"),  # a byte marked by the kernel's parity check / 8th bit set
    (b"\x02\xff\x00\xb1.234\r", "parity"),  # PARMRK marking of a parity error
    (b"\x02?\xc1\r", "parity"),
    (b"\x02-1.234\r", "number"),  # 8217 has no sign
    (b"\x02+1.234\r", "number"),
    (b"\x0201.2345\r", "precision"),  # the high-resolution (H) answer: 4 decimals
    (b"\x02001.23\r", "unit"),  # the pounds format, 2 decimals
    (b"\x0201,234\r", "number"),
    (b"\x021.2.34\r", "number"),
    (b"\x0201.234X\r", "number"),
    (b"\x02 01.234\r", "number"),
    (b"\x02?\x01\r", "status"),  # status byte without bit 6
    (b"\x02?\r", "status"),
    (b"\x02?AB\r", "status"),
]


@pytest.mark.parametrize(("frame", "expected"), TOLEDO_VALID)
def test_toledo_valid_frames(frame: bytes, expected: object) -> None:
    assert parse_toledo_8217(frame) == expected


@pytest.mark.parametrize(("frame", "reason"), TOLEDO_INVALID)
def test_toledo_bad_frames_are_errors_never_weights(frame: bytes, reason: str) -> None:
    with pytest.raises(FrameError) as raised:
        parse_toledo_8217(frame)
    assert raised.value.reason == reason


def test_toledo_encoders_speak_the_parsed_grammar() -> None:
    assert encode_toledo_weight(1234) == b"\x0201.234\r"
    assert encode_toledo_weight(5, net=True) == b"\x0200.005N\r"
    assert encode_toledo_status([MOTION]) == b"\x02?A\r"
    assert parse_toledo_8217(encode_toledo_status([OVER, UNDER], net=True)) == fault(OVER, UNDER, net=True)
    with pytest.raises(ValueError):
        encode_toledo_weight(100_000)


# --- continuous output (Dini Argeo / CAS) -------------------------------------------------------------------

CONTINUOUS_VALID = [
    (b"ST,GS,+  1.234kg\r\n", Weight(1234, stable=True)),  # CAS/AND 18 bytes
    (b"ST,NT,+  1.234kg\r\n", Weight(1234, stable=True, net=True)),
    (b"US,GS,+  1.234kg\r\n", Weight(1234, stable=False)),  # motion: a weight, but not stable
    (b"ST,GS,-  0.250kg\r\n", Weight(-250, stable=True)),
    (b"ST,GS,+0001.23kg\r\n", Weight(1230, stable=True)),  # 2-decimal scale, leading zeros
    (b"ST,GS,+   12.5kg\r\n", Weight(12_500, stable=True)),
    (b"ST,GS,   1.234,kg\r\n", Weight(1234, stable=True)),  # Dini standard string
    (b"01ST,GS,     0.0,kg\r\n", Weight(0, stable=True)),  # Dini with RS-485 address
    (b"ST,GS,   1.234,Kg\r\n", Weight(1234, stable=True)),
    (b"ST,NT,  -1.200,kg\r\n", Weight(-1200, stable=True, net=True)),
    (b"ST,GS,     750, g\r\n", Weight(750, stable=True)),  # grams
    (b"ST,GS,  750.00, g\r\n", Weight(750, stable=True)),
    (b"ST,GS,    750g\r\n", Weight(750, stable=True)),
    (b"ST,GS,+  1.234kg\n", Weight(1234, stable=True)),  # LF only
    (b"ST,GS,1\xc1,+0001.23 kg\r\n", Weight(1230, stable=True, flags=frozenset({Flag.CENTRE_OF_ZERO}))),  # CAS 22
    (b"US,GS,1\xd2,+0001.23 kg\r\n", Weight(1230, stable=False, flags=frozenset({Flag.TARE, Flag.HOLD}))),
    (b"OL\r\n", fault(OVER)),
    (b"OL,GS,        kg\r\n", fault(OVER)),
    (b"OL,GS,++++++++,kg\r\n", fault(OVER)),
    (b"UL,GS,--------,kg\r\n", fault(UNDER)),
    (b"OK\r\n", ScaleStatus(text="OK")),
    (b"ERR03\r\n", ScaleStatus(text="ERR03")),
]

CONTINUOUS_INVALID = [
    (b"", "incomplete"),
    (b"ST,GS,+  1.2", "incomplete"),  # partial
    (b"ST,GS,+  1.234kg", "incomplete"),
    (b"\x00\xff\x10\r\n", "garbage"),
    (b"XX,GS,+  1.234kg\r\n", "garbage"),
    (b"ST;GS;+  1.234kg\r\n", "garbage"),
    (b"GS,+  1.234kg\r\n", "garbage"),  # the head of the line was lost
    (b"ST,VL,  1.234,mV\r\n", "garbage"),  # not a weight (microvolts)
    (b"ST,GS,+  1.2.3kg\r\n", "number"),
    (b"ST,GS,+ 1 234kg\r\n", "number"),
    (b"ST,GS,+-1.234kg\r\n", "number"),  # garbled sign
    (b"ST,GS,--1.234kg\r\n", "number"),
    (b"ST,GS,1.234-kg\r\n", "number"),
    (b"ST,GS,   .234kg\r\n", "number"),
    (b"ST,GS,     1.kg\r\n", "number"),
    (b"ST,GS,kg\r\n", "number"),
    (b"ST,GS,+  1.2\x004kg\r\n", "number"),
    (b"ST,GS,+  \xd9\xa1.234kg\r\n", "number"),  # non-ASCII digits are not digits
    (b"ST,GS,+1.2345kg\r\n", "precision"),  # more than 3 decimals of a kg
    (b"ST,GS,  12.5, g\r\n", "precision"),  # a fraction of a gram
    (b"ST,GS,+  1.234lb\r\n", "unit"),
    (b"ST,GS,+  1.234\r\n", "unit"),
    (b"ST,GS,+  1.234 t\r\n", "unit"),
]


@pytest.mark.parametrize(("frame", "expected"), CONTINUOUS_VALID)
def test_continuous_valid_frames(frame: bytes, expected: object) -> None:
    assert parse_continuous(frame) == expected


@pytest.mark.parametrize(("frame", "reason"), CONTINUOUS_INVALID)
def test_continuous_bad_frames_are_errors_never_weights(frame: bytes, reason: str) -> None:
    with pytest.raises(FrameError) as raised:
        parse_continuous(frame)
    assert raised.value.reason == reason


def test_continuous_encoders() -> None:
    assert encode_continuous(1234, net=True) == b"ST,NT,+  1.234kg\r\n"
    assert encode_continuous(-250, stable=False, variant="dini") == b"US,GS,  -0.250,kg\r\n"
    assert ScaleStatus(text="ERR04").refused and not ScaleStatus(text="OK").refused


# --- Adam Equipment print request ---------------------------------------------------------------------------

ADAM_VALID = [
    (b"       1.234kg \r\n", Weight(1234, stable=None)),  # Format 2: sign, 12-character weight, unit
    (b"-      0.050kg \r\n", Weight(-50, stable=None)),
    (b"      12.345kg \r\n", Weight(12_345, stable=None)),
    (b"         750 g \r\n", Weight(750, stable=None)),
    (b"ST,GS       1.234kg \r\n", Weight(1234, stable=True)),  # labelled (continuous) form
    (b"US,NT-      0.500kg \r\n", Weight(-500, stable=False, net=True)),
    (b" ^^^^^^^^^^^^kg \r\n", fault(OVER)),
    (b"^^^^^^^^^kg\r\n", fault(OVER)),
    (b"_________kg\r\n", fault(UNDER)),
    (b"---------kg \r\n", fault(UNDER)),
]

ADAM_INVALID = [
    (b"", "incomplete"),
    (b"       1.2", "incomplete"),
    (b"       1.234kg ", "incomplete"),
    (b"\xfe\xfe\r\n", "unit"),
    (b"No.          01\r\n", "unit"),  # a Format 1 label line
    (b"       1.234PCS\r\n", "unit"),  # parts counting
    (b"       1.234lb \r\n", "unit"),
    (b"       1.2345kg \r\n", "precision"),
    (b"    123.45 g \r\n", "precision"),
    (b"  +-   1.234kg \r\n", "number"),
    (b"       1.2.34kg \r\n", "number"),
    (b"      1^234kg \r\n", "number"),
    (b"         -kg \r\n", "number"),
]


@pytest.mark.parametrize(("frame", "expected"), ADAM_VALID)
def test_adam_valid_frames(frame: bytes, expected: object) -> None:
    assert parse_adam(frame) == expected


@pytest.mark.parametrize(("frame", "reason"), ADAM_INVALID)
def test_adam_bad_frames_are_errors_never_weights(frame: bytes, reason: str) -> None:
    with pytest.raises(FrameError) as raised:
        parse_adam(frame)
    assert raised.value.reason == reason


def test_adam_encoder_is_sixteen_characters() -> None:
    assert encode_adam(1234) == b"        1.234kg \r\n"
    assert len(encode_adam(-99_999)) == 16 + 2


@pytest.mark.parametrize(("text", "unit", "grams"), [
    (b"1", b"kg", 1000), (b"0.5", b"kg", 500), (b"+ 0.001", b"KG", 1), (b"-2.10", b"kg", -2100),
    (b"0001234", b"g", 1234), (b"12.000", b"g", 12),
])
def test_grams_from_text_is_exact(text: bytes, unit: bytes, grams: int) -> None:
    assert grams_from_text(text, unit) == grams


# --- properties ---------------------------------------------------------------------------------------------

kilo_grams = st.integers(min_value=0, max_value=99_999)
signed_grams = st.integers(min_value=-99_999, max_value=99_999)


def kg(grams: int) -> str:
    """Grams as the decimal text a scale shows, sign left out; formatted here, not by the code under test."""
    return str((Decimal(abs(grams)) / 1000).quantize(Decimal("0.001")))


def test_kg_helper() -> None:
    assert [kg(g) for g in (0, 5, 999, 1000, 99_999)] == ["0.000", "0.005", "0.999", "1.000", "99.999"]


@given(grams=kilo_grams, net=st.booleans())
def test_toledo_weight_round_trips_exactly(grams: int, net: bool) -> None:
    frame = b"\x02" + kg(grams).rjust(6, "0").encode() + (b"N" if net else b"") + b"\r"
    assert parse_toledo_8217(frame) == Weight(grams, stable=True, net=net)
    assert encode_toledo_weight(grams, net) == frame


@given(grams=signed_grams, stable=st.booleans(), net=st.booleans())
def test_continuous_weight_round_trips_exactly(grams: int, stable: bool, net: bool) -> None:
    head = ("ST" if stable else "US") + "," + ("NT" if net else "GS") + ","
    sign = "-" if grams < 0 else "+"
    expected = Weight(grams, stable=stable, net=net)
    cas = f"{head}{sign}{kg(grams):>7}kg\r\n".encode()
    dini = f"{head}{(sign.strip('+') + kg(grams)):>8},kg\r\n".encode()
    in_grams = f"{head}{(sign.strip('+') + str(abs(grams))):>8}, g\r\n".encode()
    assert parse_continuous(cas) == expected
    assert parse_continuous(dini) == expected
    assert parse_continuous(in_grams) == expected
    assert parse_continuous(encode_continuous(grams, stable=stable, net=net)) == expected


@given(grams=signed_grams)
def test_adam_weight_round_trips_exactly(grams: int) -> None:
    frame = f"{'-' if grams < 0 else ' '}{kg(grams):>12}kg \r\n".encode()
    assert parse_adam(frame) == Weight(grams, stable=None)
    assert encode_adam(grams) == frame


# An independent reading of each documented grammar, written with str methods and Decimal instead of the
# parsers' regular expressions: the grams a frame means, or None if it is not a weight frame.

def _number(text: str, unit: str) -> int | None:
    text = text.strip(" ")
    negative = text[:1] == "-"
    if text[:1] in "+-":
        text = text[1:].lstrip(" ")
    whole, _, fraction = text.partition(".")
    if not (whole.isascii() and whole.isdigit() and len(whole) <= 7):
        return None
    if "." in text and not (fraction.isascii() and fraction.isdigit() and len(fraction) <= 7):
        return None
    try:
        value = Decimal(text) * (1000 if unit == "kg" else 1)
    except InvalidOperation:
        return None
    if value != value.to_integral_value():
        return None
    return -int(value) if negative else int(value)


def _unit_split(text: str) -> tuple[str, str] | None:
    text = text.rstrip(" ")
    for unit in ("kg", "g"):
        if text.lower().endswith(unit) and not text[: -len(unit)].lower().endswith("k"):
            rest = text[: -len(unit)].rstrip(" ")
            return rest.removesuffix(","), unit
    return None


def toledo_oracle(frame: bytes) -> int | None:
    if len(frame) < 3 or frame[0] != 2 or frame[-1] != 13:
        return None
    middle = frame[1:-1].decode("ascii", "replace").removesuffix("N")
    if len(middle) != 6 or middle[2] != "." or middle[0] not in " 0123456789":
        return None
    return _number(middle, "kg") if middle[1:].replace(".", "", 1).isdigit() else None


def continuous_oracle(frame: bytes) -> int | None:
    if not frame.endswith(b"\n"):
        return None
    line = frame[:-1].removesuffix(b"\r")
    if line[:2].isdigit():
        line = line[2:]
    if line[:6] not in (b"ST,GS,", b"ST,NT,", b"US,GS,", b"US,NT,"):
        return None
    rest = line[6:]
    if len(rest) > 3 and 32 <= rest[0] < 127 and rest[1] >= 128 and rest[2:3] == b",":  # CAS 22: id, lamp
        rest = rest[3:]
    split = _unit_split(rest.decode("ascii", "replace"))
    return None if split is None else _number(*split)


def adam_oracle(frame: bytes) -> int | None:
    if not frame.endswith(b"\n"):
        return None
    text = frame[:-1].removesuffix(b"\r").decode("ascii", "replace")
    if text[:5] in ("ST,GS", "ST,NT", "US,GS", "US,NT"):
        text = text[5:].removeprefix(",")
    split = _unit_split(text)
    return None if split is None else _number(*split)


PARSERS = {
    "toledo8217": (parse_toledo_8217, toledo_oracle, [encode_toledo_weight(1234), encode_toledo_status([MOTION])]),
    "continuous": (parse_continuous, continuous_oracle, [b"ST,GS,+  1.234kg\r\n", b"01ST,NT,  -1.200,kg\r\n"]),
    "adam": (parse_adam, adam_oracle, [b"       1.234kg \r\n", b"US,NT-      0.500kg \r\n"]),
}
ALPHABET = list(b"0123456789.+-, \x02\r\n?NSTUGkgOLP^_")


@st.composite
def wire_bytes(draw: st.DrawFn, protocol: str) -> bytes:
    """Random bytes, random bytes of the protocol's own characters, or a valid frame with a byte changed."""
    kind = draw(st.sampled_from(["binary", "alphabet", "mutant"]))
    if kind == "binary":
        return draw(st.binary(max_size=40))
    if kind == "alphabet":
        return bytes(draw(st.lists(st.sampled_from(ALPHABET), max_size=30)))
    frame = bytearray(draw(st.sampled_from(PARSERS[protocol][2])))
    position = draw(st.integers(min_value=0, max_value=len(frame) - 1))
    action = draw(st.sampled_from(["replace", "insert", "delete"]))
    byte = draw(st.sampled_from([*ALPHABET, 0x00, 0x7F, 0x80, 0xFF]))
    if action == "replace":
        frame[position] = byte
    elif action == "insert":
        frame.insert(position, byte)
    else:
        del frame[position]
    return bytes(frame)


@pytest.mark.parametrize("protocol", sorted(PARSERS))
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_no_bytes_parse_to_a_weight_unless_they_are_a_valid_frame(protocol: str, data: st.DataObject) -> None:
    parse, oracle, _ = PARSERS[protocol]
    raw = data.draw(wire_bytes(protocol))
    try:
        frame = parse(raw)
    except FrameError:
        return
    if isinstance(frame, Weight):
        assert oracle(raw) == frame.grams, raw


def test_every_protocol_has_a_parser_table() -> None:
    assert set(PROTOCOLS) == set(PARSERS)
