"""What every use case needs, wired once by the server: database, config, keys, clock, bus."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import peewee
from argon2 import PasswordHasher

from edge.bus import EventBus
from edge.clock import Clock, utcnow
from edge.config import Config
from edge.security.fieldcrypt import FieldCipher
from edge.security.passwords import make_hasher
from edge.security.secrets import Secrets


@dataclass
class ServiceContext:
    """Dependencies of the services; one per daemon (and one per test)."""

    config: Config
    db: peewee.Database
    secrets: Secrets
    clock: Clock = utcnow
    bus: EventBus = field(default_factory=EventBus)
    # Process start on the monotonic clock: uptime is the daemon's, not business time (which tests move).
    started_monotonic: float = field(default_factory=time.monotonic)
    # Latest stable weight per till, from the scales (edge.services.carts.record_weight).
    scale_readings: dict[str, Any] = field(default_factory=dict)
    # The running device manager (edge.devices.manager), when the daemon hosts one.
    devices: Any = None
    # The store's payment gateways (edge.payments.registry.Gateways), built by the web app or the daemon.
    gateways: Any = None
    # The UPS monitor (edge.ups.UpsMonitor), when [ups] host is set.
    ups: Any = None

    def __post_init__(self) -> None:
        self._cache: dict[str, tuple[float, Any]] = {}
        self.cipher = FieldCipher(self.secrets.field_keys, self.secrets.active_field_key)
        self.hasher: PasswordHasher = make_hasher(
            self.config.get("auth.argon2_time_cost"), self.config.get("auth.argon2_memory_kib")
        )

    def now(self) -> datetime:
        """Current UTC time from the context's clock."""
        return self.clock()

    def cached(self, key: str, ttl_s: float, load: Callable[[], Any]) -> Any:
        """A value loaded at most every ``ttl_s`` seconds (reference data read on every scan: seller
        registrations, tier tax basis, role permissions). A change shows within ``ttl_s``."""
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < ttl_s:
            return hit[1]
        value = load()
        self._cache[key] = (now, value)
        return value

    @cached_property
    def dummy_password_hash(self) -> str:
        """A hash to verify against when a user name is unknown, so timing does not reveal it."""
        return self.hasher.hash("not-a-real-password-0")
