"""The application's own share of a request: the whole ASGI stack (middlewares, routing,
the ``/sparql`` endpoint) called in-process, without an HTTP server or a socket, for a
cache hit of ``/sparql`` and for ``/health`` (issue 17: where a request's time goes).
What ``accord serve`` spends per request beyond this is uvicorn's HTTP and asyncio's
transport.

    .venv/bin/python -m benchmarks.in_app [--requests 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import urllib.parse
from typing import Any

from accord.main import create_app
from accord.settings import Settings

LOOKUP = "ASK { <https://w3id.org/accord/id/FR> ?p ?o }"


def _scope(path: str, query: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", b"127.0.0.1"), (b"accept", b"application/sparql-results+json")],
        "client": ("127.0.0.1", 1234),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _run(requests: int) -> dict[str, float]:
    app = create_app(Settings(access_log=False, rate_limit_per_second=0))
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    lookup = urllib.parse.urlencode({"query": LOOKUP}).encode()
    out: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        await app(_scope("/sparql", lookup), receive, send)  # the miss that fills the cache
        assert sent[0]["status"] == 200, sent[0]
        for name, path, query in (("/sparql hit", "/sparql", lookup), ("/health", "/health", b"")):
            began = time.perf_counter()
            for _ in range(requests):
                await app(_scope(path, query), receive, send)
            out[name] = (time.perf_counter() - began) / requests * 1e6
            sent.clear()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args(argv)
    for name, us in asyncio.run(_run(args.requests)).items():
        print(f"{name}: {us:.0f} µs a request in-process")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
