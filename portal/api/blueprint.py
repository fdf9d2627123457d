"""The /api blueprint: bearer tokens only (portal/api/auth.py), no CSRF (no cookie opens it), every
error a problem (RFC 9457), and the description with its reference page. The endpoints are in
the *_views modules beside this one."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from portal import errors
from portal.api import auth, openapi, problems
from portal.api.registry import OPERATIONS
from portal.security import token_only

# Cookies never authorise /api (portal.api.auth), so there is no cross-site request to forge.
bp = token_only(Blueprint("api", __name__, url_prefix="/api"))

PUBLIC = frozenset({"api.openapi_json", "api.docs"})


@bp.before_request
def _authenticate():
    auth.authenticate(PUBLIC)


@bp.errorhandler(problems.Problem)
def _problem(error):
    return problems.from_problem(error)


@bp.errorhandler(HTTPException)
def _http_error(error):
    return problems.from_http_error(error)


def _routing_error(error):
    """A 404 or 405 raised before any blueprint is chosen (an unknown /api address, a wrong
    method): a problem under /api, the usual error page elsewhere."""
    if request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/"):
        return problems.from_http_error(error)
    return errors.http_error(error)


@bp.record_once
def _register_routing_errors(state):
    for code in (404, 405):
        state.app.register_error_handler(code, _routing_error)


@bp.route("/openapi.json")
def openapi_json():
    return jsonify(openapi.document(OPERATIONS))


@bp.route("/docs")
def docs():
    """The reference, rendered here from the description (no script, nothing from other hosts)."""
    return render_template("api/docs.html", doc=openapi.document(OPERATIONS), reference=openapi.reference(OPERATIONS))
