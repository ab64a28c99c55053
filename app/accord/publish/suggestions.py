"""Near IRIs for a 404 page, from an index of the IRIs the dataset knows.

Each 404 used to scan the store for the subjects under the unknown IRI's namespace (up
to 20,000) and compare the IRI with every one of them (``difflib``): about 1 s per 404
at 150k triples, for anyone who asks for ``/id/anything``.  Now the subjects under the
base are read once per dataset version (the services keep the index with the pages,
``http/cache.py``), grouped by namespace (the IRI up to its last ``/``), and a 404
compares the unknown IRI only with the ``WINDOW`` names on each side of it in two
orders: sorted as written (names sharing its longest beginning: a typo near the end) and
sorted backwards (names sharing its longest ending: a typo near the start).  That is at
most ``4 * WINDOW`` comparisons whatever the size of the data; a name that shares
neither a beginning nor an ending with the request is not suggested.
"""

from __future__ import annotations

import difflib
import sys
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

#: Names compared on each side of the unknown IRI, in each order.
WINDOW = 64
#: Suggestions given, and how near they must be (``difflib`` ratio over the whole IRI).
SUGGESTIONS = 5
CUTOFF = 0.75


def namespace_of(iri: str) -> str:
    """What a 404 suggests within: the IRI up to its last ``/``."""
    return iri[: iri.rfind("/") + 1]


@dataclass
class _Names:
    names: list[str]  # local names, sorted
    backwards: array[int]  # positions in ``names``, sorted by the reversed name

    def near(self, local: str) -> set[str]:
        names, window = self.names, WINDOW
        at = bisect_left(names, local)
        found = set(names[max(0, at - window) : at + window])
        backwards = self.backwards
        at = bisect_left(backwards, local[::-1], key=lambda i: names[i][::-1])
        found.update(names[i] for i in backwards[max(0, at - window) : at + window])
        return found


class IriIndex:
    """The known IRIs by namespace (see the module docstring); ``size``: an estimate of
    its memory in bytes, for the cache's budget."""

    def __init__(self, iris: Iterable[str]) -> None:
        grouped: dict[str, set[str]] = defaultdict(set)
        for iri in iris:
            namespace = namespace_of(iri)
            grouped[namespace].add(iri[len(namespace) :])
        self._by_namespace: dict[str, _Names] = {}
        self.size = 0
        for namespace, locals_ in grouped.items():
            names = sorted(locals_)
            backwards = array("I", sorted(range(len(names)), key=lambda i: names[i][::-1]))
            self._by_namespace[namespace] = _Names(names, backwards)
            self.size += sum(sys.getsizeof(n) + 8 for n in names) + 4 * len(names)

    def __len__(self) -> int:
        return sum(len(n.names) for n in self._by_namespace.values())

    def suggest(self, iri: str, n: int = SUGGESTIONS, cutoff: float = CUTOFF) -> list[str]:
        """Known IRIs near ``iri``, nearest first."""
        namespace = namespace_of(iri)
        names = self._by_namespace.get(namespace)
        if names is None:
            return []
        candidates = sorted(namespace + local for local in names.near(iri[len(namespace) :]))
        return difflib.get_close_matches(iri, candidates, n=n, cutoff=cutoff)
