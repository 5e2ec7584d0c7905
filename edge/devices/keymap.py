"""Keyboard layout tables: which character an evdev key code types, plain, with Shift and with AltGr.

A barcode scanner or badge reader in keyboard mode sends *key positions* (``evdev.ecodes.KEY_*``), not
characters; the characters depend on the keyboard layout the device was programmed for. The tables here
turn positions back into characters. A position that is not in the table, or a level the table leaves
empty (a dead key, a level the layout does not have), types nothing we recognise, and the decoder drops the
whole scan rather than guess.

Layouts: ``US`` (the default, what almost every scanner ships with), ``UK`` and ``DE`` (German QWERTZ with
AltGr). Add a layout by building a :class:`Layout` from another one's table with :meth:`Layout.derive`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from evdev import ecodes as e

# (plain, shifted, altgr); None: the level types nothing (or something we refuse to guess).
Levels = tuple[str | None, str | None, str | None]


@dataclass(frozen=True)
class Keystroke:
    """How to type one character: the key and the modifiers held with it."""

    code: int
    shift: bool = False
    altgr: bool = False


@dataclass(frozen=True)
class Layout:
    """A keyboard layout: key code → characters at each level.

    Caps Lock swaps plain and shifted on letter keys only: keys whose shifted character is the upper case
    of the plain one (as the Linux console and X do); digits, symbols and 'ß' are unaffected.
    """

    name: str
    keys: Mapping[int, Levels]
    _reverse: Mapping[str, Keystroke] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = MappingProxyType(dict(self.keys))
        object.__setattr__(self, "keys", keys)
        reverse: dict[str, Keystroke] = {}
        # Prefer the simplest way to type a character: plain, then Shift, then AltGr; main block before keypad.
        for level in range(3):
            for code in sorted(keys, key=lambda c: (c in _KEYPAD, c)):
                char = keys[code][level]
                if char is not None and char not in reverse:
                    reverse[char] = Keystroke(code, shift=level == 1, altgr=level == 2)
        object.__setattr__(self, "_reverse", MappingProxyType(reverse))

    def char(self, code: int, *, shift: bool = False, caps: bool = False, altgr: bool = False) -> str | None:
        """The character ``code`` types with these modifiers, or None when the layout types nothing known."""
        levels = self.keys.get(code)
        if levels is None:
            return None
        if altgr:
            return levels[2]
        plain, shifted, _ = levels
        if caps and plain is not None and plain.isalpha() and shifted == plain.upper() != plain:
            shift = not shift
        return shifted if shift else plain

    def keystroke(self, char: str) -> Keystroke | None:
        """How to type ``char`` on this layout (for simulators), or None when it cannot be typed."""
        return self._reverse.get(char)

    @property
    def characters(self) -> frozenset[str]:
        """Every character this layout can type."""
        return frozenset(self._reverse)

    @property
    def has_altgr(self) -> bool:
        """Whether any key has an AltGr level (then Right Alt is AltGr, else it is Alt)."""
        return any(levels[2] is not None for levels in self.keys.values())

    def derive(self, name: str, changes: Mapping[int, Levels | None]) -> Layout:
        """A new layout: this table with keys replaced (or removed, with None)."""
        keys = dict(self.keys)
        for code, levels in changes.items():
            if levels is None:
                keys.pop(code, None)
            else:
                keys[code] = levels
        return Layout(name, keys)


def _pair(plain: str, shifted: str | None) -> Levels:
    return (plain, shifted, None)


_LETTER_CODES = {
    "a": e.KEY_A, "b": e.KEY_B, "c": e.KEY_C, "d": e.KEY_D, "e": e.KEY_E, "f": e.KEY_F, "g": e.KEY_G,
    "h": e.KEY_H, "i": e.KEY_I, "j": e.KEY_J, "k": e.KEY_K, "l": e.KEY_L, "m": e.KEY_M, "n": e.KEY_N,
    "o": e.KEY_O, "p": e.KEY_P, "q": e.KEY_Q, "r": e.KEY_R, "s": e.KEY_S, "t": e.KEY_T, "u": e.KEY_U,
    "v": e.KEY_V, "w": e.KEY_W, "x": e.KEY_X, "y": e.KEY_Y, "z": e.KEY_Z,
}
_DIGIT_ROW = (e.KEY_1, e.KEY_2, e.KEY_3, e.KEY_4, e.KEY_5, e.KEY_6, e.KEY_7, e.KEY_8, e.KEY_9, e.KEY_0)

# Keypad keys type the same on every layout. Scanners that use the keypad ("alt mode" off, numeric keypad
# on) do so with Num Lock on; the decoder does not track Num Lock, and a shifted keypad key (navigation on a
# real keyboard) types nothing known.
_KEYPAD: dict[int, Levels] = {
    e.KEY_KP0: ("0", None, None), e.KEY_KP1: ("1", None, None), e.KEY_KP2: ("2", None, None),
    e.KEY_KP3: ("3", None, None), e.KEY_KP4: ("4", None, None), e.KEY_KP5: ("5", None, None),
    e.KEY_KP6: ("6", None, None), e.KEY_KP7: ("7", None, None), e.KEY_KP8: ("8", None, None),
    e.KEY_KP9: ("9", None, None), e.KEY_KPDOT: (".", None, None), e.KEY_KPMINUS: ("-", None, None),
    e.KEY_KPPLUS: ("+", None, None), e.KEY_KPASTERISK: ("*", None, None), e.KEY_KPSLASH: ("/", None, None),
}


def _us_table() -> dict[int, Levels]:
    table: dict[int, Levels] = {code: _pair(letter, letter.upper()) for letter, code in _LETTER_CODES.items()}
    for code, plain, shifted in zip(_DIGIT_ROW, "1234567890", "!@#$%^&*()", strict=True):
        table[code] = _pair(plain, shifted)
    table.update({
        e.KEY_MINUS: _pair("-", "_"), e.KEY_EQUAL: _pair("=", "+"),
        e.KEY_LEFTBRACE: _pair("[", "{"), e.KEY_RIGHTBRACE: _pair("]", "}"),
        e.KEY_SEMICOLON: _pair(";", ":"), e.KEY_APOSTROPHE: _pair("'", '"'),
        e.KEY_GRAVE: _pair("`", "~"), e.KEY_BACKSLASH: _pair("\\", "|"),
        e.KEY_COMMA: _pair(",", "<"), e.KEY_DOT: _pair(".", ">"), e.KEY_SLASH: _pair("/", "?"),
        e.KEY_SPACE: _pair(" ", " "),
    })
    table.update(_KEYPAD)
    return table


US = Layout("us", _us_table())

# UK (ISO): Shift+2 is '"', Shift+3 is '£', the apostrophe key has '@', the key beside Enter is '#~',
# the extra ISO key (KEY_102ND) is '\|', and Shift+` is '¬'.
UK = US.derive("uk", {
    e.KEY_2: _pair("2", '"'), e.KEY_3: _pair("3", "£"),
    e.KEY_APOSTROPHE: _pair("'", "@"), e.KEY_BACKSLASH: _pair("#", "~"),
    e.KEY_GRAVE: _pair("`", "¬"), e.KEY_102ND: _pair("\\", "|"),
})

# German QWERTZ (T1): Y and Z swapped, umlauts, AltGr for @ € { [ ] } \ ~ |. The dead keys (^ ´ `) are
# left empty: a dead key types nothing by itself, so a scan containing one is dropped, never guessed.
DE = US.derive("de", {
    e.KEY_Y: _pair("z", "Z"), e.KEY_Z: _pair("y", "Y"),
    e.KEY_1: _pair("1", "!"), e.KEY_2: ("2", '"', "²"), e.KEY_3: ("3", "§", "³"), e.KEY_4: _pair("4", "$"),
    e.KEY_5: _pair("5", "%"), e.KEY_6: _pair("6", "&"), e.KEY_7: ("7", "/", "{"), e.KEY_8: ("8", "(", "["),
    e.KEY_9: ("9", ")", "]"), e.KEY_0: ("0", "=", "}"),
    e.KEY_MINUS: ("ß", "?", "\\"), e.KEY_EQUAL: None,
    e.KEY_Q: ("q", "Q", "@"), e.KEY_E: ("e", "E", "€"),
    e.KEY_LEFTBRACE: _pair("ü", "Ü"), e.KEY_RIGHTBRACE: ("+", "*", "~"),
    e.KEY_SEMICOLON: _pair("ö", "Ö"), e.KEY_APOSTROPHE: _pair("ä", "Ä"),
    e.KEY_GRAVE: (None, "°", None), e.KEY_BACKSLASH: _pair("#", "'"),
    e.KEY_COMMA: _pair(",", ";"), e.KEY_DOT: _pair(".", ":"), e.KEY_SLASH: _pair("-", "_"),
    e.KEY_102ND: ("<", ">", "|"),
})

LAYOUTS: Mapping[str, Layout] = MappingProxyType({layout.name: layout for layout in (US, UK, DE)})


def get_layout(name: str) -> Layout:
    """The layout called ``name`` (``us``, ``uk``, ``de``); ValueError naming the choices otherwise."""
    try:
        return LAYOUTS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown keyboard layout {name!r} (choose from {', '.join(sorted(LAYOUTS))})") from None
