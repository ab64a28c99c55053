"""The HTML pages, in-process: every link resolves, the declaration, state, commitments
and ontology pages say what they must, and nothing depends on the bundled summit (an
invented one in tests/linked_data/fixtures/other-summit is shown the same way)."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from rdflib import OWL, RDF, Graph

from accord.main import create_app
from accord.settings import Settings
from tests import REPO
from tests.linked_data.conftest import ACCORD

OTHER = Path(__file__).resolve().parent / "fixtures" / "other-summit"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("a", "link") and values.get("href"):
            self.hrefs.append(values["href"] or "")
        if values.get("id"):
            self.ids.add(values["id"] or "")


def parse(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


def crawl(client: TestClient, start: str, limit: int) -> dict[str, int]:
    """Follow same-site links breadth first from ``start``; the status of each URL."""
    seen: dict[str, int] = {}
    queue = deque([start])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        r = client.get(url)
        seen[url] = r.status_code
        if (
            r.status_code == 200
            and r.headers["content-type"].startswith("text/html")
            and "/static/" not in url
        ):
            for href in parse(r.text).hrefs:
                target, _ = urldefrag(urljoin(url, href))
                parts = urlsplit(target)
                if parts.scheme in ("", "http") and parts.netloc in ("", "testserver"):
                    path = parts.path + (f"?{parts.query}" if parts.query else "")
                    if path not in seen and path != "/":  # "/" is the SPARQL UI's page
                        queue.append(path)
    return seen


def test_links_from_the_index_resolve(client: TestClient) -> None:
    seen = crawl(client, "/browse", limit=400)
    assert len(seen) > 100
    broken = {u: s for u, s in seen.items() if s != 200}
    assert broken == {}


def test_links_from_the_commitments_page_resolve(client: TestClient) -> None:
    seen = crawl(client, "/commitments", limit=60)
    assert {u: s for u, s in seen.items() if s != 200} == {}


def test_declaration_page(client: TestClient) -> None:
    r = client.get("/id/paris-declaration-2026.html")
    html = r.text
    signatories = html[html.index('id="signatories"') : html.index('id="versions"')]
    assert (
        'href="/id/UA"' in signatories and 'href="/id/coalition-european-countries"' in signatories
    )
    assert re.search(
        r'href="/id/US">United States</a></td>\s*<td><a href="/id/non-signature', signatories
    )
    assert "did not sign" in signatories
    removed = html[html.index('id="draft-vs-final"') :]
    assert (
        'href="/id/provision-us-role-in-force"'
        in removed.split('class="removed"')[1].split("</ul>")[0]
    )
    assert "Politico" in removed
    assert 'href="/id/commitment-multinational-force"' in html
    assert ".jsonld?frame=declaration" in html


def test_state_page_shows_leaders_pledges_and_conditions(client: TestClient) -> None:
    html = client.get("/id/SE.html").text
    offices = html[html.index('id="offices"') : html.index('id="pledges"')]
    assert 'href="/id/ulf-kristersson"' in offices
    pledges = html[html.index('id="pledges"') :]
    for commitment in ("se-air-surveillance", "se-mine-clearing", "se-training"):
        assert f'href="/id/commitment-{commitment}"' in pledges
    assert 'href="/id/condition-se-riksdag-approval"' in pledges
    assert "do our part for peace in Europe." in pledges  # who announced it, verbatim


def test_state_page_on_a_date(client: TestClient) -> None:
    on_day = client.get("/id/US.html?on=2026-01-06").text
    assert 'href="/id/donald-trump"' in on_day
    other_day = client.get("/id/US.html?on=2026-02-01").text
    assert 'href="/id/donald-trump"' not in other_day.split('id="pledges"')[0]


def test_commitment_page_says_who_pledged_under_which_conditions_according_to_whom(
    client: TestClient,
) -> None:
    html = client.get("/id/commitment-de-forces-adjacent.html").text
    assert 'href="/id/DE"' in html  # committed by
    for condition in ("de-after-ceasefire", "de-bundestag-approval", "de-conditions-clarified"):
        assert f'href="/id/condition-{condition}"' in html
    assert 'href="/id/bundestag"' in html  # the condition's approving body, inline
    provenance = html[html.index('id="provenance"') :]
    assert 'href="/id/friedrich-merz"' in provenance
    assert "2026-01-06" in provenance
    assert 'href="/id/source-article-paris-talks"' in provenance


def test_commitments_overview_table_and_network(client: TestClient) -> None:
    html = client.get("/commitments").text
    table = html[html.index('class="matrix"') : html.index("</table>")]
    assert 'href="/concept/ParliamentaryApproval"' in table
    sweden_row = table[table.index('href="/id/SE"') :].split("</tr>")[0]
    assert sweden_row.count('class="badge"') == 3 * 4  # 3 pledges x 4 kinds of condition
    # A cell says what each commitment is (its contribution types) beside its number,
    # and names it in full in its title, rather than holding bare numbers.
    numbers = {m[1]: m[0] for m in re.findall(r'<li value="(\d+)"><a href="/id/([^"]+)"', html)}
    training = numbers["commitment-se-training"]
    assert (
        f'<a class="commitment" href="/id/commitment-se-training" title="{training}. Sweden: '
        f'continued training of Ukrainian military officers"><span class="badge">{training}'
        "</span> training</a>"
    ) in sweden_row
    assert "</span> air surveillance</a>" in sweden_row
    assert "</span> mine clearing</a>" in sweden_row
    svg = html[html.index("<svg") : html.index("</svg>")]
    for node in ("/id/SE", "/id/commitment-se-training", "/concept/FormalCeasefire"):
        assert f'href="{node}"' in svg


def test_ontology_page_has_an_anchor_per_term(client: TestClient) -> None:
    page = parse(client.get("/ontology.html").text)
    ontology = Graph().parse(REPO / "ontology" / "accord.ttl")
    terms = {
        str(s)[len(ACCORD) :]
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ontology.subjects(RDF.type, kind)
        if str(s).startswith(ACCORD)
    }
    assert terms and terms <= page.ids
    # Links to ontology terms from resource pages land on those anchors.
    assert 'href="/ontology#committedBy"' in client.get("/id/commitment-se-training.html").text


def test_class_listing_and_unknown_class(client: TestClient) -> None:
    html = client.get("/browse/accord:State").text
    assert 'href="/id/FR"' in html and 'href="/id/UA"' in html
    assert client.get("/browse/accord:Nothing").status_code == 404
    assert client.get("/browse/nonsense").status_code == 404


@pytest.fixture(scope="module")
def other() -> TestClient:
    return TestClient(create_app(Settings(paths=[REPO / "ontology", OTHER])))


def test_another_summit_gets_the_same_pages(other: TestClient) -> None:
    declaration = other.get("/id/lisbon-accord.html").text
    signatories = declaration[
        declaration.index('id="signatories"') : declaration.index('id="versions"')
    ]
    assert 'href="/id/ana-teste"' in signatories and 'href="/id/PT"' in signatories  # on behalf of
    assert 'href="/id/MT"' in signatories and 'href="/id/IS"' in signatories
    removed = declaration.split('class="removed"')[1].split("</ul>")[0]
    added = declaration.split('class="added"')[1].split("</ul>")[0]
    assert 'href="/id/provision-fishing"' in removed and "Test leaks" in removed
    assert 'href="/id/provision-lighthouses"' in added and "provision-ports" not in added
    state = other.get("/id/PT.html?on=2030-06-01").text.split('id="pledges"')
    assert 'href="/id/ana-teste"' in state[0] and 'href="/id/rui-antigo"' not in state[0]
    assert "Our ports are open." in state[1]
    assert 'href="/id/rui-antigo"' in other.get("/id/PT.html?on=2020-03-03").text
    overview = other.get("/commitments").text
    assert 'href="/id/commitment-pt-ports"' in overview and 'href="/id/PT"' in overview
    index = other.get("/browse").text
    assert "paris" not in index.lower()
    seen = crawl(other, "/browse", limit=200)
    assert {u: s for u, s in seen.items() if s != 200} == {}


def test_the_index_lists_the_datas_classes_before_the_vocabularys_own(client: TestClient) -> None:
    # /browse mixed researcher classes with OWL and SHACL machinery (issue 16).
    page = client.get("/browse").text
    main, _, machinery = page.partition('<details class="machinery">')
    assert 'href="/browse/accord:Commitment"' in main
    assert 'href="/browse/owl:Class"' not in main and 'href="/browse/sh:NodeShape"' not in main
    assert 'href="/browse/owl:Class"' in machinery and 'href="/browse/sh:NodeShape"' in machinery


def test_a_concept_page_lists_the_commitments_that_depend_on_it(client: TestClient) -> None:
    # The ceasefire page listed two conditions both labelled "After a ceasefire", and
    # not the commitments behind them (issue 16).
    page = client.get("/concept/Ceasefire.html").text
    section = page.partition('id="dependents"')[2].partition("</section>")[0]
    assert "Germany: forces to NATO territory adjacent to Ukraine" in section
    assert "Sweden: Gripen fighter jets for air surveillance over Ukraine" in section
    assert 'href="/concept/FormalCeasefire"' in section  # a narrower type counts
    assert section.count("<tr>") >= 8


def test_a_page_links_the_wikidata_item_the_data_names(client: TestClient) -> None:
    page = client.get("/id/donald-trump.html").text
    assert '<a href="https://www.wikidata.org/wiki/Q22686" rel="external">Q22686</a>' in page
    assert "wikidata.org/wiki" not in client.get("/id/paris-declaration-2026.html").text
