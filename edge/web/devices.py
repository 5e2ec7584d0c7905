"""Devices over REST: every device's status, and the demo controls of simulated devices."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from edge.services.errors import Conflict
from edge.web.api import api, json_body

bp = Blueprint("devices", __name__, url_prefix="/api/v1/devices")
STAFF = ("admin", "manager", "cashier")
TILL = {"type": "string", "pattern": "^[A-Z0-9]{1,4}$"}
SCAN_BODY = {"type": "object", "required": ["till", "code"], "properties": {
    "till": TILL, "code": {"type": "string", "pattern": "^[0-9A-Za-z-]{1,32}$"}}}
WEIGHT_BODY = {"type": "object", "required": ["till", "grams"], "properties": {
    "till": TILL, "grams": {"type": "integer", "minimum": 0, "maximum": 99_999}, "stable": {"type": "boolean"}}}
BADGE_BODY = {"type": "object", "required": ["card"], "properties": {
    "card": {"type": "string", "pattern": "^[0-9A-F]{10}$"}}}


def _manager() -> Any:
    manager = current_app.extensions["pos"].devices
    if manager is None:
        raise Conflict("the device manager is not running", code="no_devices")
    return manager


def _simulate(action: str, *args: Any) -> Any:
    try:
        getattr(_manager(), action)(*args)
    except LookupError as exc:
        raise Conflict(str(exc), code="not_simulated") from exc
    return jsonify({"ok": True}), 202


@api(bp, "", "GET", roles=STAFF, summary="Every device: kind, till, status, last error, last event",
     response={"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}})
def list_devices() -> Any:
    """What the till screens show in their device bar."""
    manager = current_app.extensions["pos"].devices
    return jsonify({"items": manager.statuses() if manager is not None else []})


@api(bp, "/simulate/scan", "POST", roles=STAFF, body=SCAN_BODY, status=202,
     summary="Demo mode: type a barcode on a till's simulated scanner")
def simulate_scan() -> Any:
    """Real key events through the real decoder; the scan lands in the till's open cart."""
    data = json_body(SCAN_BODY)
    return _simulate("simulate_scan", data["till"], data["code"])


@api(bp, "/simulate/weight", "POST", roles=STAFF, body=WEIGHT_BODY, status=202,
     summary="Demo mode: put a weight on a till's simulated scale")
def simulate_weight() -> Any:
    """Only a stable weight reaches the till."""
    data = json_body(WEIGHT_BODY)
    return _simulate("simulate_weight", data["till"], data["grams"], data.get("stable", True))


@api(bp, "/simulate/badge", "POST", roles=STAFF, body=BADGE_BODY, status=202,
     summary="Demo mode: tap an RFID card (10 hex digits) on the simulated gate reader")
def simulate_badge() -> Any:
    """An EM4100 frame on the simulated reader's serial line."""
    data = json_body(BADGE_BODY)
    return _simulate("simulate_badge", data["card"])
