"""Every route declares who may call it; a request is checked before the view runs."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request

from edge.services.errors import Forbidden, Unauthenticated
from edge.services.users import resolve_session_row
from edge.store.models import ROLES

SESSION_COOKIE = "pos_session"
PUBLIC = frozenset({"public"})
# Webhooks: no login (the gateway calls them), and the only such routes that change state; the view
# changes nothing until the sender's signature over the raw body is verified.
SIGNED_WEBHOOK = frozenset({"signed_webhook"})
ANY_ROLE = frozenset(ROLES)
# Not a login role: a machine (Prometheus) presenting ``Authorization: Bearer <metrics_token>`` from the
# secrets file. Declared next to roles, e.g. ("admin", METRICS_TOKEN).
METRICS_TOKEN = "metrics-token"  # noqa: S105  (an access marker, not a secret)
View = TypeVar("View", bound=Callable[..., Any])


class AccessNotDeclared(RuntimeError):
    """A route was registered without saying which roles may call it."""


def declare_access(view: View, roles: Iterable[str]) -> View:
    """Attach the allowed roles (or PUBLIC, or SIGNED_WEBHOOK) to a view function."""
    allowed = frozenset(roles)
    unknown = allowed - ANY_ROLE - PUBLIC - SIGNED_WEBHOOK - {METRICS_TOKEN}
    if unknown or not allowed or allowed == {METRICS_TOKEN}:
        raise ValueError(f"{view.__name__}: unknown roles {sorted(unknown)}")
    view.allowed_roles = allowed  # type: ignore[attr-defined]
    return view


def allowed_roles(view: Callable[..., Any]) -> frozenset[str] | None:
    """The roles a view allows, PUBLIC, or None when it declared nothing."""
    return getattr(view, "allowed_roles", None)


def check_all_declared(app: Flask) -> None:
    """Refuse to start when any route lacks an access declaration."""
    missing = [
        rule.rule for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and allowed_roles(app.view_functions[rule.endpoint]) is None
    ]
    if missing:
        raise AccessNotDeclared(f"routes without declared roles: {', '.join(sorted(missing))}")


def current_session_or_none() -> Any:
    """The full (logged-in) session of this request's cookie, or None."""
    if "session_row" not in g:
        g.session_row = resolve_session_row(current_app.extensions["pos"], request.cookies.get(SESSION_COOKIE))
    return g.session_row


def current_user_or_none() -> Any:
    """The logged-in user of this request (from the session cookie), or None."""
    session = current_session_or_none()
    return session.user if session is not None else None


def require_step_up(action: str) -> None:
    """A sensitive action: refused unless this session gave a TOTP code in the last few minutes."""
    from edge.services.twofactor import require_fresh

    require_fresh(current_app.extensions["pos"], current_session_or_none(), action)


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else "null"


def refuse_cross_site_changes() -> None:
    """before_request hook: a change (POST, PUT, PATCH, DELETE) that a browser sent from another site is
    refused (CSRF). Browsers say where a request comes from (Sec-Fetch-Site, Origin, Referer); a request
    without any of them is not from a browser page, and so cannot carry a victim's cookie against their
    will. See docs/decisions.md."""
    if request.method not in UNSAFE_METHODS:
        return
    own = f"{request.scheme}://{request.host}".lower()
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        raise Forbidden(f"cross-site request refused (Sec-Fetch-Site: {site})", code="cross_site")
    origin = request.headers.get("Origin")
    if origin is not None:
        if _origin_of(origin) != own:
            raise Forbidden(f"cross-site request refused (Origin: {origin[:100]})", code="cross_site")
        return
    referer = request.headers.get("Referer")
    if referer is not None and _origin_of(referer) != own:
        raise Forbidden("cross-site request refused (Referer of another site)", code="cross_site")


def presents_metrics_token() -> bool:
    """True when the request carries the secrets file's metrics token (never when none is set)."""
    expected = current_app.extensions["pos"].secrets.credentials.get("metrics_token", "")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(token.strip(), expected)


def enforce_access() -> None:
    """before_request hook: 401 without a login, 403 outside the route's roles."""
    if request.endpoint is None or request.endpoint == "static":
        return
    roles = allowed_roles(current_app.view_functions[request.endpoint])
    if roles is None:
        raise Forbidden("route has no access declaration")
    if roles in (PUBLIC, SIGNED_WEBHOOK):
        return
    if METRICS_TOKEN in roles and presents_metrics_token():
        return
    user = current_user_or_none()
    if user is None:
        raise Unauthenticated("log in first")
    if user.role not in roles:
        raise Forbidden(f"role {user.role!r} may not do this")
