"""Whole-dataset downloads: ``/dumps/accord.{ttl,nt,nq,trig,jsonld,rdf}`` and ``.gz``.

The bytes are those of ``accord export --format EXT`` (see ``app/accord/publish/export.py``): N-Quads
and TriG keep the named graphs, the other formats hold their union.  A dump is built
once per dataset version and kept; its ETag is the version and the file name, so a
client revalidates with a 304.  ``.gz`` files are served as ``application/gzip`` (a
file, not a transfer encoding: what is saved is what ``gunzip`` reads).
"""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.responses import Response

from accord.errors import NotFound
from accord.http.cache import validated
from accord.http.deps import SettingsDep, StoreDep
from accord.publish.export import FORMATS, export, gzipped
from accord.query.negotiation import content_type
from accord.stores.base import Store

router = APIRouter(tags=["dumps"])
NAME = "accord"


@lru_cache(maxsize=16)
def _dump(store: Store, version: str, fmt: str, base_iri: str) -> bytes:
    return export(store, fmt, base_iri)


@lru_cache(maxsize=16)
def _gz(store: Store, version: str, fmt: str, base_iri: str) -> bytes:
    return gzipped(_dump(store, version, fmt, base_iri))  # type: ignore[arg-type]


def parse_dump_name(filename: str) -> tuple[str, bool]:
    """``accord.ttl.gz`` -> (``ttl``, True); NotFound naming the dumps otherwise."""
    stem, _, rest = filename.partition(".")
    compressed = rest.endswith(".gz")
    fmt = rest.removesuffix(".gz")
    if stem != NAME or fmt not in FORMATS:
        names = ", ".join(f"{NAME}.{ext}" for ext in FORMATS)
        raise NotFound(f"no dump {filename!r}; dumps: {names} (each also as .gz)")
    return fmt, compressed


@router.api_route("/dumps/{filename}", methods=["GET", "HEAD"], summary="Download the dataset")
def dump(filename: str, request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    fmt, compressed = parse_dump_name(filename)
    base = settings.base_iri
    if compressed:
        build = lambda: _gz(store, store.version, fmt, base)  # type: ignore[arg-type]  # noqa: E731
        media_type = "application/gzip"
    else:
        build = lambda: _dump(store, store.version, fmt, base)  # type: ignore[arg-type]  # noqa: E731
        media_type = content_type(FORMATS[fmt].media_type)
    return validated(
        request,
        store,
        ("dump", filename, base),
        build,
        media_type,
        {"Content-Disposition": f'attachment; filename="{filename}"'},
    )
