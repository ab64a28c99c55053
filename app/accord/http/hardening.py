"""What a public endpoint adds to the application (docs/running-in-public.md).

``install_hardening(app)`` builds the query executor (``app.state.executor``), the
metrics (``app.state.metrics``), and wraps the application in, from the outside in:
the access log and request metrics, the per-client rate limit, the body-size cap.
"""

from __future__ import annotations

from fastapi import FastAPI

from accord.http.access_log import AccessLogMiddleware, configure_logging
from accord.http.body_limit import BodyLimitMiddleware
from accord.http.metrics import Metrics
from accord.http.ratelimit import RateLimitMiddleware
from accord.query.executor import build_executor
from accord.query.service import QueryService
from accord.settings import Settings


def install_hardening(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    metrics = Metrics()
    app.state.metrics = metrics
    app.state.executor = build_executor(app.state.store, settings)
    app.state.query_service = QueryService(app.state.executor)
    if settings.access_log:
        configure_logging()
    # add_middleware puts each new one outside the previous ones.
    app.add_middleware(BodyLimitMiddleware, settings=settings, metrics=metrics)
    app.add_middleware(RateLimitMiddleware, settings=settings, metrics=metrics)
    app.add_middleware(AccessLogMiddleware, metrics=metrics, log=settings.access_log)
