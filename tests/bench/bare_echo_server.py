"""Baseline server of bench_socketio: a bare python-socketio Server (async_mode='gevent') on gevent.pywsgi,
no Flask, with the same "ping_server" echo as the daemon. It stops by itself after --max-seconds.

``python -m tests.bench.bare_echo_server --port P [--host 127.0.0.1] [--max-seconds 600]``
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import Any


def build_parser() -> argparse.ArgumentParser:
    """Command line of the baseline server."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--max-seconds", type=float, default=600.0, help="stop after this long")
    return parser


def health_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Answers GET /health with 200, anything else with 404 (readiness probe)."""
    if environ.get("PATH_INFO") == "/health":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
    """Accept every client (the daemon checks its login cookie once, at connect)."""
    return True


def ping_server(sid: str, data: Any) -> Any:
    """Echo, for measuring the websocket round trip (same as edge.web.realtime's handler)."""
    return data


def main() -> None:
    """Patch like the daemon does (gevent mode), then serve until stopped or --max-seconds pass."""
    args = build_parser().parse_args()
    from gevent import monkey

    monkey.patch_all()
    import gevent
    import socketio
    from gevent import pywsgi

    sio = socketio.Server(async_mode="gevent", logger=False, engineio_logger=False)

    sio.on("connect", connect)
    sio.on("ping_server", ping_server)
    server = pywsgi.WSGIServer((args.host, args.port), socketio.WSGIApp(sio, health_app), log=None)
    gevent.spawn_later(args.max_seconds, server.stop)
    print(f"bare echo server on http://{args.host}:{args.port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
