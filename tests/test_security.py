"""Security by default: headers, CSRF on forms and htmx requests, translated error pages
(also inside htmx requests), nothing loaded from another host, Secure cookies over HTTPS."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.models import Unit
from portal.paths import STATIC_DIR, TEMPLATES_DIR
from tests.conftest import PASSWORD


def _chinese(client):
    assert client.post_form("/language", {"locale": "zh_CN", "next": "/login"}).status_code == 303


# Headers ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/login", "/healthz", "/no-such-page"])
def test_security_headers_on_every_response(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"  # pages carry personal data
    assert "Strict-Transport-Security" not in headers  # only over HTTPS


def test_hsts_and_secure_cookies_over_https(client, org):
    assert "Strict-Transport-Security" in client.get("/login", base_url="https://localhost").headers
    token = client.csrf_token()
    response = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token},
                           base_url="https://localhost")
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "; Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_portal_https_setting_marks_cookies_secure_behind_a_proxy(app, client, org):
    """Behind a reverse proxy that ends TLS the portal sees plain HTTP: PORTAL_HTTPS=1."""
    app.config["SESSION_COOKIE_SECURE"] = True
    response = client.login("admin")
    assert "; Secure" in response.headers["Set-Cookie"]


def test_a_new_secret_key_ends_the_sessions_and_a_fallback_keeps_them(app, login):
    """The session signer is made once per set of keys: a key changed while the portal runs is used at once."""
    bureau = login("bureau")
    assert bureau.get("/projects").status_code == 200
    old = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a new key, the old one leaked"
    assert bureau.get("/projects").status_code in (302, 303)  # to the login page
    bureau = login("bureau")
    app.config.update(SECRET_KEY=old, SECRET_KEY_FALLBACKS=["a new key, the old one leaked"])
    assert bureau.get("/projects").status_code == 200  # signed with the key now among the fallbacks


def test_static_files_may_be_cached_pages_may_not(client):
    assert "no-store" not in client.get("/static/css/portal.css").headers.get("Cache-Control", "")


# CSRF ------------------------------------------------------------------------------

def test_form_post_without_or_with_a_wrong_token_is_refused(login):
    admin = login("admin")
    for data in ({"name": "No token", "kind": "county"},
                 {"name": "No token", "kind": "county", "csrf_token": "forged"}):
        response = admin.post("/admin/units/new", data=data)
        assert response.status_code == 400
        assert "Your form has expired" in response.get_data(as_text=True)
    assert not Unit.select().where(Unit.name == "No token").exists()
    # The same form with the page's token goes through.
    assert admin.post_form("/admin/units/new", {"name": "With token", "kind": "county"}).status_code == 303


def test_htmx_request_needs_the_token_in_its_header(login):
    admin = login("admin")
    refused = admin.open("/admin/units/new", method="POST", data={"name": "Via htmx", "kind": "county"},
                         headers={"HX-Request": "true"})
    assert refused.status_code == 400
    assert refused.headers["HX-Retarget"] == "#htmx-error"
    assert not Unit.select().where(Unit.name == "Via htmx").exists()
    accepted = admin.htmx("POST", "/admin/units/new", data={"name": "Via htmx", "kind": "county"})
    assert accepted.status_code == 303
    assert Unit.select().where(Unit.name == "Via htmx").exists()


def test_every_page_carries_the_token_for_htmx(login):
    page = login("bureau").get("/").get_data(as_text=True)
    assert re.search(r'hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'', page)


# Error pages ------------------------------------------------------------------------

def test_404_page_in_both_languages(client):
    english = client.get("/no-such-page")
    assert english.status_code == 404
    body = english.get_data(as_text=True)
    assert "Not found" in body and "<html" in body and 'lang="en"' in body
    _chinese(client)
    chinese = client.get("/no-such-page").get_data(as_text=True)
    assert "未找到" in chinese and "Not found" not in chinese


def test_403_page_in_both_languages(login):
    bureau = login("bureau")
    response = bureau.get("/admin/users")
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True)
    _chinese(bureau)
    chinese = bureau.get("/admin/users")
    assert chinese.status_code == 403
    assert "无权操作" in chinese.get_data(as_text=True)


def test_failing_htmx_request_shows_the_error_in_the_page(login):
    bureau = login("bureau")
    response = bureau.htmx("GET", "/admin/users")
    assert response.status_code == 403
    assert response.headers["HX-Retarget"] == "#htmx-error"
    assert response.headers["HX-Reswap"] == "innerHTML"
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'data-error-code="403"' in body and "Not allowed" in body
    missing = bureau.htmx("GET", "/no-such-page")
    assert missing.status_code == 404 and missing.headers["HX-Retarget"] == "#htmx-error"
    # The page has the element the error goes into.
    assert 'id="htmx-error"' in bureau.get("/").get_data(as_text=True)


def test_server_error_is_translated_and_reveals_nothing(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def boom():
        raise RuntimeError("secret internals /etc/passwd")

    app.add_url_rule("/boom-for-test", "boom_for_test", boom)
    response = client.get("/boom-for-test")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body and "Nothing was saved" in body
    assert "secret internals" not in body and "Traceback" not in body
    _chinese(client)
    assert "出现错误" in client.get("/boom-for-test").get_data(as_text=True)
    htmx = client.htmx("GET", "/boom-for-test")
    assert htmx.status_code == 500 and htmx.headers["HX-Retarget"] == "#htmx-error"


def test_method_not_allowed_and_bad_ids_are_4xx(login):
    admin = login("admin")
    assert admin.get("/logout").status_code == 405
    assert admin.get("/admin/users/%00").status_code == 404


# Nothing from another host ---------------------------------------------------------------

EXTERNAL = re.compile(r"""(?:src|href|action|formaction|hx-(?:get|post|put|patch|delete))"""
                      r"""\s*=\s*["']\s*(?:https?:)?//""", re.I)
CSS_EXTERNAL = re.compile(r"""(?:url\(\s*["']?\s*(?:https?:)?//|@import\s+["']?(?:https?:)?//)""", re.I)
INLINE = re.compile(r"""\sstyle\s*=|<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+\s*=\s*["']""", re.I)


def _templates():
    roots = [TEMPLATES_DIR, *Path(TEMPLATES_DIR).parent.glob("plugins/**/templates")]
    return sorted({p for root in roots for p in Path(root).rglob("*.html")})


def test_templates_load_nothing_from_another_host_and_nothing_inline():
    found = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        found += [f"{path.name}: {m.group(0)}" for m in EXTERNAL.finditer(text)]
        found += [f"{path.name}: inline {m.group(0).strip()}" for m in INLINE.finditer(text)]
    for path in Path(STATIC_DIR).rglob("*.css"):
        found += [f"{path.name}: {m.group(0)}" for m in CSS_EXTERNAL.finditer(path.read_text(encoding="utf-8"))]
    assert not found, found


def test_rendered_pages_load_only_from_this_host(login):
    client = login("admin")
    for url in ("/", "/admin/users", "/admin/units/new"):
        page = client.get(url).get_data(as_text=True)
        assert not EXTERNAL.findall(page), url
        assert not INLINE.findall(page), url


def test_htmx_is_vendored_2_0_with_its_licence_and_safe_config(client):
    vendor = Path(STATIC_DIR) / "vendor" / "htmx"
    assert (vendor / "LICENSE").exists()
    assert re.search(r"2\.0\.\d+", (vendor / "README.md").read_text(encoding="utf-8"))
    assert re.search(r'version:\s*"2\.0\.\d+"', (vendor / "htmx.min.js").read_text(encoding="utf-8"))
    page = client.get("/login").get_data(as_text=True)
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page).group(1)
    for setting in ('"allowEval": false', '"includeIndicatorStyles": false', '"allowScriptTags": false',
                    '"historyRestoreAsHxRequest": false', '"selfRequestsOnly": true'):
        assert setting in config, setting


def test_behind_a_proxy_https_is_recognised_when_configured(app, client, org):
    """PORTAL_PROXIES=1: the proxy's X-Forwarded-Proto makes cookies Secure and sends HSTS."""
    forwarded = {"X-Forwarded-Proto": "https"}
    plain = client.get("/login", headers=forwarded)
    assert "Strict-Transport-Security" not in plain.headers  # headers not trusted by default

    from portal import create_app
    proxied = create_app({**app.config, "INSTANCE_PATH": app.instance_path, "PROXIES": 1})
    response = proxied.test_client().get("/login", headers=forwarded)
    assert "Strict-Transport-Security" in response.headers
    assert "Secure" in response.headers["Set-Cookie"]


HUGE = "99999999999999999999"
ID_PARAMS = ("unit", "team", "leader", "department", "industry", "page", "year", "period", "project")


def test_no_address_gives_a_500_for_an_id_or_number_no_record_can_have(app, login):
    """Every GET route with its ids replaced by a number larger than any column holds, and the
    lists' filters given such numbers: a 4xx or an empty answer, never a 500 (the database
    overflowed before ids were parsed in one place, portal.web.parse_id)."""
    bureau = login("bureau")
    urls = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<{arg}>", HUGE).replace(f"<int:{arg}>", HUGE)
        urls.add(url)
        if not rule.arguments:
            urls.add(url + "?" + "&".join(f"{p}={HUGE}" for p in ID_PARAMS))
    # the first year a period may have: last year's period falls outside the years the portal takes
    for page in ("/dashboard", "/dashboard/summary", "/ranking"):
        urls |= {f"{page}?period=1990", f"{page}?period=1990-YTD:1990-05-01", f"{page}?from=1990-01-01&to=1990-01-31"}
    failures = []
    for url in sorted(urls):
        try:
            status = bureau.get(url).status_code
        except Exception as exc:  # noqa: BLE001 - the test app lets errors through: each one is a 500
            status = type(exc).__name__
        if not isinstance(status, int) or status >= 500:
            failures.append((url, status))
    assert not failures, failures
    page = bureau.get("/dashboard?period=1990")
    assert page.status_code == 400 and "compared with the year before" in page.get_data(as_text=True)


def test_next_addresses_stay_on_this_site():
    """The one check every "next" redirect goes through (login, logout, scheduling, problems)."""
    from portal.web import safe_next

    for bad in ("//evil.example/x", "/\\evil.example", "\\\\evil.example", "http://evil.example",
                "javascript:alert(1)", "", None):
        assert safe_next(bad, "/home") == "/home", bad
    assert safe_next("/projects?unit=3", "/home") == "/projects?unit=3"
