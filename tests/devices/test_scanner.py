"""Keyboard-wedge scanners: the decoder on real evdev.InputEvent sequences, and the evdev driver through the
FakeInputDevice stand-in (CI has no /dev/uinput). Every wait is on an event with a timeout, never a sleep."""

from __future__ import annotations

import errno
import queue
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from evdev import InputEvent
from evdev import ecodes as e
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.bus import EventBus
from edge.devices.keymap import DE, UK, US, Layout, get_layout
from edge.devices.scanner import (
    DEFAULT_TERMINATORS,
    SCAN_TOPIC,
    STATUS_TOPIC,
    DeviceMatch,
    EvdevScanner,
    KeystrokeDecoder,
    RepeatFilter,
    SerialScanner,
    event_time,
    key_codes,
    parse_usb_id,
)
from edge.devices.sim_input import FakeInputDevice, KeyTyper, PtySerialDevice, make_event, type_text

EAN = "8901234567894"
T0 = 1_790_000_000.0  # a fixed epoch second for decoder tests
WAIT = 5.0


def codes(decoder: KeystrokeDecoder, events: list[InputEvent]) -> list[str]:
    return [scan.code for scan in decoder.feed_all(events)]


# ------------------------------------------------------------------------------------------------ layouts


def test_layout_tables_are_configurable_and_differ_where_real_keyboards_do() -> None:
    assert US.char(e.KEY_2, shift=True) == "@" and UK.char(e.KEY_2, shift=True) == '"'
    assert US.char(e.KEY_APOSTROPHE, shift=True) == '"' and UK.char(e.KEY_APOSTROPHE, shift=True) == "@"
    assert UK.char(e.KEY_3, shift=True) == "£" and UK.char(e.KEY_BACKSLASH) == "#"
    assert DE.char(e.KEY_Y) == "z" and DE.char(e.KEY_Z) == "y" and DE.char(e.KEY_Q, altgr=True) == "@"
    assert DE.char(e.KEY_GRAVE) is None  # a dead key types nothing on its own
    assert US.char(e.KEY_F1) is None
    assert get_layout("UK") is UK
    with pytest.raises(ValueError, match="unknown keyboard layout"):
        get_layout("fr")
    assert US.characters >= set("0123456789abcXYZ!@#$%^&*()-_=+[]{};:'\",.<>/?`~\\| ")


# ------------------------------------------------------------------------------------------------ decoder


def test_plain_ean13_scan() -> None:
    events = type_text(EAN + "\n", start=T0)
    assert {ev.type for ev in events} == {e.EV_KEY, e.EV_MSC, e.EV_SYN}  # a keyboard's real report shape
    decoder = KeystrokeDecoder()
    scans = decoder.feed_all(events)
    assert [scan.code for scan in scans] == [EAN]
    assert scans[0].timestamp == pytest.approx(events[-4].timestamp())  # the Enter key-down
    assert decoder.stats.scans == 1 and decoder.stats.dropped == 0


def test_capitals_and_symbols_with_shift() -> None:
    text = "ABC-12/x+$%_Q?{}"
    assert codes(KeystrokeDecoder(), type_text(text + "\n", start=T0)) == [text]
    held = KeyTyper(US, start=T0).type("ABC!@#d\n", release_shift_each=False)  # Shift held across a run
    assert codes(KeystrokeDecoder(), held) == ["ABC!@#d"]


def test_right_shift_counts_as_shift() -> None:
    typer = KeyTyper(US, start=T0)
    events = typer.key(e.KEY_RIGHTSHIFT, 1) + typer.tap(e.KEY_A) + typer.key(e.KEY_RIGHTSHIFT, 0)
    events += typer.tap(e.KEY_A) + typer.tap(e.KEY_ENTER)
    assert codes(KeystrokeDecoder(), events) == ["Aa"]


def test_caps_lock_toggles_letters_only() -> None:
    typer = KeyTyper(US, start=T0)
    events = typer.tap(e.KEY_CAPSLOCK) + typer.type("ab1") + typer.key(e.KEY_LEFTSHIFT, 1) + typer.tap(e.KEY_C)
    events += typer.key(e.KEY_LEFTSHIFT, 0) + typer.tap(e.KEY_CAPSLOCK) + typer.type("d\n")
    assert codes(KeystrokeDecoder(), events) == ["AB1cd"]


def test_caps_lock_left_on_is_reset_before_the_next_scan() -> None:
    typer = KeyTyper(US, start=T0)
    events = typer.tap(e.KEY_CAPSLOCK) + typer.type("ab\n")
    typer.pause(500)
    events += typer.type("cd\n")
    assert codes(KeystrokeDecoder(), events) == ["AB", "cd"]


def test_uk_layout_reads_the_same_keys_differently() -> None:
    events = type_text('a@"b\n', layout=US, start=T0)  # key positions as a US-programmed scanner sends them
    assert codes(KeystrokeDecoder(US), events) == ['a@"b']
    assert codes(KeystrokeDecoder(UK), events) == ['a"@b']
    uk_events = type_text("£#~\\|@\n", layout=UK, start=T0)
    assert codes(KeystrokeDecoder(UK), uk_events) == ["£#~\\|@"]


def test_german_layout_with_altgr() -> None:
    events = type_text("Zy@ä€ß\n", layout=DE, start=T0)
    assert codes(KeystrokeDecoder(DE), events) == ["Zy@ä€ß"]
    us = KeystrokeDecoder(US)  # on US, Right Alt is Alt: a character with Alt held is not guessed
    assert codes(us, events) == [] and us.stats.unknown_keys == 1


def test_lost_key_ups() -> None:
    decoder = KeystrokeDecoder(debounce_ms=0)
    # Every key-up lost: key-down alone types, so the scan is intact.
    assert codes(decoder, type_text(EAN + "\n", drop_key_ups=True, start=T0)) == [EAN]
    # Shift's key-up lost: it is released at the terminator and the next scan is not shifted.
    typer = KeyTyper(US, start=T0 + 10)
    events = typer.type("A\n", drop_key_ups={e.KEY_LEFTSHIFT}) + typer.type("123\n")
    assert codes(decoder, events) == ["A", "123"]
    # Lost again, and the next scan starts after a pause: reset as well.
    events = typer.type("B\n", drop_key_ups={e.KEY_LEFTSHIFT})
    typer.pause(1000)
    events += typer.type("456\n")
    assert codes(decoder, events) == ["B", "456"]


def test_autorepeat_is_ignored() -> None:
    typer = KeyTyper(US, start=T0)
    events = typer.key(e.KEY_1, 1) + typer.key(e.KEY_1, 2) + typer.key(e.KEY_1, 2) + typer.key(e.KEY_1, 0)
    events += typer.type("2\n")
    assert codes(KeystrokeDecoder(), events) == ["12"]


def test_half_scan_dropped_after_the_inter_key_timeout() -> None:
    decoder = KeystrokeDecoder(inter_key_timeout_ms=100)
    typer = KeyTyper(US, start=T0)
    events = typer.type("890123")  # the scanner stalls: no Enter
    typer.pause(150)
    events += typer.type(EAN + "\n")
    assert codes(decoder, events) == [EAN]
    assert decoder.stats.timeouts == 1


def test_expire_drops_a_half_scan_without_a_new_event() -> None:
    decoder = KeystrokeDecoder(inter_key_timeout_ms=100)
    events = type_text("1234", start=T0)
    assert codes(decoder, events) == [] and decoder.pending == "1234"
    last = events[-1].timestamp()
    assert decoder.expire(last + 0.05) is False and decoder.pending == "1234"
    assert decoder.expire(last + 0.5) is True
    assert decoder.pending == "" and decoder.stats.timeouts == 1
    assert codes(decoder, type_text("\n", start=last + 0.6)) == []  # the Enter alone is an empty scan


def test_a_clock_stepped_backwards_breaks_the_scan() -> None:
    decoder = KeystrokeDecoder()
    events = type_text("123", start=T0) + type_text("456\n", start=T0 - 3600)
    assert codes(decoder, events) == ["456"] and decoder.stats.timeouts == 1


@pytest.mark.parametrize("then_enter", [True, False])
def test_flood_without_enter_is_dropped_and_the_next_scan_works(then_enter: bool) -> None:
    decoder = KeystrokeDecoder(max_length=64, inter_key_timeout_ms=100)
    typer = KeyTyper(US, start=T0, gap_ms=1)
    flood = typer.type("7" * 5000)
    events = flood + (typer.type("\n") if then_enter else [])
    typer.pause(200)
    events += typer.type(EAN + "\n")
    scans = codes(decoder, events)
    assert scans == [EAN]
    assert decoder.stats.overflows == 1 and decoder.stats.timeouts == 0


def test_flood_is_never_emitted_even_when_enter_follows_directly() -> None:
    decoder = KeystrokeDecoder(max_length=20)
    assert codes(decoder, type_text("1" * 21 + "\n", start=T0)) == []
    assert codes(decoder, type_text("1" * 20 + "\n", start=T0 + 1)) == ["1" * 20]  # the limit itself is fine


def test_repeated_identical_scan_is_debounced_then_accepted_after_the_window() -> None:
    decoder = KeystrokeDecoder(debounce_ms=500)
    typer = KeyTyper(US, start=T0)
    events = typer.type(EAN + "\n")
    typer.pause(100)
    events += typer.type(EAN + "\n")  # the scanner read it twice
    events += typer.type("4006381333931\n")  # another code is never held back
    typer.pause(700)
    events += typer.type(EAN + "\n")  # the cashier scans a second packet
    assert codes(decoder, events) == [EAN, "4006381333931", EAN]
    assert decoder.stats.debounced == 1


def test_a_code_left_in_view_is_one_scan_until_it_is_gone_for_the_window() -> None:
    decoder = KeystrokeDecoder(debounce_ms=500)
    typer = KeyTyper(US, start=T0)
    events: list[InputEvent] = []
    for _ in range(10):  # presentation mode: re-read every 300 ms for 3 s
        events += typer.type(EAN + "\n")
        typer.pause(300)
    typer.pause(600)
    events += typer.type(EAN + "\n")
    assert codes(decoder, events) == [EAN, EAN]
    assert decoder.stats.debounced == 9


def test_unknown_keys_drop_the_scan_never_guess() -> None:
    decoder = KeystrokeDecoder()
    typer = KeyTyper(US, start=T0)
    events = typer.type("12") + typer.tap(e.KEY_BACKSPACE) + typer.type("3\n")
    events += typer.type("45") + typer.key(e.KEY_LEFTCTRL, 1) + typer.tap(e.KEY_J) + typer.key(e.KEY_LEFTCTRL, 0)
    events += typer.type("6\n") + typer.type("789\n")
    assert codes(decoder, events) == ["789"]
    assert decoder.stats.unknown_keys == 2


def test_terminators_keypad_and_tab() -> None:
    typer = KeyTyper(US, start=T0)
    events = typer.tap(e.KEY_KP1) + typer.tap(e.KEY_KP2) + typer.tap(e.KEY_KPENTER)
    events += typer.type("34\t")
    assert codes(KeystrokeDecoder(), events) == ["12", "34"]
    only_enter = KeystrokeDecoder(terminators={e.KEY_ENTER})
    assert codes(only_enter, type_text("a\tb\n", start=T0)) == []  # Tab is then an unknown key
    assert only_enter.stats.unknown_keys == 1


def test_lost_events_from_the_kernel_drop_the_half_scan() -> None:
    decoder = KeystrokeDecoder()
    typer = KeyTyper(US, start=T0)
    events = typer.type("123")
    events.append(make_event(typer.now_us, e.EV_SYN, e.SYN_DROPPED, 0))
    events.append(make_event(typer.now_us, e.EV_KEY, e.KEY_9, 1))  # before SYN_REPORT: ignored
    events.append(make_event(typer.now_us, e.EV_SYN, e.SYN_REPORT, 0))
    events += typer.type("456\n")
    assert codes(decoder, events) == ["456"] and decoder.stats.lost_events == 1


def test_non_key_events_are_ignored() -> None:
    typer = KeyTyper(US, start=T0)
    noise = [make_event(typer.now_us, e.EV_LED, e.LED_NUML, 1), make_event(typer.now_us, e.EV_REL, e.REL_X, 3)]
    assert codes(KeystrokeDecoder(), noise + typer.type("42\n")) == ["42"]


def test_config_helpers() -> None:
    assert key_codes(["enter", "KEY_KPENTER", " tab "]) == DEFAULT_TERMINATORS
    with pytest.raises(ValueError, match="unknown key name"):
        key_codes(["return"])
    assert parse_usb_id("0C2E:0b61") == (0x0C2E, 0x0B61)
    with pytest.raises(ValueError):
        parse_usb_id("0c2e-0b61")
    with pytest.raises(ValueError):
        DeviceMatch()
    assert DeviceMatch(usb_id=(0x0C2E, 0x0B61), name_contains="Voyager").describe() == (
        "usb 0c2e:0b61 and name containing 'Voyager'")


def test_decoder_rejects_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        KeystrokeDecoder(inter_key_timeout_ms=0)
    with pytest.raises(ValueError):
        KeystrokeDecoder(terminators=())
    with pytest.raises(ValueError):
        RepeatFilter(-1)


def test_repeat_filter_stays_small() -> None:
    repeats = RepeatFilter(1000, max_entries=8)
    for n in range(100):
        assert repeats.accept(str(n), n * 0.01)
    assert len(repeats._seen) <= 8


@settings(max_examples=150, deadline=None)
@given(
    layout=st.sampled_from([US, UK, DE]),
    data=st.data(),
    gaps=st.lists(st.floats(min_value=0.0, max_value=90.0), min_size=1, max_size=50),
    lose_char_key_ups=st.booleans(),
)
def test_any_layout_text_typed_with_gaps_below_the_timeout_decodes_to_itself(
    layout: Layout, data: Any, gaps: list[float], lose_char_key_ups: bool
) -> None:
    text = data.draw(st.text(alphabet=sorted(layout.characters), min_size=1, max_size=60))
    lost = set(layout.keys) if lose_char_key_ups else set()
    typer = KeyTyper(layout, start=T0, gap_ms=lambda i: gaps[i % len(gaps)])
    decoder = KeystrokeDecoder(layout, inter_key_timeout_ms=100, max_length=64)
    assert codes(decoder, typer.type(text + "\n", drop_key_ups=lost)) == [text]


# ------------------------------------------------------------------------------------------------ driver


class Recorder:
    """Bus subscriber keeping every event per topic; ``take`` consumes the first unconsumed match, waiting."""

    def __init__(self, bus: EventBus, topics: tuple[str, ...] = (SCAN_TOPIC, STATUS_TOPIC)) -> None:
        self.events: dict[str, list[dict[str, Any]]] = {topic: [] for topic in topics}
        self._consumed: dict[str, set[int]] = {topic: set() for topic in self.events}
        self._changed = threading.Condition()
        for topic in self.events:
            bus.subscribe(topic, self._record)

    def _record(self, topic: str, payload: dict[str, Any]) -> None:
        with self._changed:
            self.events[topic].append(payload)
            self._changed.notify_all()

    def take(self, topic: str, wanted: Callable[[dict[str, Any]], bool] = lambda _: True) -> dict[str, Any]:
        def first() -> int | None:
            for index, event in enumerate(self.events[topic]):
                if index not in self._consumed[topic] and wanted(event):
                    return index
            return None

        with self._changed:
            assert self._changed.wait_for(lambda: first() is not None, timeout=WAIT), f"no such {topic} event"
            index = first()
            assert index is not None
            self._consumed[topic].add(index)
            return self.events[topic][index]

    def next(self, topic: str) -> dict[str, Any]:
        return self.take(topic)

    def status(self, wanted: str, device: str | None = None) -> dict[str, Any]:
        """The first unconsumed status event with this status (and device)."""
        return self.take(STATUS_TOPIC, lambda ev: ev["status"] == wanted and device in (None, ev["device"]))

    def scans_until(self, last_code: str) -> list[dict[str, Any]]:
        scans = [self.next(SCAN_TOPIC)]
        while scans[-1]["code"] != last_code:
            scans.append(self.next(SCAN_TOPIC))
        return scans


class WaitRecordingStop(threading.Event):
    """A stop event that remembers the timeouts it was waited with (to prove there is no busy loop)."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: queue.Queue[float | None] = queue.Queue()

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.put(timeout)
        return super().wait(timeout)


class Devices:
    """What the driver sees as /dev/input: path → device (the test plugs and unplugs)."""

    def __init__(self) -> None:
        self.nodes: dict[str, FakeInputDevice] = {}
        self.opened: list[str] = []

    def plug(self, device: FakeInputDevice) -> FakeInputDevice:
        self.nodes[device.path] = device
        return device

    def lister(self) -> list[str]:
        return sorted(self.nodes)

    def opener(self, path: str) -> FakeInputDevice:
        if path not in self.nodes:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        self.opened.append(path)
        return self.nodes[path].open()  # a new handle, as os.open gives


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def devices() -> Iterator[Devices]:
    found = Devices()
    yield found
    for device in found.nodes.values():
        device.close()


def start(driver: EvdevScanner, stop: threading.Event | None = None) -> tuple[threading.Thread, threading.Event]:
    stop = stop or threading.Event()
    thread = threading.Thread(target=driver.run, args=(stop,), daemon=True)
    thread.start()
    return thread, stop


def finish(thread: threading.Thread, stop: threading.Event) -> None:
    stop.set()
    thread.join(timeout=WAIT)
    assert not thread.is_alive()


def make_scanner(name: str, till: str, match: DeviceMatch, bus: EventBus, devices: Devices, **kw: Any) -> EvdevScanner:
    return EvdevScanner(name, till, match, bus, opener=devices.opener, lister=devices.lister,
                        poll_s=0.02, retry_s=0.05, **kw)


def test_driver_publishes_exactly_the_scans_for_its_till(bus: EventBus, devices: Devices) -> None:
    recorder = Recorder(bus)
    fake = devices.plug(FakeInputDevice(usb_id=(0x0C2E, 0x0B61)))
    scanner = make_scanner("till1-scanner", "T1", DeviceMatch(usb_id=parse_usb_id("0c2e:0b61")), bus, devices)
    thread, stop = start(scanner)
    connected = recorder.status("connected")
    assert connected["till"] == "T1" and connected["kind"] == "scanner" and connected["path"] == fake.path
    assert fake.grabbed  # scans never reach a console

    fake.type_text(EAN + "\n")
    fake.type_text("12345")  # half scan ...
    fake.pause(300)  # ... and the scanner stalls
    fake.type_text("Hello-World\n")
    fake.type_text("1" * 300)  # flood
    fake.pause(300)
    fake.type_text(EAN + "\n")  # a second packet, well after the debounce window
    fake.type_text("END\n")
    scans = recorder.scans_until("END")
    assert [(s["device"], s["till"], s["code"]) for s in scans] == [
        ("till1-scanner", "T1", EAN), ("till1-scanner", "T1", "Hello-World"),
        ("till1-scanner", "T1", EAN), ("till1-scanner", "T1", "END"),
    ]
    stamps = [datetime.fromisoformat(s["at"]) for s in scans]
    assert all(at.tzinfo is None for at in stamps)  # naive UTC, as stored
    assert abs(stamps[-1] - event_time(fake.typer.now_us / 1e6)) < timedelta(seconds=1)
    assert scanner.decoder.stats.timeouts == 1 and scanner.decoder.stats.overflows == 1

    finish(thread, stop)
    assert recorder.status("stopped")["device"] == "till1-scanner"
    assert not fake.grabbed and fake.open_handles == 1  # ungrabbed and closed on the way out (1: the test's)


def test_two_scanners_two_tills_found_by_name_and_by_path(bus: EventBus, devices: Devices) -> None:
    recorder = Recorder(bus)
    one = devices.plug(FakeInputDevice(name="Honeywell Voyager 1250g", path="/dev/input/event5"))
    two = devices.plug(FakeInputDevice(name="Zebra DS2208", path="/dev/input/by-id/usb-Zebra-event-kbd",
                                       usb_id=(0x05E0, 0x1200)))
    first = make_scanner("s1", "T1", DeviceMatch(name_contains="voyager"), bus, devices)
    second = make_scanner("s2", "T2", DeviceMatch(path="/dev/input/by-id/usb-Zebra-event-kbd"), bus, devices)
    runs = [start(first), start(second)]
    recorder.status("connected", "s1")
    recorder.status("connected", "s2")
    two.type_text("222\n")
    one.type_text("111\n")
    got = {recorder.next(SCAN_TOPIC)["code"] for _ in range(2)}
    assert got == {"111", "222"}
    for thread, stop in runs:
        finish(thread, stop)


def test_scan_tills_do_not_mix(bus: EventBus, devices: Devices) -> None:
    by_till: dict[str, list[str]] = {"T1": [], "T2": []}
    done = threading.Event()

    def take(_topic: str, payload: dict[str, Any]) -> None:
        by_till[payload["till"]].append(payload["code"])
        if sum(map(len, by_till.values())) == 4:
            done.set()

    bus.subscribe(SCAN_TOPIC, take)
    recorder = Recorder(bus)
    one = devices.plug(FakeInputDevice(path="/dev/input/event5", usb_id=(0x1111, 0x0001)))
    two = devices.plug(FakeInputDevice(path="/dev/input/event6", usb_id=(0x1111, 0x0002)))
    runs = [start(make_scanner("s1", "T1", DeviceMatch(usb_id=(0x1111, 1)), bus, devices)),
            start(make_scanner("s2", "T2", DeviceMatch(usb_id=(0x1111, 2)), bus, devices))]
    recorder.status("connected", "s1")
    recorder.status("connected", "s2")
    one.type_text("A1\n")
    two.type_text("B1\n")
    one.type_text("A2\n")
    two.type_text("B2\n")
    assert done.wait(WAIT)
    assert by_till == {"T1": ["A1", "A2"], "T2": ["B1", "B2"]}
    for thread, stop in runs:
        finish(thread, stop)


def test_only_the_keyboard_node_is_taken_and_busy_devices_are_skipped(bus: EventBus, devices: Devices) -> None:
    recorder = Recorder(bus)
    control = devices.plug(FakeInputDevice(name="Scanner Consumer Control", path="/dev/input/event3",
                                           keys=[e.KEY_VOLUMEUP, e.KEY_VOLUMEDOWN]))  # no terminator key
    taken = devices.plug(FakeInputDevice(name="Scanner Keyboard", path="/dev/input/event4"))
    taken.grab()  # another program (or scanner driver) holds it
    free = devices.plug(FakeInputDevice(name="Scanner Keyboard", path="/dev/input/event7"))
    scanner = make_scanner("s", "T1", DeviceMatch(name_contains="scanner"), bus, devices)
    thread, stop = start(scanner)
    assert recorder.status("connected")["path"] == "/dev/input/event7"
    assert free.grabbed and not control.grabbed
    assert control.open_handles == 1  # the driver opened it, saw it was not a scanner node and closed it
    finish(thread, stop)


def test_no_matching_device_is_an_error_status_and_a_calm_retry(bus: EventBus, devices: Devices) -> None:
    recorder = Recorder(bus)
    stop = WaitRecordingStop()
    scanner = make_scanner("s", "T1", DeviceMatch(usb_id=(0x1234, 0x5678)), bus, devices)
    thread, _ = start(scanner, stop)
    error = recorder.status("error")
    assert "no input device matches" in error["error"] and "1234:5678" in error["error"]
    assert stop.waits.get(timeout=WAIT) == scanner.retry_s  # sleeps between attempts, no busy loop
    late = devices.plug(FakeInputDevice(usb_id=(0x1234, 0x5678)))  # hot-plugged later
    recorder.status("connected")
    late.type_text("1\n")
    assert recorder.next(SCAN_TOPIC)["code"] == "1"
    finish(thread, stop)


def test_vanished_device_is_an_error_then_a_reconnect(bus: EventBus, devices: Devices) -> None:
    recorder = Recorder(bus)
    stop = WaitRecordingStop()
    fake = devices.plug(FakeInputDevice(path="/dev/input/by-id/usb-sim-event-kbd"))
    scanner = make_scanner("s", "T1", DeviceMatch(path=fake.path), bus, devices)
    thread, _ = start(scanner, stop)
    recorder.status("connected")
    fake.type_text("42\n")
    assert recorder.next(SCAN_TOPIC)["code"] == "42"
    del devices.nodes[fake.path]
    fake.unplug()  # select() wakes, read() raises ENODEV
    assert recorder.status("error")["error"] == "device vanished (unplugged)"
    assert recorder.status("error")["error"].startswith("no such device")  # the next attempt
    while stop.waits.get(timeout=WAIT) != scanner.retry_s:  # it waits between attempts: no CPU spin
        pass
    assert thread.is_alive()
    again = devices.plug(FakeInputDevice(path="/dev/input/by-id/usb-sim-event-kbd"))
    recorder.status("connected")
    again.type_text("43\n")
    assert recorder.next(SCAN_TOPIC)["code"] == "43"
    finish(thread, stop)
    assert fake.open_handles == 1 and again.open_handles == 1


def test_permission_denied_names_the_input_group(bus: EventBus) -> None:
    recorder = Recorder(bus)

    def opener(path: str) -> FakeInputDevice:
        raise PermissionError(errno.EACCES, "Permission denied", path)

    scanner = EvdevScanner("s", "T1", DeviceMatch(path="/dev/input/event0"), bus, opener=opener,
                           poll_s=0.02, retry_s=0.05)
    thread, stop = start(scanner)
    assert "'input' group" in recorder.status("error")["error"]
    finish(thread, stop)


def test_fake_device_behaves_like_evdev(devices: Devices) -> None:
    fake = devices.plug(FakeInputDevice())
    with pytest.raises(BlockingIOError):
        list(fake.read())
    assert fake.read_one() is None
    fake.grab()
    with pytest.raises(OSError) as busy:
        fake.grab()
    assert busy.value.errno == errno.EBUSY
    fake.ungrab()
    with pytest.raises(OSError) as invalid:
        fake.ungrab()
    assert invalid.value.errno == errno.EINVAL
    sent = fake.type_text("7\n")
    loop = fake.read_loop()
    assert [next(loop) for _ in sent] == sent
    assert all(type(ev) is InputEvent for ev in sent)
    fake.unplug()
    with pytest.raises(OSError) as gone:
        list(fake.read())
    assert gone.value.errno == errno.ENODEV
    with pytest.raises(ValueError, match="cannot type"):
        type_text("€", layout=US)


# ------------------------------------------------------------------------------------------------ serial


class StepClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("line_end", [b"\r", b"\n"])
def test_serial_scanner_over_a_pty(bus: EventBus, line_end: bytes) -> None:
    recorder = Recorder(bus)
    monotonic = StepClock()
    with PtySerialDevice() as pty:
        scanner = SerialScanner("counter-2", "T2", pty.port, bus, line_end=line_end, max_length=64,
                                retry_s=0.05, monotonic=monotonic)
        scanner.start()
        try:
            assert recorder.status("connected")["path"] == pty.port
            end = line_end.decode()
            other = "\n" if line_end == b"\r" else "\r"
            pty.write(f"{EAN}{end}".encode())
            pty.write(f"{other}4006381333931{end}".encode())  # CR LF / LF CR pairs are read too
            pty.write(b"bad\x01code" + line_end)  # a control byte: dropped
            pty.write(f"{EAN}{end}".encode())  # the same code again at once: debounced
            pty.write(b"9" * 500 + line_end)  # a flood: dropped, and however the reads split it, no scan
            pty.write(f"SYNC{end}END{end}".encode())
            scans = [(s["device"], s["till"], s["code"]) for s in recorder.scans_until("END")]
            # The first line after a flood may be dropped with it (it could be the flood's tail).
            assert [code for _, _, code in scans] in ([EAN, "4006381333931", "SYNC", "END"],
                                                      [EAN, "4006381333931", "END"])
            assert {(device, till) for device, till, _ in scans} == {("counter-2", "T2")}
            monotonic.now += 1.0  # well after the debounce window
            pty.write(f"{EAN}{end}".encode())
            assert recorder.next(SCAN_TOPIC)["code"] == EAN
            stats = scanner.stats
            assert stats["bad:not_printable"] == 1 and stats["debounced"] == 1 and stats["overlong_runs"] >= 1
        finally:
            scanner.stop()
        assert recorder.status("stopped")["device"] == "counter-2"


def test_serial_scanner_port_missing_then_unplugged(bus: EventBus) -> None:
    recorder = Recorder(bus)
    scanner = SerialScanner("s", "T1", "/dev/does-not-exist", bus, retry_s=0.05)
    scanner.start()
    try:
        assert "/dev/does-not-exist" in recorder.status("error")["error"]
    finally:
        scanner.stop()
    with PtySerialDevice() as pty:
        scanner = SerialScanner("s2", "T1", pty.port, bus, retry_s=0.05)
        scanner.start()
        try:
            recorder.status("connected", "s2")
            pty.close()  # the device end hangs up
            assert recorder.status("error", "s2")["error"]
        finally:
            scanner.stop()
        assert recorder.status("stopped", "s2")
