"""Settings: defaults, then the instance config file, then PORTAL_* environment variables.

The instance folder holds what a deployment owns: the SQLite file, the generated
secret key, uploads and an optional ``portal.cfg`` (Python syntax, Flask style).
"""
import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portal import features

ENV_SETTINGS = {
    # environment variable -> Flask config key
    "PORTAL_DATABASE_URL": "DATABASE_URL",
    "PORTAL_SECRET_KEY": "SECRET_KEY",
    "PORTAL_LOCALE": "DEFAULT_LOCALE",
    "PORTAL_PLUGINS_DIR": "PLUGINS_DIR",
    "PORTAL_LOAD_PLUGINS": "LOAD_PLUGINS",
    "PORTAL_FEATURES_OFF": "FEATURES_OFF",
    "PORTAL_STRICT_PLUGINS": "STRICT_PLUGINS",
    "PORTAL_TIMEZONE": "TIMEZONE",
    "PORTAL_UPLOADS_DIR": "UPLOADS_DIR",
    "PORTAL_RULES": "RULES",
    "PORTAL_RULES_FILE": "RULES_FILE",
    "PORTAL_HTTPS": "SESSION_COOKIE_SECURE",
    "PORTAL_VERIFY_STAGES": "VERIFY_STAGES",
    "PORTAL_VERIFY_BY_ANOTHER": "VERIFY_BY_ANOTHER",
    "PORTAL_REQUIRE_2FA": "REQUIRE_2FA",
    "PORTAL_PROXIES": "PROXIES",
    "PORTAL_PROXY_ADDRESS": "PROXY_ADDRESS",
    "PORTAL_SESSION_LIFETIME": "SESSION_LIFETIME_MINUTES",
    "PORTAL_SESSION_IDLE": "SESSION_IDLE_MINUTES",
    "PORTAL_PASSWORD_MIN_LENGTH": "PASSWORD_MIN_LENGTH",
    "PORTAL_LOGIN_MAX_CONCURRENT_HASHES": "LOGIN_MAX_CONCURRENT_HASHES",
    "PORTAL_API_RATE_LIMIT": "API_RATE_LIMIT",
}
BOOLEAN_KEYS = {"STRICT_PLUGINS", "SESSION_COOKIE_SECURE", "VERIFY_STAGES", "VERIFY_BY_ANOTHER"}
#: Whole minutes, at least one (the environment variable named in the error).
MINUTES_KEYS = {"SESSION_LIFETIME_MINUTES": "PORTAL_SESSION_LIFETIME", "SESSION_IDLE_MINUTES": "PORTAL_SESSION_IDLE"}
SUPPORTED_LOCALES = ("zh_CN", "en")


def default_instance_path() -> Path:
    return Path(os.environ.get("PORTAL_INSTANCE") or Path.cwd() / "instance").resolve()


def _as_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _whole_number(value, low: int, high: int | None = None) -> int | None:
    """A setting's whole number within [low, high], or None (then the caller names the setting)."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number >= low and (high is None or number <= high) else None


def _as_minutes(value, env_name: str) -> int:
    minutes = _whole_number(value, 1)
    if minutes is None:
        raise RuntimeError(f"{env_name}={value!r} is not a number of minutes (a whole number, at least 1).")
    return minutes


def _as_positive_int(value, env_name: str) -> int:
    number = _whole_number(value, 1)
    if number is None:
        raise RuntimeError(f"{env_name}={value!r} must be a whole number, at least 1.")
    return number


def _as_password_length(value) -> int:
    """At least 8 (the common-password list covers passwords of 8 characters and more)."""
    length = _whole_number(value, 8, 200)
    if length is None:
        raise RuntimeError(f"PORTAL_PASSWORD_MIN_LENGTH={value!r} must be a whole number from 8 to 200.")
    return length


def load_settings(app, overrides: dict | None) -> None:
    """Fill ``app.config`` in a fixed order: defaults, portal.cfg, environment, overrides."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.update(
        DATABASE_URL=None,
        DEFAULT_LOCALE="zh_CN",
        TIMEZONE="Asia/Shanghai",
        PLUGINS_DIR=None,
        LOAD_PLUGINS=None,
        # Features turned off (portal/features.toml names them), e.g. "ranking,sourcing".
        FEATURES_OFF="",
        STRICT_PLUGINS=False,
        UPLOADS_DIR=None,
        MAX_UPLOAD_MB=20,
        # The most a form with files (a project's attachments, a contact's) sends in one request;
        # None: five files' worth (portal/uploads.py). A file over MAX_UPLOAD_MB within it is
        # refused next to its field.
        MAX_UPLOAD_REQUEST_MB=None,
        RULES=None,
        RULES_FILE=None,
        VERIFY_STAGES=True,
        # Four eyes: whoever entered a stage change may not approve it themselves.
        VERIFY_BY_ANOTHER=False,
        # Roles that must log in with a second factor (comma-separated, e.g. "admin,bureau").
        REQUIRE_2FA="",
        # How many reverse proxies stand in front of the portal (their X-Forwarded-* headers
        # are trusted, so HTTPS is recognised for Secure cookies and HSTS). 0: none.
        PROXIES=0,
        # The address the (nearest) proxy connects from; only its headers are believed by
        # `portal serve` (waitress). "*": any peer (only when nothing else can reach the port).
        PROXY_ADDRESS="127.0.0.1",
        PAGE_SIZE=50,
        # Requests per API token and minute (portal/api/tokens.py), counted in the database.
        API_RATE_LIMIT=120,
        # Login throttling (portal/auth/throttle.py): growing delays (2, 4, 8 … s) after this
        # many failures per (username, address), per address and per account; the account's
        # delay stays short because anyone anywhere can cause it. No hard lock.
        LOGIN_SLOW_AFTER=3,
        LOGIN_ADDRESS_SLOW_AFTER=10,
        LOGIN_ACCOUNT_SLOW_AFTER=10,
        LOGIN_MAX_DELAY_SECONDS=15 * 60,
        LOGIN_ACCOUNT_MAX_DELAY_SECONDS=60,
        # Password checks running at once per process, and how long a login waits for a free one.
        LOGIN_MAX_CONCURRENT_HASHES=4,
        LOGIN_HASH_WAIT_SECONDS=2,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        # A session ends after this long however active it is, and after IDLE minutes without
        # a request (portal/auth/sessions.py); the cookie expires with the absolute lifetime.
        SESSION_LIFETIME_MINUTES=12 * 60,
        SESSION_IDLE_MINUTES=30,
        PASSWORD_MIN_LENGTH=12,
        # One token per session, valid for as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,
        MAX_FORM_MEMORY_SIZE=2 * 1024 * 1024,
    )
    app.config.from_pyfile(str(instance / "portal.cfg"), silent=True)
    for env_name, key in ENV_SETTINGS.items():
        if os.environ.get(env_name):
            app.config[key] = os.environ[env_name]
    if overrides:
        app.config.update(overrides)
    for key in BOOLEAN_KEYS:
        app.config[key] = _as_bool(app.config[key])
    for key, env_name in MINUTES_KEYS.items():
        app.config[key] = _as_minutes(app.config[key], env_name)
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["SESSION_LIFETIME_MINUTES"] * 60
    app.config["PASSWORD_MIN_LENGTH"] = _as_password_length(app.config["PASSWORD_MIN_LENGTH"])
    app.config["LOGIN_MAX_CONCURRENT_HASHES"] = _as_positive_int(app.config["LOGIN_MAX_CONCURRENT_HASHES"],
                                                                 "PORTAL_LOGIN_MAX_CONCURRENT_HASHES")
    app.config["FEATURES_OFF"] = features.parse_off(app.config["FEATURES_OFF"])
    app.config["API_RATE_LIMIT"] = _as_positive_int(app.config["API_RATE_LIMIT"], "PORTAL_API_RATE_LIMIT")
    if app.config["MAX_UPLOAD_REQUEST_MB"] is not None:
        app.config["MAX_UPLOAD_REQUEST_MB"] = _as_positive_int(app.config["MAX_UPLOAD_REQUEST_MB"],
                                                               "MAX_UPLOAD_REQUEST_MB")

    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = "sqlite:///" + str(instance / "portal.sqlite3")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance)
    if not app.config.get("UPLOADS_DIR"):
        app.config["UPLOADS_DIR"] = str(instance / "uploads")
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024 + 64 * 1024
    if app.config["DEFAULT_LOCALE"] not in SUPPORTED_LOCALES:
        raise RuntimeError(
            f"PORTAL_LOCALE={app.config['DEFAULT_LOCALE']!r} is not supported; "
            f"use one of {', '.join(SUPPORTED_LOCALES)}."
        )
    try:
        app.config["TZ"] = ZoneInfo(app.config["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise RuntimeError(f"PORTAL_TIMEZONE={app.config['TIMEZONE']!r} is not a known time zone.")


def _instance_secret_key(instance: Path) -> str:
    """Generate the secret key once and keep it in the instance folder (mode 0600)."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process won the race; use its key
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()
