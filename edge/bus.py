"""In-process event bus between drivers and the rest: drivers publish, services and web subscribe."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
Handler = Callable[[str, dict[str, Any]], None]


class EventBus:
    """Topic → handlers. A failing handler is logged and never stops the publisher or other handlers."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._lock = threading.Lock()
        self.failures = 0

    def subscribe(self, topic: str, handler: Handler) -> Callable[[], None]:
        """Call handler(topic, payload) for each event on topic ("*" for all); returns an unsubscribe."""
        with self._lock:
            self._handlers[topic].append(handler)

        def unsubscribe() -> None:
            with self._lock:
                if handler in self._handlers[topic]:
                    self._handlers[topic].remove(handler)

        return unsubscribe

    def publish(self, topic: str, payload: dict[str, Any]) -> int:
        """Deliver an event; returns how many handlers took it without error."""
        with self._lock:
            handlers = [*self._handlers.get(topic, ()), *self._handlers.get("*", ())]
        delivered = 0
        for handler in handlers:
            try:
                handler(topic, payload)
                delivered += 1
            except Exception:
                self.failures += 1
                log.exception("event handler %r failed on %s", handler, topic)
        return delivered
