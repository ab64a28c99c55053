"""ASGI middleware: every response names the version of the dataset it was computed from."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

VERSION_HEADER = "X-Accord-Dataset-Version"


class DatasetVersionMiddleware:
    """Adds ``X-Accord-Dataset-Version: {store.version}`` to every HTTP response.

    The version is read from the application's store on each response, so a store whose
    content changes is reported truthfully.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                services = getattr(scope["app"].state, "services", None)
                store = getattr(services, "store", None)
                if store is not None:
                    MutableHeaders(scope=message).append(VERSION_HEADER, store.version)
            await send(message)

        await self.app(scope, receive, send_with_version)
