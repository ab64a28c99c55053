"""The W3C SPARQL 1.1 Graph Store HTTP Protocol tests, driven by their manifests.

``suites/sparql11/graph-store-protocol/manifest.ttl`` includes the direct and
the indirect manifests: 13 tests, each a sequence of HTTP requests (method, path,
headers, body) with the expected status (a code or a class), and for some the expected
Content-Type, an RDF body to compare by isomorphism, or a ``Location`` to reuse as
``$LOCATION$`` in the next requests.  Each test runs against a fresh, empty server
(writes enabled, forms allowed: two tests POST multipart/form-data; validated against
``tests/writes/fixtures/shapes.ttl``) with the requests
replayed byte-exact by ``http.client``; the manifest's ``/gsp`` prefix becomes
``/graph-store``, its connection authority is sent as ``Host``, and every request
carries the write token.  Tests that cannot pass are listed in ``ALLOWED_FAILURES``
(none now) and would be marked strict xfail.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from accord.main import create_app
from accord.settings import Settings
from accord.stores.oxigraph import OxigraphStore
from tests.conftest import running_server

SUITE = Path(__file__).resolve().parent / "suites" / "sparql11" / "graph-store-protocol"
#: The suite's FOAF data is not Accord data: validate writes against small shapes it
#: does not target (the bundled shapes would refuse a foaf:Person without provenance).
SHAPES = Path(__file__).resolve().parents[1] / "writes" / "fixtures" / "shapes.ttl"
TOKEN = "w3c-gsp-suite-0123456789-abcdefghijklmnop"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")

STATUS_CODES = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}

#: test name -> why it cannot pass.
ALLOWED_FAILURES: dict[str, str] = {}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[int]  # exact codes
    classes: frozenset[int]  # status classes (2 for 2xx)
    content_type: str | None
    expected_body: str | None
    location_var: str | None


@dataclass(frozen=True)
class GspTest:
    name: str
    title: str
    authority: str
    requests: tuple[Request, ...]


def _headers(g: Graph, node: object) -> dict[str, str]:
    out = {}
    if (hlist := g.value(node, HT.headers)) is not None:
        for h in Collection(g, hlist):
            out[str(g.value(h, HT.fieldName)).lower()] = str(g.value(h, HT.fieldValue))
    return out


def _statuses(g: Graph, resp: object) -> tuple[frozenset[int], frozenset[int]]:
    codes, classes = set(), set()
    for s in g.objects(resp, MF.expectedStatus):
        name = str(s).rsplit("#", 1)[1]
        if name.startswith("StatusCode"):
            classes.add(int(name[len("StatusCode")]))
        else:
            codes.add(STATUS_CODES[name])
    return frozenset(codes), frozenset(classes)


def _load() -> list[GspTest]:
    top = Graph().parse(SUITE / "manifest.ttl", format="turtle")
    manifest = next(top.subjects(RDF.type, MF.Manifest))
    tests = []
    for included in Collection(top, top.value(manifest, MF.include)):
        g = Graph().parse(SUITE / str(included).rsplit("/", 1)[1], format="turtle")
        sub = next(g.subjects(RDF.type, MF.Manifest))
        for node in Collection(g, g.value(sub, MF.entries)):
            action = g.value(node, MF.action)
            requests = []
            for req in Collection(g, g.value(action, HT.requests)):
                body = None
                if (b := g.value(req, HT.body)) is not None:
                    encoding = str(g.value(b, CNT.characterEncoding) or "UTF-8")
                    body = str(g.value(b, CNT.chars)).encode(encoding)
                resp = g.value(req, HT.resp)
                codes, classes = _statuses(g, resp)
                expected = g.value(resp, HT.body)
                location = g.value(resp, MF.expectedLocation)
                requests.append(
                    Request(
                        method=str(g.value(req, HT.methodName)),
                        path=str(g.value(req, HT.absolutePath)),
                        headers=_headers(g, req),
                        body=body,
                        statuses=codes,
                        classes=classes,
                        content_type=_headers(g, resp).get("content-type"),
                        expected_body=str(g.value(expected, CNT.chars)) if expected else None,
                        location_var=str(location) if location is not None else None,
                    )
                )
            tests.append(
                GspTest(
                    name=str(node).rsplit("#", 1)[1],
                    title=str(g.value(node, MF.name)),
                    authority=str(g.value(action, HT.connectionAuthority)),
                    requests=tuple(requests),
                )
            )
    return tests


TESTS = _load()


def _params() -> Iterator[object]:
    for test in TESTS:
        why = ALLOWED_FAILURES.get(test.name)
        marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
        yield pytest.param(test, id=test.name, marks=marks)


def server_path(path: str) -> str:
    """The manifest's ``/gsp...`` as this server's ``/graph-store...``."""
    assert path.startswith("/gsp")
    return "/graph-store" + path[len("/gsp") :]


def normalised(content_type: str) -> str:
    return ";".join(p.strip().lower() for p in content_type.split(";"))


@pytest.fixture
def server() -> Iterator[str]:
    settings = Settings(
        allow_update=True, write_token=TOKEN, write_allow_forms=True, write_shapes=SHAPES
    )
    with running_server(create_app(settings, OxigraphStore([]))) as url:
        yield url


def test_manifest_has_all_13_tests() -> None:
    assert len(TESTS) == 13
    assert set(ALLOWED_FAILURES) <= {t.name for t in TESTS}


@pytest.mark.parametrize("test", list(_params()))
def test_graph_store_protocol(server: str, test: GspTest) -> None:
    base = urlsplit(server)
    variables: dict[str, str] = {}
    for n, req in enumerate(test.requests):
        path, body = server_path(req.path), req.body
        for var, value in variables.items():
            path = path.replace(var, value)
            body = body.replace(var.encode(), value.encode()) if body else body
        headers = {**req.headers, "Host": test.authority, "Authorization": f"Bearer {TOKEN}"}
        conn = http.client.HTTPConnection(base.hostname, base.port)
        try:
            conn.request(req.method, path, body=body, headers=headers)
            resp = conn.getresponse()
            got = resp.read()
        finally:
            conn.close()
        where = f"{test.name} request {n + 1} ({req.method} {path}): {resp.status} {got[:300]!r}"
        assert resp.status in req.statuses or resp.status // 100 in req.classes, where
        if req.location_var:
            location = resp.getheader("Location")
            assert location, where
            variables[req.location_var] = location
        if req.content_type:
            assert normalised(resp.getheader("Content-Type", "")) == normalised(req.content_type)
        if req.expected_body is not None:
            expected = Graph().parse(data=req.expected_body, format="turtle")
            answer = Graph().parse(data=got.decode("utf-8"), format="turtle")
            assert isomorphic(expected, answer), f"{where}\n{got.decode()}"
