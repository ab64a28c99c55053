"""The lexical helpers of app/accord/sparql_text.py, checked against the store's parser."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from accord.sparql_text import (
    declared_prefixes,
    has_keyword,
    insert_values,
    variables,
    with_prefixes,
)

EX = "http://example.org/"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    for name, age in (("alice", 30), ("bob", 40)):
        s.add(
            ox.Quad(
                ox.NamedNode(EX + name),
                ox.NamedNode(EX + "age"),
                ox.Literal(
                    str(age), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
                ),
                ox.NamedNode(EX + "g"),
            )
        )
    return s


def rows(store: ox.Store, query: str) -> list[str]:
    return sorted(str(sol[0].value) for sol in store.query(query, use_default_graph_as_union=True))


def test_prefixes_skip_comments_strings_and_iris() -> None:
    text = '# PREFIX no: <http://no/>\nPREFIX ex: <http://ex/>\nPREFIX : <http://d/>\nSELECT * { ?s ?p "PREFIX x: <y>" }'
    assert declared_prefixes(text) == {"ex": "http://ex/", "": "http://d/"}


def test_with_prefixes_adds_only_the_missing_ones() -> None:
    text = "PREFIX ex: <http://mine/>\nSELECT * { ?s ex:p ?o }"
    out = with_prefixes(text, {"ex": "http://theirs/", "rdfs": "http://rdfs/"})
    assert "http://theirs/" not in out
    assert out.startswith("PREFIX rdfs: <http://rdfs/>\n")
    assert out.endswith(text)


def test_has_keyword_ignores_strings_and_comments() -> None:
    assert has_keyword("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "with")
    assert not has_keyword("INSERT { ?s ?p 'WITH' } WHERE { ?s ?p ?o } # USING", "WITH", "USING")


def test_variables() -> None:
    assert variables("SELECT ?a $b { ?a ?c 'x ?d' }") == {"a", "b", "c"}


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?s WHERE { ?s <http://example.org/age> ?age }",
        "SELECT ?s { ?s <http://example.org/age> ?age }",
        "SELECT ?s WHERE { ?s <http://example.org/age> ?age } ORDER BY ?s LIMIT 5",
        "SELECT ?s WHERE { SELECT ?s ?age { ?s <http://example.org/age> ?age } }",
        # The FILTER sees the bound value because VALUES goes inside the group.
        "SELECT ?s WHERE { ?s <http://example.org/age> ?a FILTER(!BOUND(?age) || ?a >= ?age) }",
        # ... and in each nested group that mentions it: a UNION branch (evaluated on its
        # own, it saw no value before), an OPTIONAL (its FILTER saw the value already).
        "SELECT ?s WHERE { { ?s <http://example.org/age> ?a FILTER(!BOUND(?age) || ?a >= ?age) }"
        " UNION { ?s <http://example.org/none> ?age } }",
        "SELECT ?s WHERE { ?s <http://example.org/age> ?a"
        " OPTIONAL { ?s <http://example.org/age> ?b FILTER(?b < ?age) } FILTER(!BOUND(?b)) }",
        # A VALUES data block and a sub-SELECT's braces are left as they are.
        "SELECT ?s WHERE { VALUES ?k { 1 2 } { SELECT ?s ?a { ?s <http://example.org/age> ?a } }"
        " FILTER(?k = 1 && (!BOUND(?age) || ?a >= ?age)) }",
    ],
)
def test_insert_values_binds_the_variable(store: ox.Store, query: str) -> None:
    assert len(rows(store, query)) == 2
    bound = insert_values(query, {"age": '"40"^^<http://www.w3.org/2001/XMLSchema#integer>'})
    assert rows(store, bound) == [EX + "bob"]


def test_insert_values_skips_a_construct_template(store: ox.Store) -> None:
    query = "CONSTRUCT { ?s <http://example.org/p> ?age } { ?s <http://example.org/age> ?age }"
    bound = insert_values(query, {"s": f"<{EX}alice>"})
    assert [str(t.subject.value) for t in store.query(bound, use_default_graph_as_union=True)] == [
        EX + "alice"
    ]


def test_insert_values_without_bindings_changes_nothing() -> None:
    assert insert_values("SELECT * {}", {}) == "SELECT * {}"


def test_insert_values_reaches_only_the_groups_that_mention_the_variable() -> None:
    query = "SELECT * { ?s ?p ?o { ?s ?p ?age } OPTIONAL { ?s ?q ?r } }"
    bound = insert_values(query, {"age": "1"})
    assert bound.count("VALUES ?age { 1 }") == 2  # the WHERE group and the first branch
    assert "OPTIONAL {  VALUES" not in bound and "OPTIONAL { ?s ?q ?r }" in bound
