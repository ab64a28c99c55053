"""Exports and dumps: every pair of exports describes the same data (triple formats the
union of the graphs, quad formats the graphs themselves), and two exports of one
dataset are byte for byte identical, blank nodes included (the shapes have many)."""

from __future__ import annotations

import gzip
import itertools
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic, to_isomorphic

from accord.dataset import graph_files
from accord.publish.export import FORMATS, export, gzipped
from accord.settings import bundled_paths
from accord.stores.oxigraph import OxigraphStore
from tests.linked_data.conftest import parse_rdf

TRIPLE_FORMATS = ["ttl", "nt", "rdf", "jsonld"]
QUAD_FORMATS = ["nq", "trig"]


def fresh_store() -> OxigraphStore:
    return OxigraphStore(graph_files(bundled_paths()))


@pytest.fixture(scope="module")
def exports() -> dict[str, bytes]:
    store = fresh_store()
    return {fmt: export(store, fmt) for fmt in FORMATS}


def union_graph(data: bytes, fmt: str) -> Graph:
    if fmt == "jsonld":
        g = Graph()
        g.parse(data=data, format="json-ld")  # the dump embeds its context: no network
        return g
    if fmt in QUAD_FORMATS:
        ds = Dataset()
        ds.parse(data=data, format={"nq": "nquads", "trig": "trig"}[fmt])
        g = Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            g.add((s, p, o))
        return g
    return parse_rdf(data, FORMATS[fmt].media_type)


def named_graphs(data: bytes, fmt: str) -> dict[str, Graph]:
    ds = Dataset()
    ds.parse(data=data, format={"nq": "nquads", "trig": "trig"}[fmt])
    out: dict[str, Graph] = {}
    for s, p, o, g in ds.quads((None, None, None, None)):
        out.setdefault(str(g), Graph()).add((s, p, o))
    return out


@pytest.fixture(scope="module")
def unions(exports: dict[str, bytes]) -> dict[str, tuple[int, str]]:
    """Each export's union graph, read back by rdflib (an independent parser), as its
    size and rdflib's canonical hash (computed once per format)."""
    out = {}
    for fmt, data in exports.items():
        g = to_isomorphic(union_graph(data, fmt))
        out[fmt] = (len(g), g.internal_hash())
    return out


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(TRIPLE_FORMATS + QUAD_FORMATS, 2)))
def test_every_pair_of_exports_is_isomorphic_as_a_union(
    unions: dict[str, tuple[int, str]], a: str, b: str
) -> None:
    assert unions[a][0] > 2000
    assert unions[a] == unions[b], f"{a} and {b} differ"


def test_isomorphism_check_sees_a_difference(
    exports: dict[str, bytes], unions: dict[str, tuple[int, str]]
) -> None:
    # The comparison above can fail: change one blank-node statement and it does.
    lines = exports["nt"].decode().splitlines(keepends=True)
    i = next(
        i for i, line in enumerate(lines) if line.startswith("_:") and "rdf-syntax-ns#first" in line
    )
    subject = lines[i].split()[0]
    lines[i] = f'{subject} <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "changed" .\n'
    changed = to_isomorphic(union_graph("".join(lines).encode(), "nt"))
    assert len(changed) == unions["ttl"][0]
    assert changed.internal_hash() != unions["ttl"][1]


def test_quad_exports_keep_the_same_named_graphs(exports: dict[str, bytes]) -> None:
    nq, trig = named_graphs(exports["nq"], "nq"), named_graphs(exports["trig"], "trig")
    sizes = fresh_store().graph_sizes()
    assert set(nq) == set(trig) == set(sizes)
    for name, graph in nq.items():
        assert len(graph) == sizes[name]
        assert isomorphic(graph, trig[name]), name


def test_union_export_counts_each_triple_once(exports: dict[str, bytes]) -> None:
    store = fresh_store()
    distinct = store.select(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"
    )
    assert len(union_graph(exports["nt"], "nt")) == int(distinct[0]["n"])


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_two_exports_of_one_dataset_are_byte_identical(exports: dict[str, bytes], fmt: str) -> None:
    # A second store parses the files anew: other blank node labels, same bytes.
    again = export(fresh_store(), fmt)
    assert again == exports[fmt]
    assert gzipped(again) == gzipped(exports[fmt])


def test_blank_nodes_get_canonical_labels(exports: dict[str, bytes]) -> None:
    text = exports["nt"].decode()
    assert "_:c14n0 " in text
    labels = {w for w in text.split() if w.startswith("_:")}
    assert all(label.startswith("_:c14n") for label in labels)


def test_the_version_is_stamped_and_no_time_is(exports: dict[str, bytes]) -> None:
    version = fresh_store().version
    for fmt in ("ttl", "nt", "nq", "trig", "rdf"):
        assert version.encode() in exports[fmt].split(b"\n", 3)[0] + exports[fmt].split(b"\n", 3)[1]
    assert (
        json.loads(exports["jsonld"])["@context"]["accord"] == "https://w3id.org/accord/ontology#"
    )


def test_gzip_has_no_timestamp_and_no_name(exports: dict[str, bytes]) -> None:
    packed = gzipped(exports["ttl"])
    assert packed[4:8] == b"\0\0\0\0"  # MTIME
    assert packed[3] & 0x08 == 0  # no FNAME
    assert gzip.decompress(packed) == exports["ttl"]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_http_dumps_are_the_exports(
    client: TestClient, exports: dict[str, bytes], fmt: str
) -> None:
    r = client.get(f"/dumps/accord.{fmt}")
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == FORMATS[fmt].media_type
    assert r.content == exports[fmt]
    gz = client.get(f"/dumps/accord.{fmt}.gz")
    assert gz.headers["content-type"] == "application/gzip"
    assert "content-encoding" not in gz.headers
    assert gzip.decompress(gz.content) == exports[fmt]


@pytest.mark.parametrize("name", ["accord.xml", "other.ttl", "accord", "accord.ttl.zip"])
def test_unknown_dump_is_404_listing_the_dumps(client: TestClient, name: str) -> None:
    r = client.get(f"/dumps/{name}")
    assert r.status_code == 404
    assert "accord.nq" in r.text


def test_cli_export_writes_the_same_bytes(
    tmp_path: Path, exports: dict[str, bytes], capsysbinary
) -> None:  # type: ignore[no-untyped-def]
    from accord.cli import main

    assert main(["export", "--format", "trig", "--out", str(tmp_path / "a.trig")]) == 0
    assert (tmp_path / "a.trig").read_bytes() == exports["trig"]
    assert main(["export", "--format", "nt", "--out", str(tmp_path / "a.nt.gz")]) == 0
    assert gzip.decompress((tmp_path / "a.nt.gz").read_bytes()) == exports["nt"]
    assert main(["export", "--format", "ttl"]) == 0
    assert capsysbinary.readouterr().out == exports["ttl"]


def test_cli_export_of_a_missing_path_is_exit_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from accord.cli import main

    assert main(["export", str(tmp_path / "nope.ttl")]) == 2
    assert "nope.ttl" in capsys.readouterr().err


def test_turtle_export_groups_statements_by_subject(exports: dict[str, bytes]) -> None:
    g = union_graph(exports["ttl"], "ttl")
    fr = URIRef("https://w3id.org/accord/id/FR")
    text = exports["ttl"].decode()
    assert text.count("id:FR a accord:State") == 1
    assert len(list(g.predicate_objects(fr))) >= 5


#: A prefixed name with a backslash escape in its local part (``graph:data\/paris``).
ESCAPED_NAME = re.compile(
    rb"(?:^|[\s,;(\[])[A-Za-z][\w.-]*:[\w.:%-]*\\[_~.!$&'()*+,;=/?#@%-]", re.M
)


@pytest.mark.parametrize("fmt", ["ttl", "trig"])
def test_turtle_exports_write_no_escaped_local_names(exports: dict[str, bytes], fmt: str) -> None:
    """pyoxigraph escapes what a local name cannot hold (``graph:data\\/paris-summit``);
    the exports write those IRIs whole and declare only the prefixes they use."""
    body = exports[fmt]
    assert ESCAPED_NAME.search(body) is None
    if fmt == "trig":
        assert b"<https://w3id.org/accord/graph/data/paris-summit-2026-01-06> {" in body
    declared = re.findall(rb"^@prefix ([\w-]+):", body, re.MULTILINE)
    assert b"accord" in declared and b"graph" not in declared
    for prefix in declared:
        assert re.search(rb"[\s^(\[]" + prefix + rb":", body.split(b"\n", len(declared))[-1])
