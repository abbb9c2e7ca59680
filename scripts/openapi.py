"""Prints the OpenAPI 3.1 description of every user function, generated from the handlers' pydantic models
(`make openapi` writes it to openapi.json; `make test` checks the committed file is current)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from infra.local.gateway import load_user_function
from luckymart.api import Endpoint

ROOT = Path(__file__).resolve().parents[1]
REF = "#/components/schemas/{model}"
ERRORS = {
    "400": "VALIDATION_ERROR: the request is malformed; nothing changed",
    "401": "UNAUTHENTICATED or SESSION_EXPIRED",
    "403": "FORBIDDEN",
    "404": "NOT_FOUND (also for other users' objects)",
    "409": "a state conflict: INSUFFICIENT_BALANCE, SOLD_OUT, LIMIT_EXCEEDED, ALREADY_PROCESSED, "
    "IDEMPOTENCY_KEY_REUSED, …",
    "429": "RATE_LIMITED: too many requests; retry after the Retry-After header's seconds "
    "(also details.retry_after_seconds)",
    "500": "INTERNAL: a bug; details hold only a correlation id",
    "503": "UNAVAILABLE: a transient failure; repeat the same request (same Idempotency-Key) after Retry-After. "
    "NOT_CONFIGURED: the deployment lacks a setting; nothing changed",
}

RETRY_AFTER = {
    "description": "seconds to wait before retrying (luckymart.api; exposed to browser scripts by CORS)",
    "schema": {"type": "integer", "minimum": 1},
}


def endpoints() -> list[Endpoint[Any]]:
    found = []
    for handler in sorted((ROOT / "functions").glob("*/handler.py")):
        module = load_user_function(handler.parent.name.replace("_", "-"))
        if module is not None:
            found.append(module.endpoint)
    return found


def build() -> dict[str, Any]:
    eps = endpoints()
    models: list[tuple[type[BaseModel], Any]] = []
    for ep in eps:
        models.append((ep.body_model, "validation"))
        if ep.response_model is not None:
            models.append((ep.response_model, "serialization"))
    refs, schema = models_json_schema(models, ref_template=REF)
    components: dict[str, Any] = dict(schema.get("$defs", {}))
    components["Error"] = {
        "type": "object",
        "required": ["success", "error"],
        "properties": {
            "success": {"const": False},
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}},
            },
        },
    }
    components["PageInfo"] = {
        "type": "object",
        "required": ["limit", "offset", "total"],
        "properties": {k: {"type": "integer"} for k in ("limit", "offset", "total")},
    }
    paths: dict[str, Any] = {}
    for ep in eps:
        body_ref = refs[(ep.body_model, "validation")]
        data: dict[str, Any] = refs[(ep.response_model, "serialization")] if ep.response_model is not None else {}
        envelope: dict[str, Any] = {
            "type": "object",
            "required": ["success", "data"],
            "properties": {"success": {"const": True}},
        }
        if ep.list_response:
            envelope["properties"]["data"] = {"type": "array", "items": data}
            envelope["properties"]["page"] = {"$ref": REF.format(model="PageInfo")}
            envelope["required"].append("page")
        else:
            envelope["properties"]["data"] = data
        responses: dict[str, Any] = {
            "200": {"description": "success", "content": {"application/json": {"schema": envelope}}}
        }
        for status, text in ERRORS.items():
            responses[status] = {
                "description": text,
                "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
            }
        for status in ("429", "503"):
            responses[status]["headers"] = {"Retry-After": RETRY_AFTER}
        operation: dict[str, Any] = {
            "operationId": ep.name.replace("-", "_"),
            "summary": ep.summary,
            "responses": responses,
        }
        if ep.auth == "required":
            operation["security"] = [{"sessionToken": []}, {"bearerSession": []}]
        elif ep.auth == "optional":
            operation["security"] = [{}, {"sessionToken": []}, {"bearerSession": []}]
        if ep.idempotent:
            operation["parameters"] = [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": True,
                    "description": "one new key per user action (a tap), reused for every retry of it: a repeat "
                    "is answered from the first result and moves no money twice; without it: 400 "
                    "IDEMPOTENCY_KEY_REQUIRED",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                }
            ]
        item: dict[str, Any] = {
            "post": {
                **operation,
                "requestBody": {"required": False, "content": {"application/json": {"schema": body_ref}}},
            }
        }
        if "GET" in ep.methods:
            props = ep.body_model.model_json_schema(by_alias=True).get("properties", {})
            item["get"] = {
                **operation,
                "operationId": operation["operationId"] + "_get",
                "parameters": [
                    *operation.get("parameters", []),
                    *(
                        {"name": name, "in": "query", "required": False, "schema": prop}
                        for name, prop in props.items()
                    ),
                ],
            }
        paths[f"/functions/v1/{ep.name}"] = item
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LuckyMart API",
            "version": "1.0.0",
            "description": "User functions behind Lambda Function URLs (locally: the gateway). "
            "Envelope, error codes and money rules: README.md and docs/frontend.md.",
        },
        "servers": [{"url": "http://127.0.0.1:54321", "description": "make dev"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "sessionToken": {"type": "apiKey", "in": "header", "name": "X-Session-Token"},
                "bearerSession": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the session token (not a JWT)",
                },
            },
        },
    }


if __name__ == "__main__":
    json.dump(build(), sys.stdout, indent=2, ensure_ascii=False, sort_keys=True)
    sys.stdout.write("\n")
