"""Translations: every string has its Chinese, the compiled catalog is current, and a Chinese
page really is Chinese (the zh_Hans_CN folder pitfall), an English page English."""
from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal.i18n import format_amount
from portal.models import User

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")


class _Text(HTMLParser):
    """The visible text of a page's <main>, header and footer (no attributes, no scripts)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def test_every_string_is_translated_and_the_catalog_is_current():
    result = subprocess.run([sys.executable, "tools/i18n.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_catalog_check_compares_translations_not_bytes():
    """A catalog written by another Babel version (other header bytes) is current; a changed or
    missing translation is stale."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import i18n as tool
    finally:
        sys.path.remove(str(ROOT / "tools"))
    catalog, _missing = tool.build()
    _po, mo = tool.render(catalog)
    current = tool.compiled_messages(mo)
    assert current, "the built catalog holds no translation"
    catalog.mime_headers = [("Project-Id-Version", "other 9.9"), *catalog.mime_headers]
    assert tool.compiled_messages(tool.render(catalog)[1]) == current
    message = next(m for m in catalog if m.id and isinstance(m.id, str) and m.string)
    message.string = message.string + "（改）"
    assert tool.compiled_messages(tool.render(catalog)[1]) != current
    catalog.delete(message.id, context=message.context)
    assert tool.compiled_messages(tool.render(catalog)[1]) != current


def test_the_chinese_catalog_is_found_where_babel_looks():
    """Babel resolves zh_CN as zh_Hans_CN: the compiled catalog must sit in that folder."""
    mo = ROOT / "portal" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.mo"
    assert mo.exists() and mo.stat().st_size > 1000


def test_chinese_page_is_chinese(app, client):
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    response = client.get("/login")
    assert response.headers["Content-Language"] == "zh-CN"
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    text = visible_text(html)
    assert {"登录", "用户名", "密码"} <= set(text), text
    english = [t for t in text if re.search(r"[A-Za-z]{3,}", t) and t != "English"]
    assert not english, f"English left on the Chinese page: {english}"


def test_english_page_is_english(app, client):
    app.config["DEFAULT_LOCALE"] = "en"
    response = client.get("/login")
    assert response.headers["Content-Language"] == "en"
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    text = visible_text(html)
    assert {"Log in", "Username", "Password"} <= set(text), text
    chinese = [t for t in text if CJK.search(t) and t != "中文"]  # the language switch names itself
    assert not chinese, f"Chinese left on the English page: {chinese}"


@pytest.mark.parametrize("username", ["admin", "bureau", "unit_a", "department", "leader"])
def test_logged_in_pages_are_chinese_for_every_role(app, org, login, username):
    """The start page and the navigation of every role: no English left in Chinese."""
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    client = login(username)
    html = client.get("/").get_data(as_text=True)
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    labels = visible_text(nav)
    assert labels and all(CJK.search(label) for label in labels), labels
    page = visible_text(html.split('<main id="main">')[1])
    names = {u.name for u in org.units.values()} | {u.display_name for u in org.users.values()}
    english = [t for t in page if re.search(r"[A-Za-z]{3,}", t) and not any(n in t for n in names)]
    assert not english, english


def test_administration_pages_are_chinese(app, org, login):
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    admin = login("admin")
    for url in ("/admin/users", "/admin/units", "/admin/users/new", "/admin/units/new", "/admin/audit"):
        html = admin.get(url).get_data(as_text=True)
        main = visible_text(html.split('<main id="main">')[1])
        names = {u.name for u in org.units.values()} | {u.display_name for u in org.users.values()} | set(org.users)
        english = [t for t in main if re.search(r"[A-Za-z]{3,}", t) and t not in names
                   and not any(n in t for n in names)]
        assert not english, (url, english)


def test_the_chosen_language_follows_the_user_to_a_new_session(app, org, login):
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    first = login("unit_a")
    assert first.post_form("/language", {"locale": "en", "next": "/"}).status_code == 303
    assert User.get_by_id(org.users["unit_a"].id).locale == "en"
    elsewhere = login("unit_a")  # another browser, logged in later
    assert "Log out" in elsewhere.get("/").get_data(as_text=True)
    # Someone else still gets the deployment default.
    assert "退出" in login("unit_b").get("/").get_data(as_text=True)


def test_amounts_read_as_officials_write_them(app):
    with app.test_request_context():
        from flask import session

        session["locale"] = "zh_CN"
        from flask_babel import refresh

        refresh()
        assert format_amount(458000) == "45.80亿元"
        assert format_amount(2613000) == "261.30亿元" and format_amount(443300) == "44.33亿元"  # one precision
        assert format_amount(8820) == "8,820万元"
        session["locale"] = "en"
        refresh()
        assert format_amount(458000) == "CNY 4.58 billion"
        assert format_amount(8820) == "CNY 88.20 million"
        assert format_amount(None) == "—"


def test_audit_log_names_actions_and_records_in_chinese(app, org, login):
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    admin = login("admin")
    admin.post_form("/admin/units/new", {"name": "新区", "kind": "zone", "parent": org.units["bureau"].id})
    cells = visible_text(admin.get("/admin/audit").get_data(as_text=True))
    assert "新建" in cells
    assert "单位 新区" in " ".join(cells), cells  # the record by its name, not "单位 #8"


def test_a_language_chosen_on_the_login_page_is_kept_at_login(app, org):
    """An English speaker on a Chinese deployment picks English before logging in: the portal
    stays English after login and remembers it for the next session."""
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    browser = app.test_client()
    assert "登录" in browser.get("/login").get_data(as_text=True)
    assert browser.post_form("/language", {"locale": "en", "next": "/login"}).status_code == 303
    assert browser.login("unit_a").status_code == 303
    assert "Log out" in browser.get("/").get_data(as_text=True)
    assert User.get_by_id(org.users["unit_a"].id).locale == "en"
    later = app.test_client()  # another browser, nothing chosen
    later.login("unit_a")
    assert "Log out" in later.get("/").get_data(as_text=True)


def test_chinese_text_keeps_one_typographic_style():
    """Full-width colons after Chinese, a space between Chinese and a Latin word (导出 Excel, not
    导出Excel); digits in official expressions (世界500强) stay as they are (docs/CONTRIBUTING.md)."""
    from babel.messages.pofile import read_po

    cjk = "\u4e00-\u9fff"
    offenders = []
    for path in sorted((ROOT / "portal" / "translations" / "src").glob("*.po")):
        with open(path, "rb") as fh:
            for message in read_po(fh):
                strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
                for text in strings:
                    plain = re.sub(r"%\(\w+\)[sd]|%%", "", text or "")
                    if re.search(f"[{cjk}][,:;]|[{cjk}][A-Za-z]|[A-Za-z][{cjk}]", plain):
                        offenders.append((path.name, text))
    assert not offenders, offenders


def test_a_count_of_one_reads_in_the_singular(app, org, login, make_project):
    make_project(name="Only one")
    html = login("bureau").get("/projects").get_data(as_text=True)
    assert "1 project<" in html and "1 projects" not in html


def test_a_language_forced_within_a_request_translates_and_then_gives_way(app):
    """Flag reasons and notifications are written in the deployment's language while the reader
    reads another (force_locale): each text in its own language, whatever was translated before."""
    from flask_babel import force_locale, gettext, refresh

    with app.test_request_context("/"):
        assert gettext("Project") == "Project"  # the app's default here is English
        with force_locale("zh_CN"):
            assert gettext("Project") == "项目"
            with force_locale("en"):
                assert gettext("Project") == "Project"
            assert gettext("Project") == "项目"
        assert gettext("Project") == "Project"
        app.config["DEFAULT_LOCALE"] = "zh_CN"
        refresh()  # as after a user chose a language
        assert gettext("Project") == "项目"


def test_templates_translate_in_the_request_language_and_escape_what_they_fill_in(app):
    """The templates' own gettext functions (portal.i18n): the request's language, values escaped
    but the translated text itself kept, %% read as %, a count choosing singular or plural, and
    a text forced into the other language within the request."""
    from flask import render_template_string
    from flask_babel import force_locale

    page = ("{{ _('Project') }}|{{ gettext('Log in') }}|{{ _('%(amount)s wan yuan', amount='<b>5</b>') }}|"
            "{{ ngettext('%(num)d project', '%(num)d projects', 1) }}|"
            "{{ ngettext('%(num)d project', '%(num)d projects', 3) }}|{{ _('100%%') }}")
    with app.test_request_context("/"):
        assert render_template_string(page) == (
            "Project|Log in|&lt;b&gt;5&lt;/b&gt; wan yuan|1 project|3 projects|100%")
        with force_locale("zh_CN"):
            chinese = render_template_string(page)
        assert chinese.startswith("项目|登录|&lt;b&gt;5&lt;/b&gt;万元|"), chinese
        assert render_template_string("{% autoescape false %}{{ _('%(amount)s wan yuan', amount='<b>') }}"
                                      "{% endautoescape %}") == "<b> wan yuan"
