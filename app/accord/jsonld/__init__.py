"""Accord's JSON-LD: the published context, compaction and frames.

The context (``context.jsonld`` beside this file) gives readable keys: a term for every
class and property of the ontology (``committedBy``, ``hasCondition``, ``label``...),
the project's prefixes for IRIs (``id:FR``, ``concept:Ceasefire``), calendar dates as
plain strings (a date given only as a month or a year keeps its type:
``"accord:date": {"@value": "2026-01", "@type": "xsd:gYearMonth"}``) and English as
the default language.  It is published at
``{base}context.jsonld`` (served at ``/context.jsonld``), and the JSON-LD that the
server answers refers to it by that IRI.

JSON-LD processing uses PyLD with a document loader that serves that one context from
this folder and refuses every other URL: Accord never fetches anything over the network.

A frame (``frames/{name}.jsonld``) comes with a SPARQL CONSTRUCT query
(``frames/{name}.rq``) that gathers what the frame nests, with ``?this`` bound to the
resource; ``frame(store, iri, name)`` runs the query and frames its result.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyld import jsonld
from rdflib import URIRef

from accord.errors import BadRequest
from accord.namespaces import DEFAULT_BASE
from accord.publish.describe import ask
from accord.stores.base import Store

HERE = Path(__file__).resolve().parent
CONTEXT_FILE = HERE / "context.jsonld"
FRAMES_DIR = HERE / "frames"
CONTEXT_NAME = "context.jsonld"


class ContextRefused(jsonld.JsonLdError):  # type: ignore[misc]
    """A JSON-LD document named a remote document other than Accord's context."""


@lru_cache(maxsize=1)
def _context_text() -> str:
    return CONTEXT_FILE.read_text(encoding="utf-8")


def context_document() -> dict[str, Any]:
    """The published context document (a fresh copy)."""
    return json.loads(_context_text())  # type: ignore[no-any-return]


def context_iri(base_iri: str | None = None) -> str:
    return f"{base_iri or DEFAULT_BASE}{CONTEXT_NAME}"


def document_loader(base_iri: str | None = None, also: Iterable[str] = ()):  # type: ignore[no-untyped-def]
    """A PyLD document loader that knows Accord's context (by its published IRI, by the
    base IRI's, and by the IRIs in ``also``: a server's copy) and refuses everything
    else."""
    known = {context_iri(), context_iri(base_iri), *also}

    def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        if url in known:
            return {
                "contentType": "application/ld+json",
                "contextUrl": None,
                "documentUrl": url,
                "document": context_document(),
            }
        raise ContextRefused(
            f"Accord loads no remote JSON-LD document; refused {url}",
            "jsonld.LoadDocumentError",
            code="loading remote context failed",
        )

    return load


def compact_nquads(nquads: str, base_iri: str | None = None) -> dict[str, Any]:
    """N-Quads (or N-Triples) as compact JSON-LD referring to the context by its IRI.

    The nodes come in the order of their ``@id``; the values of a property in the order
    of the input, so sorted input gives the same document every time."""
    loader = document_loader(base_iri)
    expanded = jsonld.from_rdf(nquads, {"format": "application/n-quads"})
    doc = jsonld.compact(expanded, context_iri(base_iri), {"documentLoader": loader})
    if "@graph" not in doc:
        # A single node compacts without @graph; keep one shape for every document.
        ctx = doc.pop("@context")
        doc = {"@context": ctx, "@graph": [doc] if doc else []}
    return doc  # type: ignore[no-any-return]


def to_nquads(doc: dict[str, Any], base_iri: str | None = None, also: Iterable[str] = ()) -> str:
    """A JSON-LD document (using Accord's context, also known by the IRIs in ``also``)
    as N-Quads."""
    loader = document_loader(base_iri, also)
    options = {"format": "application/n-quads", "documentLoader": loader}
    return jsonld.to_rdf(doc, options)  # type: ignore[no-any-return]


# --- frames -----------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    name: str
    frame: dict[str, Any]
    query: str  # a CONSTRUCT with ?this
    applies_to: str  # the class IRI the frame is for

    def document(self, base_iri: str | None = None) -> dict[str, Any]:
        """The frame document, its context pointing at the published context's IRI."""
        doc = copy.deepcopy(self.frame)
        ctx = doc.get("@context")
        if isinstance(ctx, list):
            doc["@context"] = [context_iri(base_iri) if c == context_iri() else c for c in ctx]
        return doc


_APPLIES = re.compile(r"^#\s*applies-to:\s*<(?P<iri>[^>]+)>", re.MULTILINE)


@lru_cache(maxsize=1)
def frames() -> dict[str, Frame]:
    """Every frame of ``frames/``, by name."""
    out = {}
    for path in sorted(FRAMES_DIR.glob("*.jsonld")):
        query = path.with_suffix(".rq").read_text(encoding="utf-8")
        m = _APPLIES.search(query)
        if not m:
            raise ValueError(f"{path.with_suffix('.rq')}: no '# applies-to: <IRI>' line")
        frame = json.loads(path.read_text(encoding="utf-8"))
        out[path.stem] = Frame(path.stem, frame, query, m["iri"])
    return out


def get_frame(name: str) -> Frame:
    found = frames().get(name)
    if found is None:
        raise BadRequest(f"unknown frame {name!r}; frames: {', '.join(frames()) or 'none'}")
    return found


def frame_resource(store: Store, iri: str, name: str, base_iri: str | None = None) -> dict:
    """The resource framed with frame ``name``; BadRequest if it is not of the frame's
    class."""
    spec = get_frame(name)
    this = URIRef(iri).n3()
    if not ask(store, f"ASK {{ {this} a <{spec.applies_to}> }}"):
        raise BadRequest(
            f"frame {name!r} applies to instances of <{spec.applies_to}>; <{iri}> is not one"
        )
    query = spec.query.replace("?this", this)
    nquads = store.query(query).serialize("application/n-triples").decode()
    loader = document_loader(base_iri)
    expanded = jsonld.from_rdf(nquads, {"format": "application/n-quads"})
    frame_doc = spec.document(base_iri)
    frame_doc["@id"] = iri
    framed = jsonld.frame(
        expanded,
        frame_doc,
        {"documentLoader": loader, "omitGraph": True, "embed": "@once", "omitDefault": True},
    )
    return framed  # type: ignore[no-any-return]
