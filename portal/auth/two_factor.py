"""Two-factor login with a time-based one-time password (TOTP, RFC 6238: any authenticator app).

A user sets it up on their account page (a secret shown as a QR code made on the server, then
confirmed with a first code), gets ten one-time recovery codes shown once, and from then on
logs in with password and code. ``PORTAL_REQUIRE_2FA`` names the roles that must use it
(e.g. ``admin,bureau``). An administrator can reset it for a user who lost their phone.
Everything is kept in the database, so every process and machine agrees.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import pyotp
import segno
from flask import current_app
from markupsafe import Markup

from portal import audit
from portal.db import database
from portal.models import RecoveryCode, User
from portal.models.fields import utcnow

ISSUER = "Investment Promotion Portal"
RECOVERY_CODES = 10
#: Codes of the step before and after the current one are accepted (clocks drift by seconds).
WINDOW = 1


def is_enabled(user: User) -> bool:
    return bool(user.totp_secret and user.totp_enabled_at)


def required_roles() -> set[str]:
    value = current_app.config.get("REQUIRE_2FA") or ""
    if isinstance(value, (list, tuple, set)):
        return {str(v).strip() for v in value if str(v).strip()}
    return {part.strip() for part in str(value).split(",") if part.strip()}


def is_required(user: User) -> bool:
    return user.role in required_roles()


def start_setup(user: User) -> str:
    """A new secret for the user, not yet in force (a first code confirms it)."""
    secret = pyotp.random_base32()
    User.update(totp_secret=secret, totp_enabled_at=None, totp_last_step=None).where(User.id == user.id).execute()
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, None, None
    return secret


def qr_code_svg(user: User) -> Markup:
    """The secret as a QR code for the authenticator app, drawn on the server as inline SVG."""
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, border=2))


def _matching_step(user: User, code: str, now: dt.datetime | None = None) -> int | None:
    """The time step whose code ``code`` is, within the window, if not used before."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if not user.totp_secret or len(code) != 6:
        return None
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(now or dt.datetime.now(dt.timezone.utc))
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and step > (user.totp_last_step or -1):
            return step
    return None


def check_code(user: User, code: str, now: dt.datetime | None = None) -> bool:
    """Accept a current code once: the step is stored in the same statement that checks it was
    not used, so two requests with one code (a replay) cannot both pass."""
    step = _matching_step(user, code, now)
    if step is None:
        return False
    used = (User.update(totp_last_step=step)
            .where(User.id == user.id, (User.totp_last_step.is_null()) | (User.totp_last_step < step)).execute())
    if used:
        user.totp_last_step = step
    return bool(used)


def confirm_setup(user: User, code: str) -> list[str] | None:
    """Put the secret in force when the code is right; the new recovery codes (shown once)."""
    if user.totp_secret is None or is_enabled(user) or not check_code(user, code):
        return None
    with database.atomic():
        User.update(totp_enabled_at=utcnow()).where(User.id == user.id).execute()
        user.totp_enabled_at = utcnow()
        codes = new_recovery_codes(user)
        audit.record("enable_two_factor", "user", user.id, user=user)
    return codes


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh one-time codes (80 random bits each) replacing the old ones; only hashes are kept."""
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = secrets.token_hex(10)
        codes.append("-".join(raw[i:i + 5] for i in range(0, 20, 5)))
    with database.atomic():
        RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()
        RecoveryCode.insert_many([{"user": user.id, "code_hash": _hash(c), "created_at": utcnow()}
                                  for c in codes]).execute()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Accept an unused recovery code once (marked used in the statement that checks it)."""
    if not code or not code.strip():
        return False
    used = (RecoveryCode.update(used_at=utcnow())
            .where(RecoveryCode.user == user.id, RecoveryCode.code_hash == _hash(code.strip()),
                   RecoveryCode.used_at.is_null()).execute())
    if used:
        audit.record("use_recovery_code", "user", user.id, user=user)
    return bool(used)


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.select().where(RecoveryCode.user == user.id, RecoveryCode.used_at.is_null()).count()


def turn_off(user: User, by: User, action: str = "disable_two_factor", end_sessions: bool = True) -> None:
    """Remove the secret and the recovery codes (audited); an administrator's reset also ends
    the user's sessions."""
    with database.atomic():
        User.update(totp_secret=None, totp_enabled_at=None, totp_last_step=None,
                    session_version=User.session_version + (1 if end_sessions else 0)
                    ).where(User.id == user.id).execute()
        RecoveryCode.delete().where(RecoveryCode.user == user.id).execute()
        audit.record(action, "user", user.id, user=by)
