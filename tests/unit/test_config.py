"""Configuration: documented defaults, file and environment overrides, and clear errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.__main__ import main
from edge.config import SCHEMA, ConfigError, example_toml, load_config

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    """A config file with the given text."""
    path = tmp_path / "edge.toml"
    path.write_text(text)
    return path


def test_example_file_documents_every_key_with_its_default() -> None:
    assert (REPO / "config" / "edge.example.toml").read_text() == example_toml()
    config = load_config(REPO / "config" / "edge.example.toml", environ={})
    for section, keys in SCHEMA.items():
        for key, spec in keys.items():
            assert config.get(f"{section}.{key}") == spec.default


def test_file_then_environment_then_command_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nport = 8100\nhost = "127.0.0.1"\n[store]\nname = "Sharma Kirana"\n')
    config = load_config(path, environ={"POS_SERVER_PORT": "8200"}, overrides={"server.host": "::1"})
    assert config.get("server.port") == 8200
    assert config.get("server.host") == "::1"
    assert config.get("store.name") == "Sharma Kirana"


def test_environment_booleans_and_integers_are_converted() -> None:
    config = load_config(None, environ={"POS_DEVICES_SIMULATE": "yes", "POS_AUTH_SESSION_IDLE_MINUTES": "15"})
    assert config.get("devices.simulate") is True
    assert config.get("auth.session_idle_minutes") == 15


def test_sqlite_in_the_data_dir_unless_a_url_is_configured(tmp_path: Path) -> None:
    config = load_config(None, environ={"POS_STORAGE_DATA_DIR": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path / 'store.db'}"
    mysql = load_config(None, environ={"POS_STORAGE_DATABASE_URL": "mysql://pos:pw@db:3306/pos"})
    assert mysql.database_url == "mysql://pos:pw@db:3306/pos"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[server]\nport = 70000\n", "server.port: must be an integer between 1 and 65535 (got 70000)"),
        ("[server]\nport = \"eighty\"\n", "server.port: must be an integer between 1 and 65535 (got 'eighty')"),
        ("[server]\nprot = 80\n", "server.prot: unknown key (known in [server]: host, port, async_mode, kiosk_dir, "),
        ("[sever]\nport = 80\n", "sever: unknown section"),
        ("[store]\ntimezone = \"Mars/Olympus\"\n", "store.timezone: 'Mars/Olympus' is not an IANA time zone"),
        ("[store]\nstate_code = \"99\"\n", "store.state_code: '99' is not allowed"),
        ("[logging]\nlevel = \"LOUD\"\n", "logging.level: must be one of DEBUG, INFO, WARNING, ERROR (got 'LOUD')"),
        ("[devices]\nsimulate = \"maybe\"\n", "devices.simulate: must be true or false"),
        ("[storage]\ndatabase_url = \"postgres://x\"\n", "storage.database_url: must start with sqlite:/// or mysql://"),
        ("[server\nport = 1\n", "is not valid TOML"),
    ],
)
def test_bad_config_names_the_key_and_what_is_allowed(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, text), environ={})
    assert message in str(raised.value)


def test_unknown_environment_variable_is_refused() -> None:
    with pytest.raises(ConfigError, match="POS_SERVER_PROT: unknown setting"):
        load_config(None, environ={"POS_SERVER_PROT": "1"})


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config file .*nope.toml does not exist"):
        load_config(tmp_path / "nope.toml", environ={})


def test_check_config_exits_2_naming_the_bad_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POS_SERVER_PORT", raising=False)
    path = write(tmp_path, "[auth]\nsession_idle_minutes = 0\n")
    assert main(["--config", str(path), "check-config"]) == 2
    assert capsys.readouterr().err.strip() == (
        "config error: auth.session_idle_minutes: must be an integer between 1 and 1440 (got 0)"
    )


def test_check_config_accepts_a_good_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, f'[storage]\ndata_dir = "{tmp_path}"\n')
    assert main(["--config", str(path), "check-config"]) == 0
    assert f"data dir: {tmp_path}" in capsys.readouterr().out


def test_the_database_password_from_the_secrets_file_joins_a_mysql_url() -> None:
    from urllib.parse import unquote, urlparse

    from edge.store.db import StoreError, store_url

    password = 'p@ss:w/rd "x" #1'
    url = store_url("mysql://pos@127.0.0.1:3306/pos", password)
    parsed = urlparse(url)
    assert (parsed.username, unquote(parsed.password or ""), parsed.hostname, parsed.port, parsed.path) == (
        "pos", password, "127.0.0.1", 3306, "/pos")
    assert store_url("mysql://pos@db/pos", "") == "mysql://pos@db/pos"  # none kept: the URL as configured
    assert store_url("sqlite:////var/lib/store-edge/store.db", password) == "sqlite:////var/lib/store-edge/store.db"
    with pytest.raises(StoreError, match="keep it only in the secrets file"):
        store_url("mysql://pos:old@db/pos", password)
    with pytest.raises(StoreError, match="names no user"):
        store_url("mysql://db/pos", password)
