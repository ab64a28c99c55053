"""The named queries as pages: the catalogue, and one query with its form, its answer
as a table, its downloads and its text (``/queries``, ``/queries/{name}`` in a browser)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from accord.html import Linker, render
from accord.query.catalogue import NamedQuery
from accord.stores.base import Store

#: The downloads of an answer: ``format`` value and name.
DOWNLOADS = [("csv", "CSV"), ("tsv", "TSV"), ("json", "JSON"), ("xml", "XML")]


def catalogue_page(store: Store, queries: list[dict[str, Any]], base_iri: str, root: str) -> bytes:
    context = {"title": "Named queries", "queries": queries}
    return render("queries.html", Linker(base_iri, root), store.version, context)


def query_page(
    store: Store,
    query: NamedQuery,
    values: Mapping[str, str],
    answer: Mapping[str, Any] | None,
    error: str | None,
    base_iri: str,
    root: str,
    limit: int,
) -> bytes:
    """``answer``: the SPARQL JSON results (None with an ``error``)."""
    variables: list[str] = []
    bindings: list[dict[str, Any]] = []
    if answer is not None:
        variables = list(answer.get("head", {}).get("vars", []))
        bindings = list(answer.get("results", {}).get("bindings", []))
    rows = bindings[:limit]
    linker = Linker(base_iri, root)
    iris = {c["value"] for row in rows for c in row.values() if c.get("type") == "uri"}
    linker.learn(store, sorted(iris))

    def download(fmt: str) -> str:
        return "?" + urllib.parse.urlencode({**values, "format": fmt})

    def cite(fmt: str) -> str:
        params = {"named": query.name, **values, "format": fmt}
        return f"{root}/cite?" + urllib.parse.urlencode(params)

    context = {
        "title": query.title,
        "query": query,
        "values": values,
        "error": error,
        "variables": variables,
        "rows": rows,
        "total": len(bindings),
        "more": len(bindings) > len(rows),
        "downloads": DOWNLOADS,
        "download": download,
        "cite": cite,
    }
    return render("named_query.html", linker, store.version, context)
