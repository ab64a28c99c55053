"""What a public endpoint adds to the application (docs/running-in-public.md).

``install_hardening(app, services)`` wraps the application in, from the outside in: the
access log and request metrics, the per-client rate limit, the body-size cap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

from accord.http.access_log import AccessLogMiddleware, configure_logging
from accord.http.body_limit import BodyLimitMiddleware
from accord.http.ratelimit import RateLimitMiddleware

if TYPE_CHECKING:
    from accord.services import Services


def install_hardening(app: FastAPI, services: Services) -> None:
    settings, metrics = services.settings, services.metrics
    if settings.access_log:
        configure_logging()
    # add_middleware puts each new one outside the previous ones.
    app.add_middleware(BodyLimitMiddleware, settings=settings, metrics=metrics)
    app.add_middleware(RateLimitMiddleware, settings=settings, metrics=metrics)
    app.add_middleware(AccessLogMiddleware, metrics=metrics, log=settings.access_log)
