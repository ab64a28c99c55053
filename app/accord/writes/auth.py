"""Who may write: one bearer token, checked at start-up and on every write.

Writes are off unless ``allow_update`` is set, and then each one needs
``Authorization: Bearer <write_token>``.  Start-up refuses an enabled server without a
token, with a short one, or with one that looks like a placeholder, so a deployment
never runs with a guessable secret.  The token is compared in constant time and never
logged: the write log names a writer by ``token_id`` (a hash prefix).

A bearer token is a header that a browser never adds by itself, so a page on another
site cannot forge a write; refusing HTML-form content types too (``write_allow_forms``)
means a write is never a "simple" cross-site request at all.
"""

from __future__ import annotations

import hashlib
import hmac

from pydantic import SecretStr

from accord.errors import AccordError, Forbidden
from accord.settings import Settings

#: The shortest token start-up accepts (``secrets.token_urlsafe(32)`` gives 43).
MIN_TOKEN_LENGTH = 32
#: A token needs this many distinct characters (refuses "aaaa...", "0123012301...").
MIN_DISTINCT = 10
_PLACEHOLDERS = ("changeme", "change-me", "secret", "password", "token", "example", "xxxx")
HOW_TO_MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'

#: Content types a web page can send cross-site without asking (CORS "simple" requests).
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


class InsecureSettings(ValueError):
    """The settings ask for something unsafe (writes without a strong token)."""


class Unauthorized(AccordError):
    """A write without a valid bearer token."""

    status = 401


def check_write_settings(settings: Settings) -> None:
    """Fail fast at start-up: writes need a strong token and the embedded store."""
    if not settings.allow_update:
        return
    if settings.write_token is None:
        raise InsecureSettings(
            "ACCORD_ALLOW_UPDATE is on but no ACCORD_WRITE_TOKEN is set: writes need a "
            f"bearer token (make one with {HOW_TO_MAKE_ONE})"
        )
    problem = token_problem(_secret(settings.write_token))
    if problem:
        raise InsecureSettings(
            f"ACCORD_WRITE_TOKEN is unsafe: {problem} (make one with {HOW_TO_MAKE_ONE})"
        )
    if settings.store.startswith(("sparql+http://", "sparql+https://")):
        raise InsecureSettings(
            "ACCORD_ALLOW_UPDATE needs the embedded store (ACCORD_STORE empty or a folder): "
            "an external store takes writes through its own endpoints"
        )


def _secret(value: SecretStr | str) -> str:
    # Settings.model_copy(update=...) does not validate: the token may be a plain str.
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


def token_problem(token: str) -> str | None:
    """Why a token is unsafe, or None."""
    if token != token.strip() or any(c.isspace() for c in token):
        return "it contains white space"
    if len(token) < MIN_TOKEN_LENGTH:
        return f"it has {len(token)} characters; at least {MIN_TOKEN_LENGTH} are needed"
    if len(set(token)) < MIN_DISTINCT:
        return f"it uses fewer than {MIN_DISTINCT} distinct characters"
    lowered = token.lower()
    for word in _PLACEHOLDERS:
        if word in lowered:
            return f"it contains the placeholder word {word!r}"
    return None


def token_id(token: str) -> str:
    """How the write log names a token's holder: a prefix of its SHA-256, not the token."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:12]


def authenticate(authorization: str | None, settings: Settings) -> str:
    """The writer's token id, if ``authorization`` carries the write token."""
    if not settings.allow_update:
        raise Forbidden("writes are disabled on this server")
    expected = _secret(settings.write_token) if settings.write_token else None
    if not expected:  # check_write_settings makes this unreachable in a started app
        raise Forbidden("writes are enabled but no write token is configured")
    if not authorization:
        raise Unauthorized("a write needs the header 'Authorization: Bearer <token>'")
    scheme, _, given = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Unauthorized("a write needs a bearer token: 'Authorization: Bearer <token>'")
    given = given.strip()
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        raise Unauthorized("the bearer token is not valid for writes")
    return token_id(given)


def is_form_type(media_type: str | None) -> bool:
    return (media_type or "").split(";")[0].strip().lower() in FORM_TYPES


def check_not_cross_site(origin: str | None, fetch_site: str | None, own_origin: str) -> None:
    """Refuse a form-encoded write that a browser says comes from another site."""
    if fetch_site and fetch_site.lower() == "cross-site":
        raise Forbidden("a form-encoded write from another site is refused")
    if origin and origin.rstrip("/").lower() != own_origin.rstrip("/").lower():
        raise Forbidden(f"a form-encoded write from origin {origin} is refused")
