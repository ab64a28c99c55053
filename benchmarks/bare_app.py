"""The floor under Accord's HTTP numbers: the same store behind a bare ASGI app.

    ACCORD_STORE=/path/to/store ACCORD_PATHS='["ontology", "data.nt"]' \\
        uvicorn --factory benchmarks.bare_app:create

POST /sparql with a form-encoded ``query``: the query runs on the same read-only
on-disk ``OxigraphStore`` in a worker thread and the answer is serialised as SPARQL
JSON (or N-Triples for graphs).  No routing, validation, negotiation or middleware:
the difference between this and ``accord serve`` is what Accord's HTTP layer costs
per request.  Not an endpoint to deploy: it answers only what the benchmark asks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread

from accord.dataset import graph_files
from accord.settings import Settings
from accord.stores.oxigraph import OxigraphStore

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def create() -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    settings = Settings()
    files = graph_files(settings.paths, settings.named_paths, settings.base_iri)
    store = OxigraphStore(files, path=Path(settings.store), read_only=True)

    def answer(query: str) -> tuple[bytes, bytes]:
        result = store.query(query)
        media = (
            "application/n-triples" if result.kind == "graph" else "application/sparql-results+json"
        )
        return result.serialize(media), media.encode()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        query = parse_qs(body.decode()).get("query", [""])[0]
        status, payload, media = 200, b"", b"text/plain"
        try:
            payload, media = await anyio.to_thread.run_sync(answer, query)
        except Exception as exc:  # a benchmark tool: report any failure as a 400
            status, payload = 400, str(exc).encode()
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", media)]}
        )
        await send({"type": "http.response.body", "body": payload})

    return app
