"""GSTIN: format, state code and mod-36 check character; registrations (seller or customer) by period.

A GSTIN is 2 digits of state code, the holder's 10-character PAN, the registration number of that PAN in
the state (1-9, then A-Z), the letter Z and a check character (Luhn mod 36 over 0-9A-Z). The company's
GSTIN and legal name, and a business customer's, can change from one period to the next; the invoice date
picks the registration in force. Periods of one holder never overlap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.in_ import pan

from edge.domain.errors import RuleError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
GSTIN_LENGTH = 15

# GST state and union-territory codes. python-stdnum's table stops at 37: it lacks 38 (Ladakh, since 2020)
# and 97 (Other Territory), so the state code is checked here and stdnum checks the PAN and check character.
# 25 and 28 stay for registrations from before the 2020 merger and the 2014 division.
STATE_NAMES: dict[str, str] = {
    "01": "Jammu and Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "25": "Daman and Diu (before 2020)",
    "26": "Dadra and Nagar Haveli and Daman and Diu",
    "27": "Maharashtra",
    "28": "Andhra Pradesh (before 2014)",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman and Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
    "97": "Other Territory",
}

_ALPHANUMERIC = re.compile(r"[0-9A-Z]+")
_STATE = re.compile(r"[0-9]{2}")
_PAN = re.compile(r"[A-Z]{5}[0-9]{4}[A-Z]")
_ENTITY = re.compile(r"[1-9A-Z]")


def _format_error(gstin: str, problem: str) -> RuleError:
    """A GSTIN layout error a cashier can act on."""
    return RuleError(f"GSTIN {gstin}: {problem}", "gstin", "bad_gstin_format")


def _check_layout(gstin: str) -> None:
    """Refuse anything but 15 characters laid out as state, PAN, entity number, Z and check character."""
    if len(gstin) != GSTIN_LENGTH:
        raise RuleError(
            f"a GSTIN has 15 characters (got {len(gstin)}: {gstin or 'nothing'})", "gstin", "bad_gstin_format"
        )
    if not _ALPHANUMERIC.fullmatch(gstin):
        raise _format_error(gstin, "only letters and digits are allowed")
    if not _STATE.fullmatch(gstin[:2]):
        raise _format_error(gstin, "the first 2 characters are the state code, digits such as 27")
    if not _PAN.fullmatch(gstin[2:12]):
        raise _format_error(gstin, "characters 3 to 12 are the PAN: 5 letters, 4 digits, 1 letter")
    if not _ENTITY.fullmatch(gstin[12]):
        raise _format_error(gstin, "the 13th character is the registration number in the state, 1-9 or A-Z")
    if gstin[13] != "Z":
        raise _format_error(gstin, "the 14th character is always Z")


def check_gstin(text: str) -> str:
    """A valid GSTIN in upper case without spaces, or a RuleError saying which part is wrong."""
    gstin = "".join(text.split()).upper()
    _check_layout(gstin)
    if gstin[:2] not in STATE_NAMES:
        raise RuleError(
            f"GSTIN {gstin} starts with {gstin[:2]}, which is not a GST state code", "gstin", "bad_gstin_state"
        )
    try:
        pan.validate(gstin[2:12])
    except ValidationError as exc:
        problem = (
            "its serial number 0000 does not exist"
            if gstin[7:11] == "0000"
            else f"its 4th letter {gstin[5]} is not a PAN holder type (P person, C company, F firm, ...)"
        )
        raise _format_error(gstin, f"{gstin[2:12]} is not a valid PAN: {problem}") from exc
    try:
        luhn.validate(gstin, ALPHABET)
    except InvalidChecksum as exc:
        expected = luhn.calc_check_digit(gstin[:14], ALPHABET)
        raise RuleError(
            f"GSTIN {gstin} has a wrong check character (the last one should be {expected}); look for a typing mistake",
            "gstin",
            "bad_gstin_check",
        ) from exc
    return gstin


def calc_check_char(first14: str) -> str:
    """The check character that completes the first 14 characters of a GSTIN."""
    body = first14.strip().upper()
    if len(body) != GSTIN_LENGTH - 1 or not _ALPHANUMERIC.fullmatch(body):
        raise RuleError(
            f"a check character completes 14 letters and digits (got {first14!r})", "gstin", "bad_gstin_format"
        )
    return str(luhn.calc_check_digit(body, ALPHABET))


def gstin_state(gstin: str) -> str:
    """The 2-digit state code of a valid GSTIN."""
    return check_gstin(gstin)[:2]


def gstin_pan(gstin: str) -> str:
    """The holder's PAN inside a valid GSTIN."""
    return check_gstin(gstin)[2:12]


def _day(on: date) -> str:
    """``1 Apr 2026``, as people write dates."""
    return f"{on.day} {on:%b %Y}"


@dataclass(frozen=True, kw_only=True)
class Registration:
    """A GSTIN with its legal and trade name, in force from ``valid_from`` to ``valid_to`` (inclusive).

    Used for the company's own registrations and for a business customer's GSTIN history alike; an empty
    ``state_code`` is taken from the GSTIN, ``valid_to=None`` means "until further notice".
    """

    gstin: str
    legal_name: str
    trade_name: str = ""
    state_code: str = ""
    valid_from: date
    valid_to: date | None = None

    def __post_init__(self) -> None:
        gstin = check_gstin(self.gstin)
        object.__setattr__(self, "gstin", gstin)
        if not self.legal_name.strip():
            raise RuleError(
                f"GSTIN {gstin} needs the legal name it is registered under", "legal_name", "missing_legal_name"
            )
        if not self.state_code:
            object.__setattr__(self, "state_code", gstin[:2])
        elif self.state_code != gstin[:2]:
            raise RuleError(
                f"GSTIN {gstin} is registered in state {gstin[:2]}, not {self.state_code}",
                "state_code",
                "state_mismatch",
            )
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise RuleError(
                f"GSTIN {gstin}: the period ends ({_day(self.valid_to)}) before it starts ({_day(self.valid_from)})",
                "valid_to",
                "bad_period",
            )

    def covers(self, on: date) -> bool:
        """True when this registration is in force on the given day."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def describe(self) -> str:
        """``27AAPFU0939F1ZV (1 Jan 2026 - 31 Dec 2026)`` for messages."""
        end = "onwards" if self.valid_to is None else f"- {_day(self.valid_to)}"
        return f"{self.gstin} ({_day(self.valid_from)} {end})"


def check_no_overlap(registrations: Sequence[Registration]) -> None:
    """Refuse two registrations of one holder whose periods share a day."""
    ordered = sorted(registrations, key=lambda r: r.valid_from)
    for earlier, later in pairwise(ordered):
        if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
            raise RuleError(
                f"registration {earlier.describe()} overlaps {later.describe()}; "
                "end the earlier one the day before the later one starts",
                "valid_from",
                "overlapping_registrations",
            )


def in_force(registrations: Sequence[Registration], on: date) -> Registration:
    """The registration (GSTIN and names) in force on a date; periods must not overlap."""
    check_no_overlap(registrations)
    for registration in registrations:
        if registration.covers(on):
            return registration
    raise RuleError(f"no GST registration is in force on {_day(on)}", "date", "no_registration")
