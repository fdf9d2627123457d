"""The OpenAPI 3.1 description, generated from the operations' pydantic schemas
(portal/api/registry.py), and the same description laid out for the reference page.

pydantic v2 writes JSON Schema 2020-12, which OpenAPI 3.1 uses as is: the response and body
models become components; each field of a query model becomes a query parameter."""
from __future__ import annotations

import re

from pydantic.json_schema import models_json_schema

import portal
from portal.api import schemas
from portal.web import MAX_ID

REF = "#/components/schemas/{model}"
_PATH_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")
PROBLEM = "application/problem+json"


def _path(rule: str) -> str:
    return _PATH_ARG.sub(lambda m: "{" + m.group(2) + "}", rule)


def _not_null(schema: dict) -> dict:
    """A query parameter is absent rather than null: keep the one non-null alternative."""
    options = schema.get("anyOf")
    if options:
        kept = [o for o in options if o.get("type") != "null"]
        if len(kept) == 1:
            schema = {**{k: v for k, v in schema.items() if k != "anyOf"}, **kept[0]}
    if schema.get("default") is None:
        schema.pop("default", None)
    schema.pop("title", None)
    return schema


def _parameters(op) -> list[dict]:
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
              for _kind, name in _PATH_ARG.findall(op.rule)]
    query = op.query.model_json_schema(by_alias=True, mode="validation")
    required = set(query.get("required", ()))
    for name, schema in query.get("properties", {}).items():
        schema = _not_null(dict(schema))
        param = {"name": name, "in": "query", "required": name in required, "schema": schema}
        if "description" in schema:
            param["description"] = schema.pop("description")
        params.append(param)
    return params


def _problem(description: str) -> dict:
    return {"description": description, "content": {PROBLEM: {"schema": {"$ref": REF.format(model="ProblemDetails")}}}}


def _operation(op) -> dict:
    schema = ({"$ref": REF.format(model=op.response.__name__)} if op.response is not None
              else {"type": "string", "format": "binary"})
    responses = {str(op.status): {"description": "OK", "content": {op.media_type: {"schema": schema}}}}
    if op.query.model_fields:
        responses["400"] = _problem("A query parameter is wrong (the problem names it)")
    if not op.public:
        responses["401"] = _problem("No token, or an unknown, expired or revoked one")
        responses["403"] = _problem("The token's user may not do this, or the token is read-only")
        responses["429"] = _problem("Too many requests with this token; see Retry-After")
        responses["429"]["headers"] = {"Retry-After": {"schema": {"type": "integer"},
                                                       "description": "Seconds to wait"}}
    if "<" in op.rule:
        responses["404"] = _problem("No such record, or the token's user may not read it")
        responses[str(op.status)]["headers"] = {"ETag": {"schema": {"type": "string"},
                                                         "description": "The record's version, for If-Match"}}
    parameters = _parameters(op)
    if op.if_match:
        parameters.append({"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
                           "description": "The ETag of your last read (required: 428 without it)"})
        responses["412"] = _problem("The record changed since your read: read it again")
        responses["428"] = _problem("If-Match is missing")
    answer = {"operationId": op.endpoint.replace(".", "_"), "summary": op.summary, "tags": [op.tag],
              "parameters": parameters, "responses": responses}
    if op.conflict:
        responses["409"] = _problem(op.conflict)
    if op.body is not None:
        answer["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": REF.format(model=op.body.__name__)}}}}
        responses["422"] = _problem("A body member is wrong, or the rules refuse the change (the problem names it)")
    if op.description:
        answer["description"] = op.description
    if op.public:
        answer["security"] = []
    return answer


def components(operations) -> dict:
    models = [(schemas.ProblemDetails, "serialization")] + [(op.response, "serialization") for op in operations
                                                           if op.response is not None]
    models += [(op.body, "validation") for op in operations if op.body is not None]
    _keys, defs = models_json_schema(sorted(set(models), key=lambda m: m[0].__name__), ref_template=REF)
    return defs.get("$defs", {})


def document(operations) -> dict:
    paths: dict = {}
    for op in operations:
        paths.setdefault(_path(op.rule), {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Investment promotion portal API", "version": portal.__version__,
                 "description": "Read the portal's records under the permissions of the token's user. "
                                "See docs/api.md. Errors are RFC 9457 problem details."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"schemas": components(operations),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "An API token from the account page"}}},
    }


# The reference page ------------------------------------------------------------------------

def type_text(schema: dict) -> str:
    """A schema as a short phrase: ``string (date)``, ``array of StageStep``, ``one of: a, b``."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        parts = [type_text(s) for s in schema["anyOf"] if s.get("type") != "null"]
        nullable = any(s.get("type") == "null" for s in schema["anyOf"])
        return " or ".join(parts) + (" or null" if nullable else "")
    if "enum" in schema:
        return "one of: " + ", ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return "array of " + type_text(schema.get("items", {}))
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return kind


def reference(operations) -> dict:
    """What the reference page shows: each operation's parameters and answers, and each schema's fields."""
    ops = []
    for op in operations:
        spec = _operation(op)
        ops.append({
            "method": op.method, "path": _path(op.rule), "summary": op.summary, "description": op.description,
            "public": op.public, "anchor": spec["operationId"],
            "parameters": [{"name": p["name"], "in": p["in"], "required": p["required"],
                            "type": type_text(p["schema"]), "description": p.get("description", "")}
                           for p in spec["parameters"]],
            "body": type_text(spec["requestBody"]["content"]["application/json"]["schema"])
            if "requestBody" in spec else "",
            "responses": [{"status": status, "description": r["description"],
                           "type": type_text(next(iter(r["content"].values()))["schema"])}
                          for status, r in spec["responses"].items()],
        })
    models = [{"name": name, "description": schema.get("description", ""),
               "fields": [{"name": field, "type": type_text(sub), "required": field in schema.get("required", ()),
                           "description": sub.get("description", "")}
                          for field, sub in schema.get("properties", {}).items()]}
              for name, schema in sorted(components(operations).items())]
    return {"operations": ops, "schemas": models}
