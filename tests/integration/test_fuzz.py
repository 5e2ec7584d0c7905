"""Fuzzing the API from its own OpenAPI document (schemathesis strategies, Hypothesis): thousands of valid and
invalid requests, as every role and anonymously, against the app in process. None may answer 5xx, and every
refusal has the error shape."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core import NOT_SET
from schemathesis.generation import GenerationMode

from edge.web.api import openapi_document
from tests.conftest import log_in

# Examples per operation and role (about 85 operations): ~3,900 requests in all, under two minutes.
EXAMPLES = {"admin": 16, "manager": 6, "cashier": 6, "hr": 6, "employee": 6, "anonymous": 6}
SKIP = {("POST", "/api/v1/auth/logout")}  # would end the fuzzing session itself


def operations(app: Flask) -> list[Any]:
    schema = schemathesis.openapi.from_dict(openapi_document(app))
    found = [result.ok() for result in schema.get_all_operations()]
    return [op for op in found if (op.method.upper(), op.path) not in SKIP]


def send(client: FlaskClient, case: Any) -> Any:
    kwargs: dict[str, Any] = {"query_string": case.query or {}, "headers": dict(case.headers or {})}
    if isinstance(case.body, bytes | bytearray):
        kwargs["data"] = bytes(case.body)
        kwargs["content_type"] = case.media_type or "application/octet-stream"
    elif case.body is not NOT_SET:
        kwargs["data"] = json.dumps(case.body)
        kwargs["content_type"] = case.media_type or "application/json"
    return client.open(case.formatted_path, method=case.method.upper(), **kwargs)


@pytest.mark.parametrize("role", list(EXAMPLES))
def test_no_request_makes_the_api_fail(role: str, app: Flask) -> None:
    client = app.test_client() if role == "anonymous" else log_in(app.test_client(), role)
    seen: Counter[int] = Counter()
    failures: list[str] = []
    for operation in operations(app):
        strategy = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                             operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))

        # derandomize: CI sends the same requests every run (a failure is reproducible, never flaky)
        @settings(max_examples=EXAMPLES[role], deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def check(case: Any) -> None:
            response = send(client, case)
            seen[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} {case.body!r:.200} -> "
                                f"{response.status_code}")
                return
            if response.status_code >= 400 and case.path.startswith("/api/"):
                body = response.get_json(silent=True)
                assert isinstance(body, dict) and set(body["error"]) >= {"code", "message", "field"}, \
                    f"{case.method} {case.formatted_path}: {response.status_code} without the error shape"

        check()
    assert failures == [], "\n".join(failures[:20])
    assert sum(seen.values()) >= 5 * len(operations(app)), seen
