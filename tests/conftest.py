"""Shared fixtures: a store per test (SQLite, or a real MariaDB), the demo store, the app, a client per role."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIO

from edge.config import Config, load_config
from edge.security import totp
from edge.security.secrets import ensure_secrets
from edge.services.context import ServiceContext
from edge.services.demo_data import demo_users
from edge.services.setup import ensure_store, seed_demo
from edge.store.db import open_database
from edge.store.migrate import migrate
from edge.store.models import User
from edge.web.app import create_app
from tests.servers import MariaDBServer

# Cheap argon2 and the threading Socket.IO mode keep tests fast; the daemon tests run the real settings.
TEST_OVERRIDES: dict[str, Any] = {
    "auth.argon2_time_cost": 1,
    "auth.argon2_memory_kib": 1024,
    "server.async_mode": "threading",
}
DEMO_PASSWORDS = {user.role: (user.username, user.password) for user in demo_users()}


class FakeClock:
    """A clock tests move by hand, so expiry and backoff are tested without sleeping."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time forward by a timedelta's keyword arguments."""
        self.now += timedelta(**delta)


def make_config(data_dir: Path, database_url: str = "", **overrides: Any) -> Config:
    """A test config on a data dir, ignoring the machine's POS_* environment."""
    values = {**TEST_OVERRIDES, "storage.data_dir": str(data_dir), "storage.database_url": database_url}
    values.update({key.replace("__", "."): value for key, value in overrides.items()})
    return load_config(None, environ={}, overrides=values)


def release(ctx: ServiceContext) -> None:
    """Close the store's connections (every pooled one too)."""
    ctx.db.close()
    close_all = getattr(ctx.db, "close_all", None)
    if close_all is not None:
        close_all()


def record_statements(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """From now until ``monkeypatch.undo()``: every SQL statement (and its parameters) the store runs."""
    seen: list[tuple[str, Any]] = []
    original = ctx.db.execute_sql

    def watch(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        seen.append((sql, params))
        return original(sql, params, *args, **kwargs)

    monkeypatch.setattr(ctx.db, "execute_sql", watch)
    return seen


def make_context(config: Config, clock: Callable[[], datetime]) -> ServiceContext:
    """Secrets, store and services for a config (the store must exist or be creatable)."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    secrets = ensure_secrets(config.data_dir)
    db = open_database(config.database_url, config.get("storage.sqlite_busy_timeout_ms"))
    return ServiceContext(config=config, db=db, secrets=secrets, clock=clock)


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDBServer]:
    """A real MariaDB server for the whole session (installed by `make test`)."""
    server = MariaDBServer(tmp_path_factory.mktemp("mariadb")).start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> FakeClock:
    """Time stands still at 24 Nov 2026 06:00 UTC until a test moves it."""
    return FakeClock(datetime(2026, 11, 24, 6, 0, 0))


@pytest.fixture(params=["sqlite", "mysql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store on SQLite, then on MariaDB."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'store.db'}"
        return
    server: MariaDBServer = request.getfixturevalue("mariadb")
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = server.create_database(name)
    yield url
    server.drop_database(name)


@pytest.fixture
def backend_ctx(store_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[ServiceContext]:
    """A migrated, empty store on each backend."""
    ctx = make_context(make_config(tmp_path / "data", store_url), clock)
    migrate(ctx.db)
    ensure_store(ctx)
    yield ctx
    release(ctx)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the demo store loaded once; tests get a copy."""
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    ctx = make_context(make_config(data_dir), FakeClock(datetime(2026, 11, 24, 6, 0, 0)))
    migrate(ctx.db)
    seed_demo(ctx)
    ctx.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    release(ctx)
    return data_dir


@pytest.fixture
def demo_ctx(demo_template: Path, tmp_path: Path, clock: FakeClock) -> Iterator[ServiceContext]:
    """The demo store on SQLite, private to this test."""
    data_dir = tmp_path / "data"
    shutil.copytree(demo_template, data_dir, ignore=shutil.ignore_patterns("*-wal", "*-shm", "edge.lock"))
    ctx = make_context(make_config(data_dir), clock)
    yield ctx
    release(ctx)


@pytest.fixture
def app_and_socketio(demo_ctx: ServiceContext) -> tuple[Flask, SocketIO]:
    """The web app over the demo store."""
    app, socketio = create_app(demo_ctx)
    app.config["TESTING"] = True
    return app, socketio


@pytest.fixture
def app(app_and_socketio: tuple[Flask, SocketIO]) -> Flask:
    """The Flask app."""
    return app_and_socketio[0]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An anonymous client."""
    return app.test_client()


def totp_code(app: Flask, username: str) -> str:
    """A TOTP code the user has not used yet, at the app's (fake) time: now or one step either side, as an
    authenticator app with a slightly wrong clock would show; when all three are used, time moves 30 s."""
    ctx: ServiceContext = app.extensions["pos"]
    secret = app.extensions["test_totp"][username]
    for _ in range(2):
        last = User.get(User.username == username).totp_last_step
        now = totp.step_of(ctx.now())
        for step in (now - 1, now, now + 1):
            if last is None or step > last:
                return totp.code_at(secret, step)
        assert isinstance(ctx.clock, FakeClock), "real time: wait for the next TOTP step"
        ctx.clock.advance(seconds=totp.STEP_SECONDS)
    raise AssertionError("unreachable")


def enrol_totp(app: Flask, client: FlaskClient, username: str) -> list[str]:
    """Set TOTP up for the client's (pending or logged-in) user; the secret is kept for later codes; returns
    the recovery codes."""
    enrolment = client.post("/api/v1/auth/totp/enrol", json={})
    assert enrolment.status_code == 200, enrolment.get_json()
    app.extensions.setdefault("test_totp", {})[username] = enrolment.get_json()["secret"]
    confirmed = client.post("/api/v1/auth/totp/confirm", json={"code": totp_code(app, username)})
    assert confirmed.status_code == 200, confirmed.get_json()
    codes: list[str] = confirmed.get_json()["recovery_codes"]
    return codes


def step_up(app: Flask, client: FlaskClient, username: str) -> None:
    """Give a fresh TOTP code (sensitive actions)."""
    response = client.post("/api/v1/auth/step-up", json={"code": totp_code(app, username)})
    assert response.status_code == 200, response.get_json()


def log_in(client: FlaskClient, role: str) -> FlaskClient:
    """Log a client in as the demo user of a role — with the TOTP step for roles that need it (enrolling
    the user on their first login, as the kiosk does)."""
    username, password = DEMO_PASSWORDS[role]
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    app: Flask = client.application
    step = response.get_json()["next"]
    if step == "enrol":
        enrol_totp(app, client, username)
    elif step == "totp":
        second = client.post("/api/v1/auth/totp", json={"code": totp_code(app, username)})
        assert second.status_code == 200, second.get_json()
    return client


@pytest.fixture
def login(app: Flask) -> Callable[[str], FlaskClient]:
    """``login("cashier")`` → a new client logged in as the demo cashier."""
    return lambda role: log_in(app.test_client(), role)
