"""Logging in and out, throttling, sessions, passwords."""
import datetime as dt

import pytest

from portal.models import User
from tests.conftest import PASSWORD


def test_login_page_is_chinese_by_default(app, client):
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page
    assert 'lang="zh-CN"' in page


def test_language_switch_is_remembered(app, client):
    app.config["DEFAULT_LOCALE"] = "zh_CN"
    token = client.csrf_token()
    response = client.post("/language", data={"locale": "en", "next": "/login", "csrf_token": token})
    assert response.status_code == 303
    page = client.get("/login").get_data(as_text=True)
    assert "Log in" in page and "登录" not in page.split("<main")[1]


def test_language_switch_rejects_unknown_locale(client):
    assert client.post_form("/language", {"locale": "fr"}).status_code == 400


def test_login_and_logout(client, org):
    assert client.get("/admin/users").status_code == 302
    response = client.login("admin")
    assert response.status_code == 303
    assert client.get("/admin/users").status_code == 200
    assert client.post_form("/logout").status_code == 303
    assert client.get("/admin/users").status_code == 302


def test_login_redirects_only_to_local_pages(client, org):
    token = client.csrf_token()
    response = client.post("/login?next=//evil.example/x",
                           data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    assert "evil.example" not in response.headers["Location"]


@pytest.mark.parametrize("data, message", [
    ({"username": "admin", "password": "wrong-password"}, "Wrong username or password."),
    ({"username": "nobody", "password": "whatever123"}, "Wrong username or password."),
    ({"username": "", "password": ""}, "This field is required."),
    ({"username": "x" * 500, "password": "p"}, "Field cannot be longer than 64 characters."),
])
def test_bad_login_gets_message_and_4xx(client, org, data, message):
    response = client.post_form("/login", data)
    assert 400 <= response.status_code < 500
    assert message in response.get_data(as_text=True)


def test_forged_csrf_token_is_refused(client, org):
    response = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(login):
    c = login("admin")
    assert c.post("/admin/units/new", data={"name": "X", "kind": "county"}).status_code == 400


def test_htmx_request_sends_token_in_header(login):
    c = login("admin")
    response = c.htmx("POST", "/logout")
    assert response.status_code == 303


def test_repeated_failures_slow_then_lock_the_account(app, client, org):
    lock_after = app.config["LOGIN_LOCK_AFTER"]
    codes = []
    for _ in range(lock_after + 2):
        user = User.get(User.username == "admin")
        # Let the slow-down pass, so each attempt counts as a real failure.
        User.update(last_failed_at=dt.datetime(2000, 1, 1)).where(User.id == user.id).execute()
        codes.append(client.post_form("/login", {"username": "admin", "password": "wrong"}).status_code)
    assert codes[0] == 401
    assert codes[-1] == 429
    # Locked: even the right password is refused, with a clear message.
    response = client.post_form("/login", {"username": "admin", "password": PASSWORD})
    assert response.status_code == 429
    assert "locked" in response.get_data(as_text=True)


def test_slow_down_refuses_rapid_attempts(app, client, org):
    for _ in range(app.config["LOGIN_SLOW_AFTER"]):
        client.post_form("/login", {"username": "admin", "password": "wrong"})
    response = client.post_form("/login", {"username": "admin", "password": PASSWORD})
    assert response.status_code == 429
    assert "wait" in response.get_data(as_text=True)


def test_lock_is_lifted_by_time(app, client, org):
    User.update(failed_logins=99, locked_until=dt.datetime(2000, 1, 1), last_failed_at=dt.datetime(2000, 1, 1)).where(
        User.username == "admin").execute()
    assert client.login("admin").status_code == 303
    assert User.get(User.username == "admin").failed_logins == 0


def test_administrator_unlocks_an_account(login, org):
    User.update(failed_logins=9, locked_until=dt.datetime(2999, 1, 1)).where(User.username == "unit_a").execute()
    admin = login("admin")
    assert admin.post_form(f"/admin/users/{org.users['unit_a'].id}/unlock").status_code == 303
    assert User.get(User.username == "unit_a").locked_until is None


def test_deactivated_user_cannot_log_in(client, org):
    User.update(active=False).where(User.username == "unit_a").execute()
    assert client.login("unit_a").status_code == 401


def test_password_change_ends_other_sessions(login, org):
    first, second = login("unit_a"), login("unit_a")
    response = first.post_form("/account/password", {
        "current_password": PASSWORD, "new_password": "a-new-password", "confirm": "a-new-password"})
    assert response.status_code == 303
    assert first.get("/account/password").status_code == 200
    assert second.get("/account/password").status_code == 302  # the old session is gone


def test_password_change_checks_the_current_password(login):
    c = login("unit_a")
    response = c.post_form("/account/password", {
        "current_password": "wrong", "new_password": "a-new-password", "confirm": "a-new-password"})
    assert response.status_code == 422
    assert "The current password is wrong." in response.get_data(as_text=True)


def test_logout_everywhere(login):
    first, second = login("bureau"), login("bureau")
    first.post_form("/logout", {"everywhere": "1"})
    assert second.get("/account/password").status_code == 302


def test_passwords_are_hashed_with_argon2id(org):
    stored = User.get(User.username == "admin").password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_session_cookie_flags(client, org):
    response = client.login("admin")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = client.post_form("/login", {"username": "admin", "password": PASSWORD}, base_url="https://localhost")
    assert "Secure" in https.headers.get("Set-Cookie", "Secure")
