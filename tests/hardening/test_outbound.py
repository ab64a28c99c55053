"""No outbound access: whatever a request holds, a listener on 127.0.0.1 receives nothing.

Each protection is shown off too: pyoxigraph on its own does call the listener, so
the listener would catch a leak."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from pyld.jsonld import JsonLdError

from accord.dataset import graph_files
from accord.errors import DataLoadError
from accord.jsonld import ContextRefused, to_nquads
from accord.query.worker import sandbox
from accord.stores.oxigraph import OxigraphStore
from tests.hardening.conftest import Listener, MakeApp
from tests.writes.conftest import AUTH, writable_settings

JSON = "application/sparql-results+json"


def settle() -> None:
    """Give a connection that was (wrongly) made the time to reach the listener."""
    time.sleep(0.3)


def service_query(url: str) -> str:
    return f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"


#: pyoxigraph reads ?a<'x>y' as a comparison; the grammar's tokenizer as an IRI <'x>,
#: after which the SERVICE looks like part of a string: the static check misses it.
def hidden_service_query(url: str) -> str:
    return (
        f"SELECT * WHERE {{ BIND(1 AS ?a) BIND(?a<'x>y' AS ?b) SERVICE <{url}> {{ ?s ?p ?o }} }} #'"
    )


def test_service_is_refused_and_nothing_is_sent(
    client_for: Callable[..., TestClient], listener: Listener
) -> None:
    response = client_for().get("/sparql", params={"query": service_query(listener.url)})
    settle()
    assert response.status_code == 400
    assert f"SERVICE <{listener.url}> is refused" in response.text
    assert listener.received == []


def test_pyoxigraph_alone_calls_the_listener(listener: Listener) -> None:
    # The protection off: pyoxigraph follows SERVICE (so the listener sees leaks).
    with pytest.raises(OSError):
        list(ox.Store().query(service_query(listener.url)))  # type: ignore[arg-type]
    settle()
    assert listener.received and listener.received[0].startswith(b"POST /")


def test_allowed_service_is_called(
    client_for: Callable[..., TestClient], listener: Listener
) -> None:
    # The allow-list opens exactly that endpoint (the listener answers 500: a 4xx/5xx).
    client = client_for(service_allow=[listener.url])
    response = client.get("/sparql", params={"query": service_query(listener.url)})
    settle()
    assert response.status_code >= 400
    assert len(listener.received) == 1


def test_a_service_hidden_from_the_static_check_is_stopped_by_the_sandbox(
    client_for: Callable[..., TestClient], listener: Listener
) -> None:
    client = client_for()
    response = client.get("/sparql", params={"query": hidden_service_query(listener.url)})
    settle()
    assert response.status_code == 400
    assert "tried to open a network connection or a file" in response.text
    assert listener.received == []


def test_without_the_sandbox_the_hidden_service_reaches_the_listener(
    client_for: Callable[..., TestClient], listener: Listener
) -> None:
    # The protection off (queries in the server process): the hidden SERVICE is called.
    client = client_for(query_workers=0)
    client.get("/sparql", params={"query": hidden_service_query(listener.url)})
    settle()
    assert len(listener.received) == 1


@pytest.mark.parametrize("clause", ["FROM", "FROM NAMED"])
def test_from_a_remote_graph_is_refused(
    client_for: Callable[..., TestClient], listener: Listener, clause: str
) -> None:
    query = f"SELECT * {clause} <{listener.url}data.ttl> WHERE {{ ?s ?p ?o }}"
    response = client_for().get("/sparql", params={"query": query})
    settle()
    assert response.status_code == 400
    assert f"{clause} <{listener.url}data.ttl> names no graph of this dataset" in response.text
    assert listener.received == []


def test_named_queries_are_checked_and_bounded_too(make_app: MakeApp) -> None:
    app = make_app(max_result_rows=1)
    response = TestClient(app).get("/queries/people", headers={"Accept": JSON})
    assert response.status_code == 422
    assert "more than 1 solutions" in response.text


# -- uploads and data files: JSON-LD contexts, XML entities ---------------------------


def jsonld_with_remote_context(url: str) -> str:
    return json.dumps({"@context": f"{url}context.jsonld", "@id": "http://e/a", "name": "x"})


def test_jsonld_remote_contexts_are_never_fetched(tmp_path: Path, listener: Listener) -> None:
    doc = jsonld_with_remote_context(listener.url)
    # Uploads and data files are parsed by pyoxigraph: a remote context is an error.
    with pytest.raises(SyntaxError, match="LoadDocumentCallback"):
        list(ox.parse(doc.encode(), format=ox.RdfFormat.JSON_LD))
    data = tmp_path / "remote.jsonld"
    data.write_text(doc, encoding="utf-8")
    with pytest.raises(DataLoadError):
        OxigraphStore(graph_files([data], {}, "http://e/"))
    # Accord's own JSON-LD (app.jsonld, PyLD) loads only Accord's context.
    with pytest.raises(JsonLdError) as info:
        to_nquads(json.loads(doc))
    causes = []
    error: BaseException | None = info.value
    while error is not None:
        causes.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(c, ContextRefused) for c in causes)
    settle()
    assert listener.received == []


def test_jsonld_upload_with_remote_context_is_400(
    tmp_path: Path, listener: Listener, make_app: MakeApp
) -> None:
    app = make_app(**writable_settings(tmp_path).model_dump(exclude={"paths", "queries_dir"}))
    response = TestClient(app, headers=AUTH).put(
        "/graph-store",
        params={"graph": "http://example.org/uploaded"},
        content=jsonld_with_remote_context(listener.url),
        headers={"Content-Type": "application/ld+json"},
    )
    settle()
    assert response.status_code == 400
    assert listener.received == []


def laughs(levels: int) -> str:
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels + 1)
    )
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [{entities}]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/a">'
        f"<ex:name>&l{levels};</ex:name></rdf:Description></rdf:RDF>"
    )


def external_entity(url: str) -> str:
    return laughs(0).replace('<!ENTITY l0 "lol">', f'<!ENTITY l0 SYSTEM "{url}entity">')


def test_rdfxml_uploads_expand_no_entity_bomb_and_fetch_nothing(
    tmp_path: Path, listener: Listener, make_app: MakeApp
) -> None:
    app = make_app(**writable_settings(tmp_path).model_dump(exclude={"paths", "queries_dir"}))
    client = TestClient(app, headers=AUTH)
    for doc in [laughs(9), external_entity(listener.url)]:
        response = client.put(
            "/graph-store",
            params={"graph": "http://example.org/uploaded"},
            content=doc,
            headers={"Content-Type": "application/rdf+xml"},
        )
        assert response.status_code == 400, response.text
    settle()
    assert listener.received == []


def test_pyoxigraph_alone_expands_entities(listener: Listener) -> None:
    # The protection off: pyoxigraph expands nested entities (10^5 copies from 1 KB);
    # at 9 levels that is 3 GB of memory and a minute of CPU.
    doc = laughs(5).encode()
    (quad,) = list(ox.parse(doc, format=ox.RdfFormat.RDF_XML))
    assert len(quad.object.value) == 3 * 10**5
    assert len(doc) < 1000


def _descriptors_after_sandbox(table_files: int) -> int:
    """In a child process sandboxed with ``table_files``: how many files it can open."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        opened = 0
        try:
            sandbox(0, table_files=table_files)
            while opened < 1000:
                os.open("/dev/null", os.O_RDONLY)
                opened += 1
        except OSError:
            pass
        finally:
            os.write(write, str(opened).encode())
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as answer:
        return int(answer.read())


def test_the_sandbox_leaves_descriptors_only_for_an_on_disk_stores_table_files() -> None:
    # An in-memory store: not one descriptor (no socket, no file).
    assert _descriptors_after_sandbox(0) == 0
    # An on-disk store whose RocksDB opens its table files as queries read them: that
    # many are left (free numbers below the highest open one may add a few), no more.
    opened = _descriptors_after_sandbox(8)
    assert 8 <= opened < 1000


def test_an_update_never_calls_a_service_even_an_allowed_one(
    client_for: Callable[..., TestClient], listener: Listener
) -> None:
    # Updates run in the server process: one policy, LOAD and SERVICE refused with 400.
    token = "outbound-tests-0123456789-abcdefghijklmn"
    client = client_for(service_allow=[listener.url], allow_update=True, write_token=token)
    update = f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
    response = client.post(
        "/sparql",
        content=update.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"},
    )
    settle()
    assert response.status_code == 400
    assert "SERVICE is refused in an update" in response.text
    assert listener.received == []
