"""Answers kept per dataset version: a query asked again is answered from memory.

Researchers re-run the same queries (the named queries, a notebook's cells, a page's
polling), and the Wikidata Query Service answers them from a cache. Here a successful
answer is kept under everything it depends on: the dataset version, the query text,
the Accept header and ``format`` parameter, the label option, the protocol's dataset
and the base IRI. A write makes a new version, so an answer is never served for a
version it was not computed on (old entries are not even looked at again, and leave
as the least recently used). Only 200 answers are kept (an error is raised before
anything is stored), within ``answer_cache_mb`` of memory.

Queries whose answer may change from one run to the next are not kept: those calling
RAND, NOW, UUID, STRUUID or BNODE (a regular expression over the text; a name in a
string or a comment makes the query uncached, never the reverse).

Only the embedded store has a cache: an external store can change behind Accord's back,
without a new version.

The hit path runs inside the access log, the rate limit and the body cap (they are
middleware), and before the query checks and the client's share of the workers (a hit
uses no worker). The same key, as a strong ETag, lets a GET be answered 304.
"""

from __future__ import annotations

import collections
import hashlib
import re
import threading
from dataclasses import dataclass

from accord.query.worker import Answer

_VOLATILE = re.compile(r"\b(?:RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)
#: Bookkeeping per entry beyond the answer's bytes (the key, the objects).
_OVERHEAD = 512


def deterministic(text: str) -> bool:
    """False when the query may answer differently each time it runs."""
    return _VOLATILE.search(text) is None


@dataclass(frozen=True)
class AnswerKey:
    version: str
    text: str
    accept: str | None
    fmt: str | None
    labels: bool
    dataset: str  # the protocol's dataset, as text ("" without one)
    base_iri: str | None

    def digest(self) -> str:
        """16 hex digits naming this request's answer (the ETag's second half)."""
        parts = [self.text, self.accept or "", self.fmt or "", str(self.labels), self.dataset]
        parts.append(self.base_iri or "")
        return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def etag(self) -> str:
        return f'"{self.version}-{self.digest()}"'

    def size(self) -> int:
        return len(self.text) + len(self.accept or "") + _OVERHEAD


class AnswerCache:
    """Least recently used answers within ``max_bytes`` (0: keeps nothing)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._entries: collections.OrderedDict[AnswerKey, Answer] = collections.OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, key: AnswerKey) -> Answer | None:
        if self.max_bytes <= 0:
            return None
        with self._lock:
            answer = self._entries.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: AnswerKey, answer: Answer) -> bool:
        """Keep ``answer`` (False if it is too big for an eighth of the budget)."""
        size = len(answer.body) + key.size()
        if self.max_bytes <= 0 or size > self.max_bytes // 8:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body) + key.size()
            self._entries[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                gone, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body) + gone.size()
        return True
