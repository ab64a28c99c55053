"""A cap on request bodies (``max_request_bytes``): 413 before the body is read.

A ``Content-Length`` over the cap is answered at once, without reading a byte; a body
without one (chunked) is counted as it arrives and refused as soon as it passes the
cap, so no route ever holds more than the cap in memory.
"""

from __future__ import annotations

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.errors import AccordError
from accord.metrics import Metrics


class RequestTooLarge(AccordError):
    status = 413
    reason = "body_too_large"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: int, metrics: Metrics) -> None:
        self.app = app
        self.limit = limit
        self.metrics = metrics

    def _message(self, size: int | None) -> str:
        got = f"{size} bytes" if size is not None else "more"
        return f"the request body has {got}; this server accepts at most {self.limit} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            from accord.routers.errors import error_response

            self.metrics.reject(RequestTooLarge.reason)
            response = error_response(Request(scope), 413, self._message(int(length)))
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise RequestTooLarge(self._message(None))
            return message

        await self.app(scope, receive if length is not None else counting_receive, send)
