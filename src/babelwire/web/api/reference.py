"""The API's reference page, rendered on the server from its OpenAPI document: every
operation with its parameters, body, answers and the role it needs."""

from __future__ import annotations

import functools
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

METHODS = ("get", "post", "put", "patch", "delete")


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("babelwire.web", "templates/api"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _type(schema: dict[str, Any]) -> str:
    """A schema's type in a few words: "integer", "string or null", "ArticlePage"."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type(s) for s in schema["anyOf"])
    kind = schema.get("type", "object")
    if kind == "array":
        return "list of " + _type(schema.get("items", {}))
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return str(kind)


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [
                {
                    "name": p["name"],
                    "where": p["in"],
                    "required": p.get("required", False),
                    "type": _type(p.get("schema", {})),
                    "description": p.get("description")
                    or p.get("schema", {}).get("description", ""),
                }
                for p in operation.get("parameters", [])
            ]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            found.append(
                {
                    "id": operation.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "role": operation.get("x-role"),
                    "parameters": parameters,
                    "body": _type(body["schema"]) if body else None,
                    "responses": [
                        {"status": status, "description": answer.get("description", "")}
                        for status, answer in operation.get("responses", {}).items()
                    ],
                }
            )
    return found


def _ref(schema: dict[str, Any]) -> str | None:
    """The shape a schema names (directly, in a list, or beside null), for a link."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    inner_schemas = [*schema.get("anyOf", [])]
    if "items" in schema:
        inner_schemas.append(schema["items"])
    for inner in inner_schemas:
        found = _ref(inner) if isinstance(inner, dict) else None
        if found:
            return found
    return None


def _schemas(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for name, schema in sorted(document.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        fields = [
            {
                "name": field,
                "type": _type(spec),
                "ref": _ref(spec),
                "required": field in required,
                "description": spec.get("description", ""),
            }
            for field, spec in schema.get("properties", {}).items()
        ]
        found.append({"name": name, "description": schema.get("description", ""), "fields": fields})
    return found


def render_reference(document: dict[str, Any], prefix: str) -> str:
    info = document.get("info", {})
    paragraphs = [p.replace("\n", " ") for p in info.get("description", "").split("\n\n")]
    return (
        _environment()
        .get_template("reference.html")
        .render(
            info=info,
            paragraphs=paragraphs,
            prefix=prefix,
            operations=_operations(document),
            schemas=_schemas(document),
        )
    )
