"""Health, the OpenAPI document, error shapes, security headers and the kiosk page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from edge import __version__
from edge.services.context import ServiceContext
from edge.store.migrate import head
from edge.web.access import allowed_roles
from tests.conftest import FakeClock, release


def test_health_reports_database_version_and_uptime(client: FlaskClient, demo_ctx: ServiceContext) -> None:
    body = client.get("/api/v1/health").get_json()
    assert body["status"] == "ok"
    assert body["database"] == {"backend": "sqlite", "reachable": True, "schema_version": head()}
    assert body["version"] == __version__
    assert body["uptime_seconds"] >= 0
    assert body["store"] == "S001"


def test_health_says_degraded_when_the_database_is_gone(client: FlaskClient, demo_ctx: ServiceContext) -> None:
    release(demo_ctx)
    demo_ctx.db.init("/nonexistent-dir/store.db")
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.get_json()["database"]["reachable"] is False


def test_openapi_is_valid_and_describes_every_route_with_its_roles(client: FlaskClient, app: Flask) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    described = {
        (path, method.upper()): operation["x-roles"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        roles = allowed_roles(app.view_functions[rule.endpoint])
        assert roles is not None
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            assert (path, method) in described, f"{method} {path} missing from OpenAPI"
            assert set(described[(path, method)]) == set(roles), f"roles of {method} {path}"


def test_unknown_api_path_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_a_json_405(client: FlaskClient) -> None:
    response = client.delete("/api/v1/health")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_a_bug_answers_500_in_the_error_shape_without_details(app: Flask, client: FlaskClient) -> None:
    from edge.web.access import PUBLIC, declare_access

    def broken() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/v1/broken", "broken", declare_access(broken, PUBLIC))
    response = client.get("/api/v1/broken")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal"
    assert "secret internals" not in response.get_data(as_text=True)


def test_responses_carry_security_headers(client: FlaskClient) -> None:
    response = client.get("/api/v1/health")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_kiosk_page_is_served_at_root_and_for_client_routes(client: FlaskClient) -> None:
    root = client.get("/")
    assert root.status_code == 200
    assert "Store Edge POS" in root.get_data(as_text=True)
    assert client.get("/pos/cart").get_data() == root.get_data()


def test_sync_status_shows_the_backlog_for_the_progress_bar(
    login: Callable[[str], FlaskClient], demo_ctx: ServiceContext, clock: FakeClock
) -> None:
    from edge.store.db import write_transaction
    from edge.store.models import Outbox
    from edge.store.outbox import enqueue

    cashier = login("cashier")
    Outbox.update(sent_at=clock.now - timedelta(hours=2)).execute()  # what came before (the login) went out
    with write_transaction(demo_ctx.db):
        seqs = [enqueue("user.created", uuid.uuid4(), {"n": n}) for n in range(3)]
    Outbox.update(created_at=clock.now - timedelta(minutes=5)).where(Outbox.seq >= seqs[0]).execute()
    Outbox.update(sent_at=clock.now - timedelta(seconds=10)).where(Outbox.seq == seqs[0]).execute()
    status = cashier.get("/api/v1/sync/status").get_json()
    assert status["backlog"] == 2
    assert status["oldest_unsent_age_s"] == 300
    assert status["last_seq"] == seqs[-1]
    assert status["sent_per_s"] == round(1 / 60, 1)


def test_openapi_names_the_media_type_of_files_and_pages(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert list(paths["/api/v1/products/export.csv"]["get"]["responses"]["200"]["content"]) == ["text/csv"]
    assert list(paths["/api/v1/invoices/{invoice_id}/receipt.html"]["get"]["responses"]["200"]["content"]) == [
        "text/html"]
    assert list(paths["/api/v1/health"]["get"]["responses"]["200"]["content"]) == ["application/json"]
