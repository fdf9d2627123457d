"""Two-factor login (TOTP): set up with a server-made QR code, a second login step, recovery
codes used once, codes never accepted twice, required roles, and the administrator's reset."""
from __future__ import annotations

import datetime as dt
import re

import pyotp

from portal.auth import two_factor
from portal.models import AuditLog, LoginThrottle, RecoveryCode, User
from tests.conftest import PASSWORD


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def _set_up(client) -> tuple[str, list[str]]:
    """Do what a user does: open the page, start, read the key, type the app's code."""
    page = client.get("/account/two-factor").get_data(as_text=True)
    setup = client.post("/account/two-factor/setup", data={"csrf_token": _token(page)})
    html = setup.get_data(as_text=True)
    assert setup.status_code == 200 and "<svg" in html
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', html).group(1)
    done = client.post("/account/two-factor/confirm", data={"csrf_token": _token(html),
                                                            "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f-]{23})</code></li>", done.get_data(as_text=True))
    return secret, codes


def _password_step(client, username="bureau"):
    return client.post_form("/login", {"username": username, "password": PASSWORD})


def test_after_set_up_a_login_needs_the_code(app, org, login):
    secret, codes = _set_up(login("bureau"))
    assert len(codes) == 10 and RecoveryCode.select().count() == 10
    assert all(code not in str(list(RecoveryCode.select().tuples())) for code in codes)  # stored hashed
    browser = app.test_client()
    first = _password_step(browser)
    assert first.status_code == 303 and first.headers["Location"].endswith("/login/code")
    assert browser.get("/").status_code == 302  # not logged in yet
    wrong = browser.post_form("/login/code", {"code": "000000"})
    assert wrong.status_code == 422 and "not right" in wrong.get_data(as_text=True)
    # The code that confirmed the set-up counts as used: the app's next code (within the window).
    next_code = pyotp.TOTP(secret).generate_otp(User.get(User.username == "bureau").totp_last_step + 1)
    right = browser.post_form("/login/code", {"code": next_code})
    assert right.status_code == 303
    assert "Log out" in browser.get("/").get_data(as_text=True)
    assert AuditLog.select().where(AuditLog.action == "enable_two_factor").count() == 1


def test_a_code_is_accepted_once_and_a_recovery_code_once(app, org, login):
    secret, codes = _set_up(login("bureau"))
    one, two = app.test_client(), app.test_client()
    _password_step(one)
    _password_step(two)
    # The code that confirmed the set-up was used already; wait for the next step's code.
    user = User.get(User.username == "bureau")
    next_step = user.totp_last_step + 1
    code = pyotp.TOTP(secret).generate_otp(next_step)
    with_clock = dt.datetime.fromtimestamp(next_step * 30 + 1, dt.timezone.utc)
    with app.test_request_context():
        assert two_factor.check_code(user, code, now=with_clock)
        assert not two_factor.check_code(User.get_by_id(user.id), code, now=with_clock)  # replay refused
    assert one.post_form("/login/code", {"code": codes[0]}).status_code == 303
    reused = two.post_form("/login/code", {"code": codes[0]})
    assert reused.status_code == 422
    assert two.post_form("/login/code", {"code": codes[1].upper().replace("-", " ")}).status_code == 303


def test_failed_codes_slow_the_account_down(app, org, login):
    _set_up(login("bureau"))
    browser = app.test_client()
    _password_step(browser)
    statuses = [browser.post_form("/login/code", {"code": "123456"}).status_code for _i in range(8)]
    assert statuses[-1] == 429 and 422 in statuses


def test_the_password_again_does_not_lift_the_slow_down_of_codes(app, org, login):
    _set_up(login("bureau"))
    browser = app.test_client()
    _password_step(browser)
    for _i in range(app.config["LOGIN_SLOW_AFTER"]):
        browser.post_form("/login/code", {"code": "123456"})
    LoginThrottle.update(last_failed_at=dt.datetime.utcnow() - dt.timedelta(hours=1)).execute()
    assert _password_step(browser).status_code == 303  # the password is right: on to the code
    # The next wrong code is already slowed down: the counters were not reset by the password.
    browser.post_form("/login/code", {"code": "123456"})
    assert browser.post_form("/login/code", {"code": "123456"}).status_code == 429


def test_required_roles_must_set_it_up_before_anything_else(app, org, login):
    app.config["REQUIRE_2FA"] = "admin,bureau"
    bureau = login("bureau")
    response = bureau.get("/projects")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/two-factor")
    assert bureau.get("/account/two-factor").status_code == 200
    unit = login("unit_a")
    assert unit.get("/projects").status_code == 200  # not a required role
    _set_up(bureau)
    assert bureau.get("/projects").status_code == 200
    page = bureau.get("/account/two-factor").get_data(as_text=True)
    off = bureau.post("/account/two-factor/off", data={"csrf_token": _token(page), "current_password": PASSWORD})
    assert off.status_code == 303 and User.get(User.username == "bureau").totp_enabled_at is not None


def test_turning_it_off_asks_for_the_password(app, org, login):
    bureau = login("bureau")
    _set_up(bureau)
    page = bureau.get("/account/two-factor").get_data(as_text=True)
    bureau.post("/account/two-factor/off", data={"csrf_token": _token(page), "current_password": "wrong password!"})
    assert User.get(User.username == "bureau").totp_enabled_at is not None
    bureau.post("/account/two-factor/off", data={"csrf_token": _token(page), "current_password": PASSWORD})
    assert User.get(User.username == "bureau").totp_secret is None and RecoveryCode.select().count() == 0


def test_an_administrator_resets_it_for_a_lost_phone_audited(app, org, login):
    _set_up(login("bureau"))
    target = User.get(User.username == "bureau")
    assert login("unit_a").post_form(f"/admin/users/{target.id}/two-factor/reset").status_code == 403
    admin = login("admin")
    assert "Reset two-factor login" in admin.get("/admin/users").get_data(as_text=True)
    assert admin.post_form(f"/admin/users/{target.id}/two-factor/reset").status_code == 303
    target = User.get_by_id(target.id)
    assert target.totp_secret is None and RecoveryCode.select().count() == 0
    entry = AuditLog.get(AuditLog.action == "reset_two_factor")
    assert entry.entity_id == target.id and entry.user_id == org.users["admin"].id
    browser = app.test_client()
    assert browser.login("bureau").status_code == 303  # password alone again
