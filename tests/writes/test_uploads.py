"""Graph Store uploads: every RDF syntax round-trips; bad input is a 400 with the parser's
message and changes nothing; nothing is ever fetched while parsing."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.compare import isomorphic

from accord.errors import BadRequest
from accord.routers.graph_store import check_xml_entities, entity_declarations, json_depth
from tests.writes.conftest import AUTH, EX, MakeApp, count

GRAPH = f"{EX}uploaded"
RDF_XML_HEAD = (
    '<?xml version="1.0"?>\n{doctype}'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
)

GOOD = {
    "text/turtle": f'<{EX}a> <{EX}p> "one" ; <{EX}q> [ <{EX}r> 2 ] .',
    "application/n-triples": f'<{EX}a> <{EX}p> "one" .\n_:b <{EX}r> "2"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
    "application/rdf+xml": RDF_XML_HEAD.format(doctype="")
    + f'<rdf:Description rdf:about="{EX}a"><ex:p>one</ex:p></rdf:Description></rdf:RDF>',
    "application/ld+json": f'{{"@id": "{EX}a", "{EX}p": "one"}}',
    "application/trig": f'{{ <{EX}a> <{EX}p> "one" }}',
    "application/n-quads": f'<{EX}a> <{EX}p> "one" .\n',
}
BAD = {
    "text/turtle": f"<{EX}a> <{EX}p> .",
    "application/n-triples": f"<{EX}a> <{EX}p> one .",
    # Cut short: pyoxigraph alone would take it for a complete (empty) document.
    "application/rdf+xml": RDF_XML_HEAD.format(doctype="") + "<rdf:Description>",
    "application/ld+json": f'{{"@id": "{EX}a", "{EX}p": ',
    "application/trig": f"{{ <{EX}a> <{EX}p> ",
}
RDFLIB_FORMAT = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


@pytest.fixture
def client(make_app: MakeApp) -> TestClient:
    from tests.writes.conftest import AUTH

    return TestClient(make_app(write_max_bytes=64 * 1024), headers=AUTH)


def put(client: TestClient, media_type: str, body: str | bytes, graph: str = GRAPH) -> object:
    return client.put(
        "/graph-store", params={"graph": graph}, content=body, headers={"Content-Type": media_type}
    )


def version(client: TestClient) -> str:
    return client.get("/sparql", params={"query": "ASK {}"}).headers["x-accord-dataset-version"]


@pytest.mark.parametrize("media_type", list(GOOD))
def test_each_syntax_round_trips(client: TestClient, media_type: str) -> None:
    r = put(client, media_type, GOOD[media_type])
    assert r.status_code == 201, r.text
    r = client.get("/graph-store", params={"graph": GRAPH}, headers={"Accept": "text/turtle"})
    stored = Graph().parse(data=r.text, format="turtle")
    if media_type in ("application/trig", "application/n-quads"):  # one default-graph triple
        sent = Graph().parse(data=f'<{EX}a> <{EX}p> "one" .', format="turtle")
    else:
        sent = Graph().parse(data=GOOD[media_type], format=RDFLIB_FORMAT[media_type])
    assert isomorphic(stored, sent)


@pytest.mark.parametrize("media_type", list(BAD))
def test_a_bad_upload_is_400_with_the_parser_message_and_changes_nothing(
    client: TestClient, media_type: str
) -> None:
    assert put(client, media_type, GOOD[media_type]).status_code == 201
    before, n = version(client), count(client)
    r = put(client, media_type, BAD[media_type])
    assert r.status_code == 400
    assert f"the {media_type} upload does not parse" in r.text
    assert "line" in r.text.lower() or "position" in r.text.lower() or "eof" in r.text.lower()
    assert (version(client), count(client)) == (before, n)
    r = client.post(
        "/graph-store",
        params={"graph": f"{EX}new"},
        content=BAD[media_type],
        headers={"Content-Type": media_type},
    )
    assert r.status_code == 400
    assert client.get("/graph-store", params={"graph": f"{EX}new"}).status_code == 404


def test_a_quad_upload_naming_graphs_is_refused(client: TestClient) -> None:
    r = put(client, "application/trig", f"<{EX}g> {{ <{EX}a> <{EX}p> 1 }}")
    assert r.status_code == 400 and "one graph" in r.text
    assert client.get("/graph-store", params={"graph": GRAPH}).status_code == 404


@pytest.mark.parametrize(
    ("content_type", "status"),
    [(None, 415), ("text/plain", 415), ("application/json; charset=latin-1", 415)],
)
def test_an_upload_needs_an_rdf_media_type_in_utf8(
    client: TestClient, content_type: str | None, status: int
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    r = client.put("/graph-store", params={"graph": GRAPH}, content=b"{}", headers=headers)
    assert r.status_code == status


def test_a_body_over_the_limit_is_413(client: TestClient) -> None:
    body = "".join(f'<{EX}s{i}> <{EX}p> "{"x" * 60}" .\n' for i in range(1200))
    assert len(body) > 64 * 1024
    assert put(client, "application/n-triples", body).status_code == 413
    assert client.get("/graph-store", params={"graph": GRAPH}).status_code == 404


# --- nothing is fetched -----------------------------------------------------------------


@pytest.fixture
def hits() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request: (its base URL, the paths asked)."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)
            body = b'{"@context": {"name": "http://example.org/name"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_remote_json_ld_context_is_not_fetched(
    client: TestClient, hits: tuple[str, list[str]]
) -> None:
    base, seen = hits
    body = f'{{"@context": "{base}/context.jsonld", "@id": "{EX}a", "name": "x"}}'
    r = put(client, "application/ld+json", body)
    assert r.status_code == 400 and "context" in r.text
    assert seen == []


@pytest.mark.parametrize("target", ["{base}/entity.txt", "file:///etc/hostname"])
def test_an_rdf_xml_external_entity_is_not_fetched(
    client: TestClient, hits: tuple[str, list[str]], target: str
) -> None:
    base, seen = hits
    doctype = f'<!DOCTYPE rdf:RDF [<!ENTITY ext SYSTEM "{target.format(base=base)}">]>\n'
    body = RDF_XML_HEAD.format(doctype=doctype)
    body += f'<rdf:Description rdf:about="{EX}a"><ex:p>&ext;</ex:p></rdf:Description></rdf:RDF>'
    r = put(client, "application/rdf+xml", body)
    assert r.status_code == 400 and "external" in r.text
    assert seen == []
    assert client.get("/graph-store", params={"graph": GRAPH}).status_code == 404


def test_nested_rdf_xml_entities_are_refused(client: TestClient) -> None:
    """A "billion laughs" upload: pyoxigraph would expand it without bound."""
    entities = '<!ENTITY a "ha">' + "".join(
        f'<!ENTITY {name} "{("&" + prev + ";") * 10}">'
        for prev, name in zip("abcd", "bcde", strict=True)
    )
    body = RDF_XML_HEAD.format(doctype=f"<!DOCTYPE rdf:RDF [{entities}]>\n")
    body += f'<rdf:Description rdf:about="{EX}a"><ex:p>&e;</ex:p></rdf:Description></rdf:RDF>'
    r = put(client, "application/rdf+xml", body)
    assert r.status_code == 400 and "nested" in r.text
    assert client.get("/graph-store", params={"graph": GRAPH}).status_code == 404


def test_internal_entities_work_within_bounds() -> None:
    decl = '<!DOCTYPE rdf:RDF [<!ENTITY big "{}">]>'
    small = (decl.format("x" * 100) + "&big;" * 10).encode()
    check_xml_entities(small)  # 1 KB: fine
    huge = (decl.format("x" * 10_000) + "&big;" * 200).encode()
    with pytest.raises(BadRequest, match="expand"):
        check_xml_entities(huge)  # 2 MB from a 11 KB body


def test_deeply_nested_json_ld_is_refused(client: TestClient) -> None:
    """pyoxigraph's JSON-LD parser overflows its stack (and kills the server) on a few
    thousand levels; 300 is past the cap and still safe to show the refusal."""
    n = 300
    body = f'{{"@id": "{EX}a", "{EX}p": ' + f'{{"{EX}p": ' * n + "1" + "}" * n + "}"
    r = put(client, "application/ld+json", body)
    assert r.status_code == 400 and "deeper than" in r.text
    assert client.get("/graph-store", params={"graph": GRAPH}).status_code == 404


def test_deep_json_ld_followed_by_a_byte_that_is_not_utf8_is_refused(client: TestClient) -> None:
    """The depth check reads bytes: 10,000 levels and then one byte that is not UTF-8
    (issue 15: the old check decoded first, gave up on the decoding error, and
    pyoxigraph's parser then crashed the server)."""
    body = b'{"a": ' * 10_000 + b"\xff"  # 60 kB: under this server's JSON-LD cap
    r = client.put(
        "/graph-store",
        params={"graph": GRAPH},
        content=body,
        headers={"Content-Type": "application/ld+json"},
    )
    assert r.status_code == 400 and "deeper than 256 levels" in r.text
    assert client.get("/health").status_code == 200  # still serving


def test_deeply_nested_rdf_xml_is_refused_before_pyoxigraph_reads_it(make_app: MakeApp) -> None:
    """pyoxigraph's RDF/XML parser takes super-linear time in the depth (20,000 levels,
    920 kB: 11.7 s; a write may be 64 MB); expat counts the depth in linear time."""
    client = TestClient(make_app(write_max_bytes=2_000_000), headers=AUTH)
    n = 15_000
    body = (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        f'xmlns:e="{EX}"><rdf:Description rdf:about="{EX}a">'
        + "<e:p><rdf:Description>" * n
        + "</rdf:Description></e:p>" * n
        + "</rdf:Description></rdf:RDF>"
    )
    r = put(client, "application/rdf+xml", body)
    assert r.status_code == 400 and "deeper than 256 levels" in r.text
    shallow = body.replace("<e:p><rdf:Description>" * n, "<e:p><rdf:Description>" * 100)
    shallow = shallow.replace("</rdf:Description></e:p>" * n, "</rdf:Description></e:p>" * 100)
    assert put(client, "application/rdf+xml", shallow).status_code == 201


def test_json_depth_counts_brackets_outside_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[{"}], "c": "\\"[["}') == 3
    assert json_depth(b'"[[[' + b"\\" * 3) == 0  # an unterminated string to the end
    assert json_depth(b"[" * 300 + b"\xff\xfe") == 300
    assert json_depth(b"") == 0


def test_an_entity_declaration_with_no_end_is_refused() -> None:
    """Read in one pass: the regex over the whole body backtracked quadratically on a
    declaration with no closing '>' (80 kB froze the server for 15.6 s, issue 15)."""
    with pytest.raises(BadRequest, match="cannot be read"):
        check_xml_entities(b"<!DOCTYPE r [<!ENTITY a b" + b" " * 80_000)
    with pytest.raises(BadRequest, match="cannot be read"):
        check_xml_entities(b'<!DOCTYPE r [<!ENTITY a "unterminated' + b" " * 1000)
    assert entity_declarations(b'<!DOCTYPE r [<!ENTITY a "x>y" ><!ENTITY % p SYSTEM "u">]>') == [
        (b"", b"a", b'"x>y"'),
        (b"% ", b"p", b'SYSTEM "u"'),
    ]


def test_a_write_gets_the_write_cap_not_the_general_one(make_app: MakeApp) -> None:
    """``write_max_bytes`` (here 3 MB) is the cap of a write; the general cap (1 MB by
    default) applies to every request without the write token."""
    app = make_app(write_max_bytes=3_000_000)
    body = "".join(f'<{EX}s{i}> <{EX}p> "{"x" * 60}" .\n' for i in range(24_000))
    assert 2_000_000 < len(body) < 3_000_000
    writer, anonymous = TestClient(app, headers=AUTH), TestClient(app)
    r = put(anonymous, "application/n-triples", body)
    assert r.status_code == 413 and "at most 1000000 bytes" in r.text
    wrong = TestClient(app, headers={"Authorization": "Bearer not-the-token-0123456789abcdef"})
    assert put(wrong, "application/n-triples", body).status_code == 413
    r = put(writer, "application/n-triples", body)
    assert r.status_code in (201, 204), r.text
    assert count(writer, f"GRAPH <{GRAPH}> {{ ?s ?p ?o }}") == 24_000
    too_big = body + body
    r = put(writer, "application/n-triples", too_big)
    assert r.status_code == 413 and "at most 3000000 bytes" in r.text
