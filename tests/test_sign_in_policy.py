"""Passwords: 12+ characters (PORTAL_PASSWORD_MIN_LENGTH), not common, not the username; the
sign-in log: every sign-in, failure, lockout, password change and session end, in the database
(shown to administrators) and as one JSON line in the log."""
from __future__ import annotations

import json
import logging

import pytest
from markupsafe import escape

from portal import create_app
from portal.auth.passwords import common_passwords
from portal.models import SignInEvent, User
from tests.conftest import PASSWORD

BROWSER = {"User-Agent": "Mozilla/5.0 (Test) Chromium/130"}


def _change(client, new):
    return client.post_form("/account/password", {"current_password": PASSWORD, "new_password": new, "confirm": new})


@pytest.mark.parametrize("new, message", [
    ("Short-pw-1", "Use at least 12 characters."),
    ("password1234", "This password is too common; choose another."),
    ("QWERTYUIOP123", "This password is too common; choose another."),
    ("woaini1314woaini", None),
    ("Unit_A-harbour-26", "The password must not contain the username."),
])
def test_a_new_password_follows_the_policy(login, new, message):
    client = login("unit_a")
    response = _change(client, new)
    if message is None:
        assert response.status_code == 303
    else:
        assert response.status_code == 422 and message in response.get_data(as_text=True)
        assert client.post_form("/logout").status_code == 303
        client._logged_in = False
        assert client.login("unit_a").status_code == 303  # the old password still works


def test_a_password_change_needs_the_current_password(login):
    client = login("unit_a")
    response = client.post_form("/account/password", {
        "current_password": "Not-the-password-1", "new_password": "Fresh-Harbour-2027",
        "confirm": "Fresh-Harbour-2027"})
    assert response.status_code == 422 and "The current password is wrong." in response.get_data(as_text=True)


def test_the_minimum_length_is_a_setting(app, login, tmp_path, monkeypatch):
    app.config["PASSWORD_MIN_LENGTH"] = 20
    response = _change(login("unit_a"), "Fresh-Harbour-2027")  # 18 characters
    assert response.status_code == 422 and "Use at least 20 characters." in response.get_data(as_text=True)
    monkeypatch.setenv("PORTAL_PASSWORD_MIN_LENGTH", "6")
    with pytest.raises(RuntimeError, match="PORTAL_PASSWORD_MIN_LENGTH"):
        create_app({"DATABASE_URL": app.config["DATABASE_URL"], "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})


def test_the_common_password_list_ships_with_the_portal():
    common = common_passwords()
    assert len(common) > 5000
    assert {"password123", "1qaz2wsx", "woaini1314", "qwertyuiop123"} <= common


def _events(*kinds):
    return list(SignInEvent.select().where(SignInEvent.kind.in_(kinds)).order_by(SignInEvent.id))


def test_every_sign_in_event_is_recorded_and_logged(app, org, client, caplog):
    caplog.set_level(logging.INFO, logger="portal.auth.events")
    client.post_form("/login", {"username": "nobody", "password": "Whatever-123456"}, headers=BROWSER)
    client.post_form("/login", {"username": "unit_b", "password": "Wrong-password-1"}, headers=BROWSER)
    for _ in range(app.config["LOGIN_SLOW_AFTER"] - 1):  # now this address is slowed down for unit_b
        client.post_form("/login", {"username": "unit_b", "password": "Wrong-password-1"}, headers=BROWSER)
    assert client.post_form("/login", {"username": "unit_b", "password": PASSWORD}).status_code == 429
    assert client.post_form("/login", {"username": "unit_a", "password": PASSWORD}, headers=BROWSER).status_code == 303
    client._logged_in = True
    assert client.post_form("/account/password", {"current_password": PASSWORD, "new_password": "Fresh-Harbour-2027",
                                                   "confirm": "Fresh-Harbour-2027"}, headers=BROWSER).status_code == 303
    assert client.post_form("/logout", headers=BROWSER).status_code == 303

    unknown = _events("sign_in_failed")[0]
    assert (unknown.username, unknown.user_id) == ("nobody", None)
    unit_b = User.get(User.username == "unit_b")
    assert [e.detail for e in _events("sign_in_failed") if e.user_id == unit_b.id] == ["", "", "", "throttled"]
    unit_a = User.get(User.username == "unit_a")
    assert [(e.kind, e.detail) for e in _events("sign_in", "password_changed", "session_ended")
            if e.user_id == unit_a.id] == [("sign_in", ""), ("password_changed", "self"), ("session_ended", "logout")]
    for event in SignInEvent.select():
        assert event.source_address == "127.0.0.1" and event.at is not None
    assert _events("sign_in")[0].user_agent == BROWSER["User-Agent"]

    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "portal.auth.events"]
    assert len(lines) == SignInEvent.select().count()
    assert {"event": "sign_in_failed", "username": "unit_b", "source_address": "127.0.0.1"}.items() <= lines[
        [line["detail"] for line in lines].index("throttled")].items()


def test_administrators_read_the_sign_in_log(org, login):
    login("bureau").post_form("/logout")
    admin = login("admin")
    page = admin.get("/admin/sign-ins")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Signed in" in html and "Session ended" in html and "logged out" in html and "127.0.0.1" in html
    assert 'href="/admin/sign-ins"' in admin.get("/").get_data(as_text=True)  # in the menu
    filtered = admin.get("/admin/sign-ins?username=bureau").get_data(as_text=True)
    assert filtered.count('data-kind="sign_in"') == 1
    assert login("bureau").get("/admin/sign-ins").status_code == 403


@pytest.mark.parametrize("agent, shown", [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36 Edg/131.0.2903.86", "Edge 131 · Windows"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Mobile/15E148 Safari/604.1", "Safari 17 · iOS"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox 128 · Linux"),
    ("python-requests/2.32.3", "python-requests/2.32.3"),
])
def test_the_sign_in_log_names_the_browser_and_keeps_the_full_string_as_its_title(org, client, login, agent, shown):
    client.post_form("/login", {"username": "nobody", "password": "x"}, headers={"User-Agent": agent})
    html = login("admin").get("/admin/sign-ins?username=nobody").get_data(as_text=True)
    assert f'<span title="{escape(agent)}">{escape(shown)}</span>' in html
