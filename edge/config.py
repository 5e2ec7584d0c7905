"""Typed configuration: defaults, then the TOML file, then POS_* environment variables, then the command line.

Every key is declared once in SCHEMA with its type, bounds and meaning; config/edge.example.toml is
checked against it by a test. An unknown key or a bad value raises ConfigError naming the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV_PREFIX = "POS_"


class ConfigError(Exception):
    """A configuration value is missing, unknown or out of bounds; the message names the key."""


@dataclass(frozen=True)
class Key:
    """One configuration key: type, default, bounds and a sentence of documentation."""

    kind: type
    default: Any
    doc: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None


SCHEMA: dict[str, dict[str, Key]] = {
    "store": {
        "code": Key(str, "S001", "Store ID in invoice numbers and replicated messages (1-6 letters or digits).",
                    pattern=r"^[A-Z0-9]{1,6}$"),
        "name": Key(str, "Demo Store", "Store name printed on receipts."),
        "state_code": Key(str, "27", "GST state code of the store (place of supply for counter sales).",
                          pattern=r"^(0[1-9]|[1-3][0-9]|97)$"),
        "timezone": Key(str, "Asia/Kolkata", "IANA time zone in which times are shown."),
    },
    "server": {
        "host": Key(str, "0.0.0.0", "Address the HTTP(S) and Socket.IO server listens on."),  # noqa: S104
        "port": Key(int, 8000, "TCP port of the server.", minimum=1, maximum=65535),
        "async_mode": Key(str, "gevent", "Socket.IO server mode: gevent (production) or threading (debugging).",
                          choices=("gevent", "threading")),
        "kiosk_dir": Key(str, "", "Folder of the built kiosk bundle; empty: kiosk_ui/dist beside the code."),
        "tls": Key(bool, True, "Serve HTTPS and WSS (false only behind a TLS-terminating proxy on the same box)."),
        "tls_cert_file": Key(str, "", "Server certificate chain (PEM); empty: the store CA's certificate, made on "
                             "first run in <data_dir>/tls."),
        "tls_key_file": Key(str, "", "Private key of tls_cert_file (PEM)."),
        "tls_names": Key(str, "", "Extra host names or addresses for the store's certificate, comma-separated "
                         "(the host name, localhost, 127.0.0.1 and the LAN addresses are always in it)."),
        "http_redirect_port": Key(int, 0, "Plain-HTTP port that only redirects to HTTPS; 0: none.",
                                  minimum=0, maximum=65535),
        "hsts_seconds": Key(int, 31536000, "Strict-Transport-Security max-age sent over HTTPS; 0: no header.",
                            minimum=0, maximum=63072000),
        "max_upload_bytes": Key(int, 2 * 1024 * 1024, "Largest request body (CSV imports included); larger: 413.",
                                minimum=1024, maximum=64 * 1024 * 1024),
    },
    "storage": {
        "data_dir": Key(str, "/var/lib/store-edge", "Folder of the SQLite store, the secrets file and logs."),
        "database_url": Key(str, "", "Empty: SQLite in data_dir. Or mysql://user:password@host:3306/pos."),
        "sqlite_busy_timeout_ms": Key(int, 5000, "How long a writer waits for SQLite's lock.",
                                      minimum=100, maximum=600000),
    },
    "auth": {
        "session_idle_minutes": Key(int, 30, "A session unused this long ends.", minimum=1, maximum=1440),
        "session_max_hours": Key(int, 12, "A session ends this long after login.", minimum=1, maximum=168),
        "login_free_failures": Key(int, 3, "Failed logins per user or address before delays start.",
                                   minimum=1, maximum=100),
        "login_delay_seconds": Key(int, 2, "First delay after the free failures; doubles with each failure.",
                                   minimum=1, maximum=3600),
        "login_max_delay_seconds": Key(int, 900, "Longest delay between login attempts.",
                                       minimum=1, maximum=86400),
        "argon2_time_cost": Key(int, 3, "argon2id passes.", minimum=1, maximum=10),
        "argon2_memory_kib": Key(int, 65536, "argon2id memory in KiB.", minimum=1024, maximum=1048576),
        "secure_cookies": Key(bool, False, "Mark cookies Secure even over plain HTTP (they always are over HTTPS)."),
        "totp_roles": Key(str, "admin", "Roles that must use a TOTP second factor, comma-separated (admin always).",
                          pattern=r"^(admin|manager|cashier|hr|employee)(,(admin|manager|cashier|hr|employee))*$"),
        "step_up_minutes": Key(int, 5, "A sensitive action needs a TOTP code entered this recently.",
                               minimum=1, maximum=60),
        "correction_step_up_days": Key(int, 1, "Correcting or cancelling an invoice older than this needs a "
                                       "fresh TOTP code.", minimum=0, maximum=3650),
        "password_min_length": Key(int, 10, "Shortest password allowed.", minimum=8, maximum=128),
    },
    "payments": {
        "upi_vpa": Key(str, "", "The store's UPI ID (name@bank) for the QR on unpaid receipts; empty: no QR.",
                       pattern=r"^$|^[A-Za-z0-9._-]{2,256}@[A-Za-z][A-Za-z0-9]{1,64}$"),
        "simulate": Key(bool, False, "Demo mode: run the built-in Stripe and Razorpay simulator on loopback and "
                                     "take card and UPI payments through it (keys made up per run)."),
        "stripe_enabled": Key(bool, False, "Take cards through Stripe (keys in the secrets file)."),
        "stripe_base_url": Key(str, "https://api.stripe.com", "Stripe's API address.", pattern=r"^https?://\S+$"),
        "stripe_terminal_reader": Key(str, "", "Stripe Terminal reader ID (tmr_...) for cards in person; empty: "
                                               "online card payments only."),
        "razorpay_enabled": Key(bool, False, "Take UPI, cards, wallets and netbanking through Razorpay (keys in "
                                             "the secrets file)."),
        "razorpay_base_url": Key(str, "https://api.razorpay.com", "Razorpay's API address.",
                                 pattern=r"^https?://\S+$"),
        "timeout_seconds": Key(int, 10, "Longest wait for a gateway's answer; the till never hangs longer.",
                               minimum=1, maximum=60),
        "probe_seconds": Key(int, 30, "How often an idle gateway is asked whether it answers.", minimum=5,
                             maximum=3600),
        "poll_seconds": Key(int, 15, "How often payments still pending are checked with their gateway (webhooks "
                                     "usually come first).", minimum=2, maximum=3600),
    },
    "email": {
        "smtp_host": Key(str, "", "SMTP server for invoices and statements; empty: e-mails stay queued."),
        "smtp_port": Key(int, 587, "SMTP port (587 STARTTLS, 465 TLS, 25 plain).", minimum=1, maximum=65535),
        "security": Key(str, "starttls", "Connection security.", choices=("starttls", "tls", "none")),
        "from_address": Key(str, "", "Sender address of the store's e-mails."),
        "max_attempts": Key(int, 10, "Tries before a message is marked failed.", minimum=1, maximum=100),
    },
    "attendance": {
        "double_tap_seconds": Key(int, 60, "Punches of one employee this close together are one punch.",
                                  minimum=0, maximum=3600),
        "derive_at": Key(str, "", "Store-local time (HH:MM) of the nightly attendance job; empty: 10:15.",
                         pattern=r"^$|^([01][0-9]|2[0-3]):[0-5][0-9]$"),
    },
    "sales": {
        "credit_days": Key(int, 30, "Days a customer has to pay an invoice left on account.", minimum=0, maximum=365),
    },
    "sync": {
        "broker_host": Key(str, "", "MQTT broker of the cloud; empty: replication off (sales queue in the outbox)."),
        "broker_port": Key(int, 8883, "MQTT broker port (8883 TLS, 1883 plain).", minimum=1, maximum=65535),
        "tls": Key(bool, True, "Connect with TLS (the CA in ca_file pinned when set)."),
        "ca_file": Key(str, "", "CA certificate that signs the broker's certificate; empty: the system CAs."),
        "topic_prefix": Key(str, "pos/v1", "Prefix of every topic.", pattern=r"^[A-Za-z0-9_/-]{1,64}$"),
        "batch_size": Key(int, 100, "Envelopes per MQTT message while a backlog drains.", minimum=1, maximum=1000),
        "window": Key(int, 20, "MQTT messages in flight at most.", minimum=1, maximum=1000),
    },
    "devices": {
        "simulate": Key(bool, False, "Use the built-in device simulators instead of real hardware."),
    },
    "logging": {
        "level": Key(str, "INFO", "Log level.", choices=("DEBUG", "INFO", "WARNING", "ERROR")),
        "format": Key(str, "text", "Log lines as text, or as JSON objects one a line (for log shippers).",
                      choices=("text", "json")),
        "file": Key(bool, True, "Also write logs/edge.log in data_dir (rotated at 5 MB, 5 kept); off when the "
                                "journal keeps the logs (the appliance playbook turns it off)."),
    },
    "backup": {
        "every_hours": Key(int, 24, "Hours between the daemon's online backups; 0: no scheduled backup.",
                           minimum=0, maximum=168),
        "dir": Key(str, "", "Folder of the backups; empty: backups/ in data_dir."),
        "keep": Key(int, 14, "Scheduled backups kept (older ones are deleted), in dir and in copy_dir.",
                    minimum=1, maximum=1000),
        "copy_dir": Key(str, "", "A second folder (another disk, a USB stick) each backup is copied to; empty: none."),
    },
    "ups": {
        "host": Key(str, "", "NUT server (upsd) to watch; empty: no UPS monitoring."),
        "port": Key(int, 3493, "NUT server port.", minimum=1, maximum=65535),
        "name": Key(str, "ups", "The UPS's name in NUT (ups.conf section).", pattern=r"^[A-Za-z0-9_.-]{1,64}$"),
        "poll_seconds": Key(int, 5, "Seconds between UPS status reads.", minimum=1, maximum=300),
        "flush_seconds": Key(int, 60, "On low battery: how long to wait for the outbox to drain before stopping.",
                             minimum=0, maximum=600),
        "shutdown_on_low_battery": Key(bool, True, "On low battery: checkpoint the store and stop the daemon."),
    },
}


# Device tables: ``[[devices.<kind>]]`` arrays of tables, each key with its type; None = optional, no default.
_TILL = Key(str, None, "Till the device serves.", pattern=r"^[A-Z0-9]{1,4}$")
_NAME = Key(str, None, "Unique device name.", pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
DEVICE_TABLES: dict[str, dict[str, Key]] = {
    "scanners": {
        "name": _NAME, "till": _TILL,
        "path": Key(str, None, "evdev device path (/dev/input/by-id/...)."),
        "usb_id": Key(str, None, "vendor:product of an evdev scanner.", pattern=r"^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$"),
        "name_contains": Key(str, None, "Part of the evdev device name."),
        "serial_port": Key(str, None, "Serial (USB-CDC) scanner port instead of evdev."),
        "layout": Key(str, "us", "Keyboard layout of an evdev scanner.", choices=("us", "uk", "de")),
        "inter_key_timeout_ms": Key(int, 100, "Gap that drops a half scan.", minimum=10, maximum=5000),
        "debounce_ms": Key(int, 500, "Same code again within this is one scan.", minimum=0, maximum=10000),
    },
    "scales": {
        "name": _NAME, "till": _TILL,
        "port": Key(str, None, "Serial port of the scale."),
        "protocol": Key(str, None, "Scale protocol.", choices=("toledo8217", "continuous", "adam")),
    },
    "clocks": {
        "name": _NAME,
        "type": Key(str, None, "Kind of clock.", choices=("evdev_badge", "rfid_serial", "fingerprint_serial")),
        "path": Key(str, None, "evdev device path of a keyboard-mode badge reader."),
        "name_contains": Key(str, None, "Part of the evdev device name."),
        "serial_port": Key(str, None, "Serial port of an RFID reader or fingerprint terminal."),
        "pattern": Key(str, None, "Regex with named groups employee, time, direction (fingerprint lines)."),
        "direction": Key(str, "", "Fixed direction of this clock.", choices=("", "in", "out")),
    },
    "printers": {
        "name": _NAME, "till": _TILL,
        "kind": Key(str, None, "Transport.", choices=("network", "serial", "usb", "file")),
        "host": Key(str, None, "Network printer address."),
        "port": Key(int, 9100, "Network printer port.", minimum=1, maximum=65535),
        "device": Key(str, None, "Serial port, or file path for kind = file."),
        "usb_id": Key(str, None, "vendor:product of a USB printer.", pattern=r"^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$"),
        "width_chars": Key(int, 42, "Characters per line: 42 for 80 mm paper, 32 for 58 mm.", minimum=24,
                           maximum=64),
    },
}


def _device_tables(kind: str, tables: Any, from_text: bool) -> tuple[dict[str, Any], ...]:
    dotted = f"devices.{kind}"
    if not isinstance(tables, list) or not all(isinstance(table, Mapping) for table in tables):
        raise ConfigError(f"{dotted}: must be an array of tables ([[{dotted}]])")
    schema, parsed, names = DEVICE_TABLES[kind], [], set()
    for index, table in enumerate(tables):
        where = f"{dotted}[{index}]"
        unknown = sorted(set(table) - set(schema))
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown key (known: {', '.join(schema)})")
        values = {key: spec.default for key, spec in schema.items()}
        for key, value in table.items():
            values[key] = _coerce(f"{where}.{key}", schema[key], value, from_text)
        if values["name"] is None:
            raise ConfigError(f"{where}.name: every device needs a name")
        if values["name"] in names:
            raise ConfigError(f"{where}.name: {values['name']!r} is used twice")
        names.add(values["name"])
        parsed.append(values)
    return tuple(parsed)


@dataclass(frozen=True)
class Config:
    """Validated configuration: ``config.section["key"]`` or ``config.get("section.key")``."""

    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def get(self, dotted: str) -> Any:
        """Value of ``section.key``."""
        section, key = dotted.split(".", 1)
        return self.values[section][key]

    def __getitem__(self, section: str) -> Mapping[str, Any]:
        return self.values[section]

    @property
    def data_dir(self) -> Path:
        """Folder of the store's files."""
        return Path(self.get("storage.data_dir"))

    @property
    def database_url(self) -> str:
        """Database URL, SQLite in the data directory unless configured."""
        url = str(self.get("storage.database_url"))
        return url or f"sqlite:///{(self.data_dir / 'store.db').resolve()}"

    def with_overrides(self, overrides: Mapping[str, Any]) -> Config:
        """A copy with ``section.key`` overrides, validated."""
        return build_config([overrides_to_layer(overrides)], base=self)


def overrides_to_layer(overrides: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"server.port": 1}`` → ``{"server": {"port": 1}}``."""
    layer: dict[str, dict[str, Any]] = {}
    for dotted, value in overrides.items():
        section, _, key = dotted.partition(".")
        layer.setdefault(section, {})[key] = value
    return layer


def _coerce(dotted: str, spec: Key, value: Any, from_text: bool) -> Any:
    if spec.kind is bool:
        words = {"1": True, "true": True, "yes": True, "on": True}
        words |= {"0": False, "false": False, "no": False, "off": False}
        if from_text and isinstance(value, str) and value.lower() in words:
            return words[value.lower()]
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{dotted}: must be true or false (got {value!r})")
    if spec.kind is int:
        if from_text and isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{dotted}: must be an integer{_bounds(spec)} (got {value!r})")
        if (spec.minimum is not None and value < spec.minimum) or (spec.maximum is not None and value > spec.maximum):
            raise ConfigError(f"{dotted}: must be an integer{_bounds(spec)} (got {value})")
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{dotted}: must be a string (got {value!r})")
    if spec.choices and value not in spec.choices:
        raise ConfigError(f"{dotted}: must be one of {', '.join(spec.choices)} (got {value!r})")
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        raise ConfigError(f"{dotted}: {value!r} is not allowed; {spec.doc}")
    return value


def _bounds(spec: Key) -> str:
    if spec.minimum is not None and spec.maximum is not None:
        return f" between {spec.minimum} and {spec.maximum}"
    return ""


def _check_semantics(values: Mapping[str, Mapping[str, Any]]) -> None:
    try:
        ZoneInfo(values["store"]["timezone"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"store.timezone: {values['store']['timezone']!r} is not an IANA time zone") from exc
    url = values["storage"]["database_url"]
    if url and not re.match(r"^(sqlite|mysql)(\+pool)?://", url):
        raise ConfigError("storage.database_url: must start with sqlite:/// or mysql://")


def build_config(layers: list[Mapping[str, Any]], base: Config | None = None, text_layers: int = 0) -> Config:
    """Apply layers of ``{section: {key: value}}`` over defaults (or ``base``) and validate.

    The last ``text_layers`` layers hold strings from the environment, converted to the key's type.
    """
    values: dict[str, dict[str, Any]] = {
        section: {key: (base[section][key] if base else spec.default) for key, spec in keys.items()}
        for section, keys in SCHEMA.items()
    }
    for kind in DEVICE_TABLES:
        values["devices"][kind] = base["devices"][kind] if base else ()
    for index, layer in enumerate(layers):
        from_text = index >= len(layers) - text_layers
        for section, keys in layer.items():
            if section not in SCHEMA:
                raise ConfigError(f"{section}: unknown section (known: {', '.join(SCHEMA)})")
            if not isinstance(keys, Mapping):
                raise ConfigError(f"{section}: must be a table of keys")
            for key, value in keys.items():
                dotted = f"{section}.{key}"
                if section == "devices" and key in DEVICE_TABLES:
                    values[section][key] = _device_tables(key, value, from_text)
                    continue
                spec = SCHEMA[section].get(key)
                if spec is None:
                    raise ConfigError(f"{dotted}: unknown key (known in [{section}]: {', '.join(SCHEMA[section])})")
                values[section][key] = _coerce(dotted, spec, value, from_text)
    _check_semantics(values)
    return Config(values)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML config file; ConfigError naming the file and line on failure."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc


def env_layer(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """``POS_SECTION_KEY=value`` variables as a layer; an unknown POS_ variable is an error."""
    layer: dict[str, dict[str, Any]] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        section, _, key = name[len(ENV_PREFIX):].lower().partition("_")
        if section not in SCHEMA or key not in SCHEMA[section]:
            raise ConfigError(f"{name}: unknown setting (use POS_<SECTION>_<KEY>, e.g. POS_SERVER_PORT)")
        layer.setdefault(section, {})[key] = value
    return layer


def load_config(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Defaults ← TOML file ← POS_* environment ← command-line overrides (``section.key``)."""
    layers: list[Mapping[str, Any]] = []
    if path is not None:
        layers.append(read_toml(path))
    config = build_config(layers)
    config = build_config([env_layer(os.environ if environ is None else environ)], base=config, text_layers=1)
    if overrides:
        config = config.with_overrides(overrides)
    return config


def example_toml() -> str:
    """The documented example config, generated from SCHEMA (config/edge.example.toml)."""
    lines = [
        "# Store Edge POS configuration. Every key, with its default.",
        "# Override any key with an environment variable POS_<SECTION>_<KEY>, e.g. POS_SERVER_PORT=8443.",
        "# Secrets (session key, field-encryption key, MQTT and gateway credentials) are NOT here:",
        "# they live in <data_dir>/secrets.toml, created on first run with mode 0600.",
    ]
    for section, keys in SCHEMA.items():
        lines += ["", f"[{section}]"]
        for key, spec in keys.items():
            allowed = ""
            if spec.choices:
                allowed = f" One of: {', '.join(spec.choices)}."
            elif spec.minimum is not None:
                allowed = f" {spec.minimum}..{spec.maximum}."
            lines.append(f"# {spec.doc}{allowed}")
            lines.append(f"{key} = {_toml_value(spec.default)}")
    lines += ["", "# Devices, one table each (none by default). Keys without a default are optional unless noted."]
    for kind, keys in DEVICE_TABLES.items():
        lines += ["#", f"# [[devices.{kind}]]"]
        for key, spec in keys.items():
            default = "" if spec.default is None else f" (default {_toml_value(spec.default)})"
            allowed = f" One of: {', '.join(spec.choices)}." if spec.choices else ""
            lines.append(f"#   {key}: {spec.doc}{allowed}{default}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
