"""Declared routes of the REST API and the OpenAPI 3.1 document generated from them.

Each `Route` names its roles, its path, query and body models and its result type; the
document is built from the same pydantic models the handlers validate and serialise with, so
the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter

from switchboard.http.api.models import ApiErrorBody

REF = "#/components/schemas/{model}"
ERRORS = {
    400: "Malformed request (the body is not JSON)",
    401: "Missing or unknown bearer token",
    403: "The token's role or tenants do not allow this",
    404: "No such tenant, service, queue, agent or call",
    409: "The call or agent is not in a state that allows this now",
    422: "Invalid input: `fields` names each field and what is wrong",
    503: "The store cannot be read now",
}


@dataclass(frozen=True, slots=True)
class Route:
    """One operation: who may call it, what it takes and what it answers."""

    method: str
    path: str
    summary: str
    tag: str
    handler: Callable[[Any], Awaitable[Any]]
    roles: frozenset[str] | None  # None: public (no token needed)
    result: Any = None  # a type for pydantic's TypeAdapter; None: no body
    ok: int = 200
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    params: Mapping[str, str] = field(default_factory=dict)  # path parameter -> description
    media: Mapping[str, str] = field(default_factory=dict)  # other media types -> description
    description: str = ""

    @property
    def operation_id(self) -> str:
        """A stable id: method and path words."""
        words = [p.strip("{}") for p in self.path.split("/") if p and p != "api"]
        return "_".join([self.method.lower(), *words]).replace("-", "_")


@cache
def adapter(kind: Any) -> TypeAdapter[Any]:
    """The (cached) TypeAdapter of a result or model type."""
    return TypeAdapter(kind)


def openapi(routes: Iterable[Route], title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `routes`."""
    components: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        op = _operation(route, components)
        paths.setdefault(route.path, {})[route.method.lower()] = op
    _schema(ApiErrorBody, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Live state and actions of the switchboard engine. Bearer tokens come "
            "from `engine.api.tokens`; roles: wallboard (read), operator (its own agent), "
            "supervisor (its tenants), admin.",
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(route: Route, components: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "tags": [route.tag],
    }
    if route.description:
        op["description"] = route.description
    params = [
        {"name": n, "in": "path", "required": True, "description": d, "schema": {"type": "string"}}
        for n, d in route.params.items()
    ]
    if route.query is not None:
        params += _query_params(route.query)
    if params:
        op["parameters"] = params
    if route.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(route.body, components)}},
        }
    responses: dict[str, Any] = {str(route.ok): _ok(route, components)}
    codes = list(route.errors)
    if route.roles is not None:
        op["security"] = [{"bearer": []}]
        codes += [401, 403]
    if route.body is not None or route.query is not None:
        codes += [400, 422]
    error = {"application/json": {"schema": {"$ref": REF.format(model="ApiErrorBody")}}}
    for code in sorted(set(codes)):
        responses[str(code)] = {"description": ERRORS[code], "content": error}
    op["responses"] = responses
    return op


def _ok(route: Route, components: dict[str, Any]) -> dict[str, Any]:
    if route.result is None and not route.media:
        return {"description": "Done"}
    content: dict[str, Any] = {}
    if route.result is not None:
        content["application/json"] = {"schema": _schema(route.result, components)}
    for media, description in route.media.items():
        content[media] = {"schema": {"type": "string", "description": description}}
    return {"description": route.summary, "content": content}


def _schema(kind: Any, components: dict[str, Any]) -> dict[str, Any]:
    """The schema of `kind`; models and everything they use go to the components."""
    schema = adapter(kind).json_schema(ref_template=REF, mode="serialization")
    components.update(schema.pop("$defs", {}))
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        components[kind.__name__] = schema
        return {"$ref": REF.format(model=kind.__name__)}
    return schema


def _query_params(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema.get("properties", {}).items():
        param: dict[str, Any] = {"name": name, "in": "query"}  # the alias, e.g. `from`
        param["required"] = name in required
        if prop.get("description"):
            param["description"] = prop.pop("description")
        prop.pop("title", None)
        param["schema"] = prop
        out.append(param)
    return out
