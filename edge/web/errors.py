"""The API's error shape: ``{"error": {"code", "message", "field"}}``; a 500 is always a bug."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from edge.services.errors import ServiceError, Throttled

log = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, field: str | None = None) -> tuple[Response, int]:
    """A JSON error in the API's shape."""
    return jsonify({"error": {"code": code, "message": message, "field": field}}), status


def register_error_handlers(app: Flask) -> None:
    """Turn service errors, HTTP errors and bugs into the error shape."""

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError) -> Any:
        response, status = error_response(exc.status, exc.code, exc.message, exc.field)
        if isinstance(exc, Throttled):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response, status

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge) -> Any:
        limit = app.config.get("MAX_CONTENT_LENGTH")
        return error_response(413, "too_large", f"the request is larger than the {limit}-byte limit "
                              "(server.max_upload_bytes); split the file")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        code = (exc.name or "error").lower().replace(" ", "_").replace("'", "")
        response, status = error_response(exc.code or 500, code, exc.description or exc.name)
        for name in ("Allow", "Retry-After"):
            if exc.get_response().headers.get(name):
                response.headers[name] = exc.get_response().headers[name]
        return response, status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.exception("unhandled error")
        return error_response(500, "internal", "internal error; the daemon logged the details")
