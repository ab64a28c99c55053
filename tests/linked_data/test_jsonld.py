"""The published JSON-LD context and the declaration frame."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from pyld import jsonld
from rdflib import OWL, RDF, Graph
from rdflib.compare import isomorphic

from accord.jsonld import CONTEXT_FILE, ContextRefused, context_document, document_loader, to_nquads
from tests import REPO
from tests.linked_data.conftest import ACCORD, ID, TEST_CONTEXT, parse_rdf

DECLARATION = ID + "paris-declaration-2026"


def test_context_is_served_at_its_stable_path(client: TestClient) -> None:
    r = client.get("/context.jsonld")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/ld+json")
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.json() == json.loads(CONTEXT_FILE.read_text())


def test_context_has_a_readable_term_for_every_ontology_term() -> None:
    ctx = context_document()["@context"]
    ontology = Graph().parse(REPO / "ontology" / "accord.ttl")
    terms = {
        str(s)[len(ACCORD) :]: kind
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ontology.subjects(RDF.type, kind)
        if str(s).startswith(ACCORD)
    }
    assert terms
    missing = sorted(t for t in terms if t not in ctx)
    assert missing == [], f"context.jsonld has no term for {missing}"
    for name, kind in terms.items():
        definition = ctx[name]
        iri = definition if isinstance(definition, str) else definition["@id"]
        assert iri == f"accord:{name}"
        if kind == OWL.ObjectProperty:
            assert definition.get("@type") == "@id", f"{name} values are IRIs"


def test_resource_json_ld_uses_the_context_and_readable_keys(client: TestClient) -> None:
    doc = client.get("/id/commitment-de-forces-adjacent.jsonld").json()
    # Named on the server that answered, where a client can load it whether or not the
    # base IRI resolves (its content is the published context: see the loader test).
    assert doc["@context"] == TEST_CONTEXT
    assert client.get("/context.jsonld").json() == context_document()
    node = next(n for n in doc["@graph"] if n["@id"] == "id:commitment-de-forces-adjacent")
    assert node["@type"] == "Commitment"
    assert node["committedBy"] == "id:DE"
    assert node["label"] == "Germany: forces to NATO territory adjacent to Ukraine"
    assert len(node["hasCondition"]) == 3


def test_resource_json_ld_is_the_same_graph_as_turtle(client: TestClient) -> None:
    ttl = parse_rdf(client.get("/id/SE.ttl").content, "text/turtle")
    js = parse_rdf(client.get("/id/SE.jsonld").content, "application/ld+json")
    assert len(ttl) > 20
    assert isomorphic(ttl, js)


def test_document_loader_serves_only_the_context() -> None:
    load = document_loader()
    assert load("https://w3id.org/accord/context.jsonld")["document"] == context_document()
    with pytest.raises(ContextRefused):
        load("https://example.org/other-context.jsonld")
    doc = {
        "@context": "https://example.org/ctx.jsonld",
        "@id": "https://example.org/x",
        "name": "x",
    }
    with pytest.raises(jsonld.JsonLdError):
        to_nquads(doc)


def test_declaration_frame_nests_signatories_and_commitments(client: TestClient) -> None:
    r = client.get("/id/paris-declaration-2026.jsonld?frame=declaration")
    assert r.status_code == 200
    doc = r.json()
    assert doc["@id"] == "id:paris-declaration-2026"
    assert doc["@type"] == "Declaration"
    records = doc["signatureRecords"]
    signed = {rec["signatory"]["@id"] for rec in records if rec["@type"] == "Signature"}
    not_signed = {rec["nonSignatory"]["@id"] for rec in records if rec["@type"] == "NonSignature"}
    assert signed == {"id:UA", "id:coalition-european-countries"}
    assert not_signed == {"id:US"}
    # The article's list of who signed ("signed only by ..."), a closed list.
    (listing,) = [rec for rec in records if rec["@type"] == "SignatoryList"]
    assert {a["@id"] for a in listing["listedSignatory"]} == signed
    assert listing["closedList"] == "true"
    agents = [
        agent
        for rec in records
        for key in ("signatory", "nonSignatory", "listedSignatory")
        for agent in (rec[key] if isinstance(rec.get(key), list) else [rec.get(key)])
        if agent is not None
    ]
    assert len(agents) == len(records) + 1  # one agent a record, two in the list
    assert all("label" in agent for agent in agents)
    # Every text version is embedded under hasVersion, not where another points at it
    # (the final text is prov:wasRevisionOf the drafts).
    versions = {v["@id"]: v for v in doc["hasVersion"]}
    assert versions["id:paris-declaration-2026-final"]["wasRevisionOf"] == (
        "id:paris-declaration-2026-drafts"
    )
    final = versions["id:paris-declaration-2026-final"]
    commitments = {c["@id"]: c for p in final["containsProvision"] for c in p.get("expresses", [])}
    force = commitments["id:commitment-multinational-force"]
    assert force["hasCondition"][0]["conditionType"] == "concept:EndOfHostilities"
    assert force["committedBy"]["label"] == "European countries of the Coalition of the Willing"
    drafts = versions["id:paris-declaration-2026-drafts"]
    assert "id:commitment-us-support-for-force-draft" in {
        c["@id"] for p in drafts["containsProvision"] for c in p.get("expresses", [])
    }


def test_framed_json_ld_is_still_rdf(client: TestClient) -> None:
    framed = client.get("/id/paris-declaration-2026.jsonld?frame=declaration").json()
    g = Graph().parse(data=to_nquads(framed, also=[TEST_CONTEXT]), format="nt")
    assert len(g) > 50
    described = parse_rdf(client.get("/id/paris-declaration-2026.ttl").content, "text/turtle")
    # Everything the declaration says of itself is in the framed document too.
    from rdflib import URIRef

    d = URIRef(DECLARATION)
    assert set(described.predicate_objects(d)) <= set(g.predicate_objects(d))


def test_thing_with_a_frame_redirects_to_json_ld(client: TestClient) -> None:
    r = client.get(
        "/id/paris-declaration-2026?frame=declaration",
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/id/paris-declaration-2026.jsonld?frame=declaration"


def test_frame_document_is_published(client: TestClient) -> None:
    r = client.get("/frames/declaration")
    assert r.status_code == 200
    assert r.json()["@type"] == "Declaration"
    assert client.get("/frames/nope").status_code == 404
