"""The OpenAPI 3.1 document of the API, generated from the operations' declarations.

Every path, method, parameter, body and response in it comes from the same :class:`Operation`
the router serves, and every schema from the pydantic models the router validates with, so the
document describes exactly what the API does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from .api import Operation, Reply, standard_replies
from .auth import COOKIE
from .models import NoBody

__all__ = ["openapi_document"]

_PATH_PARAM = re.compile(r"\{(\w+)\}")
_REF = "#/components/schemas/{model}"
_TAGS = [
    {"name": "session", "description": "Logging in (people), the session, the caller's password and second factor."},
    {"name": "messages", "description": "The watch list, one message, composing, acknowledging, translations."},
    {"name": "line", "description": "Line status, the map of notices in force, the catalogue, live events."},
    {"name": "accounts", "description": "Operator accounts (the admin role)."},
    {"name": "meta", "description": "This document."},
]
_SECURITY_SCHEMES = {
    "token": {
        "type": "http",
        "scheme": "bearer",
        "description": "A machine token from `detente operator token`: `Authorization: Bearer dtk_…`. It acts "
        "with its account's role and needs no CSRF token.",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE,
        "description": "The console's session cookie from `POST /api/v1/login`. Every POST also needs the "
        "session's CSRF token in `X-CSRF-Token`.",
    },
}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional query parameter is left out rather than sent as null."""
    schema = dict(schema)
    branches = schema.get("anyOf")
    if isinstance(branches, list):
        kept = [b for b in branches if b != {"type": "null"}]
        if len(kept) == 1:
            del schema["anyOf"]
            schema.update(kept[0])
    if schema.get("default", 0) is None:
        del schema["default"]
    return schema


def _replies(op: Operation[Any, Any]) -> dict[int, Reply]:
    replies = standard_replies(op)
    replies.update(op.replies)
    return dict(sorted(replies.items()))


def openapi_document(
    operations: Sequence[Operation[Any, Any]], *, title: str, version: str, description: str
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``operations``."""
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = []
    for op in operations:
        if op.body is not NoBody:
            wanted.append((op.body, "validation"))
        if op.query.model_fields:
            wanted.append((op.query, "validation"))
        wanted.extend((reply.model, "serialization") for reply in _replies(op).values() if reply.model)
    unique = list(dict.fromkeys(wanted))
    refs, top = models_json_schema(unique, ref_template=_REF)
    schemas: dict[str, Any] = top.get("$defs", {})

    def resolve(model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
        ref = refs[(model, mode)]
        if "$ref" in ref:
            return dict(schemas[ref["$ref"].rsplit("/", 1)[-1]])
        return dict(ref)

    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        parameters: list[dict[str, Any]] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
            for name in _PATH_PARAM.findall(op.path)
        ]
        if op.query.model_fields:
            query = resolve(op.query, "validation")
            required = set(query.get("required", []))
            for name, prop in query.get("properties", {}).items():
                parameter: dict[str, Any] = {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "schema": _without_null(prop),
                }
                if "description" in prop:
                    parameter["description"] = prop["description"]
                if prop.get("type") == "array":
                    parameter.update(style="form", explode=True)
                parameters.append(parameter)
        if op.writes and not op.public:
            parameters.append(
                {
                    "name": "X-CSRF-Token",
                    "in": "header",
                    "required": False,
                    "description": "The session's CSRF token (`csrf` from the login): required with a session "
                    "cookie, not with a machine token.",
                    "schema": {"type": "string"},
                }
            )
        entry: dict[str, Any] = {
            "operationId": op.name,
            "summary": op.summary,
            "tags": [op.tag],
            "security": [] if op.public else [{"token": []}, {"session": []}],
            "responses": {},
        }
        if op.description:
            entry["description"] = op.description
        if op.access and not op.public:
            entry["x-roles"] = sorted(op.access)
        if op.session_only:
            entry["x-session-only"] = True
        if parameters:
            entry["parameters"] = parameters
        if op.body is not NoBody:
            body = refs[(op.body, "validation")]
            entry["requestBody"] = {
                "required": bool(resolve(op.body, "validation").get("required")),
                "content": {"application/json": {"schema": body}},
            }
        for status, reply in _replies(op).items():
            response: dict[str, Any] = {"description": reply.description}
            schema = refs[(reply.model, "serialization")] if reply.model else reply.schema
            if schema is not None:
                response["content"] = {reply.media_type: {"schema": dict(schema)}}
            if reply.headers:
                response["headers"] = {
                    name: {"description": meaning, "schema": {"type": "string"}}
                    for name, meaning in reply.headers.items()
                }
            entry["responses"][str(status)] = response
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "tags": _TAGS,
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": _SECURITY_SCHEMES},
    }
