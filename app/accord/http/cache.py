"""Validators for the linked-data responses: ETag, Last-Modified, 304 Not Modified.

Every representation is a function of the dataset and the request, so its ETag is the
dataset version (``store.version``) followed by a hash of what selects the
representation (the IRI, the media type, the query string).  ``Last-Modified`` is the
newest modification time of the dataset's files for the version the store was loaded
with, and for a later version (after a write) the time this process first saw it.  Neither
is ever written into a representation.

A representation, once built, is kept for as long as its dataset version is current
(:class:`Representations`: keyed by the store and the ETag, so by the version and what
selects the representation, within a byte budget, least recently used out first): the
VoID description and the pages run SPARQL over the whole dataset, which at a million
triples takes seconds, and their answer changes only with the version.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request
from fastapi.responses import Response

from accord.stores.base import Store

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


class Representations:
    """Bodies built for the current dataset versions, within ``budget`` bytes (least
    recently used out first; a body bigger than a quarter of the budget is not kept).
    A body is found by its store and ETag: a new version (a write) misses, and the
    bodies of older versions age out."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._bodies: OrderedDict[tuple[int, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, store: Store, etag: str, build: Callable[[], bytes]) -> bytes:
        key = (id(store), etag)
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
                self.hits += 1
                return body
            self.misses += 1
        body = build()  # outside the lock: two first requests may both build
        if len(body) <= self.budget // 4:
            with self._lock:
                if key not in self._bodies:
                    self._bodies[key] = body
                    self.size += len(body)
                while self.size > self.budget:
                    _, dropped = self._bodies.popitem(last=False)
                    self.size -= len(dropped)
        return body


#: The representations of this process (64 MiB).
REPRESENTATIONS = Representations(64 * 1024 * 1024)


def validated(
    request: Request,
    store: Store,
    key: tuple[str, ...],
    build: Callable[[], bytes],
    media_type: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """A 200 with ``build()`` as its body (built once per dataset version, then kept:
    :data:`REPRESENTATIONS`), or a 304 (without building) when the client's validators
    match."""
    etag = etag_for(store.version, *key)
    modified = last_modified(store)
    out = {"ETag": etag, "Last-Modified": modified, **(headers or {})}
    if not_modified(request, etag, modified):
        return Response(status_code=304, headers=out)
    body = REPRESENTATIONS.get(store, etag, build)
    return Response(body, media_type=media_type, headers=out)
