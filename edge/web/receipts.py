"""Receipts over REST: the printable A4 invoice, printing on the till's printer, e-mailing the customer."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from edge.services import receipts
from edge.services.errors import InvalidInput
from edge.web.access import current_user_or_none
from edge.web.api import Param, api, json_body

bp = Blueprint("receipts", __name__, url_prefix="/api/v1")
SELLERS = ("admin", "manager", "cashier")
REVISION = {"type": "integer", "minimum": 0, "description": "revision to print (0: the original); default: current"}
PRINT_BODY = {"type": "object", "properties": {
    "kind": {"type": "string", "enum": list(receipts.PRINT_KINDS), "default": "receipt",
             "description": "reprint marks the slip ** REPRINT ** and is audited"},
    "revision": REVISION}}
EMAIL_BODY = {"type": "object", "required": ["to"], "properties": {
    "to": {"type": "string", "minLength": 1, "maxLength": 200, "description": "the customer's e-mail address"}}}
QUEUED_FIELDS: dict[str, Any] = {"id": {"type": "string"}, "status": {"type": "string"},
                                 "document": {"type": "string", "description": "invoice UUID/r<revision>"}}
PRINT_QUEUED = {"type": "object", "properties": {
    **QUEUED_FIELDS, "job_id": {"type": "integer"}, "kind": {"type": "string"},
    "till": {"type": ["string", "null"]}, "device": {"type": ["string", "null"]}}}
EMAIL_QUEUED = {"type": "object", "properties": {**QUEUED_FIELDS, "to": {"type": "string"}}}
HTML = {"type": "string", "description": "text/html: a standalone A4 page (print it, or save it as PDF)"}


def _ctx() -> Any:
    return current_app.extensions["pos"]


@api(bp, "/invoices/<invoice_id>/receipt.html", "GET", media_type="text/html", roles=SELLERS,
     summary="The invoice as a printable A4 tax invoice (HTML)",
     query=[Param("revision", REVISION, "revision to show; 0: the original as issued")], response=HTML)
def receipt_html(invoice_id: str) -> Any:
    """Seller, buyer, lines with HSN, taxes by rate and HSN, round-off, payments; a UPI QR while money is due."""
    raw = request.args.get("revision")
    revision = None
    if raw is not None:
        if not (raw.isascii() and raw.isdigit()):
            raise InvalidInput("revision must be a whole number, 0 for the original", "revision")
        revision = int(raw)
    return Response(receipts.invoice_html(_ctx(), invoice_id, revision), mimetype="text/html")


@api(bp, "/invoices/<invoice_id>/print", "POST", roles=SELLERS,
     summary="Print the receipt (or a reprint of any revision) on the till's printer", body=PRINT_BODY,
     response=PRINT_QUEUED, status=202)
def print_receipt(invoice_id: str) -> Any:
    """Queued as a print job; the printer driver prints it once, also after the printer was offline."""
    data = json_body(PRINT_BODY)
    job = receipts.queue_print(_ctx(), invoice_id, data.get("kind", "receipt"), data.get("revision"),
                               user=current_user_or_none())
    return jsonify({
        "id": str(job.uuid), "job_id": job.id, "status": job.status, "kind": job.kind, "document": job.document,
        "till": job.till.code if job.till else None, "device": job.device.name if job.device else None,
    }), 202


@api(bp, "/invoices/<invoice_id>/email", "POST", roles=SELLERS,
     summary="E-mail the invoice to the customer (queued while the internet is down)", body=EMAIL_BODY,
     response=EMAIL_QUEUED, status=202)
def email_receipt(invoice_id: str) -> Any:
    """Queued as an e-mail message; the mail worker sends it through the configured SMTP server."""
    data = json_body(EMAIL_BODY)
    message = receipts.queue_email(_ctx(), invoice_id, data["to"], user=current_user_or_none())
    return jsonify({"id": str(message.uuid), "status": message.status, "to": message.to_address,
                    "document": message.document}), 202


EMAILS = {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {
    "id": {"type": "string"}, "to": {"type": "string"},
    "status": {"type": "string", "enum": ["queued", "sent", "failed"]}, "attempts": {"type": "integer"},
    "last_error": {"type": ["string", "null"]}, "created_at": {"type": "string"},
    "sent_at": {"type": ["string", "null"]}, "document": {"type": "string"}}}}}}


@api(bp, "/invoices/<invoice_id>/emails", "GET", roles=SELLERS, response=EMAILS,
     summary="The invoice's e-mails, newest first: to whom, queued / sent / failed, tries, the last error")
def invoice_emails(invoice_id: str) -> Any:
    """What the invoice page shows under E-mail: whether the customer has it yet."""
    return jsonify({"items": receipts.invoice_emails(invoice_id)})
