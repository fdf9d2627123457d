"""Sessions end for good: logout ends the session server-side (a copied cookie is refused), and
every session ends after an idle time and after an absolute lifetime, however active."""
from __future__ import annotations

import datetime as dt

import pytest

from portal import create_app
from portal.auth import housekeeping
from portal.models import LoginThrottle, SignInEvent, User, UserSession
from portal.models.fields import utcnow

PAGE = "/account/password"  # any page that needs a login


def _is_logged_out(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def _session_of(username) -> UserSession:
    return (UserSession.select().join(User).where(User.username == username)
            .order_by(UserSession.id.desc()).get())


def _age(username, **changes):
    """Move the user's latest session back in time (as if those minutes had passed)."""
    row = _session_of(username)
    UserSession.update(**changes).where(UserSession.id == row.id).execute()


def test_a_cookie_copied_before_logout_no_longer_works(app, login):
    client = login("bureau")
    stolen = client.get_cookie("session").value
    assert client.get(PAGE).status_code == 200
    assert client.post_form("/logout").status_code == 303
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert _is_logged_out(thief.get(PAGE))
    row = _session_of("bureau")
    assert row.ended_at is not None and row.end_reason == "logout"


def test_logout_everywhere_ends_every_session_in_the_table(login):
    first, second = login("bureau"), login("bureau")
    first.post_form("/logout", {"everywhere": "1"})
    assert _is_logged_out(second.get(PAGE))
    assert UserSession.select().where(UserSession.ended_at.is_null()).count() == 0


def test_an_idle_session_ends(login):
    client = login("bureau")
    _age("bureau", last_seen_at=utcnow() - dt.timedelta(minutes=31))
    assert _is_logged_out(client.get(PAGE))
    assert _session_of("bureau").end_reason == "idle"
    assert _is_logged_out(client.get(PAGE))  # and stays ended


def test_a_session_used_within_the_idle_time_continues(login):
    client = login("bureau")
    _age("bureau", last_seen_at=utcnow() - dt.timedelta(minutes=29))
    assert client.get(PAGE).status_code == 200
    assert utcnow() - _session_of("bureau").last_seen_at < dt.timedelta(minutes=1)


def test_an_active_session_ends_after_its_lifetime(login):
    client = login("bureau")
    _age("bureau", created_at=utcnow() - dt.timedelta(hours=12, minutes=1), last_seen_at=utcnow())
    assert _is_logged_out(client.get(PAGE))
    assert _session_of("bureau").end_reason == "lifetime"


def test_last_seen_is_written_at_most_once_a_minute(login):
    client = login("bureau")
    seen = (utcnow() - dt.timedelta(seconds=30)).replace(microsecond=0)  # MySQL keeps whole seconds
    _age("bureau", last_seen_at=seen)
    client.get(PAGE)
    assert _session_of("bureau").last_seen_at == seen  # no write: less than a minute ago


def test_the_notification_poll_does_not_keep_a_session_alive(login):
    client = login("bureau")
    seen = (utcnow() - dt.timedelta(minutes=5)).replace(microsecond=0)  # MySQL keeps whole seconds
    _age("bureau", last_seen_at=seen)
    assert client.get("/notifications/count").status_code == 200
    assert _session_of("bureau").last_seen_at == seen


def test_limits_come_from_the_settings(app, login, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_SESSION_IDLE", "5")
    monkeypatch.setenv("PORTAL_SESSION_LIFETIME", "60")
    short = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "INSTANCE_PATH": str(tmp_path),
                        "SECRET_KEY": "test-secret", "TESTING": True, "DEFAULT_LOCALE": "en"})
    assert (short.config["SESSION_IDLE_MINUTES"], short.config["SESSION_LIFETIME_MINUTES"]) == (5, 60)
    assert short.permanent_session_lifetime == dt.timedelta(minutes=60)
    monkeypatch.setenv("PORTAL_SESSION_IDLE", "half an hour")
    with pytest.raises(RuntimeError, match="PORTAL_SESSION_IDLE"):
        create_app({"DATABASE_URL": app.config["DATABASE_URL"], "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})


def test_pruning_ends_sessions_that_ran_out_and_forgets_old_rows(app, login):
    """Sessions whose cookie never comes back are ended (and logged); rows ended long ago and
    forgotten throttle counters are deleted; open sessions and the sign-in log are kept."""
    login("bureau"), login("unit_a"), login("leader")
    _age("bureau", last_seen_at=utcnow() - dt.timedelta(minutes=31))
    _age("unit_a", created_at=utcnow() - dt.timedelta(days=200), last_seen_at=utcnow() - dt.timedelta(days=200),
         ended_at=utcnow() - dt.timedelta(days=199), end_reason="logout")
    LoginThrottle.create(key="addr:203.0.113.9", failures=4, last_failed_at=utcnow() - dt.timedelta(days=2))
    LoginThrottle.create(key="addr:203.0.113.10", failures=4, last_failed_at=utcnow())
    events_before = SignInEvent.select().count()
    with app.test_request_context():
        counts = housekeeping.prune()
    assert counts == {"sessions_ended": 1, "sessions_deleted": 1, "throttle_rows_deleted": 1}
    assert _session_of("bureau").end_reason == "idle"
    assert _session_of("leader").ended_at is None
    assert not UserSession.select().join(User).where(User.username == "unit_a").exists()
    assert [row.key for row in LoginThrottle.select()] == ["addr:203.0.113.10"]
    assert SignInEvent.select().count() == events_before + 1  # the ended session, noted
