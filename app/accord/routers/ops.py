"""Operations: ``/health`` (liveness), ``/ready`` (readiness), ``/metrics`` (Prometheus).

``/health`` touches nothing but the event loop, so it stays fast while every query
worker is busy; ``/ready`` asks a query worker a trivial ASK (503 when no worker
answers); neither is rate-limited.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from accord.errors import AccordError
from accord.http.deps import services_of
from accord.http.metrics import CONTENT_TYPE
from accord.query.executor import get_executor

router = APIRouter(tags=["operations"])


@router.get(
    "/health",
    summary="Liveness: the server process answers",
    responses={200: {"description": '`{"status": "ok"}`; never touches the store.'}},
)
async def health() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


@router.get(
    "/ready",
    summary="Readiness: the store answers a query",
    responses={
        200: {"description": '`{"status": "ready"}`: a query worker answered `ASK {}`.'},
        503: {"description": "No query worker answered; the body says why."},
    },
)
async def ready(request: Request) -> JSONResponse:
    try:
        ok = await run_in_threadpool(get_executor(request).ready)
        why = "" if ok else "the store answered ASK {} with false"
    except AccordError as exc:
        ok, why = False, str(exc)
    headers = {"Cache-Control": "no-store"}
    if ok:
        return JSONResponse({"status": "ready"}, headers=headers)
    return JSONResponse({"status": "not ready", "detail": why}, 503, headers=headers)


@router.get(
    "/metrics",
    summary="Prometheus metrics (text format 0.0.4)",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}, "description": "Counters and histograms."}},
)
async def metrics(request: Request) -> Response:
    executor = get_executor(request)
    body = services_of(request).metrics.render({"accord_query_workers": executor.counts()})
    answers = executor.answers
    body += (
        "# HELP accord_answer_cache_total Answers looked up in the answer cache, by result.\n"
        "# TYPE accord_answer_cache_total counter\n"
        f'accord_answer_cache_total{{result="hit"}} {answers.hits}\n'
        f'accord_answer_cache_total{{result="miss"}} {answers.misses}\n'
        "# HELP accord_answer_cache_bytes Memory the answer cache holds.\n"
        "# TYPE accord_answer_cache_bytes gauge\n"
        f"accord_answer_cache_bytes {answers.bytes}\n"
    )
    return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
