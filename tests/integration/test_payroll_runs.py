"""HR reopens an earlier payroll run from the list of runs (GET /api/v1/payroll/runs): latest period first,
draft or final, payslip count and totals; no payslip lines or pay rates in the list."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.conftest import FakeClock
from tests.integration.test_attendance_api import ist, ok

RUNS = "/api/v1/payroll/runs"


def test_the_runs_list_shows_each_run_with_its_totals_latest_period_first(
    login: Callable[[str], FlaskClient], clock: FakeClock
) -> None:
    clock.now = ist("2026-11-24 12:00")
    hr = login("hr")
    assert ok(hr.get(RUNS)) == {"items": [], "page": 1, "per_page": 25, "total": 0, "pages": 0}
    first = ok(hr.post(RUNS, json={"from": "2026-11-01", "to": "2026-11-07"}), 201)
    second = ok(hr.post(RUNS, json={"from": "2026-11-08", "to": "2026-11-14"}), 201)
    ok(hr.post(f"{RUNS}/{first['id']}/finalize", json={"accept_flagged": True}))

    body = ok(hr.get(RUNS))
    assert (body["total"], body["pages"]) == (2, 1)
    assert [(run["id"], run["status"], run["from"], run["to"]) for run in body["items"]] == [
        (second["id"], "draft", "2026-11-08", "2026-11-14"), (first["id"], "final", "2026-11-01", "2026-11-07")]
    latest = body["items"][0]
    assert latest["payslip_count"] == second["payslip_count"] == 250
    for name in ("gross_paise", "net_paise", "deductions_paise", "flagged_days"):
        assert latest["totals"][name] == second["totals"][name], name
    assert latest["created_by"] == "hr" and latest["finalized_at"] is None
    assert body["items"][1]["finalized_at"] is not None
    assert "payslips" not in latest
    text = hr.get(RUNS).get_data(as_text=True)
    assert "rate_paise" not in text and "E0001" not in text, "no payslip lines or pay rates in the list"
    reopened = ok(hr.get(f"{RUNS}/{body['items'][1]['id']}"))
    assert reopened["status"] == "final" and len(reopened["payslips"]) == 250

    paged = ok(hr.get(RUNS, query_string={"per_page": 1, "page": 2}))
    assert [run["id"] for run in paged["items"]] == [first["id"]] and paged["pages"] == 2
    assert ok(login("admin").get(RUNS))["total"] == 2


def test_only_payroll_roles_list_runs_and_bad_pages_name_the_parameter(login: Callable[[str], FlaskClient]) -> None:
    for role in ("manager", "cashier", "employee"):
        assert login(role).get(RUNS).status_code == 403, role
    hr = login("hr")
    for query, field in (({"page": "0"}, "page"), ({"page": "x"}, "page"), ({"per_page": "101"}, "per_page")):
        response = hr.get(RUNS, query_string=query)
        assert response.status_code == 400 and response.get_json()["error"]["field"] == field
