"""Declaring API routes once — path, method, roles, parameters, body — and the OpenAPI document built from them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from edge import __version__
from edge.services.errors import InvalidInput
from edge.web.access import PUBLIC, SIGNED_WEBHOOK, View, allowed_roles, declare_access

API_PREFIX = "/api/v1"
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"]},
            },
        }
    },
}


@dataclass(frozen=True)
class Param:
    """A query or path parameter."""

    name: str
    schema: Mapping[str, Any]
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says about one route."""

    summary: str
    tag: str
    query: tuple[Param, ...] = ()
    body: Mapping[str, Any] | None = None
    response: Mapping[str, Any] = field(default_factory=lambda: {"type": "object"})
    status: int = 200
    media_type: str = "application/json"
    also: tuple[str, ...] = ()  # other media types the route answers (e.g. text/csv with ?format=csv)


def api(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    roles: Iterable[str],
    summary: str,
    query: Iterable[Param] = (),
    body: Mapping[str, Any] | None = None,
    response: Mapping[str, Any] | None = None,
    status: int = 200,
    media_type: str = "application/json",
    also: Iterable[str] = (),
) -> Callable[[View], View]:
    """Register a view on a blueprint with its roles and its OpenAPI description."""

    def register(view: View) -> View:
        declare_access(view, roles)
        default = {"type": "string"} if media_type != "application/json" else {"type": "object"}
        view.operation = Operation(  # type: ignore[attr-defined]
            summary, bp.name, tuple(query), body, response or default, status, media_type, tuple(also)
        )
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=view, methods=[method])
        return view

    return register


def json_body(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The request's JSON object validated against the route's schema (the one its OpenAPI entry shows);
    unknown fields are refused unless the schema allows them."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("request body must be a JSON object")
    strict = {**schema, "additionalProperties": schema.get("additionalProperties", False)}
    error = best_match(Draft202012Validator(strict).iter_errors(data))
    if error is None:
        return data
    where = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        missing = next(name for name in error.validator_value if name not in error.instance)
        field = ".".join([*where, missing])
        raise InvalidInput(f"{field} is required", field)
    if error.validator == "additionalProperties":
        unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))[0]
        field = ".".join([*where, unknown])
        raise InvalidInput(f"unknown field {field}", field)
    field = ".".join(where) or None
    raise InvalidInput(f"{field + ': ' if field else ''}{error.message}", field)


def _openapi_path(rule: str) -> tuple[str, list[str]]:
    names = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule)
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule), names


def openapi_document(app: Flask) -> dict[str, Any]:
    """OpenAPI 3.1 description of every /api/v1 route, with the roles each allows (x-roles)."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        op: Operation | None = getattr(view, "operation", None)
        if op is None:
            raise RuntimeError(f"route {rule.rule} was not declared with edge.web.api.api")
        path, path_names = _openapi_path(rule.rule)
        roles = allowed_roles(view) or frozenset()
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in path_names
        ] + [
            {"name": p.name, "in": "query", "required": p.required, "schema": dict(p.schema),
             "description": p.description}
            for p in op.query
        ]
        responses: dict[str, Any] = {
            str(op.status): {"description": "OK", "content": {
                op.media_type: {"schema": dict(op.response)},
                **{other: {"schema": {"type": "string"}} for other in op.also}}},
            "400": {"$ref": "#/components/responses/Error"},
        }
        unauthenticated = roles in (PUBLIC, SIGNED_WEBHOOK)
        if not unauthenticated:
            responses["401"] = {"$ref": "#/components/responses/Error"}
            responses["403"] = {"$ref": "#/components/responses/Error"}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation: dict[str, Any] = {
                "operationId": rule.endpoint.replace(".", "_"),
                "summary": op.summary,
                "tags": [op.tag],
                "parameters": parameters,
                "responses": responses,
                "x-roles": sorted(roles),
                "security": [] if unauthenticated else [{"session": []}],
            }
            if op.body is not None:
                operation["requestBody"] = {
                    "required": True, "content": {"application/json": {"schema": dict(op.body)}}
                }
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Store Edge POS API", "version": __version__},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "pos_session"}},
            "schemas": {"Error": ERROR_SCHEMA},
            "responses": {
                "Error": {
                    "description": "The error shape",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            },
        },
    }
