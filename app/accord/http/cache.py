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
triples takes seconds, and their answer changes only with the version.  Building is
bounded too: one build per key at a time, a few builds at once, each within a time
budget (``page_builds``, ``page_queue_timeout``, ``page_timeout``); a request that
cannot get a build slot in time is a 503 with Retry-After.  The routes that build are
plain ``def`` routes: FastAPI runs them in its thread pool, off the event loop.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import TypeVar

from fastapi import Request
from fastapi.responses import Response

from accord.errors import AccordError
from accord.http.deps import services_of
from accord.query import budget
from accord.settings import Settings
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


def etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == wanted for t in header.split(","))


def not_modified(request: Request, etag: str, modified: str) -> bool:
    """True if the client's copy is current (RFC 9110: If-None-Match wins over
    If-Modified-Since, which only applies to GET and HEAD)."""
    inm = request.headers.get("if-none-match")
    if inm is not None:
        return etag_matches(inm, etag)
    ims = request.headers.get("if-modified-since")
    if ims and request.method in ("GET", "HEAD"):
        try:
            return parsedate_to_datetime(ims) >= parsedate_to_datetime(modified)
        except (TypeError, ValueError):
            return False
    return False


class PagesBusy(AccordError):
    """Every page build slot stayed taken (``page_builds``) for ``page_queue_timeout``,
    or too many requests already wait for one."""

    status = 503
    reason = "pages_busy"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


#: Requests that may wait for a build slot, per slot; more are refused at once: each
#: waiting request holds one of the server's threads, which other routes need.
WAITING_PER_BUILD = 4

T = TypeVar("T")


@dataclass
class _Flight:
    """One build under way; requests for the same key wait for it instead of building."""

    done: threading.Event = field(default_factory=threading.Event)
    value: object = None
    error: BaseException | None = None


class Representations:
    """Bodies (and other values, ``memo``) built for the current dataset versions.

    * **Kept** within ``budget`` bytes, least recently used out first; a value bigger
      than a quarter of the budget is not kept.  A value is found by its store and key
      (an ETag names the version): a new version (a write) misses, and the values of
      older versions age out.  A value is kept only if the query workers already saw
      the store's version when its build began (``readers``, set by the services once
      the workers are refreshed after a commit) and the version did not change while it
      was built: a page built from the old data during a write is served once, never
      kept under the new version.
    * **Built once**: requests for a key being built wait for that build (at most
      ``wait`` seconds, then ``PagesBusy``) and share its value or its error.
    * **Bounded**: at most ``builds`` builds at once (0: no limit), each given
      ``timeout`` seconds (``accord.query.budget``); a build waits at most ``wait``
      seconds for a slot, and at most ``WAITING_PER_BUILD * builds`` requests wait.
    """

    def __init__(
        self, budget: int, builds: int = 0, wait: float = 10.0, timeout: float = 0.0
    ) -> None:
        self.budget = budget
        self.builds = builds
        self.wait = wait
        self.timeout = timeout
        #: The dataset version the query workers see (None: whatever the store's is).
        self.readers: str | None = None
        self.size = 0
        self.hits = 0
        self.misses = 0
        self.built = 0
        self._items: OrderedDict[tuple[int, str], tuple[object, int]] = OrderedDict()
        self._flights: dict[tuple[int, str], _Flight] = {}
        self._slots = threading.BoundedSemaphore(builds) if builds > 0 else None
        self._waiting = 0
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Representations:
        return cls(
            settings.page_cache_mb * 1024 * 1024,
            settings.page_builds,
            settings.page_queue_timeout,
            settings.page_timeout,
        )

    def get(self, store: Store, etag: str, build: Callable[[], bytes]) -> bytes:
        """The body under ``etag``, built by ``build()`` if not kept."""
        return self.memo(store, etag, build, len)

    def memo(self, store: Store, key: str, build: Callable[[], T], size: Callable[[T], int]) -> T:
        """The value under ``key`` (which must name the dataset version), built by
        ``build()`` if not kept; ``size(value)``: its cost in bytes against the budget."""
        slot = (id(store), key)
        with self._lock:
            found = self._items.get(slot)
            if found is not None:
                self._items.move_to_end(slot)
                self.hits += 1
                return found[0]  # type: ignore[return-value]
            self.misses += 1
            flight = self._flights.get(slot)
            leader = flight is None
            if flight is None:
                flight = self._flights[slot] = _Flight()
        if not leader:
            return self._follow(flight)  # type: ignore[return-value]
        try:
            value, version = self._build(store, build)
            flight.value = value
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                del self._flights[slot]
            flight.done.set()
        self._keep(store, slot, value, size(value), version)
        return value

    def _follow(self, flight: _Flight) -> object:
        if not flight.done.wait(self.wait):
            raise self._busy(f"this page is still being built after {self.wait:g} s")
        if flight.error is not None:
            raise flight.error
        return flight.value

    def _build(self, store: Store, build: Callable[[], T]) -> tuple[T, str | None]:
        """``build()`` within the bounds, and the version it was built from: None if the
        query workers did not see the store's version when it began (``readers``)."""
        slots = self._slots
        if slots is not None and not slots.acquire(blocking=False):
            with self._lock:
                full = self._waiting >= WAITING_PER_BUILD * self.builds
                if not full:
                    self._waiting += 1
            if full:
                raise self._busy("too many pages are waiting to be built")
            try:
                got = slots.acquire(timeout=self.wait)
            finally:
                with self._lock:
                    self._waiting -= 1
            if not got:
                raise self._busy(f"all {self.builds} page builds stayed busy for {self.wait:g} s")
        try:
            version: str | None = store.version
            if self.readers not in (None, version):
                version = None  # a commit whose workers are not refreshed yet
            with budget.within(self.timeout):
                value = build()
            with self._lock:
                self.built += 1
            return value, version
        finally:
            if slots is not None:
                slots.release()

    def _keep(
        self, store: Store, slot: tuple[int, str], value: object, size: int, version: str | None
    ) -> None:
        if size > self.budget // 4:
            return
        if version is None or store.version != version:
            return  # begun before the workers saw its version, or built across a write
        with self._lock:
            if slot not in self._items:
                self._items[slot] = (value, size)
                self.size += size
            while self.size > self.budget:
                _, (_, dropped) = self._items.popitem(last=False)
                self.size -= dropped

    def _busy(self, why: str) -> PagesBusy:
        return PagesBusy(f"{why}; retry later", retry_after=max(1, round(self.wait)))


_DEFAULTS = Settings.model_fields
#: Representations for callers without the application's services (the service
#: description of ``routers/sparql.py``), with the settings' default limits; the pages
#: and documents use the services' own (``validated``), sized by the settings.
REPRESENTATIONS = Representations(
    _DEFAULTS["page_cache_mb"].default * 1024 * 1024,
    _DEFAULTS["page_builds"].default,
    _DEFAULTS["page_queue_timeout"].default,
    _DEFAULTS["page_timeout"].default,
)


def validated(
    request: Request,
    store: Store,
    key: tuple[str, ...],
    build: Callable[[], bytes],
    media_type: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """A 200 with ``build()`` as its body (built once per dataset version, then kept:
    the services' :class:`Representations`), or a 304 (without building) when the
    client's validators match."""
    etag = etag_for(store.version, *key)
    modified = last_modified(store)
    out = {"ETag": etag, "Last-Modified": modified, **(headers or {})}
    if not_modified(request, etag, modified):
        return Response(status_code=304, headers=out)
    body = services_of(request).representations.get(store, etag, build)
    return Response(body, media_type=media_type, headers=out)
