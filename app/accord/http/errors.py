"""Exception handlers: each typed ``AccordError`` becomes its HTTP status with a body
naming the problem (plain text, or JSON for a client that asks for ``application/json``).
A bug (any other exception) stays a logged 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.status import HTTP_500_INTERNAL_SERVER_ERROR

from accord.errors import AccordError
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
    """The error body: JSON ``{"status", "error", "detail"}`` or ``Error: detail`` text."""
    title = _TITLES.get(status, "Error")
    accept = request.headers.get("accept")
    if best_match(accept, ["text/plain", "application/json"]) == "application/json":
        return JSONResponse({"status": status, "error": title, "detail": message}, status)
    return PlainTextResponse(f"{title}: {message}\n", status)


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
