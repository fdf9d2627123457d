"""Passwords: hashing with argon2id (argon2-cffi's current defaults) and the password policy.

The policy (one place for the login forms, the administration and the CLI): at least
PASSWORD_MIN_LENGTH characters (12 by default), not one of the common passwords shipped in
common_passwords.txt (no network needed), and not containing the username.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a real password")

DEFAULT_MIN_LENGTH = 12
#: The common-password list holds the entries of 8 characters or more: a lower minimum would let
#: shorter common passwords through.
LOWEST_MIN_LENGTH = 8
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash and verify with ``hasher`` from now on; returns the one it replaces. For test suites
    (portal.testing): argon2's cost is on purpose and would dominate a suite that signs in
    thousands of times. The portal itself never calls this."""
    global _hasher, _DUMMY_HASH
    previous, _hasher = _hasher, hasher
    _DUMMY_HASH = hasher.hash("not a real password")
    return previous


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def min_length() -> int:
    return current_app.config["PASSWORD_MIN_LENGTH"]


def password_problem(password: str, username: str = ""):
    """Why ``password`` may not be used (a translatable message), or None when it may."""
    minimum = min_length()
    if len(password) < minimum:
        return _l("Use at least %(count)d characters.", count=minimum)
    lowered = password.lower()
    if lowered in common_passwords():
        return _l("This password is too common; choose another.")
    name = username.strip().lower()
    if len(name) >= 3 and name in lowered:
        return _l("The password must not contain the username.")
    return None


class StrongPassword:
    """WTForms validator for :func:`password_problem`; the username comes from ``username(form)``."""

    def __init__(self, username=lambda form: ""):
        self.username = username

    def __call__(self, form, field):
        problem = password_problem(field.data or "", self.username(form) or "")
        if problem:
            raise ValidationError(problem)
