"""Sending the queued e-mails (invoices, statements) through the store's SMTP server when the link is up.

Messages are queued in the store (``email_message``) by the services; this worker sends them in order,
each at most once per success: marked ``sent`` right after the server accepts it. A failure keeps the
message queued with its error and a growing wait; after ``email.max_attempts`` it is ``failed``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, make_msgid
from typing import Any

from edge.services.context import ServiceContext
from edge.store.db import write_transaction
from edge.store.models import EmailMessage

log = logging.getLogger(__name__)
BATCH = 20


def _retry_due(message: EmailMessage, now: Any) -> bool:
    """A new message is due at once; after n failed tries the next is due 30 s x 2^(n-1) after it was
    queued (capped at an hour), so a long outage does not hammer the server."""
    if message.attempts == 0:
        return True
    wait = timedelta(seconds=min(3600, 30 * 2 ** (message.attempts - 1)))
    return bool(now >= message.created_at + wait)


def _mime(ctx: ServiceContext, message: EmailMessage) -> MimeMessage:
    mime = MimeMessage()
    mime["From"] = ctx.config.get("email.from_address")
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Date"] = formatdate(localtime=False)
    mime["Message-ID"] = make_msgid(idstring=str(message.uuid))
    mime.set_content("This e-mail holds an HTML tax invoice; open it in a mail program that shows HTML.")
    mime.add_alternative(message.body, subtype="html")
    return mime


def _connect(ctx: ServiceContext) -> smtplib.SMTP:
    host, port = ctx.config.get("email.smtp_host"), ctx.config.get("email.smtp_port")
    security = ctx.config.get("email.security")
    server: smtplib.SMTP
    if security == "tls":
        server = smtplib.SMTP_SSL(host, port, timeout=20, context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, port, timeout=20)
        if security == "starttls":
            server.starttls(context=ssl.create_default_context())
    username = ctx.secrets.credentials.get("smtp_username", "")
    if username:
        server.login(username, ctx.secrets.credentials.get("smtp_password", ""))
    return server


def send_queued(ctx: ServiceContext) -> dict[str, int]:
    """Send what is queued and due; returns counts of sent, retried and failed messages."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    if not ctx.config.get("email.smtp_host"):
        return counts
    now = ctx.now()
    queued = [m for m in EmailMessage.select().where(EmailMessage.status == "queued").order_by(EmailMessage.id)
              .limit(BATCH) if _retry_due(m, now)]
    if not queued:
        return counts
    try:
        server = _connect(ctx)
    except (OSError, smtplib.SMTPException) as exc:
        _note_failures(ctx, queued, f"cannot reach the SMTP server: {exc}", counts)
        return counts
    try:
        for message in queued:
            try:
                server.send_message(_mime(ctx, message))
            except smtplib.SMTPException as exc:
                _note_failures(ctx, [message], str(exc), counts)
                continue
            with write_transaction(ctx.db):
                EmailMessage.update(status="sent", sent_at=ctx.now(), attempts=EmailMessage.attempts + 1).where(
                    EmailMessage.id == message.id).execute()
            counts["sent"] += 1
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    return counts


def _note_failures(ctx: ServiceContext, messages: list[EmailMessage], error: str, counts: dict[str, int]) -> None:
    limit = int(ctx.config.get("email.max_attempts"))
    with write_transaction(ctx.db):
        for message in messages:
            failed = message.attempts + 1 >= limit
            EmailMessage.update(attempts=EmailMessage.attempts + 1, last_error=error[:500],
                                status="failed" if failed else "queued").where(EmailMessage.id == message.id).execute()
            counts["failed" if failed else "retry"] += 1
    log.warning("e-mail not sent (%d messages): %s", len(messages), error)
