"""``/search?q=``: resources by label (accord.publish.search), as JSON or a page."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from accord.errors import BadRequest
from accord.html import HTML_HEADERS, Linker, render
from accord.http.deps import ServiceDep, SettingsDep, services_of
from accord.publish.search import QUERY, LabelIndex
from accord.query.negotiation import best_match
from accord.stores.base import Store

router = APIRouter(tags=["linked data"])

#: Labels the index holds at most (the row cap applies too).
MAX_LABELS = 200_000


def label_index(request: Request, store: Store, max_rows: int) -> LabelIndex:
    """The index of the current version, built once and kept with the pages."""

    def build() -> LabelIndex:
        rows = store.select(QUERY + f" LIMIT {min(MAX_LABELS, max_rows)}")
        return LabelIndex([(str(r["s"]), str(r["l"])) for r in rows])

    return services_of(request).representations.memo(
        store, f"{store.version}\0label index", build, lambda index: index.size
    )


@router.get("/search", summary="Find resources by label")
def search(
    request: Request,
    store: ServiceDep,
    settings: SettingsDep,
    q: str = Query("", description="Words that begin words of a label (any case, accents)."),
    limit: int = Query(20, ge=1, le=100),
) -> Response:
    """Resources whose label has words beginning with each word of `q`, best first:
    JSON `[{"iri", "label", "href"}]`, or a page in a browser."""
    if len(q) > 200:
        raise BadRequest("q has more than 200 characters")
    root = request.scope.get("root_path", "")
    linker = Linker(settings.base_iri, root)
    hits = label_index(request, store, settings.max_result_rows).search(q, limit) if q else []
    accept = request.headers.get("accept")
    if (
        accept
        and "text/html" in accept
        and best_match(accept, ["text/html", "application/json"]) == "text/html"
    ):
        context = {"title": "Search", "q": q, "hits": hits}
        page = render("search.html", linker, store.version, context)
        return HTMLResponse(page, headers={"Vary": "Accept", **HTML_HEADERS})
    return JSONResponse(
        [{"iri": h.iri, "label": h.label, "href": linker.href(h.iri)} for h in hits],
        headers={"Vary": "Accept"},
    )
