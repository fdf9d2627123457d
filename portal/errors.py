"""Translated error pages; an htmx request that fails gets the message swapped into the page."""
import logging

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def _messages():
    return {
        400: (_("Bad request"), _("The request could not be understood. Please check what you entered and try again.")),
        403: (_("Not allowed"), _("You do not have permission to see or change this.")),
        404: (_("Not found"), _("The page or record does not exist, or it was moved.")),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        409: (_("Conflict"), _("Someone else changed this record at the same time.")),
        413: (_("Too large"), _("The file or form is larger than allowed.")),
        422: (_("Please check the form"), _("Some fields need your attention.")),
        429: (_("Too many attempts"), _("Please wait a moment and try again.")),
        500: (_("Something went wrong"),
              _("The portal could not finish this request. Nothing was saved. "
                "Please try again; if it happens again, tell your administrator.")),
        503: (_("Busy"), _("The portal is busy. Please try again in a few seconds.")),
    }


def render_error(code: int, detail: str | None = None, back: str | None = None):
    """The error page (an htmx request: its message); ``back``: a link back to the form."""
    title, text = _messages().get(code, (str(code), ""))
    template = "errors/_error.html" if getattr(request, "htmx", None) else "errors/error.html"
    response = render_template(template, code=code, title=title, text=detail or text, back=back)
    headers = {"Vary": "HX-Request"}
    if getattr(request, "htmx", None):
        # Show the message in the page's error area whatever the request targeted.
        headers.update({"HX-Retarget": "#htmx-error", "HX-Reswap": "innerHTML"})
    return response, code, headers


def http_error(error: HTTPException):
    """The error page of a werkzeug error (abort(404), 405, …)."""
    if error.code is None or error.code < 400:
        return error
    # abort(409, _("…")) gives the user that message; werkzeug's English default never shows.
    detail = error.description if error.description != type(error).description else None
    return render_error(error.code, detail)


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return render_error(
            400, _("Your form has expired or was not sent by this portal. Please reload the page and try again."))

    app.register_error_handler(HTTPException, http_error)

    @app.errorhandler(InternalServerError)
    def _server_error(error):
        log.exception("Unhandled error on %s %s", request.method, request.path,
                      exc_info=getattr(error, "original_exception", None))
        return render_error(500)
