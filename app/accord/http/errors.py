"""Exception handlers: each typed ``AccordError`` becomes its HTTP status with a body
naming the problem (plain text, or JSON for a client that asks for ``application/json``).
A bug (any other exception) stays a logged 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.status import HTTP_500_INTERNAL_SERVER_ERROR

from accord.errors import AccordError
from accord.html import HTML_HEADERS
from accord.namespaces import DEFAULT_BASE
from accord.query.negotiation import best_match

logger = logging.getLogger("accord")

_TITLES = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    406: "Not Acceptable",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    499: "Client Closed Request",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def error_response(request: Request, status: int, message: str) -> Response:
    """The error body: JSON ``{"status", "error", "detail"}``, ``Error: detail`` text, or
    a page for a browser (a client whose Accept names text/html: curl, SPARQL clients
    and scripts get text)."""
    title = _TITLES.get(status, "Error")
    accept = request.headers.get("accept")
    if "text/html" in (accept or "") and _wants_html(accept):
        return HTMLResponse(_page(request, status, title, message), status, headers=HTML_HEADERS)
    if best_match(accept, ["text/plain", "application/json"]) == "application/json":
        return JSONResponse({"status": status, "error": title, "detail": message}, status)
    return PlainTextResponse(f"{title}: {message}\n", status)


def _wants_html(accept: str | None) -> bool:
    return best_match(accept, ["text/plain", "text/html", "application/json"]) == "text/html"


def _page(request: Request, status: int, title: str, message: str) -> bytes:
    from accord.html import Linker, render

    services = getattr(request.app.state, "services", None)
    settings = getattr(services, "settings", None)
    base = getattr(settings, "base_iri", DEFAULT_BASE)
    version = getattr(getattr(services, "store", None), "version", "")
    root = request.scope.get("root_path", "")
    context = {"title": title, "status": status, "message": message}
    return render("error.html", Linker(base, root), version, context)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (a path no route serves, a method not allowed): the same
    bodies as Accord's, so a browser gets a page, not ``{"detail": "Not Found"}``."""
    assert isinstance(exc, StarletteHTTPException)
    response = error_response(
        request, exc.status_code, _HTTP_MESSAGES.get(exc.status_code, exc.detail)
    )
    response.headers.update(exc.headers or {})
    return response


_HTTP_MESSAGES = {
    404: "this server has no page at this address",
    405: "this address does not answer this method",
}


async def _accord_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status", HTTP_500_INTERNAL_SERVER_ERROR)
    reason = getattr(exc, "reason", None)  # set on expected refusals (timeout, busy...)
    if status >= 500 and not reason:
        logger.error("%s on %s %s", exc, request.method, request.url.path, exc_info=exc)
    services = getattr(request.app.state, "services", None)
    metrics = getattr(services, "metrics", None)
    if reason and metrics is not None:
        metrics.reject(reason)  # refusals by reason, for /metrics
    response = error_response(request, status, str(exc))
    response.headers.update(getattr(exc, "headers", None) or {})  # e.g. Retry-After
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AccordError, _accord_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
