"""Health and the OpenAPI document: public, for load balancers, monitors and API clients."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, jsonify

from edge import __version__
from edge.services.sync import sync_status
from edge.store.migrate import current_version
from edge.web.access import PUBLIC
from edge.web.api import api, openapi_document

bp = Blueprint("system", __name__, url_prefix="/api/v1")

HEALTH_SCHEMA = {
    "type": "object",
    "required": ["status", "database", "version", "uptime_seconds"],
    "properties": {
        "status": {"type": "string", "enum": ["ok", "degraded"]},
        "database": {"type": "object"},
        "version": {"type": "string"},
        "uptime_seconds": {"type": "integer"},
        "store": {"type": ["string", "null"]},
    },
}


@api(bp, "/health", "GET", roles=PUBLIC, summary="Daemon health: database reachable, version, uptime",
     response=HEALTH_SCHEMA)
def health() -> Any:
    """Answer 200 when the database answers, 503 when it does not."""
    ctx = current_app.extensions["pos"]
    database: dict[str, Any] = {"backend": "sqlite" if "sqlite" in type(ctx.db).__name__.lower() else "mysql"}
    try:
        ctx.db.execute_sql("SELECT 1").fetchone()
        database.update(reachable=True, schema_version=current_version(ctx.db))
    except Exception as exc:  # health reports any database failure instead of raising
        database.update(reachable=False, error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    body = {
        "status": "ok" if database["reachable"] else "degraded",
        "database": database,
        "version": __version__,
        "uptime_seconds": int(time.monotonic() - ctx.started_monotonic),
        "store": ctx.config.get("store.code"),
    }
    return jsonify(body), 200 if database["reachable"] else 503


@api(bp, "/sync/status", "GET", roles=("admin", "manager", "cashier"),
     summary="Replication to the cloud: backlog, oldest unsent, last acknowledgement, throughput",
     response={"type": "object", "properties": {
         "backlog": {"type": "integer"}, "oldest_unsent_age_s": {"type": ["integer", "null"]},
         "last_ack_at": {"type": ["string", "null"]}, "sent_per_s": {"type": "number"},
         "last_seq": {"type": "integer"}}})
def sync() -> Any:
    """Read from the outbox, which the publisher marks on each acknowledgement."""
    return jsonify(sync_status(current_app.extensions["pos"]))


@api(bp, "/openapi.json", "GET", roles=PUBLIC, summary="This API's OpenAPI 3.1 document")
def openapi() -> Any:
    """Every route, its parameters and the roles it allows."""
    return jsonify(openapi_document(current_app))
