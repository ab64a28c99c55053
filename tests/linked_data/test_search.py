"""Entity search by label (``/search``, accord.publish.search)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from accord.publish.search import LabelIndex, fold


def labels(client: TestClient, q: str, **params: str) -> list[str]:
    answer = client.get("/search", params={"q": q, **params})
    assert answer.status_code == 200, answer.text
    return [hit["label"] for hit in answer.json()]


def test_a_name_finds_the_person_first_then_what_mentions_them(client: TestClient) -> None:
    found = labels(client, "kristersson")
    assert found[0] == "Ulf Kristersson"
    assert any(label.startswith("Kristersson:") for label in found)  # his statements


def test_each_word_begins_a_word_of_the_label_in_any_case_or_accent(client: TestClient) -> None:
    assert labels(client, "paris decl")[0].startswith("Joint declaration of the Coalition")
    assert labels(client, "CEASEFIRE")[0] == "ceasefire"
    assert labels(client, "zzzz") == [] and labels(client, "") == []
    hit = client.get("/search", params={"q": "sweden", "limit": "1"}).json()
    assert hit == [{"iri": "https://w3id.org/accord/id/SE", "label": "Sweden", "href": "/id/SE"}]


def test_a_browser_gets_a_page_with_links(client: TestClient) -> None:
    page = client.get("/search", params={"q": "merz"}, headers={"Accept": "text/html"}).text
    assert '<a href="/id/friedrich-merz">Friedrich Merz</a>' in page


def test_the_index_folds_accents_and_ranks_exact_labels_first() -> None:
    index = LabelIndex([("urn:a", "Zoë Café"), ("urn:b", "Café"), ("urn:c", "Café society")])
    assert [h.iri for h in index.search("cafe")] == ["urn:b", "urn:c", "urn:a"]
    assert [h.iri for h in index.search("zoe caf")] == ["urn:a"]
    assert fold("Ünïcödé") == "unicode"
