"""RFC 9457 problem details: every error of /api is ``application/problem+json`` with the
fields that are wrong, never an HTML page."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """Raised by the API's code; turned into a problem+json response by the blueprint."""

    def __init__(self, status: int, detail: str = "", errors: dict | None = None, headers: dict | None = None,
                 members: dict | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or {}
        self.headers = headers or {}
        self.members = members or {}  # extension members of this kind of problem


def response(status: int, detail: str = "", errors: dict | None = None, headers: dict | None = None,
             members: dict | None = None):
    """A problem+json response; ``errors`` maps a field (query parameter or body member) to its message."""
    body = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error"), "status": status,
            **(members or {})}
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = [{"field": name, "detail": str(message)} for name, message in errors.items()]
    resp = jsonify(body)
    resp.status_code = status
    resp.mimetype = MEDIA_TYPE
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def from_problem(problem: Problem):
    return response(problem.status, problem.detail, problem.errors, problem.headers, problem.members)


def from_http_error(error: HTTPException):
    """A werkzeug error (abort(404), 405, a bad JSON body …) as a problem."""
    status = error.code or 500
    details = {404: _("The record does not exist, or you may not read it."),
               405: _("This address does not accept that kind of request."),
               413: _("The request is larger than allowed.")}
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return response(status, details.get(status, ""), headers=headers)


def invalid(errors: dict, status: int = 400) -> Problem:
    """Bad input: 400 for query parameters (as the lists answer), 422 for a request body."""
    return Problem(status, _("Some values need your attention."), errors)
