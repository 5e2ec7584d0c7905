"""Errors a use case reports to its caller; the web layer turns them into the API's error shape."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal with a stable code, a human message and optionally the offending field."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class InvalidInput(ServiceError):
    """The request is malformed or a value is out of range."""

    status = 400
    code = "invalid"


class NotFound(ServiceError):
    """The thing asked for does not exist."""

    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """The request clashes with the current state (duplicate, stale version)."""

    status = 409
    code = "conflict"


class Unauthenticated(ServiceError):
    """No valid login."""

    status = 401
    code = "unauthenticated"


class Forbidden(ServiceError):
    """Logged in, but the role may not do this."""

    status = 403
    code = "forbidden"


class Throttled(ServiceError):
    """Too many attempts; try again after ``retry_after`` seconds."""

    status = 429
    code = "throttled"

    def __init__(self, message: str, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field)
        self.retry_after = retry_after


class UnsupportedMediaType(ServiceError):
    """A change was not sent as JSON (also keeps plain HTML forms of other sites out)."""

    status = 415
    code = "unsupported_media_type"


class Unavailable(ServiceError):
    """Something the request needs (a payment gateway) cannot be reached now; try another way or later."""

    status = 503
    code = "unavailable"


class UpstreamTimeout(ServiceError):
    """A service the request called (a payment gateway) did not answer in time; the outcome is unknown
    until the same request is sent again."""

    status = 504
    code = "gateway_timeout"
