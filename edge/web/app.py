"""The Flask app factory: blueprints, access checks, error shape, security headers, kiosk files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request, send_from_directory
from flask_socketio import SocketIO

from edge.payments.registry import build_gateways
from edge.services.context import ServiceContext
from edge.services.errors import NotFound, UnsupportedMediaType
from edge.web import (
    attendance,
    auth,
    catalog,
    customers,
    devices,
    payments,
    people,
    products,
    receipts,
    registers,
    reports,
    sales,
    system,
)
from edge.web.access import PUBLIC, check_all_declared, declare_access, enforce_access
from edge.web.errors import register_error_handlers
from edge.web.realtime import bridge_events, register_socket_handlers

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_KIOSK_DIR = Path(__file__).resolve().parents[2] / "kiosk_ui" / "dist"
PLACEHOLDER = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Store Edge POS</title></head>"
    "<body><h1>Store Edge POS</h1><p>The kiosk bundle is not built. Run <code>make kiosk</code>.</p></body></html>"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
}


def kiosk_blueprint(kiosk_dir: Path) -> Blueprint:
    """Serve the built kiosk: files as they are, any other non-API path as index.html (client routes)."""
    bp = Blueprint("kiosk", __name__)

    def kiosk(path: str = "") -> Any:
        if path.startswith("api/") or path == "api":
            raise NotFound(f"no API route /{path}")
        target = kiosk_dir / path
        if path and target.is_file() and target.resolve().is_relative_to(kiosk_dir.resolve()):
            return send_from_directory(kiosk_dir, path)
        if (kiosk_dir / "index.html").is_file():
            return send_from_directory(kiosk_dir, "index.html")
        return Response(PLACEHOLDER, mimetype="text/html")

    declare_access(kiosk, PUBLIC)
    bp.add_url_rule("/", endpoint="index", view_func=kiosk)
    bp.add_url_rule("/<path:path>", endpoint="kiosk", view_func=kiosk)
    return bp


def create_app(ctx: ServiceContext) -> tuple[Flask, SocketIO]:
    """Build the web app and its Socket.IO server around a service context."""
    app = Flask(__name__, static_folder=None)
    app.config.update(
        SECRET_KEY=ctx.secrets.session_key,
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    app.extensions["pos"] = ctx
    if ctx.gateways is None:
        ctx.gateways = build_gateways(ctx.config, ctx.secrets.credentials,
                                      on_change=lambda _name, status: ctx.bus.publish("payments.status", status))
    for blueprint in (system.bp, auth.bp, catalog.bp, products.bp, customers.bp, people.bp, sales.bp, registers.bp,
                      receipts.bp, devices.bp, attendance.bp, payments.bp, reports.bp):
        app.register_blueprint(blueprint)
    kiosk_dir = Path(ctx.config.get("server.kiosk_dir") or DEFAULT_KIOSK_DIR)
    app.register_blueprint(kiosk_blueprint(kiosk_dir))
    register_error_handlers(app)

    @app.before_request
    def require_json_for_changes() -> None:
        routed = request.routing_exception is None
        if routed and request.method in MUTATING and request.path.startswith("/api/") and not request.is_json:
            raise UnsupportedMediaType("send changes as application/json")

    app.before_request(enforce_access)

    @app.after_request
    def headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.teardown_request
    def close_connection(exc: BaseException | None) -> None:
        # peewee connects on first use (one connection per thread or greenlet); give it back after each request.
        if not ctx.db.is_closed() and not ctx.db.in_transaction():
            ctx.db.close()

    check_all_declared(app)
    socketio = SocketIO(
        app,
        async_mode=ctx.config.get("server.async_mode"),
        logger=False,
        engineio_logger=False,
    )
    register_socket_handlers(socketio)
    bridge_events(ctx.bus, socketio)
    attendance.register_realtime(socketio, ctx.bus)
    app.extensions["pos_socketio"] = socketio
    return app, socketio


def current_context() -> ServiceContext:
    """The service context of the running app."""
    ctx: ServiceContext = current_app.extensions["pos"]
    return ctx
