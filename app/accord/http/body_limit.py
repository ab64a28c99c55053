"""A cap on request bodies: 413 before the body is read.

The cap is ``max_request_bytes``, and ``write_max_bytes`` for a request that carries
the write token (writes enabled): the documented cap of a write, which the smaller
general one used to override (a 2.2 MB Graph Store PUT got 413).  A client without the
token never gets past the general cap.  A ``Content-Length`` over the cap is answered
at once, without reading a byte; a body without one (chunked) is counted as it arrives
and refused as soon as it passes the cap, so no route ever holds more than the cap in
memory.
"""

from __future__ import annotations

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.errors import AccordError
from accord.http.metrics import Metrics
from accord.settings import Settings
from accord.writes.auth import authenticate


class RequestTooLarge(AccordError):
    status = 413
    reason = "body_too_large"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings, metrics: Metrics) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics

    def limit_for(self, headers: dict[bytes, bytes]) -> int:
        """The cap of a request with these headers (see the module's docstring)."""
        general = self.settings.max_request_bytes
        authorization = headers.get(b"authorization")
        if self.settings.allow_update and authorization is not None:
            try:
                authenticate(authorization.decode("latin-1"), self.settings)
            except AccordError:
                return general
            return self.settings.write_max_bytes
        return general

    @staticmethod
    def _message(size: int | None, limit: int) -> str:
        got = f"{size} bytes" if size is not None else "more"
        return f"the request body has {got}; this server accepts at most {limit} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", [])) if scope["type"] == "http" else {}
        limit = self.limit_for(headers) if scope["type"] == "http" else 0
        if limit <= 0:
            await self.app(scope, receive, send)
            return
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            from accord.http.errors import error_response

            self.metrics.reject(RequestTooLarge.reason)
            response = error_response(Request(scope), 413, self._message(int(length), limit))
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(self._message(None, limit))
            return message

        await self.app(scope, receive if length is not None else counting_receive, send)
