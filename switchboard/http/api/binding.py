"""Declared routes as aiohttp handlers: authenticate, check the role, validate, answer in JSON.

Every failure is a JSON `ApiErrorBody`: 400 for a body that is not JSON, 401 without a valid
token (with `WWW-Authenticate: Bearer`), 403 for a role or tenant it does not cover, 422 naming
each invalid field; nothing is submitted to the engine before all of that passed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import structlog
from aiohttp import web
from pydantic import BaseModel, ValidationError

from switchboard.http.api.auth import Principal
from switchboard.http.api.models import ApiErrorBody, FieldProblem
from switchboard.http.api.spec import Route, adapter

log = structlog.get_logger("switchboard.api")

Authenticate = Callable[[web.Request], Principal | None]
CODES = {
    400: "malformed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid",
    503: "unavailable",
    500: "internal",
}


class ApiError(Exception):
    """An answer other than success: status, a message and the fields at fault."""

    def __init__(self, status: int, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = dict(fields or {})


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler gets: the request, who asks, and the validated parameters."""

    request: web.Request
    principal: Principal
    path: Mapping[str, str]
    query: Any
    body: Any


@dataclass(frozen=True, slots=True)
class Raw:
    """A handler's answer that is not JSON (a report as CSV, HTML or text)."""

    text: str
    content_type: str


def bind(route: Route, authenticate: Authenticate) -> web.RouteDef:
    """The aiohttp route of one declared operation."""

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            principal = _principal(route, request, authenticate)
            query = _validate(route.query, dict(request.query), "query")
            body = await _body(route, request)
            result = await route.handler(Call(request, principal, request.match_info, query, body))
        except ApiError as exc:
            return error_response(exc)
        except Exception:
            log.exception("api handler failed", path=request.path, method=request.method)
            return error_response(ApiError(500, "internal error (logged)"))
        if isinstance(result, web.StreamResponse):
            return result
        if isinstance(result, Raw):
            return web.Response(text=result.text, content_type=result.content_type)
        if route.result is None:
            return web.Response(status=route.ok)
        payload = adapter(route.result).dump_json(result)
        return web.Response(body=payload, status=route.ok, content_type="application/json")

    return web.route(route.method, route.path, handle)


def error_response(exc: ApiError) -> web.Response:
    """The JSON answer of an error."""
    fields = [FieldProblem(field=f, message=m) for f, m in exc.fields.items()]
    body = ApiErrorBody(error=CODES.get(exc.status, "internal"), message=exc.message, fields=fields)
    headers = {"WWW-Authenticate": 'Bearer realm="switchboard"'} if exc.status == 401 else None
    return web.Response(
        body=body.model_dump_json(),
        status=exc.status,
        content_type="application/json",
        headers=headers,
    )


@web.middleware
async def json_errors(
    request: web.Request, handler: Callable[[web.Request], Any]
) -> web.StreamResponse:
    """aiohttp's own 404/405/413 under /api/ as JSON error bodies too."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        return error_response(ApiError(exc.status, exc.reason))


def _principal(route: Route, request: web.Request, authenticate: Authenticate) -> Principal:
    if route.roles is None:
        return Principal("public", "public", None)
    principal = authenticate(request)
    if principal is None:
        has = "Authorization" in request.headers
        raise ApiError(401, "unknown bearer token" if has else "a bearer token is required")
    if principal.role not in route.roles:
        allowed = ", ".join(sorted(route.roles))
        raise ApiError(403, f"role {principal.role} may not do this (needs: {allowed})")
    return principal


async def _body(route: Route, request: web.Request) -> Any:
    if route.body is None:
        return None
    raw = await request.read()
    if not raw.strip():
        raise ApiError(400, "a JSON body is required", {"body": "missing"})
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"the body is not JSON: {exc}", {"body": "not JSON"}) from None
    return _validate(route.body, data, "body")


def _validate(model: type[BaseModel] | None, data: Any, where: str) -> Any:
    if model is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for err in exc.errors(include_url=False, include_input=False):
            name = ".".join([where, *(str(p) for p in err["loc"])])
            fields.setdefault(name, str(err["msg"]).removeprefix("Value error, "))
        raise ApiError(422, f"invalid {where}: " + "; ".join(fields), fields) from None
