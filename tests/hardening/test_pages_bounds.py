"""Pages cost what the data costs, once per dataset version, and within bounds (issue 15,
amplification by data: 195 kB of contributed data made each anonymous GET of
/commitments cost 13.4 s; a 404 scanned the store for suggestions).

* a page (or document) is built once per dataset version, then served from memory; a
  write makes the next GET build again, and a page built across a write is not kept;
* requests for a page being built wait for that build instead of building it again;
* page builds run a few at a time: beyond, a bounded wait, then 503 with Retry-After;
  a build that outlives its time budget runs no further query;
* a page lists at most ``page_max_rows`` rows per section, with the count and a link
  to all of them;
* the 404 suggestions come from an index built once per version, and a lookup compares
  a bounded number of names.

Builds are counted (monkeypatched builders), never timed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord import resources
from accord.html import pages
from accord.main import create_app
from accord.publish import suggestions
from accord.publish.suggestions import WINDOW, IriIndex
from accord.query import budget
from accord.routers import browse
from accord.routers import resources as resource_routes
from accord.settings import Settings
from tests.conftest import wait_until

ID = "https://w3id.org/accord/id/"
TOKEN = "pages-tests-0123456789-abcdefghijklmnopqrs"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WRITE_SHAPES = Path(__file__).resolve().parents[1] / "writes" / "fixtures" / "shapes.ttl"
PLEDGES = 12


def pledges_ttl() -> str:
    """A state with ``PLEDGES`` commitments of its own."""
    lines = [
        "@prefix accord: <https://w3id.org/accord/ontology#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        f"@prefix id: <{ID}> .",
        'id:XS a accord:State ; rdfs:label "Testland" .',
    ]
    for n in range(PLEDGES):
        lines.append(
            f'id:pledge-{n:02d} a accord:Commitment ; rdfs:label "Pledge {n:02d}" ; '
            "accord:committedBy id:XS ."
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., FastAPI]]:
    """``make_app(**settings)``: the ontology and a state with 12 pledges; queries in the
    server process unless a test asks for workers (it counts builds, not queries)."""
    data = tmp_path / "pledges.ttl"
    data.write_text(pledges_ttl(), encoding="utf-8")
    made: list[FastAPI] = []

    def make(**overrides: Any) -> FastAPI:
        values: dict[str, Any] = {
            "paths": [resources.ONTOLOGY, data],
            "query_workers": 0,
            "rate_limit_per_second": 0,
            "access_log": False,
        }
        app = create_app(Settings(**(values | overrides)))
        made.append(app)
        return app

    yield make
    for app in made:
        app.state.services.executor.close()


def counting(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    """Count the calls of ``module.name`` (the function a route builds with)."""
    calls: list[int] = []
    original = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


# --- built once per version -----------------------------------------------------------


def test_a_second_get_is_served_without_building_the_page_again(
    make_app: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(make_app())
    overview = counting(monkeypatch, browse, "commitments_page")
    first, second = client.get("/commitments"), client.get("/commitments")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and len(overview) == 1

    documents = counting(monkeypatch, resource_routes, "representation")
    for _ in range(2):
        assert client.get("/id/XS.html").status_code == 200
        assert client.get("/id/XS.html?on=2026-01-01").status_code == 200
    assert len(documents) == 2  # one build per query string, not per request


def test_a_write_makes_the_next_get_build_again(
    make_app: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = make_app(
        allow_update=True,
        write_token=TOKEN,
        write_shapes=WRITE_SHAPES,
        write_log=tmp_path / "writes.jsonl",
    )
    client = TestClient(app)
    overview = counting(monkeypatch, browse, "commitments_page")
    assert client.get("/commitments").status_code == 200
    assert client.get("/commitments").status_code == 200
    assert len(overview) == 1
    r = client.post(
        "/sparql",
        content=f'INSERT DATA {{ <{ID}pledge-new> a <https://w3id.org/accord/ontology#Commitment> ; <{ID}p> "new" }}',
        headers={"Content-Type": "application/sparql-update", **AUTH},
    )
    assert r.status_code == 200, r.text
    after = client.get("/commitments")
    assert after.status_code == 200 and len(overview) == 2
    assert "pledge-new" in after.text
    assert client.get("/commitments").status_code == 200
    assert len(overview) == 2  # the new version's page is kept in its turn


def test_a_page_begun_before_the_workers_were_refreshed_is_not_kept(
    make_app: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write committed (new version), its workers not yet refreshed: a page begun then
    reads old data, even if the refresh is over by the time the page is done."""
    app = make_app()
    representations = app.state.services.representations
    original = browse.commitments_page
    builds: list[int] = []

    def refreshed_meanwhile(*args: Any, **kwargs: Any) -> bytes:
        builds.append(1)
        representations.readers = "committed"  # the refresh ends during this build
        return original(*args, **kwargs)

    monkeypatch.setattr(browse, "commitments_page", refreshed_meanwhile)
    client = TestClient(app)
    app.state.services.store.version = "committed"
    assert client.get("/commitments").status_code == 200
    assert client.get("/commitments").status_code == 200  # built again: the first not kept
    assert client.get("/commitments").status_code == 200
    assert len(builds) == 2


def test_a_page_is_not_kept_until_the_workers_see_the_new_version(
    make_app: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between a commit and the refresh of the query workers, the store has the new
    version but the workers answer from the old data: a page built then is not kept."""
    app = make_app()
    overview = counting(monkeypatch, browse, "commitments_page")
    client = TestClient(app)
    app.state.services.store.version = "committed-not-refreshed"
    assert client.get("/commitments").status_code == 200
    assert client.get("/commitments").status_code == 200
    assert len(overview) == 2
    app.state.services.representations.readers = "committed-not-refreshed"
    assert client.get("/commitments").status_code == 200
    assert client.get("/commitments").status_code == 200
    assert len(overview) == 3


# --- bounded building -----------------------------------------------------------------


class Blocked:
    """A builder that holds its build slot until released."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.builds = 0
        monkeypatch.setattr(browse, "commitments_page", self)

    def __call__(self, *args: Any, **kwargs: Any) -> bytes:
        self.builds += 1
        self.entered.set()
        self.release.wait(60)  # a guard against hanging, not a timing assertion
        return b"<p>built</p>"


def in_thread(app: FastAPI, path: str) -> tuple[threading.Thread, list[httpx.Response]]:
    answers: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: answers.append(TestClient(app).get(path)))
    thread.start()
    return thread, answers


def test_saturated_page_builds_answer_503_with_retry_after(
    make_app: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(page_builds=1, page_queue_timeout=0.2)
    blocked = Blocked(monkeypatch)
    thread, answers = in_thread(app, "/commitments")
    try:
        assert blocked.entered.wait(60)
        client = TestClient(app)
        other = client.get("/browse")  # another page: no build slot within 0.2 s
        assert other.status_code == 503, other.text
        assert other.headers["retry-after"] == "1"
        assert "page builds stayed busy" in other.text
        same = client.get("/commitments")  # the same page: waits for its build, 0.2 s
        assert same.status_code == 503 and same.headers["retry-after"] == "1"
    finally:
        blocked.release.set()
        thread.join(60)
    assert answers[0].status_code == 200
    assert TestClient(app).get("/browse").status_code == 200  # the slot is free again
    assert blocked.builds == 1


def test_requests_for_a_page_being_built_share_its_build(
    make_app: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(page_builds=4, page_queue_timeout=60)
    blocked = Blocked(monkeypatch)
    representations = app.state.services.representations
    first, first_answers = in_thread(app, "/commitments")
    try:
        assert blocked.entered.wait(60)
        second, second_answers = in_thread(app, "/commitments")
        assert wait_until(lambda: representations.misses == 2, 60)
    finally:
        blocked.release.set()
        first.join(60)
        second.join(60)
    assert [a.status_code for a in first_answers + second_answers] == [200, 200]
    assert second_answers[0].content == b"<p>built</p>"
    assert blocked.builds == 1


def test_a_page_past_its_time_budget_runs_no_further_query(
    make_app: Callable[..., FastAPI],
) -> None:
    """Each query of a page checks the page's deadline: with a budget already spent
    when the first query starts, the page is a 503 naming the budget."""
    client = TestClient(make_app(page_timeout=1e-9))
    r = client.get("/commitments")
    assert r.status_code == 503
    assert "took more than its 1e-09 s to build" in r.text
    assert client.get("/health").status_code == 200


def test_the_deadline_belongs_to_the_build_that_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    budget.check()  # no deadline outside a page build
    now = [1000.0]
    monkeypatch.setattr(budget.time, "monotonic", lambda: now[0])
    with budget.within(5):
        budget.check()
        now[0] += 6
        with pytest.raises(budget.PageTimedOut):
            budget.check()
    budget.check()


# --- rows per section -----------------------------------------------------------------


def test_a_page_over_many_rows_lists_the_first_and_says_where_all_are(
    make_app: Callable[..., FastAPI],
) -> None:
    client = TestClient(make_app(page_max_rows=5))
    overview = client.get("/commitments")
    assert overview.status_code == 200
    assert f"The first 5 of {PLEDGES} commitments are shown" in overview.text
    assert overview.text.count('<li value="') == 5
    assert 'href="/sparql?query=' in overview.text

    instances = client.get("/browse/accord:Commitment")
    assert f"The first 5 of {PLEDGES} instances are shown" in instances.text
    assert instances.text.count("<tr><td>") == 5
    link = instances.text.split('<a href="/sparql?query=')[1].split('"')[0]
    every = client.get("/sparql?query=" + link.replace("&amp;", "&"))
    assert every.status_code == 200 and every.headers["content-type"].startswith("text/csv")
    assert len(every.text.strip().splitlines()) == PLEDGES + 1  # the header, then all

    state = client.get("/id/XS.html")
    assert f"The first 5 of {PLEDGES} pledges are shown" in state.text
    section = state.text.split('<section id="pledges">')[1].split("</section>")[0]
    assert section.count('<a href="/id/pledge-') == 5

    whole = TestClient(make_app(page_max_rows=PLEDGES)).get("/commitments")
    assert "are shown" not in whole.text and whole.text.count('<li value="') == PLEDGES


def test_an_overview_too_big_to_draw_keeps_its_list(
    make_app: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table and the network draw cells, badges and edges that grow with the
    committers and condition types of each commitment, not only with the commitments:
    beyond their budget they are left out and the list stays."""
    monkeypatch.setattr(pages, "DRAWN_PER_ROW", 0)
    r = TestClient(make_app(page_max_rows=5)).get("/commitments")
    assert r.status_code == 200
    assert "too big to draw" in r.text and "<svg" not in r.text and "<table" not in r.text
    assert r.text.count('<li value="') == 5


def test_a_commitment_with_no_committer_recorded_does_not_break_the_overview(
    make_app: Callable[..., FastAPI], tmp_path: Path
) -> None:
    """Its row of the table is "(no committer recorded)"; the labels of the table's rows
    were looked up with that row's empty IRI, ``<>``, and the page was a 400."""
    orphan = tmp_path / "orphan.ttl"
    orphan.write_text(
        f"<{ID}orphan> a <https://w3id.org/accord/ontology#Commitment> .\n", encoding="utf-8"
    )
    app = make_app(paths=[resources.ONTOLOGY, orphan])
    r = TestClient(app).get("/commitments")
    assert r.status_code == 200, r.text
    assert "(no committer recorded)" in r.text


# --- 404 suggestions ------------------------------------------------------------------


def test_the_404_index_is_built_once_per_version(
    make_app: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    reads = counting(monkeypatch, resource_routes, "known_iris")
    client = TestClient(app)
    html = {"Accept": "text/html"}
    first = client.get("/id/pledge-1", headers=html)
    assert first.status_code == 404 and 'href="/id/pledge-01"' in first.text
    plain = client.get("/id/XZ", headers={"Accept": "text/plain"})
    assert plain.status_code == 404 and f"Did you mean <{ID}XS>?" in plain.text
    assert client.get("/id/nothing-like-it", headers=html).status_code == 404
    assert len(reads) == 1
    app.state.services.store.version = "after-a-write"  # a new version: a new index
    app.state.services.representations.readers = "after-a-write"
    assert client.get("/id/pledge-1", headers=html).status_code == 404
    assert client.get("/id/pledge-1", headers=html).status_code == 404
    assert len(reads) == 2


def test_a_suggestion_compares_a_bounded_number_of_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = [f"{ID}bench-u{n}-commitment-{n % 7}" for n in range(50_000)]
    names += [f"{ID}FR", f"{ID}DE"]
    index = IriIndex(names)
    compared: list[int] = []
    close_matches = suggestions.difflib.get_close_matches

    def counted(word: str, candidates: list[str], **kwargs: Any) -> list[str]:
        compared.append(len(candidates))
        return close_matches(word, candidates, **kwargs)

    monkeypatch.setattr(suggestions.difflib, "get_close_matches", counted)
    wanted = f"{ID}bench-u4711-commitment-{4711 % 7}"
    assert wanted in index.suggest(wanted.replace("commitment", "commitmnt"))  # late typo
    assert wanted in index.suggest(wanted.replace("bench", "bnech"))  # early typo
    assert index.suggest(f"{ID}FRR")[0] == f"{ID}FR"
    assert compared and max(compared) <= 4 * WINDOW
    assert index.suggest("https://elsewhere.example/x") == []
