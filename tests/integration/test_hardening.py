"""Web hardening: same-origin changes only (CSRF), security headers the kiosk satisfies, request size limits
with the error shape, malformed imports refused cleanly."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from edge.services.context import ServiceContext
from edge.web.app import create_app
from tests.conftest import log_in

HOST = "pos.store.lan"


def test_a_change_sent_from_another_site_is_refused(login: Callable[[str], FlaskClient]) -> None:
    cashier = login("cashier")
    path = "/api/v1/auth/logout"
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                    {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                    {"Referer": "https://evil.example/page"}, {"Origin": "http://localhost:8080"},
                    {"Origin": "https://localhost"}):
        refused = cashier.post(path, json={}, headers=headers)
        assert refused.status_code == 403, headers
        assert refused.get_json()["error"]["code"] == "cross_site"
    assert cashier.get("/api/v1/auth/me").status_code == 200, "nothing happened"
    assert cashier.get("/api/v1/auth/me", headers={"Origin": "https://evil.example"}).status_code == 200, \
        "reads are not changes (and CORS keeps their answers from the other site)"
    same = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin", "Referer": "http://localhost/pos/T1"}
    assert cashier.post(path, json={}, headers={**same, "Origin": "http://localhost"}).status_code == 200


def test_the_kiosks_own_requests_pass(app: Flask) -> None:
    client = app.test_client()
    headers = {"Origin": f"https://{HOST}", "Sec-Fetch-Site": "same-origin", "Referer": f"https://{HOST}/login"}
    response = client.post("/api/v1/auth/login", json={"username": "cashier", "password": "cashier-demo-1"},
                           headers=headers, base_url=f"https://{HOST}")
    assert response.status_code == 200
    assert "Secure" in response.headers["Set-Cookie"], "over HTTPS the cookie is Secure"


def test_security_headers(client: FlaskClient) -> None:
    for path in ("/", "/api/v1/health", "/pos/T1"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-eval" not in csp and "object-src 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers, "HSTS only over HTTPS"
    secure = client.get("/api/v1/health", base_url=f"https://{HOST}").headers
    assert secure["Strict-Transport-Security"] == "max-age=31536000"
    assert client.get("/api/v1/health").headers["Cache-Control"] == "no-store"


@pytest.fixture
def small_app(demo_ctx: ServiceContext) -> Flask:
    demo_ctx.config = demo_ctx.config.with_overrides({"server.max_upload_bytes": 4096})
    app, _ = create_app(demo_ctx)
    app.config["TESTING"] = True
    return app


def test_an_oversized_upload_is_413_in_the_error_shape(small_app: Flask) -> None:
    manager = log_in(small_app.test_client(), "manager")
    big = "sku,name,hsn_code,base_unit\r\n" + "X1,Salt,2501,piece\r\n" * 400
    response = manager.post("/api/v1/products/import", json={"csv": big})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large" and "4096" in response.get_json()["error"]["message"]
    chunked = manager.post("/api/v1/products/import", input_stream=io.BytesIO(b'{"csv": "' + b"x" * 8000 + b'"}'),
                           content_type="application/json", headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert chunked.status_code == 413, "a body without Content-Length is cut at the limit too"
    anonymous = small_app.test_client().post("/api/v1/auth/login", data=b"{" + b" " * 5000 + b"}",
                                             content_type="application/json")
    assert anonymous.status_code == 413


@pytest.mark.parametrize(("text", "code"), [
    ("\x00\x01\x02binary\xff", "import_rejected"),
    ('sku,name,hsn_code,base_unit\r\n"X1,"unterminated\r\n', "import_rejected"),
    ("sku;name;hsn_code;base_unit\r\nX1;Salt;2501;piece\r\n", "import_rejected"),
    ("sku,name,hsn_code,base_unit\r\nX1,Salt,2501,piece,extra,cells\r\n", "import_rejected"),
    ("\ufeff" + "sku,name,hsn_code,base_unit\r\n" + "X1,Salt,2501,crate\r\n", "import_rejected"),
    ("sku,name,sku,base_unit\r\n", "import_rejected"),
    ("=cmd|'/C calc'!A0,name\r\n", "import_rejected"),
    ("sku,name,hsn_code,base_unit\r\n" + "x" * 3000 + ",Salt,2501,piece\r\n", "import_rejected"),
])
def test_malformed_imports_are_refused_cleanly(text: str, code: str, login: Callable[[str], FlaskClient]) -> None:
    manager = login("manager")
    response = manager.post("/api/v1/products/import", json={"csv": text})
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"] and error["rows"]


def test_bad_bodies_get_the_error_shape(login: Callable[[str], FlaskClient]) -> None:
    manager = login("manager")
    broken = manager.post("/api/v1/products/import", data=b'{"csv": ', content_type="application/json")
    assert broken.status_code == 400 and broken.get_json()["error"]["code"] == "invalid"
    form = manager.post("/api/v1/products/import", data={"csv": "x"})
    assert form.status_code == 415
    deep = manager.post("/api/v1/products/import", data=b"[" * 5000 + b"]" * 5000, content_type="application/json")
    assert deep.status_code == 400
