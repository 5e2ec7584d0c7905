"""Socket.IO: logged-in kiosks join their till's room; events are pushed, never polled."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_socketio import SocketIO, emit, join_room, leave_room

from edge.bus import EventBus
from edge.services import gateway_payments
from edge.services.users import resolve_session
from edge.store.models import Till
from edge.web.access import SESSION_COOKIE


def till_room(code: str) -> str:
    """Room of a till's cashier screen and customer display."""
    return f"till:{code}"


# Bus topics pushed to a till's room (cashier screens and the customer display), and their event names.
PUSHED = {
    "cart.updated": "cart",
    "sale.completed": "sale",
    "payment.updated": "payment",
    "scan.rejected": "scan_rejected",
    "scale.weight": "weight",
    "device.status": "device",
    "sync.status": "sync",
    "gateway_payment.updated": "gateway_payment",
    "payments.status": "payments_status",
    "ups.status": "ups",  # power cut / low battery banner (edge.ups), to every screen
}
STORE_ROOM = "store"  # every logged-in screen: store-wide news such as replication progress


def bridge_events(bus: EventBus, socketio: SocketIO) -> None:
    """Push bus events that name a till to that till's room: screens are told, never poll."""

    def push(topic: str, payload: dict[str, Any]) -> None:
        till = payload.get("till")
        socketio.emit(PUSHED[topic], payload, to=till_room(str(till)) if till else STORE_ROOM)

    for topic in PUSHED:
        bus.subscribe(topic, push)


def _tell_waiting_payment(code: str) -> None:
    """A screen that (re)joins a till while a gateway payment of its latest bill waits gets the bill and the
    attempt at once (a reloaded customer display shows the UPI QR again); nothing is pushed to the others."""
    ctx = current_app.extensions["pos"]
    with ctx.db.connection_context():
        waiting = gateway_payments.waiting_on_till(ctx, code)
    if waiting is not None:
        emit("sale", {"till": code, "summary": waiting["summary"], "resumed": True})
        emit("gateway_payment", {"till": code, "invoice_id": waiting["summary"]["id"],
                                 "gateway_payment": waiting["gateway_payment"], "resumed": True})


def register_socket_handlers(socketio: SocketIO) -> None:
    """Connect (cookie login required), join/leave a till room, and ping for round-trip checks."""

    @socketio.on("connect")
    def connect(auth: Any = None) -> bool:
        ctx = current_app.extensions["pos"]
        with ctx.db.connection_context():
            if resolve_session(ctx, request.cookies.get(SESSION_COOKIE)) is None:
                return False
        join_room(STORE_ROOM)
        ups = ctx.ups.state if ctx.ups is not None else None
        if ups is not None and (ups.on_battery or ups.low_battery):
            emit("ups", ups.event())  # a screen that connects during a power cut shows the banner at once
        return True

    @socketio.on("join_till")
    def join_till(data: Any) -> dict[str, Any]:
        code = data.get("till") if isinstance(data, dict) else None
        with current_app.extensions["pos"].db.connection_context():
            exists = isinstance(code, str) and Till.select().where((Till.code == code) & Till.is_active).exists()
        if not exists:
            return {"error": {"code": "not_found", "message": f"no active till {code!r}", "field": "till"}}
        join_room(till_room(str(code)))
        _tell_waiting_payment(str(code))
        return {"ok": True, "room": till_room(str(code))}

    @socketio.on("leave_till")
    def leave_till(data: Any) -> dict[str, Any]:
        code = data.get("till") if isinstance(data, dict) else None
        if isinstance(code, str):
            leave_room(till_room(code))
        return {"ok": True}

    @socketio.on("ping_server")
    def ping_server(data: Any) -> Any:
        """Echo, for measuring the websocket round trip."""
        return data
