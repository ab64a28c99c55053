"""Conditional Graph Store writes (RFC 9110, 13.1): ``If-Match`` and ``If-None-Match``.

Two clients that read a graph, change it and PUT it back would each silently overwrite
the other's change. A GET of a graph answers an ``ETag``; a write that sends it back in
``If-Match`` is applied only if the graph is still as that client read it (else 412
Precondition Failed, nothing changed), and ``If-None-Match: *`` creates a graph only
if it does not exist yet. The check runs under the writer lock, with the write, so no
other write can come in between.

The entity tag names the graph's content, not the dataset version, so a write to
another graph does not fail this one: the first 16 hex digits of the SHA-256 of its
triples in N-Triples, sorted. A representation's ETag adds its format
(``"<content>-ttl"``), since its bytes differ by format; preconditions compare the
content part, so a tag read as Turtle is good for a PUT of N-Triples.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from accord.errors import AccordError

_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')


class PreconditionFailed(AccordError):
    status = 412
    reason = "precondition"


def content_tag(quads: Iterable[ox.Quad]) -> str:
    """The tag of a graph's content (see the module docstring)."""
    lines = sorted(str(q.triple) for q in quads)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]


def representation_etag(content: str, fmt: str) -> str:
    return f'"{content}-{fmt}"'


def _tags(header: str) -> list[tuple[bool, str]] | None:
    """``(weak, content part)`` of each entity tag; None for ``*``. A malformed list
    matches nothing (RFC 9110 asks for no repair)."""
    if header.strip() == "*":
        return None
    found = []
    at = 0
    while at < len(header):
        m = _TAG.match(header, at)
        if m is None:
            break
        found.append((bool(m.group(1)), m.group(2).split("-", 1)[0]))
        at = m.end()
    return found


@dataclass(frozen=True)
class Preconditions:
    """The conditional headers of a write request (None: absent)."""

    if_match: str | None = None
    if_none_match: str | None = None

    def __bool__(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None

    def matches(self, etag: str) -> bool:
        """Whether If-None-Match names this representation's ``etag`` (a GET answers 304
        then): weak comparison of whole tags, the format part included."""
        if self.if_none_match is None:
            return False
        if self.if_none_match.strip() == "*":
            return True
        whole = etag.strip('"')
        return any(m.group(2) == whole for m in _TAG.finditer(self.if_none_match))

    def check(self, exists: bool, content: Callable[[], str]) -> None:
        """Raise ``PreconditionFailed`` unless the write may go on (RFC 9110, 13.2.2:
        If-Match first, then If-None-Match). ``content()`` is the current tag."""
        if self.if_match is not None:
            tags = _tags(self.if_match)
            if tags is None:
                ok = exists
            else:  # strong comparison: a weak tag never matches
                ok = exists and any(not weak and tag == content() for weak, tag in tags)
            if not ok:
                raise PreconditionFailed(
                    "If-Match: the graph has changed since that ETag was read (or does not "
                    "exist); nothing was changed. GET it again, merge, and retry with the "
                    "new ETag"
                )
        if self.if_none_match is not None:
            tags = _tags(self.if_none_match)
            if tags is None:
                matched = exists
            else:  # weak comparison
                matched = exists and any(tag == content() for _, tag in tags)
            if matched:
                raise PreconditionFailed(
                    "If-None-Match: the graph already exists"
                    + ("" if tags is None else " as that ETag names it")
                    + "; nothing was changed"
                )
