"""Attendance clocks: EM4100 frames (pure and through a real pseudo-terminal), held-card debounce,
fingerprint lines, and a keyboard-mode badge reader through the evdev stand-in. No sleeps: every wait is on
a bus event with a timeout, ordered by sentinel cards."""

from __future__ import annotations

import errno
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.bus import EventBus
from edge.devices.clock import (
    PUNCH_TOPIC,
    STATUS_TOPIC,
    EvdevBadgeReader,
    FingerprintLineParser,
    FrameError,
    SerialFingerprintTerminal,
    SerialRfidReader,
    badge_id,
    em4100_checksum,
    em4100_decimal,
    encode_em4100,
    last_frame,
    parse_em4100,
)
from edge.devices.scanner import DeviceMatch, RepeatFilter
from edge.devices.sim_input import FakeInputDevice, PtyRfidReader, PtySerialDevice
from tests.devices.test_scanner import Recorder, StepClock

CARD = "0A00BC614E"  # customer byte 0x0A, serial 0x00BC614E = 12345678
FRAME = b"\x020A00BC614E99\x03"  # 0A ^ 00 ^ BC ^ 61 ^ 4E = 99


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


def punches(recorder: Recorder, count: int) -> list[dict[str, Any]]:
    return [recorder.take(PUNCH_TOPIC) for _ in range(count)]


def clock_recorder(bus: EventBus) -> Recorder:
    return Recorder(bus, topics=(PUNCH_TOPIC, STATUS_TOPIC))


# ------------------------------------------------------------------------------------------------ EM4100


def test_valid_frame_worked_example() -> None:
    assert em4100_checksum(bytes.fromhex(CARD)) == 0x99
    assert encode_em4100(CARD) == FRAME and encode_em4100(CARD.lower()) == FRAME
    assert parse_em4100(FRAME) == CARD
    assert em4100_decimal(CARD) == "0012345678"
    assert badge_id(CARD) == "0012345678" and badge_id(CARD, "hex10") == CARD
    with pytest.raises(ValueError):
        badge_id(CARD, "wiegand26")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        encode_em4100("12345")


@pytest.mark.parametrize(("frame", "why"), [
    (b"\x020A00BC614E98\x03", "checksum"),
    (b"\x020A00BC614E\x03", "14 bytes"),  # partial: checksum missing
    (b"\x020A00BC\x03", "14 bytes"),
    (b"0A00BC614E99\x03\x03", "STX"),
    (b"\x020A00BC614E99\x02", "ETX"),
    (b"\x020a00bc614e99\x03", "hex digit"),  # readers send upper case
    (b"\x020A00BC614G99\x03", "hex digit"),
    (b"\x02 A00BC614E99\x03", "hex digit"),
    (b"", "14 bytes"),
    (b"\xff" * 14, "STX"),
])
def test_bad_frames_are_frame_errors(frame: bytes, why: str) -> None:
    with pytest.raises(FrameError, match=why):
        parse_em4100(frame)


def test_noise_before_a_frame_is_cut_off() -> None:
    assert last_frame(b"\xff\x00junk" + FRAME) == FRAME
    assert last_frame(b"\x020A00B" + FRAME) == FRAME  # a partial frame, then a whole one
    assert last_frame(b"no start at all\x03") == b"no start at all\x03"


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=5, max_size=5))
def test_encode_parse_round_trip(card: bytes) -> None:
    assert parse_em4100(encode_em4100(card.hex())) == card.hex().upper()


@settings(max_examples=500, deadline=None)
@given(card=st.binary(min_size=5, max_size=5), index=st.integers(0, 13), byte=st.integers(0, 255))
def test_a_single_corrupted_byte_never_parses(card: bytes, index: int, byte: int) -> None:
    frame = bytearray(encode_em4100(card.hex()))
    if frame[index] == byte:
        byte ^= 0x01
    frame[index] = byte
    with pytest.raises(FrameError):
        parse_em4100(bytes(frame))


def test_held_card_is_one_punch_until_removed_for_the_window() -> None:
    held = RepeatFilter(1000)
    reads = [held.accept(CARD, t / 10) for t in range(30)]  # a frame every 100 ms for 3 s
    assert reads.count(True) == 1 and reads[0]
    assert held.accept("0B00000001", 3.0)  # another card meanwhile is its own punch
    assert not held.accept(CARD, 3.9)  # off the reader for 0.9 s only: still the same presentation
    assert held.accept(CARD, 5.0)  # off for 1.1 s: presented again


# ------------------------------------------------------------------------------------------ serial RFID


def test_rfid_reader_over_a_real_pty(bus: EventBus) -> None:
    recorder = clock_recorder(bus)
    monotonic = StepClock()
    with PtyRfidReader() as reader:
        driver = SerialRfidReader("gate-1", reader.port, bus, release_ms=1000, monotonic=monotonic,
                                  clock=lambda: datetime(2026, 11, 24, 3, 30), retry_s=0.05)
        driver.start()
        try:
            connected = recorder.take(STATUS_TOPIC, lambda ev: ev["status"] == "connected")
            assert connected["kind"] == "rfid_reader" and connected["path"] == reader.port
            reader.present(CARD, frames=5)  # held on the reader: five frames
            reader.write(b"\xff\xfe")  # line noise ...
            reader.write(b"\x020A00BC614E98\x03")  # ... a bad checksum ...
            reader.write(b"\x020A00BC\x03")  # ... a partial frame ...
            reader.write(encode_em4100("0B00000001")[:-1] + b"\r\n\x03")  # a module that puts CR LF before ETX
            reader.present("1100000011")  # a sentinel card: every byte before it has been read
            first = punches(recorder, 3)
            assert [p["badge"] for p in first] == ["0012345678", "0000000001", "0000000017"]
            assert first[0] == {"device": "gate-1", "badge": "0012345678", "employee_code": None,
                                "direction": None, "at": "2026-11-24T03:30:00", "source": "badge"}

            reader.present(CARD, frames=2)  # still within the window of its last frame: the same presentation
            reader.present("2200000022")
            assert recorder.take(PUNCH_TOPIC)["badge"] == "0000000034"  # and no punch of CARD before it

            monotonic.now += 1.5  # the card was off the reader for longer than release_ms
            reader.present(CARD, frames=3)
            assert recorder.take(PUNCH_TOPIC)["badge"] == "0012345678"
            reader.present("3300000033")
            assert recorder.take(PUNCH_TOPIC)["badge"] == "0000000051"
            stats = driver.stats
            assert stats["punches"] == 6 and stats["held"] == 4 + 2 + 2
            assert stats["bad:frame"] == 2 and stats["noise_bytes"] == 2
        finally:
            driver.stop()
        assert recorder.take(STATUS_TOPIC, lambda ev: ev["status"] == "stopped")


def test_rfid_hold_simulator_and_hex_badges(bus: EventBus) -> None:
    recorder = clock_recorder(bus)
    with PtyRfidReader(interval_s=0.02) as reader:
        driver = SerialRfidReader("gate-2", reader.port, bus, badge_format="hex10", direction="in", retry_s=0.05)
        driver.start()
        try:
            recorder.take(STATUS_TOPIC, lambda ev: ev["status"] == "connected")
            reader.hold(CARD)
            punch = recorder.take(PUNCH_TOPIC)
            assert punch["badge"] == CARD and punch["direction"] == "in"
            reader.remove()
        finally:
            driver.stop()


def test_rfid_reader_unplugged_is_an_error_not_a_crash(bus: EventBus) -> None:
    recorder = clock_recorder(bus)
    reader = PtyRfidReader()
    driver = SerialRfidReader("gate-3", reader.port, bus, retry_s=0.05)
    driver.start()
    try:
        recorder.take(STATUS_TOPIC, lambda ev: ev["status"] == "connected")
        reader.close()
        error = recorder.take(STATUS_TOPIC, lambda ev: ev["status"] == "error")
        assert error["device"] == "gate-3" and reader.port in error["error"]
    finally:
        driver.stop()


def test_rfid_reader_rejects_bad_settings(bus: EventBus) -> None:
    with pytest.raises(ValueError):
        SerialRfidReader("x", "/dev/null", bus, badge_format="octal")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SerialRfidReader("x", "/dev/null", bus, direction="sideways")


# ---------------------------------------------------------------------------------------- fingerprint

PLAIN = FingerprintLineParser(
    r"ID:(?P<employee>\d{1,8}),(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(?P<direction>[IO])",
)
TABBED = FingerprintLineParser(
    r"(?P<employee>[A-Z0-9]+)\t(?P<time>\d\d/\d\d/\d{4} \d\d:\d\d)\t(?P<direction>\d)",
    time_format="%d/%m/%Y %H:%M", directions={"0": "in", "1": "out"},
)


def test_fingerprint_lines_with_two_patterns() -> None:
    first = PLAIN.parse("ID:1023,2026-11-24 09:01:02,I\r\n")
    assert (first.employee_code, first.at, first.direction) == ("1023", datetime(2026, 11, 24, 3, 31, 2), "in")
    second = TABBED.parse(b"  E042\t24/11/2026 18:30\t1\n")
    assert (second.employee_code, second.at, second.direction) == ("E042", datetime(2026, 11, 24, 13, 0), "out")
    no_time = FingerprintLineParser(r"PUNCH (?P<employee>\d+)").parse("PUNCH 77")
    assert (no_time.employee_code, no_time.at, no_time.direction) == ("77", None, None)


@pytest.mark.parametrize(("parser", "line"), [
    (PLAIN, "ID:1023,2026-11-24 09:01:02,X"),  # direction not in the pattern
    (PLAIN, "ID:1023,2026-02-31 09:01:02,I"),  # no such date
    (PLAIN, "garbage"),
    (PLAIN, b"ID:10\xff3,2026-11-24 09:01:02,I"),  # not UTF-8
    (PLAIN, "ID:1023,2026-11-24 09:01:02,I" + " x" * 200),  # too long
    (TABBED, "E042\t24/11/2026 18:30\t7"),  # a direction the mapping does not know
    (TABBED, "E042 24/11/2026 18:30 1"),  # spaces, not tabs
])
def test_bad_fingerprint_lines_are_frame_errors(parser: FingerprintLineParser, line: str | bytes) -> None:
    with pytest.raises(FrameError):
        parser.parse(line)


def test_fingerprint_pattern_is_checked_up_front() -> None:
    with pytest.raises(ValueError, match="employee"):
        FingerprintLineParser(r"(?P<emp>\d+)")
    with pytest.raises(ValueError, match="unknown named groups"):
        FingerprintLineParser(r"(?P<employee>\d+)(?P<extra>x)")
    with pytest.raises(ValueError, match="'in' or 'out'"):
        FingerprintLineParser(r"(?P<employee>\d+)", directions={"I": "inside"})


def test_fingerprint_terminal_over_a_pty(bus: EventBus) -> None:
    recorder = clock_recorder(bus)
    with PtySerialDevice() as terminal:
        driver = SerialFingerprintTerminal("bio-1", terminal.port, bus, TABBED, retry_s=0.05,
                                           monotonic=StepClock())
        driver.start()
        try:
            recorder.take(STATUS_TOPIC, lambda ev: ev["status"] == "connected")
            terminal.write(b"E042\t24/11/2026 09:00\t0\r\n")
            terminal.write(b"E042\t24/11/2026 09:00\t0\r\n")  # re-sent at once: dropped
            terminal.write(b"\x00\x01junk\r\n")
            terminal.write(b"\r\n")
            terminal.write(b"E043\t24/11/2026 18:45\t1\n")
            got = punches(recorder, 2)
            assert got == [
                {"device": "bio-1", "badge": None, "employee_code": "E042", "direction": "in",
                 "at": "2026-11-24T03:30:00", "source": "fingerprint"},
                {"device": "bio-1", "badge": None, "employee_code": "E043", "direction": "out",
                 "at": "2026-11-24T13:15:00", "source": "fingerprint"},
            ]
            assert driver.stats["bad:line"] == 1 and driver.stats["debounced"] == 1 and driver.stats["blank"] == 1
        finally:
            driver.stop()


# ---------------------------------------------------------------------------------- evdev badge reader


def test_keyboard_badge_reader_through_the_evdev_stand_in(bus: EventBus) -> None:
    recorder = clock_recorder(bus)
    fake = FakeInputDevice(name="Sycreader RFID Technology Co., Ltd SYC ID&IC USB Reader", usb_id=(0xFFFF, 0x0035))

    def opener(path: str) -> FakeInputDevice:
        if path != fake.path:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        return fake.open()

    reader = EvdevBadgeReader("door", DeviceMatch(name_contains="rfid"), bus, direction="out",
                              opener=opener, lister=lambda: [fake.path], poll_s=0.02, retry_s=0.05)
    reader.start()
    try:
        connected = recorder.take(STATUS_TOPIC, lambda ev: ev["status"] == "connected")
        assert connected["kind"] == "badge_reader" and fake.grabbed
        fake.type_text("0012345678\n")
        fake.type_text("0012345678\n")  # the reader re-types a card left on it: one punch
        fake.type_text("hello\n")  # not a badge number
        fake.type_text("0000000001\n")
        got = punches(recorder, 2)
        assert [(p["badge"], p["direction"], p["source"]) for p in got] == [
            ("0012345678", "out", "badge"), ("0000000001", "out", "badge"),
        ]
        assert datetime.fromisoformat(got[0]["at"]).tzinfo is None
        assert reader.stats["rejected"] == 1 and reader.stats["debounced"] == 1
    finally:
        reader.stop()
        fake.close()
    assert not recorder.events[PUNCH_TOPIC][2:]
