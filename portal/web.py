"""Small helpers every view uses: htmx-aware rendering, 303 redirects, forms and pagination."""
import re
from functools import wraps
from math import ceil
from urllib.parse import urlencode, urljoin, urlsplit

from flask import (abort, g, get_template_attribute, has_request_context, make_response, redirect, render_template,
                   request, url_for)
from flask_login import current_user, login_required

from portal import form_errors

_REQUEST_CACHE = "_portal_request_cache"


def per_request(key, compute):
    """``compute()``, remembered on ``flask.g`` for the current request only (no request: not kept).

    Never process-global: another process (or the next request) reads the database again. The
    entry is tied to the request object, so a test holding one app context over several
    requests still reads fresh values on each request.
    """
    if not has_request_context():
        return compute()
    current = request._get_current_object()
    cache = g.get(_REQUEST_CACHE)
    if cache is None or cache[0] is not current:
        cache = (current, {})
        setattr(g, _REQUEST_CACHE, cache)
    values = cache[1]
    if key not in values:
        values[key] = compute()
    return values[key]


def forget_per_request(key) -> None:
    """Drop a value remembered by :func:`per_request` (after the request changed it)."""
    cache = g.get(_REQUEST_CACHE) if has_request_context() else None
    if cache is not None:
        cache[1].pop(key, None)


def wants_partial() -> bool:
    """Answer a partial only to a non-boosted htmx request that is not a history restore."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(full_template: str, partial_template: str | None = None, status: int = 200, **context):
    """Render the full page, or only its partial for an htmx request; always Vary on HX-Request."""
    name = partial_template if (partial_template and wants_partial()) else full_template
    html = render_template(name, **context)
    errors = form_errors.of_values(context.values()) if status == 422 and name == partial_template else []
    if errors and not html.lstrip().startswith(("<tr", "<li")):  # the partial replaces the form: its summary too
        html = str(get_template_attribute("_form_macros.html", "error_summary")(errors)) + html
    resp = make_response(html, status)
    resp.headers.add("Vary", "HX-Request")
    return resp


def see_other(endpoint: str, **values):
    """Redirect after a successful POST (303, so the browser GETs the next page)."""
    return redirect(url_for(endpoint, **values), code=303)


#: The largest id a table holds (PostgreSQL's integer): a larger number is no record's id, and
#: passing it to the database would fail (an overflow) instead of finding nothing.
MAX_ID = 2**31 - 1


def parse_id(value) -> int | None:
    """An id from a URL, query string or form, or None when the value cannot be one. Every
    place that turns user input into an id goes through here."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def served_url(endpoint: str, **values) -> str | None:
    """``url_for(endpoint, **values)``, or None when no installed feature serves ``endpoint`` (the
    projects feature, say, is an ordinary core plugin a deployment may switch off): features link
    to another's pages only when they are there."""
    from flask import current_app

    return url_for(endpoint, **values) if endpoint in current_app.view_functions else None


def project_page_url(project) -> str | None:
    """The project's page, or None when the projects feature is not installed (``served_url``)."""
    return served_url("projects.show", project_id=project.id)


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default``: a "next" address from a form
    or query string must never send the user to another host.

    Browsers drop tabs and newlines inside URLs and read ``\\`` as ``/``, so ``/\t/evil`` and
    ``/\\evil`` lead off-site; a newline would also break the Location header (a 500). Any
    control character or backslash therefore refuses the target, and what is left must resolve
    to a path on this host.
    """
    if not target or _UNSAFE_IN_NEXT.search(target):
        return default
    resolved = urlsplit(urljoin("http://portal.invalid/", target))
    if not target.startswith("/") or (resolved.scheme, resolved.netloc) != ("http", "portal.invalid"):
        return default
    return target


#: Control characters (C0, DEL, C1), backslashes and Unicode line/space separators: none
#: belongs in a path of this site, and browsers strip or reinterpret each of them.
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\\\u2028\u2029\u3000]")


def get_or_404(model, pk):
    """Fetch by integer primary key, 404 for anything else (never a 500 on a bad id)."""
    pk = parse_id(pk)
    if pk is None:
        abort(404)
    obj = model.get_or_none(model.id == pk)
    if obj is None:
        abort(404)
    return obj


def load_or_404(model, pk, can_read, can_act=None):
    """The record ``pk`` of ``model`` for the current user: 404 when it does not exist or
    ``can_read(user, record)`` refuses (a record you may not read is not there), 403 when it may
    be read but ``can_act(user, record)`` refuses the action. The one rule for 404 versus 403."""
    record = get_or_404(model, pk)
    if not can_read(current_user, record):
        abort(404)
    if can_act is not None and not can_act(current_user, record):
        abort(403)
    return record


def form_status(form) -> int:
    """200 for a form shown for the first time, 422 when it was posted with errors."""
    return 422 if request.method == "POST" and form.errors else 200


class Page:
    """One page of a query: ``items``, ``number``, ``pages``, ``total`` and link helpers."""

    def __init__(self, query, number: int, size: int, count=None):
        """``count``: a function giving how many rows the query yields, or ``(count, capped)`` where
        the count stops at a cap (a text search: "more than"); ``query.count`` by default. It is
        asked only when the page cannot tell: a first page of fewer than ``size`` rows holds every
        row (a search with few matches, a short list), and counting them again costs as much."""
        self.size = size
        items = list(query.paginate(1, size)) if number <= 1 else None
        if items is not None and len(items) < size:
            total, capped = len(items), False
        else:
            counted = (count or query.count)()
            total, capped = counted if isinstance(counted, tuple) else (counted, False)
        self.total, self.capped = total, capped  # capped: ``total`` is a cap and more rows match
        self.pages = max(1, ceil(total / size))
        self.number = min(max(1, number), self.pages)
        self.items = items if items is not None else list(query.paginate(self.number, size))

    @property
    def has_prev(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.pages

    def url(self, number: int) -> str:
        args = request.args.to_dict(flat=False)
        args["page"] = [str(number)]
        return request.path + "?" + urlencode(args, doseq=True)


def page_number() -> int:
    try:
        return min(max(1, int(request.args.get("page", 1))), MAX_ID)
    except ValueError:
        return 1


def requires(check):
    """A view decorator: logged in (else the login page), and ``check(current_user)`` from
    portal.permissions or a feature's permissions module (else 403). One place for the page-level permission guard."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate
