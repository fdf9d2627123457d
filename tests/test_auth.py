"""Logging in and out, throttling, sessions, passwords."""
import datetime as dt
import re

import pytest
from argon2 import PasswordHasher

from portal.auth import passwords
from portal.models import LoginThrottle, SignInEvent, User
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


ATTACKER = {"REMOTE_ADDR": "10.0.0.9"}
OWNER = {"REMOTE_ADDR": "10.0.0.5"}
LONG_AGO = dt.datetime(2000, 1, 1)


def _wrong(client, username="admin", address=ATTACKER):
    return client.post_form("/login", {"username": username, "password": "wrong"}, environ_base=address)


def _let_delays_pass():
    """Move every failure into the past, so the next attempt is not slowed (counters stay)."""
    LoginThrottle.update(last_failed_at=dt.datetime.utcnow() - dt.timedelta(hours=1)).execute()


def _throttled_events():
    return SignInEvent.select().where(SignInEvent.detail == "throttled").count()


def test_repeated_failures_slow_the_attacker_but_not_the_owner_elsewhere(app, client, org):
    # An attacker hammers the administrator's account from one address, waiting out each delay.
    for _ in range(12):
        _let_delays_pass()
        assert _wrong(client).status_code == 401
    # Now even the right password from the attacker's address waits (per pair and per address).
    response = client.post_form("/login", {"username": "admin", "password": PASSWORD}, environ_base=ATTACKER)
    assert response.status_code == 429
    assert "wait" in response.get_data(as_text=True)
    # The owner elsewhere waits at most a minute: the account's delay is capped, there is no lock.
    owner = app.test_client()
    response = owner.post_form("/login", {"username": "admin", "password": PASSWORD}, environ_base=OWNER)
    assert response.status_code == 429
    wait = int(re.search(r"wait (\d+) seconds", response.get_data(as_text=True)).group(1))
    assert 0 < wait <= 61
    # Once that minute has passed the owner logs in, while the attacker's address is still slowed.
    LoginThrottle.update(last_failed_at=dt.datetime.utcnow() - dt.timedelta(seconds=61)).where(
        LoginThrottle.key.startswith("user:")).execute()
    assert owner.post_form("/login", {"username": "admin", "password": PASSWORD},
                           environ_base=OWNER).status_code == 303
    assert client.post_form("/login", {"username": "admin", "password": PASSWORD},
                            environ_base=ATTACKER).status_code == 429


def test_owner_elsewhere_is_not_slowed_below_the_account_threshold(app, client, org):
    for _ in range(app.config["LOGIN_SLOW_AFTER"]):
        _wrong(client)
    assert _wrong(client).status_code == 429  # the attacker's pair is slowed
    assert client.post_form("/login", {"username": "admin", "password": PASSWORD},
                            environ_base=ATTACKER).status_code == 429
    owner = app.test_client()
    assert owner.post_form("/login", {"username": "admin", "password": PASSWORD},
                           environ_base=OWNER).status_code == 303


def test_slow_down_refuses_rapid_attempts(app, client, org):
    for _ in range(app.config["LOGIN_SLOW_AFTER"]):
        client.post_form("/login", {"username": "admin", "password": "wrong"})
    response = client.post_form("/login", {"username": "admin", "password": PASSWORD})
    assert response.status_code == 429
    assert "wait" in response.get_data(as_text=True)


def test_unknown_name_flood_from_one_address_is_refused_before_hashing(app, client, org):
    for number in range(app.config["LOGIN_ADDRESS_SLOW_AFTER"]):
        _let_delays_pass()  # not the pair brake: a new name each time, only the address counts
        assert _wrong(client, f"nobody{number}").status_code == 401
    assert _throttled_events() == 0
    response = _wrong(client, "nobody-else")
    assert response.status_code == 429
    # Recorded as refused by the throttle, which answers before any password is checked.
    assert _throttled_events() == 1
    # Spraying real accounts from that address is refused too; other addresses are untouched.
    assert client.post_form("/login", {"username": "unit_a", "password": PASSWORD},
                            environ_base=ATTACKER).status_code == 429
    assert client.post_form("/login", {"username": "unit_a", "password": PASSWORD},
                            environ_base=OWNER).status_code == 303


def test_too_many_password_checks_at_once_are_refused(app, client, org):
    app.config["LOGIN_HASH_WAIT_SECONDS"] = 0.05
    slots = app.extensions["login_hash_slots"]
    taken = [slots.acquire(blocking=False) for _ in range(app.config["LOGIN_MAX_CONCURRENT_HASHES"])]
    assert all(taken)
    try:
        response = client.login("admin")
        assert response.status_code == 429
        assert "Too many sign-ins at once" in response.get_data(as_text=True)
        assert SignInEvent.get(SignInEvent.kind == "sign_in_failed").detail == "busy"
        assert LoginThrottle.select().count() == 0  # not counted as a wrong password
    finally:
        for _ in taken:
            slots.release()
    assert client.login("admin").status_code == 303


def test_delays_are_lifted_by_time(app, client, org):
    LoginThrottle.insert_many([{"key": key, "failures": 99, "last_failed_at": LONG_AGO}
                               for key in ("pair:admin|127.0.0.1", "addr:127.0.0.1",
                                           f"user:{org.users['admin'].id}")]).execute()
    assert client.login("admin").status_code == 303
    assert LoginThrottle.select().count() == 0  # cleared by the success, the old address row too


def test_administrator_unlocks_an_account(app, login, org):
    client = app.test_client()
    for _ in range(12):
        _let_delays_pass()
        _wrong(client, "unit_a")
    assert client.post_form("/login", {"username": "unit_a", "password": PASSWORD},
                            environ_base=ATTACKER).status_code == 429
    admin = login("admin")
    assert "Slowed down" in admin.get("/admin/users").get_data(as_text=True)
    assert admin.post_form(f"/admin/users/{org.users['unit_a'].id}/unlock").status_code == 303
    assert "Slowed down" not in admin.get("/admin/users").get_data(as_text=True)
    # The account and its pairs start again (the address's own counter is not the account's).
    assert [row.key for row in LoginThrottle.select()] == ["addr:10.0.0.9"]


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


def test_the_portal_hashes_at_argon2s_default_cost_and_the_suite_cheaply(cheap_password_hashing):
    own, default = cheap_password_hashing, PasswordHasher()
    assert (own.time_cost, own.memory_cost, own.parallelism) == (
        default.time_cost, default.memory_cost, default.parallelism)
    assert passwords.hash_password(PASSWORD).startswith("$argon2id$v=19$m=1024,t=1,p=1$")


def test_session_cookie_flags(client, org):
    response = client.login("admin")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = client.post_form("/login", {"username": "admin", "password": PASSWORD}, base_url="https://localhost")
    assert "Secure" in https.headers.get("Set-Cookie", "Secure")
