"""The API's operations: one decorator declares a route with its query, body and response
schemas; the same declaration validates the request and writes /api/openapi.json."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import g, jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from portal.api import problems, schemas


@dataclass(frozen=True)
class Operation:
    rule: str  # the Flask rule, e.g. /projects/<int:project_id>
    method: str
    endpoint: str
    summary: str
    description: str
    tag: str
    query: type[BaseModel]
    response: type[BaseModel] | None
    status: int = 200
    public: bool = False  # no token needed (the description itself)
    body: type[BaseModel] | None = None  # a JSON request body
    if_match: bool = False  # a write that needs If-Match (412 when the record changed meanwhile)
    conflict: str = ""  # when the write can meet a 409: what it means
    media_type: str = "application/json"  # a file (e.g. .xlsx) when not JSON: the view answers it itself


OPERATIONS: list[Operation] = []

#: Messages for pydantic's error kinds, translated (pydantic's own are English only).
_MESSAGES = {
    "int_parsing": lambda: _("Enter a whole number."),
    "int_from_float": lambda: _("Enter a whole number."),
    "literal_error": lambda: _("Choose one of the listed values."),
    "date_from_datetime_parsing": lambda: _("Enter a date as YYYY-MM-DD."),
    "date_parsing": lambda: _("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_inexact": lambda: _("Enter a date as YYYY-MM-DD."),
    "greater_than_equal": lambda: _("The number is out of range."),
    "less_than_equal": lambda: _("The number is out of range."),
    "string_too_long": lambda: _("The text is too long."),
    "missing": lambda: _("This field is required."),
}


def field_errors(error: ValidationError) -> dict:
    """``{field: translated message}`` from a pydantic error (first message per field)."""
    errors = {}
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "body"
        make = _MESSAGES.get(item["type"])
        errors.setdefault(name, make() if make else _("Enter a valid value."))
    return errors


def parse_query(model: type[BaseModel]):
    """The query string validated by ``model`` (first value of each parameter), or a 400 problem."""
    args = {key: request.args.get(key) for key in request.args}
    try:
        return model.model_validate(args)
    except ValidationError as exc:
        raise problems.invalid(_by_alias(model, field_errors(exc))) from None


def _by_alias(model, errors: dict) -> dict:
    """Name the fields as the client sent them (``from``, not ``from_``)."""
    aliases = {name: f.alias for name, f in model.model_fields.items() if f.alias}
    return {aliases.get(name, name): message for name, message in errors.items()}


def parse_body(model: type[BaseModel]):
    """The JSON body validated by ``model``, or a 422 problem naming the members that are wrong."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise problems.invalid({"body": _("Send a JSON object (Content-Type: application/json).")}, 422)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise problems.invalid(_by_alias(model, field_errors(exc)), 422) from None


def operation(bp, rule: str, *, summary: str, response: type[BaseModel] | None, tag: str,
              query: type[BaseModel] = schemas.EmptyQuery, method: str = "GET", status: int = 200,
              public: bool = False, body: type[BaseModel] | None = None, if_match: bool = False,
              conflict: str = "", media_type: str = "application/json"):
    """Declare and register one API route; the view gets the validated query as ``g.query`` (and
    body as ``g.body``) and returns a ``response`` instance, or ``(instance, headers)``."""
    def decorate(view):
        @wraps(view)
        def wrapped(**kwargs):
            g.query = parse_query(query)
            g.body = parse_body(body) if body is not None else None
            answer = view(**kwargs)
            headers = {}
            if isinstance(answer, tuple):
                answer, headers = answer
            if isinstance(answer, BaseModel):
                resp = jsonify(answer.model_dump(mode="json", by_alias=True))
                resp.status_code = status
                resp.headers.update(headers)
                return resp
            return answer

        endpoint = view.__name__
        bp.add_url_rule(rule, endpoint, wrapped, methods=[method])
        OPERATIONS.append(Operation(rule=bp.url_prefix + rule, method=method, endpoint=f"{bp.name}.{endpoint}",
                                    summary=summary, description=(view.__doc__ or "").strip(), tag=tag,
                                    query=query, response=response, status=status, public=public,
                                    body=body, if_match=if_match, conflict=conflict, media_type=media_type))
        return wrapped

    return decorate
