"""Attendance clocks: RFID badge readers (keyboard mode through evdev, or EM4100 frames over serial) and
fingerprint/biometric terminals that send punches over serial as text lines.

Every punch is published as ``clock.punch``::

    {"device": str, "badge": str | None, "employee_code": str | None,
     "direction": "in" | "out" | None, "at": str (naive UTC, ISO 8601), "source": "badge" | "fingerprint"}

Badge punches carry ``badge`` (employee_code None); fingerprint punches carry ``employee_code`` (badge
None). Device state goes out as ``clock.status`` {device, kind, status, error, path, at}. Bad frames and
lines raise :class:`FrameError` in the parsers; the drivers count, log and drop them. The drivers follow
the loop model of scanner.py: ``run(stop)`` on a thread the device manager owns.

Badge ID: a 125 kHz EM4100 card carries 5 bytes: a version/customer byte and a 32-bit serial. The number
printed on the card, and what USB keyboard-mode readers type, is the 32-bit serial in decimal padded to 10
digits. That form (``badge_format="decimal10"``, the default) is the badge ID, so the same card gives the
same badge on a keyboard reader and a serial reader. ``"hex10"`` keeps all 10 hex digits instead, for sites
whose cards differ only in the customer byte.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from edge.devices.keymap import US, Layout
from edge.devices.scanner import (
    DEFAULT_TERMINATORS,
    DeviceMatch,
    KeyboardDevice,
    KeystrokeDecoder,
    Publisher,
    RepeatFilter,
    Scan,
    SerialDevice,
    event_time,
)
from edge.devices.serial_link import LinkSettings

log = logging.getLogger(__name__)

PUNCH_TOPIC = "clock.punch"
STATUS_TOPIC = "clock.status"
STX, ETX = 0x02, 0x03
EM4100_FRAME_LENGTH = 14  # STX + 10 hex (data) + 2 hex (XOR checksum) + ETX
BadgeFormat = Literal["decimal10", "hex10"]
_HEX = frozenset(b"0123456789ABCDEF")  # readers send upper case; anything else is corruption


class FrameError(ValueError):
    """Bytes or a line that are not a valid reading; the driver counts, logs and drops it."""


# ------------------------------------------------------------------------------------------------ EM4100


def em4100_checksum(data: bytes) -> int:
    """XOR of the data bytes (the 5 bytes an EM4100 frame's 10 hex characters stand for)."""
    checksum = 0
    for byte in data:
        checksum ^= byte
    return checksum


def encode_em4100(card_hex: str) -> bytes:
    """The RDM6300-style frame for a 10-hex-digit card: STX, 10 hex, 2 hex of XOR checksum, ETX."""
    if len(card_hex) != 10 or not set(card_hex.upper().encode()) <= _HEX:
        raise ValueError(f"an EM4100 card is 10 hex digits (got {card_hex!r})")
    data = bytes.fromhex(card_hex)
    return bytes([STX]) + f"{card_hex.upper()}{em4100_checksum(data):02X}".encode("ascii") + bytes([ETX])


def parse_em4100(frame: bytes) -> str:
    """The card's 10 hex digits (upper case) from one complete frame; FrameError if it is not valid.

    Valid: exactly 14 bytes, STX first, ETX last, 12 upper-case ASCII hex digits between, and the last two
    equal to the XOR of the 5 bytes the first ten stand for. So any single changed byte is a FrameError.
    """
    if len(frame) != EM4100_FRAME_LENGTH:
        raise FrameError(f"EM4100 frame must be {EM4100_FRAME_LENGTH} bytes, got {len(frame)}")
    if frame[0] != STX or frame[-1] != ETX:
        raise FrameError("EM4100 frame must start with STX (0x02) and end with ETX (0x03)")
    body = frame[1:-1]
    if not set(body) <= _HEX:
        raise FrameError("EM4100 frame holds a byte that is not an upper-case ASCII hex digit")
    text = body.decode("ascii")
    computed, stated = em4100_checksum(bytes.fromhex(text[:10])), int(text[10:], 16)
    if computed != stated:
        raise FrameError(f"EM4100 checksum mismatch: data XOR is {computed:02X}, frame says {stated:02X}")
    return text[:10]


def em4100_decimal(card_hex: str) -> str:
    """The number printed on most cards: the last 8 hex digits (32-bit serial) in decimal, 10 digits."""
    return f"{int(card_hex[2:], 16):010d}"


def badge_id(card_hex: str, badge_format: BadgeFormat = "decimal10") -> str:
    """The badge ID of a card in the configured format (see the module docstring)."""
    if badge_format == "hex10":
        return card_hex.upper()
    if badge_format == "decimal10":
        return em4100_decimal(card_hex)
    raise ValueError(f"badge_format must be decimal10 or hex10 (got {badge_format!r})")


def last_frame(chunk: bytes) -> bytes:
    """From bytes read up to an ETX, the candidate frame: from the last STX on (noise before it is dropped)."""
    start = chunk.rfind(bytes([STX]))
    return chunk if start < 0 else chunk[start:]


# ------------------------------------------------------------------------------------- fingerprint lines

DEFAULT_DIRECTIONS: Mapping[str, str] = {"I": "in", "IN": "in", "0": "in", "O": "out", "OUT": "out", "1": "out"}


@dataclass(frozen=True)
class FingerprintPunch:
    """One punch line: employee code, time (naive UTC; None when the line has no time), direction."""

    employee_code: str
    at: datetime | None
    direction: str | None


class FingerprintLineParser:
    """Parses one text line of a fingerprint/biometric terminal with a configurable regex.

    Named groups: ``employee`` (required), ``time`` (optional, read with ``time_format`` in the terminal's
    ``timezone`` and converted to UTC) and ``direction`` (optional, looked up case-insensitively in
    ``directions``, whose values are 'in' or 'out'). The whole line (without its line ending and
    surrounding spaces) must match. Anything else is a FrameError: never a guessed punch.
    """

    def __init__(
        self,
        pattern: str,
        time_format: str = "%Y-%m-%d %H:%M:%S",
        directions: Mapping[str, str] = DEFAULT_DIRECTIONS,
        timezone: str = "Asia/Kolkata",
        max_length: int = 256,
    ) -> None:
        self.regex = re.compile(pattern)
        if "employee" not in self.regex.groupindex:
            raise ValueError("the fingerprint line pattern needs a named group 'employee'")
        unknown = set(self.regex.groupindex) - {"employee", "time", "direction"}
        if unknown:
            raise ValueError(f"unknown named groups in the fingerprint line pattern: {', '.join(sorted(unknown))}")
        bad = {value for value in directions.values() if value not in ("in", "out")}
        if bad:
            raise ValueError(f"directions must map to 'in' or 'out' (got {', '.join(sorted(bad))})")
        self.time_format = time_format
        self.directions = {key.upper(): value for key, value in directions.items()}
        self.zone = ZoneInfo(timezone)
        self.max_length = max_length

    def parse(self, line: str | bytes) -> FingerprintPunch:
        """One line → a punch; FrameError when it does not match or a field is invalid."""
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FrameError("line is not UTF-8 text") from exc
        line = line.strip()
        if len(line) > self.max_length:
            raise FrameError(f"line longer than {self.max_length} characters")
        match = self.regex.fullmatch(line)
        if match is None:
            raise FrameError(f"line does not match the configured pattern: {line[:80]!r}")
        employee = (match.group("employee") or "").strip()
        if not employee or not employee.isprintable():
            raise FrameError("empty or unprintable employee code")
        at = None
        text_time = match.groupdict().get("time")
        if text_time:
            try:
                local = datetime.strptime(text_time.strip(), self.time_format)
            except ValueError as exc:
                raise FrameError(f"time {text_time!r} does not fit format {self.time_format!r}") from exc
            at = local.replace(tzinfo=self.zone).astimezone(UTC).replace(tzinfo=None)
        direction = None
        text_direction = match.groupdict().get("direction")
        if text_direction:
            direction = self.directions.get(text_direction.strip().upper())
            if direction is None:
                raise FrameError(f"unknown direction {text_direction!r}")
        return FingerprintPunch(employee, at, direction)


def punch_event(
    device: str, at: datetime, *, badge: str | None = None, employee_code: str | None = None,
    direction: str | None = None,
) -> dict[str, Any]:
    """The ``clock.punch`` payload (one shape for every source)."""
    return {
        "device": device, "badge": badge, "employee_code": employee_code, "direction": direction,
        "at": at.isoformat(), "source": "badge" if badge is not None else "fingerprint",
    }


def _check_direction(direction: str | None) -> None:
    if direction not in (None, "in", "out"):
        raise ValueError("direction must be 'in', 'out' or None")


# ----------------------------------------------------------------------------------- evdev badge readers


class EvdevBadgeReader(KeyboardDevice):
    """A USB RFID/badge reader in keyboard mode: it types the badge number and Enter.

    Reuses :class:`KeystrokeDecoder`; its debounce (``debounce_ms``, default 2 s, a sliding window) makes a
    card left on a reader that re-types it one punch. A typed value that does not fit ``badge_pattern`` is
    counted in ``rejected`` and dropped. ``direction`` fixes the direction for a reader at an entrance or
    an exit (None: the attendance service decides).
    """

    kind = "badge_reader"
    status_topic = STATUS_TOPIC

    def __init__(
        self,
        name: str,
        match: DeviceMatch,
        bus: Publisher,
        layout: Layout = US,
        *,
        direction: str | None = None,
        badge_pattern: str = r"[0-9A-Fa-f]{4,20}",
        terminators: Collection[int] = DEFAULT_TERMINATORS,
        inter_key_timeout_ms: int = 100,
        max_length: int = 32,
        debounce_ms: int = 2000,
        **options: Any,
    ) -> None:
        _check_direction(direction)
        decoder = KeystrokeDecoder(layout, terminators, inter_key_timeout_ms, max_length, debounce_ms, label=name)
        super().__init__(name, match, bus, decoder, **options)
        self.direction = direction
        self.badge_pattern = re.compile(badge_pattern)
        self.rejected = 0

    @property
    def stats(self) -> dict[str, int]:
        """The decoder's counters and ``rejected`` (typed values that are not badge numbers)."""
        return {**super().stats, "rejected": self.rejected}

    def on_scan(self, scan: Scan) -> None:
        """Publish a punch for a well-formed badge; count and drop anything else."""
        if not self.badge_pattern.fullmatch(scan.code):
            self.rejected += 1
            log.warning("badge reader %s: typed value is not a badge number; dropped", self.name)
            return
        self.publish(PUNCH_TOPIC, punch_event(
            self.name, event_time(scan.timestamp), badge=scan.code.upper(), direction=self.direction,
        ))


# ---------------------------------------------------------------------------------- serial RFID readers


class SerialRfidReader(SerialDevice):
    """An EM4100 reader on a serial port (RDM6300 and its kin: 9600 8N1, a frame per read).

    The reader repeats the frame while a card is held; a card is one punch until it has been off the
    reader for ``release_ms`` (a sliding window per card). Noise before a frame's STX is skipped and counted
    (``noise_bytes``); a frame with a bad length, character or checksum is counted (``bad_frames``) and
    dropped. Some modules put CR LF before ETX; that framing variant is accepted.
    """

    kind = "rfid_reader"
    status_topic = STATUS_TOPIC

    def __init__(
        self,
        name: str,
        port: str,
        bus: Publisher,
        *,
        badge_format: BadgeFormat = "decimal10",
        release_ms: int = 1000,
        direction: str | None = None,
        settings: LinkSettings | None = None,
        **options: Any,
    ) -> None:
        _check_direction(direction)
        badge_id("0000000000", badge_format)  # validates the format now, not at the first card
        super().__init__(name, port, bus, terminator=bytes([ETX]), max_frame=64,
                         settings=settings or LinkSettings(baudrate=9600), **options)
        self.badge_format: BadgeFormat = badge_format
        self.direction = direction
        self._held = RepeatFilter(release_ms)

    def on_frame(self, frame: bytes) -> None:
        """Parse one frame; publish a punch when it is a card newly presented."""
        candidate = last_frame(frame)
        if len(candidate) < len(frame):
            self.counters["noise_bytes"] += len(frame) - len(candidate)
        if candidate.endswith(b"\r\n\x03"):
            candidate = candidate[:-3] + bytes([ETX])
        try:
            card = parse_em4100(candidate)
        except FrameError as exc:
            self.drop("frame", frame, str(exc))
            return
        if not self._held.accept(card, self.monotonic()):
            self.counters["held"] += 1
            return
        self.counters["punches"] += 1
        self.publish(PUNCH_TOPIC, punch_event(
            self.name, self.clock(), badge=badge_id(card, self.badge_format), direction=self.direction,
        ))


# -------------------------------------------------------------------------------- fingerprint terminals


class SerialFingerprintTerminal(SerialDevice):
    """A fingerprint/biometric terminal that sends each punch as a text line on a serial port.

    Lines end with ``line_end`` (LF by default; a CR before it is stripped) and are read by ``parser``. A line
    without a time is stamped on arrival; a line without a direction takes the device's ``direction``. An
    identical line again within ``debounce_ms`` (a terminal re-sending) is dropped (``debounced``).
    """

    kind = "fingerprint_terminal"
    status_topic = STATUS_TOPIC

    def __init__(
        self,
        name: str,
        port: str,
        bus: Publisher,
        parser: FingerprintLineParser,
        *,
        line_end: bytes = b"\n",
        direction: str | None = None,
        debounce_ms: int = 2000,
        **options: Any,
    ) -> None:
        _check_direction(direction)
        super().__init__(name, port, bus, terminator=line_end, max_frame=parser.max_length + 2, **options)
        self.parser = parser
        self.direction = direction
        self._repeats = RepeatFilter(debounce_ms)

    def on_frame(self, frame: bytes) -> None:
        """Parse one line; publish its punch."""
        line = frame.strip(b"\r\n\x00 ")
        if not line:
            self.counters["blank"] += 1
            return
        try:
            punch = self.parser.parse(line)
        except FrameError as exc:
            self.drop("line", frame, str(exc))
            return
        if not self._repeats.accept(line.decode("utf-8"), self.monotonic()):
            self.counters["debounced"] += 1
            return
        self.counters["punches"] += 1
        self.publish(PUNCH_TOPIC, punch_event(
            self.name, punch.at or self.clock(), employee_code=punch.employee_code,
            direction=punch.direction or self.direction,
        ))
