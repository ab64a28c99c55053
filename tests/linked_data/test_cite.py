"""Citations (``/cite``, accord.publish.citation) read back with their reference
parsers: citeproc-py for CSL-JSON, bibtexparser for BibTeX, rispy for RIS."""

from __future__ import annotations

import hashlib
import json

import bibtexparser
import rispy
from citeproc import Citation as CslCitation
from citeproc import CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from fastapi.testclient import TestClient

NAMED = {"named": "status-as-of", "state": "id:SE", "asof": "2026-01-08"}


def version(client: TestClient) -> str:
    return client.get("/sparql", params={"query": "ASK {}"}).headers["x-accord-dataset-version"]


def test_csl_json_reads_in_citeproc_and_names_the_version_and_the_query(
    client: TestClient,
) -> None:
    answer = client.get("/cite", params=NAMED | {"format": "csl-json"})
    assert answer.headers["content-type"].startswith("application/vnd.citationstyles.csl+json")
    items = json.loads(answer.content)
    source = CiteProcJSON(items)
    key = items[0]["id"]
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    bibliography.register(CslCitation([CitationItem(key)]))
    (entry,) = [str(e) for e in bibliography.bibliography()]
    assert "Accord contributors" in entry and "What had each party promised" in entry
    assert items[0]["version"] == version(client)
    assert items[0]["URL"] == "http://testserver/queries/status-as-of?state=id%3ASE&asof=2026-01-08"
    note = items[0]["note"]
    assert "Paris talks deliver U.S. backing for Ukraine" in note  # a source behind the rows
    text = client.get("/queries/status-as-of", params={"state": "id:SE", "asof": "2026-01-08"})
    assert text.status_code == 200


def test_bibtex_reads_in_bibtexparser(client: TestClient) -> None:
    query = "SELECT ?s WHERE { ?s a accord:State } ORDER BY ?s LIMIT 3"
    answer = client.get("/cite", params={"query": query, "format": "bibtex"})
    library = bibtexparser.parse_string(answer.text)
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.entry_type == "misc"
    fields = {f.key: f.value for f in entry.fields}
    assert fields["version"] == version(client)
    assert hashlib.sha256(query.encode()).hexdigest() in fields["note"]
    assert r"\url{http://testserver/sparql?query=" in fields["howpublished"]


def test_ris_reads_in_rispy_and_the_dataset_has_a_citation_of_its_own(client: TestClient) -> None:
    (record,) = rispy.loads(client.get("/cite", params={"format": "ris"}).text)
    assert record["type_of_reference"] == "DATA"
    assert record["urls"] == ["https://w3id.org/accord/"]
    assert record["edition"] == version(client)


def test_a_browser_gets_a_page_with_every_format(client: TestClient) -> None:
    page = client.get("/cite", params=NAMED, headers={"Accept": "text/html"}).text
    assert "Cite this answer" in page
    for fmt in ("csl-json", "bibtex", "ris"):
        assert f"format={fmt}" in page
    assert client.get("/cite", params={"format": "word"}).status_code == 400
    assert client.get("/cite", params={"named": "nope"}).status_code == 404
