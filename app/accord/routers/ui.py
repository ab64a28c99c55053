"""The query UI: YASGUI, vendored under ``app/static``, opened on the named-query catalogue.

``GET /`` answers one HTML page.  Everything the page needs is embedded in it or served
from ``/static`` by this router (no CDN, no third-party request): the catalogue of named
queries as ready tabs, the project's prefix map for YASQE's prefix autocompletion, the
classes and properties of the dataset for its class and property autocompletion, and the
base IRI whose IRIs link to this server's pages.  The page's scripts (``static/ui*.js``)
add the result views (readable table, chart, timeline, graph), the code snippets and the
permalinks; docs/workbench.md describes them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from accord import __version__
from accord.errors import AccordError
from accord.http.deps import ServiceDep, SettingsDep, services_of
from accord.namespaces import PREFIXES
from accord.query.catalogue import NamedQuery
from accord.routers.named_queries import CatalogueDep
from accord.settings import Settings
from accord.sparql_text import declared_prefixes, tokens
from accord.stores.base import Store

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
#: At most this many classes and properties are offered for autocompletion.
MAX_TERMS = 2000

logger = logging.getLogger(__name__)
router = APIRouter(tags=["ui"])
_static = StaticFiles(directory=STATIC_DIR)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def index(
    request: Request, store: ServiceDep, settings: SettingsDep, catalogue: CatalogueDep
) -> HTMLResponse:
    """The query page: YASGUI with one tab per named query, the first one run on load."""
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    page = page.replace("__ACCORD_VERSION__", __version__)
    page = page.replace(
        "__ACCORD_CONFIG__",
        _script_json(
            ui_config(
                settings, catalogue.values(), dataset_terms(services_of(request).per_version, store)
            )
        ),
    )
    return HTMLResponse(
        page, headers={"Content-Security-Policy": content_security_policy(settings)}
    )


@router.get("/static/{path:path}", include_in_schema=False)
async def static(path: str, request: Request) -> Response:
    """The page's own scripts and styles, and the vendored YASGUI (with ETag and 304s)."""
    return await _static.get_response(path, request.scope)


def ui_config(
    settings: Settings, catalogue: Iterable[NamedQuery], terms: tuple[list[str], list[str]]
) -> dict[str, object]:
    """What the page's script needs, embedded in the page as JSON."""
    classes, properties = terms
    return {
        # None: the page uses the ``sparql`` endpoint next to itself, whatever the host.
        "endpoint": settings.public_url,
        # Result IRIs under the base link to this server's pages ({base}{rest} is served
        # at {root}/{rest}, as accord.html.Linker links them); the page resolves {rest}
        # against its own address, so this works behind any host or path prefix.
        "base_iri": settings.base_iri,
        "prefixes": PREFIXES,
        "queries": [
            {
                "name": q.name,
                "title": q.title,
                "description": q.description,
                "query": tab_query(q.text),
            }
            for q in catalogue
        ],
        "classes": classes,
        "properties": properties,
    }


def content_security_policy(settings: Settings) -> str:
    """Scripts, styles and requests from this origin only (plus a public endpoint URL)."""
    connect = "'self'"
    if settings.public_url:
        parts = urlsplit(settings.public_url)
        connect += f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; "
        # YASGUI and CodeMirror set inline styles and use data: URIs for icons.
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        f"connect-src {connect}; object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
    )


def tab_query(text: str) -> str:
    """A named query as an editor tab shows it: the header comments dropped (the page
    shows the title and description above the editor) and PREFIX declarations for only
    the project prefixes it uses (the catalogue prepends all of them)."""
    project = {f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items()}
    lines = text.splitlines()
    own: list[str] = []  # the query's own declarations, kept
    n = 0
    while n < len(lines):
        line = lines[n].strip()
        if line and not line.startswith("#") and line not in project:
            if not re.match(r"(?i)PREFIX\s", line):
                break
            own.append(lines[n])
        n += 1
    body = "\n".join([*own, *lines[n:]]).strip()
    declared = declared_prefixes(body)
    used = {t.text.partition(":")[0] for t in tokens(body) if t.kind == "word" and ":" in t.text}
    prologue = "".join(
        f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p in used and p not in declared
    )
    return prologue + body + "\n"


_CLASSES = """
SELECT DISTINCT ?t WHERE {
  { ?t a ?k . VALUES ?k { <http://www.w3.org/2002/07/owl#Class>
                          <http://www.w3.org/2000/01/rdf-schema#Class> } }
  UNION { ?s a ?t }
  FILTER isIRI(?t)
} ORDER BY ?t LIMIT %d
"""
_PROPERTIES = """
SELECT DISTINCT ?t WHERE {
  { ?t a ?k . VALUES ?k { <http://www.w3.org/2002/07/owl#ObjectProperty>
                          <http://www.w3.org/2002/07/owl#DatatypeProperty>
                          <http://www.w3.org/2002/07/owl#AnnotationProperty>
                          <http://www.w3.org/1999/02/22-rdf-syntax-ns#Property> } }
  UNION { ?s ?t ?o }
  FILTER isIRI(?t)
} ORDER BY ?t LIMIT %d
"""


def dataset_terms(
    per_version: dict[str, tuple[str, Any]], store: Store
) -> tuple[list[str], list[str]]:
    """Class and property IRIs declared or used in the dataset, for autocompletion.

    Kept among the services' per-version facts for the store's current version; if the
    store cannot answer, the page still loads, with no such completions.
    """
    cached = per_version.get("ui_terms")
    if cached is not None and cached[0] == store.version:
        return cached[1]  # type: ignore[no-any-return]
    try:
        terms = (
            [str(row["t"]) for row in store.select(_CLASSES % MAX_TERMS)],
            [str(row["t"]) for row in store.select(_PROPERTIES % MAX_TERMS)],
        )
    except AccordError:
        logger.exception("the store did not answer the UI's class and property queries")
        return [], []
    per_version["ui_terms"] = (store.version, terms)
    return terms


def _script_json(value: object) -> str:
    """JSON safe to embed in a ``<script type="application/json">`` element."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
