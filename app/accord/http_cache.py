"""Validators for the linked-data responses: ETag, Last-Modified, 304 Not Modified.

Every representation is a function of the dataset and the request, so its ETag is the
dataset version (``store.version``) followed by a hash of what selects the
representation (the IRI, the media type, the query string).  ``Last-Modified`` is the
newest modification time of the dataset's files for the version the store was loaded
with, and for a later version (after a write) the time this process first saw it.  Neither
is ever written into a representation.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request
from fastapi.responses import Response

from accord.store import Store

_first_seen: dict[tuple[int, str], float] = {}


def etag_for(version: str, *parts: str) -> str:
    """A strong ETag: the dataset version and a digest of the representation's key."""
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]
    return f'"{version}-{digest}"'


def last_modified(store: Store) -> str:
    """The HTTP date at which the dataset last changed.

    For the first version this process sees of a store: the newest modification time
    of its files when the store knows them (the embedded store does), else now.  For
    each later version (after a write): the time this process first saw it."""
    key = (id(store), store.version)
    if key not in _first_seen:
        first = not any(k[0] == id(store) for k in _first_seen)
        stamp = _files_mtime(store) if first else None
        _first_seen[key] = stamp if stamp is not None else time.time()
    moment = datetime.fromtimestamp(int(_first_seen[key]), tz=UTC)
    return format_datetime(moment, usegmt=True)


def _files_mtime(store: Store) -> float | None:
    files = getattr(store, "files", None)
    if not files:
        return None
    try:
        return max(gf.path.stat().st_mtime for gf in files)
    except (OSError, AttributeError):
        return None


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == wanted for t in header.split(","))


def not_modified(request: Request, etag: str, modified: str) -> bool:
    """True if the client's copy is current (RFC 9110: If-None-Match wins over
    If-Modified-Since, which only applies to GET and HEAD)."""
    inm = request.headers.get("if-none-match")
    if inm is not None:
        return _etag_matches(inm, etag)
    ims = request.headers.get("if-modified-since")
    if ims and request.method in ("GET", "HEAD"):
        try:
            return parsedate_to_datetime(ims) >= parsedate_to_datetime(modified)
        except (TypeError, ValueError):
            return False
    return False


def validated(
    request: Request,
    store: Store,
    key: tuple[str, ...],
    build,  # type: ignore[no-untyped-def]
    media_type: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """A 200 with ``build()`` as its body, or a 304 (without calling ``build``) when
    the client's validators match."""
    etag = etag_for(store.version, *key)
    modified = last_modified(store)
    out = {"ETag": etag, "Last-Modified": modified, **(headers or {})}
    if not_modified(request, etag, modified):
        return Response(status_code=304, headers=out)
    body = build()
    return Response(body, media_type=media_type, headers=out)
