"""The catalogue's competency queries give the answers a reader of the article expects.

The expected values are written out by hand from the source article, not taken from
the queries' output.
"""

from pathlib import Path

import pytest

from accord.dataset import graph_files
from accord.settings import bundled_paths
from accord.stores.oxigraph import OxigraphStore
from tests.queries_support import ID, query_names, run_named, short


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    return OxigraphStore(graph_files(bundled_paths()))


def test_every_catalogue_query_runs_and_returns_rows(store: OxigraphStore) -> None:
    names = query_names()
    assert len(names) >= 7
    for name in names:
        assert run_named(store, name), f"queries/{name}.rq returned no rows"


def test_signatories_and_non_signatories(store: OxigraphStore) -> None:
    rows = run_named(store, "signatories")
    got = {(short(r["declaration"]), short(r["agent"]), r["signed"]) for r in rows}
    assert got == {
        ("paris-declaration-2026", "coalition-european-countries", "true"),
        ("paris-declaration-2026", "UA", "true"),
        ("paris-declaration-2026", "US", "false"),
        ("declaration-post-ceasefire-force", "volodymyr-zelenskyy", "true"),
        ("declaration-post-ceasefire-force", "emmanuel-macron", "true"),
        ("declaration-post-ceasefire-force", "keir-starmer", "true"),
    }


def test_commitments_that_depend_on_any_kind_of_ceasefire(store: OxigraphStore) -> None:
    rows = run_named(store, "ceasefire-dependent")
    got = {(short(r["commitment"]), short(r["party"])) for r in rows}
    assert got == {
        ("commitment-multinational-force", "coalition-european-countries"),  # hostilities cease
        ("commitment-reassurance-measures", "coalition-european-countries"),  # credible ceasefire
        ("commitment-long-term-assistance", "coalition-of-the-willing"),  # ceasefire with Russia
        ("commitment-uk-fr-hubs-and-facilities", "GB"),
        ("commitment-uk-fr-hubs-and-facilities", "FR"),
        ("commitment-de-forces-adjacent", "DE"),
        ("commitment-se-air-surveillance", "SE"),  # formal ceasefire
        ("commitment-se-mine-clearing", "SE"),
        ("commitment-se-training", "SE"),
        ("commitment-be-contribution", "BE"),  # once hostilities end
    }


def test_ceasefire_query_takes_a_party(store: OxigraphStore) -> None:
    rows = run_named(store, "ceasefire-dependent", party="https://w3id.org/accord/id/DE")
    assert {short(r["commitment"]) for r in rows} == {"commitment-de-forces-adjacent"}


def test_commitments_that_need_a_parliament(store: OxigraphStore) -> None:
    rows = run_named(store, "parliamentary-approval")
    got = {(short(r["subject"]), short(r["body"]), short(r["bodyState"])) for r in rows}
    assert got == {
        ("commitment-de-forces-adjacent", "bundestag", "DE"),
        ("commitment-se-air-surveillance", "riksdag", "SE"),
        ("commitment-se-mine-clearing", "riksdag", "SE"),
        ("commitment-se-training", "riksdag", "SE"),
        ("guarantee-ukraine-paris-2026", "us-congress", "US"),
    }


def test_commitments_with_more_than_one_condition(store: OxigraphStore) -> None:
    rows = run_named(store, "multi-condition-commitments")
    got = {short(r["commitment"]): int(r["conditions"]) for r in rows}
    assert got == {
        "commitment-se-air-surveillance": 4,  # peace agreement, formal ceasefire, ROE, Riksdag
        "commitment-se-mine-clearing": 4,
        "commitment-se-training": 4,
        "commitment-de-forces-adjacent": 3,  # ceasefire, Bundestag, conditions clarified
        "commitment-be-contribution": 3,  # hostilities end, US backstop, US-led monitoring
    }


def test_who_declined_and_what_they_left_open(store: OxigraphStore) -> None:
    rows = run_named(store, "declined-and-open")
    got = {(short(r["party"]), r["declined"], r.get("leftOpen")) for r in rows}
    assert got == {
        (
            "GR",
            "Greece: no direct participation in a European military force in Ukraine",
            "Greece: maritime surveillance not ruled out",
        )
    }


def test_removed_from_draft_and_according_to_whom(store: OxigraphStore) -> None:
    rows = run_named(store, "removed-from-draft")
    assert {short(r["declaration"]) for r in rows} == {"paris-declaration-2026"}
    got = {(short(r["item"]), short(r["primarySource"]), short(r["reportedIn"])) for r in rows}
    assert got == {
        ("provision-us-role-in-force", "source-politico-drafts", "source-article-paris-talks"),
        (
            "commitment-us-support-for-force-draft",
            "source-politico-drafts",
            "source-article-paris-talks",
        ),
    }


def test_quotes_of_one_person_with_source(store: OxigraphStore) -> None:
    rows = run_named(store, "quotes", person="https://w3id.org/accord/id/emmanuel-macron")
    assert {r["quote"] for r in rows} == {
        "robust",
        "a peace agreement can never mean a Ukrainian surrender and that a peace "
        "agreement can never mean a new threat to Ukraine.",
    }
    assert {short(r["source"]) for r in rows} == {"source-article-paris-talks"}


def test_quotes_relayed_from_an_x_post_name_it(store: OxigraphStore) -> None:
    rows = run_named(store, "quotes", person="https://w3id.org/accord/id/ulf-kristersson")
    assert [(r["quote"], short(r["primarySource"]), r["channel"]) for r in rows] == [
        ("do our part for peace in Europe.", "source-kristersson-x-post", "X post")
    ]


def test_belgian_prime_minister_on_6_january_2026(store: OxigraphStore) -> None:
    rows = run_named(
        store,
        "office-holders",
        date="2026-01-06",
        state="https://w3id.org/accord/id/BE",
    )
    assert [(short(r["person"]), r["role"]) for r in rows] == [
        ("bart-de-wever", "head of government")
    ]


def test_office_holders_on_a_date_without_a_record_is_empty(store: OxigraphStore) -> None:
    assert run_named(store, "office-holders", date="1999-01-01") == []


def test_office_holders_on_a_date_inside_a_known_term(tmp_path: Path) -> None:
    # The article attests holdings on one date only, so the term-of-office branch is
    # shown on a made-up holding: a term from 2020 with no end covers 2026-01-06. (The
    # branch's FILTER did not see a given date until parameters were bound in every
    # group that mentions them.)
    term = tmp_path / "term.ttl"
    term.write_text(
        f"""
        @prefix accord: <https://w3id.org/accord/ontology#> .
        @prefix org: <http://www.w3.org/ns/org#> .
        @prefix time: <http://www.w3.org/2006/time#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <{ID}holding-x> a accord:OfficeHolding ;
            org:member <{ID}bart-de-wever> ;
            org:organization <{ID}BE> ;
            org:role <https://w3id.org/accord/concept/HeadOfState> ;
            accord:officeTitle "Test title"@en ;
            org:memberDuring [ time:hasBeginning [ time:inXSDDate "2020-01-01"^^xsd:date ] ] .
        """,
        encoding="utf-8",
    )
    files = graph_files([*bundled_paths(), term])
    with_term = OxigraphStore(files)
    rows = run_named(with_term, "office-holders", date="2026-01-06", state=f"{ID}BE")
    assert sorted((short(r["person"]), r["titles"]) for r in rows) == [
        ("bart-de-wever", "Belgian Prime Minister"),
        ("bart-de-wever", "Test title"),
    ]
    assert run_named(with_term, "office-holders", date="2019-12-31", state=f"{ID}BE") == []
    # Without a date, every holding: the term's with no date of its own.
    rows = run_named(with_term, "office-holders", state=f"{ID}BE")
    assert sorted((r["titles"], r.get("date", "")) for r in rows) == [
        ("Belgian Prime Minister", "2026-01-06"),
        ("Test title", ""),
    ]


def test_commitments_overview_lists_every_commitment_once(store: OxigraphStore) -> None:
    rows = run_named(store, "commitments")
    commitments = [short(r["commitment"]) for r in rows]
    assert len(commitments) == len(set(commitments)) == 16
    germany = next(r for r in rows if short(r["commitment"]) == "commitment-de-forces-adjacent")
    assert germany["participation"] == "limited"
    assert set(germany["conditions"].split(" + ")) == {
        "After a ceasefire",
        "Approval by the Bundestag",
        "Once conditions are clarified",
    }
