"""Queued invoice e-mails go out through a real SMTP server on loopback once it is reachable."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient

from edge.services.context import ServiceContext
from edge.services.mailer import send_queued
from edge.store.models import EmailMessage
from tests.integration.test_after_sale import sell
from tests.integration.test_sale import CASE
from tests.servers import free_port


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a free loopback port."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def configure(ctx: ServiceContext, port: int) -> None:
    """Point the store at the test SMTP server (no TLS on loopback)."""
    ctx.config = ctx.config.with_overrides({
        "email.smtp_host": "127.0.0.1", "email.smtp_port": port, "email.security": "none",
        "email.from_address": "billing@store.example", "email.max_attempts": 3,
    })


def test_a_queued_invoice_email_is_sent_once_when_the_server_answers(
    login: Callable[[str], FlaskClient], demo_ctx: ServiceContext, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    manager = login("manager")
    sale = sell(manager, [str(CASE.barcode)])
    assert manager.post(f"/api/v1/invoices/{sale['id']}/email", json={"to": "buyer@example.in"}).status_code == 202
    assert send_queued(demo_ctx) == {"sent": 0, "retry": 0, "failed": 0}, "no SMTP server configured yet: queued"
    configure(demo_ctx, port)
    assert send_queued(demo_ctx)["sent"] == 1
    assert send_queued(demo_ctx)["sent"] == 0, "sent once"
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["buyer@example.in"]
    assert sale["number"] in message["Subject"]
    html = next(part for part in message.walk() if part.get_content_type() == "text/html").get_content()
    assert sale["number"] in html
    assert EmailMessage.get().status == "sent"


def test_an_unreachable_server_keeps_the_message_queued_then_fails_it(
    login: Callable[[str], FlaskClient], demo_ctx: ServiceContext, clock: Any
) -> None:
    manager = login("manager")
    sale = sell(manager, [str(CASE.barcode)])
    manager.post(f"/api/v1/invoices/{sale['id']}/email", json={"to": "buyer@example.in"})
    configure(demo_ctx, free_port())  # nothing listens there
    assert send_queued(demo_ctx)["retry"] == 1
    assert send_queued(demo_ctx) == {"sent": 0, "retry": 0, "failed": 0}, "not due again so soon"
    clock.advance(seconds=31)
    assert send_queued(demo_ctx)["retry"] == 1
    clock.advance(seconds=61)
    assert send_queued(demo_ctx)["failed"] == 1
    message = EmailMessage.get()
    assert (message.status, message.attempts) == ("failed", 3)
    assert "cannot reach the SMTP server" in message.last_error
