"""Entity search by label: a small word index built once per dataset version.

Researchers look things up by name ("Kristersson", "ceasefire", "Paris declaration"),
not by IRI. The index holds every resource's labels (``rdfs:label``,
``skos:prefLabel``, ``skos:altLabel``, ``foaf:name``, ``schema:name``), folded to
lower case without accents, split into words; a query matches a label when each of its
words begins a word of the label. Results are ranked: the whole label equal to the
query, then labels with the fewest words beyond the query's (a person's name before the
statements that mention it), labels beginning with the query, shorter labels first. The index
is kept with the pages (``http/cache.py``), so a search costs a lookup, never a scan.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass

#: The label properties read, in the order a resource's display label is chosen.
LABELS = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://xmlns.com/foaf/0.1/name",
    "https://schema.org/name",
    "http://www.w3.org/2004/02/skos/core#altLabel",
)
QUERY = (
    "SELECT ?s ?l WHERE { VALUES ?p { "
    + " ".join(f"<{p}>" for p in LABELS)
    + " } ?s ?p ?l . FILTER(isIRI(?s) && isLiteral(?l)) }"
)
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case, accents dropped (``Kristersson`` and ``kristerßon`` aside)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str


class LabelIndex:
    """Words of the labels, sorted, each with the labels it occurs in."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.labels: list[tuple[str, str]] = sorted(set(pairs))  # (iri, label)
        postings: dict[str, set[int]] = defaultdict(set)
        for n, (_, label) in enumerate(self.labels):
            for word in _WORD.findall(fold(label)):
                postings[word].add(n)
        self.words = sorted(postings)
        self.postings = [postings[w] for w in self.words]
        self.size = sum(sys.getsizeof(i) + sys.getsizeof(label) for i, label in self.labels) * 3

    def _starting(self, prefix: str) -> set[int]:
        found: set[int] = set()
        at = bisect_left(self.words, prefix)
        while at < len(self.words) and self.words[at].startswith(prefix):
            found |= self.postings[at]
            at += 1
        return found

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        words = _WORD.findall(fold(query))
        if not words:
            return []
        matches: set[int] | None = None
        for word in words:
            found = self._starting(word)
            matches = found if matches is None else matches & found
            if not matches:
                return []
        assert matches is not None
        wanted = fold(query).strip()

        def rank(n: int) -> tuple[bool, int, bool, int, str]:
            # The label equal to the query first, then labels with the fewest words
            # beyond the query's (a name before the sentences that mention it).
            label = fold(self.labels[n][1])
            extra = len(_WORD.findall(label)) - len(words)
            starts = label.startswith(wanted)
            return (label != wanted, extra, not starts, len(label), self.labels[n][1])

        hits: list[Hit] = []
        seen: set[str] = set()
        for n in sorted(matches, key=rank):
            iri, label = self.labels[n]
            if iri not in seen:
                seen.add(iri)
                hits.append(Hit(iri, label))
            if len(hits) == limit:
                break
        return hits
