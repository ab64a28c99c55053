"""The W3C SPARQL 1.1 Protocol tests, driven by their manifest.

``suites/sparql11/protocol/manifest.ttl`` describes each test as HTTP requests
(method, path, headers, body) and expected responses (status class, result format,
boolean answer).  Each request is replayed byte-exact with ``http.client`` (``urllib``
would add a form Content-Type to every POST) against a live uvicorn server holding
``data1.nt``..``data3.nt`` under ``http://kasei.us/2009/09/sparql/data/dataN.rdf``; the
manifest's ``/sparql/`` path prefix is rewritten to ``/sparql``.

The suite runs twice: with updates disabled (the default; updates answer 403) and
enabled (every request carries the write token; URL-encoded updates are allowed, as the
suite sends some; writes are validated against ``tests/writes/fixtures/shapes.ttl``,
which the suite's FOAF data does not concern).  Tests that cannot pass are listed in
``ALLOWED_FAILURES`` with the reason, and marked strict xfail, so a test that starts
passing must be taken off the list.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF

from accord.main import create_app
from accord.settings import Settings
from tests.conftest import Serve

SUITE = Path(__file__).resolve().parent / "suites" / "sparql11" / "protocol"
MANIFEST = SUITE / "manifest.ttl"
DATA_IRI = "http://kasei.us/2009/09/sparql/data/data{}.rdf"
TOKEN = "w3c-protocol-suite-0123456789-abcdefghijkl"
SHAPES = Path(__file__).resolve().parents[1] / "writes" / "fixtures" / "shapes.ttl"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")

_UPDATE_WHY = {
    "disabled": "SPARQL Update is disabled by default: the update answers 403",
}
_POSITIVE_UPDATES = [
    "update_dataset_default_graph",
    "update_dataset_default_graphs",
    "update_dataset_named_graphs",
    "update_dataset_full",
    "update_post_form",
    "update_post_direct",
    "update_base_uri",
]
#: (configuration, test name) -> why the test cannot pass.
ALLOWED_FAILURES: dict[tuple[str, str], str] = {
    (config, name): _UPDATE_WHY[config] for config in _UPDATE_WHY for name in _POSITIVE_UPDATES
}

RESULTS_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "text/csv": None,  # pyoxigraph does not parse CSV results; checked by hand
}
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[int]  # expected status classes: 2, 3, 4
    format: str | None  # "boolean", "tabular" or "RDF"
    boolean: bool | None


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    title: str
    requests: tuple[Request, ...]


def _load() -> list[ProtocolTest]:
    g = Graph().parse(MANIFEST, format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for node in Collection(g, g.value(manifest, MF.entries)):
        action = g.value(node, MF.action)
        requests = []
        for req in Collection(g, g.value(action, HT.requests)):
            headers = {}
            if (hlist := g.value(req, HT.headers)) is not None:
                for h in Collection(g, hlist):
                    headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
            body = None
            if (b := g.value(req, HT.body)) is not None:
                encoding = str(g.value(b, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(b, CNT.chars)).encode(encoding)
            resp = g.value(req, HT.resp)
            statuses = frozenset(
                int(str(s).rsplit("StatusCode", 1)[1][0])
                for s in g.objects(resp, MF.expectedStatus)
            )
            boolean = g.value(resp, MF.expectedBoolean)
            fmt = g.value(resp, MF.expectedFormat)
            requests.append(
                Request(
                    method=str(g.value(req, HT.methodName)),
                    path=str(g.value(req, HT.absolutePath)),
                    headers=headers,
                    body=body,
                    statuses=statuses,
                    format=str(fmt) if fmt is not None else None,
                    boolean=boolean.toPython() if boolean is not None else None,
                )
            )
        name = str(node).rsplit("#", 1)[1]
        tests.append(ProtocolTest(name, str(g.value(node, MF.name)), tuple(requests)))
    return tests


TESTS = _load()


def _params() -> Iterator[object]:
    for config in ("disabled", "enabled"):
        for test in TESTS:
            why = ALLOWED_FAILURES.get((config, test.name))
            marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
            yield pytest.param(config, test, id=f"{config}-{test.name}", marks=marks)


@pytest.fixture(scope="module")
def servers(serve: Serve) -> Iterator[dict[str, str]]:
    named = {DATA_IRI.format(n): SUITE / f"data{n}.nt" for n in (1, 2, 3)}
    disabled = create_app(Settings(named_paths=named))
    enabled = create_app(
        Settings(
            named_paths=named,
            allow_update=True,
            write_token=TOKEN,
            write_allow_forms=True,
            write_shapes=SHAPES,
        )
    )
    with serve(disabled) as a, serve(enabled) as b:
        yield {"disabled": a, "enabled": b}


def endpoint_path(path: str) -> str:
    """The manifest's ``/sparql/...`` as this server's ``/sparql...``."""
    assert path.startswith("/sparql/")
    return "/sparql" + path[len("/sparql/") :]


def check_answer(req: Request, content_type: str, body: bytes) -> None:
    media_type = content_type.split(";")[0].strip().lower()
    if req.format == "boolean":
        assert media_type in ("application/sparql-results+json", "application/sparql-results+xml")
        answer = ox.parse_query_results(body, format=RESULTS_TYPES[media_type])
        assert isinstance(answer, ox.QueryBoolean)
        if req.boolean is not None:
            assert bool(answer) is req.boolean
    elif req.format == "tabular":
        assert media_type in RESULTS_TYPES
        fmt = RESULTS_TYPES[media_type]
        if fmt is None:
            assert body.decode("utf-8").splitlines()[0] == "value"
        else:
            solutions = list(ox.parse_query_results(body, format=fmt))
            assert [str(s["value"].value) for s in solutions] == ["1"]
    elif req.format == "RDF":
        assert media_type in RDF_TYPES
        list(ox.parse(body, format=RDF_TYPES[media_type]))  # well-formed


@pytest.mark.parametrize(("config", "test"), list(_params()))
def test_protocol(servers: dict[str, str], config: str, test: ProtocolTest) -> None:
    base = urlsplit(servers[config])
    auth = {"Authorization": f"Bearer {TOKEN}"} if config == "enabled" else {}
    for n, req in enumerate(test.requests):
        conn = http.client.HTTPConnection(base.hostname, base.port)
        try:
            headers = {**req.headers, **auth}
            conn.request(req.method, endpoint_path(req.path), body=req.body, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        where = f"{test.name} request {n + 1} ({test.title}): {resp.status} {body[:300]!r}"
        assert resp.status // 100 in req.statuses, where
        if resp.status // 100 == 2 and req.format:
            check_answer(req, resp.getheader("Content-Type", ""), body)


def test_manifest_has_all_34_tests() -> None:
    assert len(TESTS) == 34
    assert {name for _, name in ALLOWED_FAILURES} <= {t.name for t in TESTS}


def test_negative_update_tests_fail_for_their_own_reason(servers: dict[str, str]) -> None:
    """With updates enabled, the bad-update tests are refused as malformed (400/415),
    not merely as forbidden: the enabled run of the suite checks the protocol rules."""
    base = urlsplit(servers["enabled"])
    by_name = {t.name: t for t in TESTS}
    expected = {
        "bad_update_get": 400,
        "bad_multiple_updates": 400,
        "bad_update_wrong_media_type": 415,
        "bad_update_missing_form_type": 415,
        "bad_update_non_utf8": 415,
        "bad_update_syntax": 400,
        "bad_update_dataset_conflict": 400,
    }
    got = {}
    for name in expected:
        req = by_name[name].requests[0]
        conn = http.client.HTTPConnection(base.hostname, base.port)
        headers = {**req.headers, "Authorization": f"Bearer {TOKEN}"}
        conn.request(req.method, endpoint_path(req.path), body=req.body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        conn.close()
        got[name] = resp.status
    assert got == expected
