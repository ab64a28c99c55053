"""What the benchmark asks: the queries/ catalogue and the query shapes around it.

Each workload has a few *variants* (the same query about different summits, people
or states, drawn deterministically from the generated graph's size), so that repeated
requests are not all the same.  Every query text declares its own prefixes, so any
SPARQL endpoint can run it.

A *repeated* workload sends its 16 variants in turn, so a server may answer them from a
cache (Accord's answer cache; rdflib-endpoint keeps 128 parsed queries).  A *distinct*
one (``Workload.marker``) makes every request's text new: the harness replaces the
marker in the variant with a number it never sends twice, inside a filter that keeps
every row (``FILTER(?p != <urn:accord-bench:N>)``: ``?p`` is always an IRI, never
that one), so each request is parsed, planned and run again, with the same answer as
the repeated workload.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from pathlib import Path

from accord.namespaces import PREFIXES
from accord.query.catalogue import load_catalogue
from benchmarks import REPO
from benchmarks import generate as gen

SELECT_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"


@dataclass(frozen=True)
class Workload:
    name: str
    group: str  # "catalogue" or "shape"
    variants: tuple[str, ...]
    accept: str = SELECT_JSON
    description: str = ""
    #: In a distinct workload, the text replaced by a new number in every request.
    marker: str = ""

    def text(self, i: int, token: str = "") -> str:
        """The ``i``-th request's query; in a distinct workload, ``token`` (never sent
        twice) in place of the marker."""
        query = self.variants[i % len(self.variants)]
        return query.replace(self.marker, token or str(i)) if self.marker else query


#: Replaced in a distinct workload's variants by a token sent once (letters and
#: underscores only, so it survives form encoding unchanged).
MARKER = "__N__"
NEVER = f"<urn:accord-bench:{MARKER}>"


def prefixed(body: str) -> str:
    """``body`` with a PREFIX declaration for each project prefix it uses."""
    used = set(re.findall(r"(?<![\w<#])([a-z]+):(?!//)", body))
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p in used) + body


def _iri(local: str) -> str:
    return f"<{gen.PREFIXES['id']}{local}>"


def workloads(units: int, variants: int = 16, seed: int = 0) -> list[Workload]:
    """The catalogue (whole, and with its parameters bound) and the query shapes."""
    rng = random.Random(f"accord-bench-workload:{seed}")
    summits = [rng.randrange(units) for _ in range(variants)]
    people = [rng.randrange(units * gen.PERSONS_PER_UNIT) for _ in range(variants)]
    # A state whose office holders took part in the summit of the same variant.
    states = [gen.person_state(k * gen.PERSONS_PER_UNIT) for k in summits]
    phrases = [(rng.choice(gen.WORDS), rng.choice(gen.WORDS)) for _ in range(variants)]
    names = [(rng.choice(gen.FIRST_NAMES), 1 + rng.randrange(9)) for _ in range(variants)]
    out: list[Workload] = []

    for name, query in load_catalogue(REPO / "queries").items():
        out.append(Workload(name, "catalogue", (query.text,), description=query.title))
        if not query.params:
            continue
        bound = []
        for j in range(variants):
            values: dict[str, str] = {}
            for param in query.params:
                if param.type == "IRI" and param.name == "person":
                    values[param.name] = gen.PREFIXES["id"] + f"bench-person-{people[j]}"
                elif param.type == "IRI" and param.name == "declaration":
                    values[param.name] = gen.PREFIXES["id"] + f"bench-u{summits[j]}-declaration"
                elif param.type == "IRI":  # a state (or party)
                    values[param.name] = gen.PREFIXES["id"] + gen.state(states[j])[3:]
                elif param.name in ("date", "asof") or param.type.endswith("date"):
                    day = gen.EPOCH + dt.timedelta(days=summits[j])
                    iso = day.isoformat()
                    values[param.name] = f'"{iso}"^^xsd:date' if param.type == "literal" else iso
            bound.append(query.bind(values))
        out.append(
            Workload(
                f"{name}?params", "catalogue", tuple(bound), description=f"{query.title} (bound)"
            )
        )

    def shape(
        name: str,
        bodies: list[str],
        description: str,
        accept: str = SELECT_JSON,
        marker: str = "",
    ) -> None:
        variants = tuple(map(prefixed, bodies))
        out.append(Workload(name, "shape", variants, accept, description, marker))

    def lookup(extra: str = "") -> list[str]:
        commitments = [_iri(f"bench-u{k}-commitment-0") for k in summits]
        return [f"SELECT ?p ?o WHERE {{ {c} ?p ?o {extra}}}" for c in commitments]

    shape("point lookup", lookup(), "every property of one commitment")
    shape(
        "join",
        [_join(_iri(f"bench-u{k}-summit")) for k in summits],
        "join of 13 triple patterns anchored on one summit: participants, their offices on "
        "the day, their quotes and the commitments the quotes support",
    )
    shape(
        "point lookup (distinct)",
        lookup(f"FILTER(?p != {NEVER}) "),
        "the point lookup, a new query text in every request (a filter that keeps every row)",
        marker=MARKER,
    )
    shape(
        "join (distinct)",
        [_join(_iri(f"bench-u{k}-summit"), never=True) for k in summits],
        "the join, a new query text in every request (a filter that keeps every row)",
        marker=MARKER,
    )
    shape(
        "OPTIONAL",
        [_join(_iri(f"bench-u{k}-summit"), optional=True) for k in summits],
        "the same join with the commitments' condition types in an OPTIONAL",
    )
    shape(
        "aggregate",
        [
            "SELECT ?party (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a accord:Commitment ; "
            "accord:committedBy ?party } GROUP BY ?party ORDER BY DESC(?n) ?party"
        ],
        "commitments per party, over all commitments",
    )
    shape(
        "NOT EXISTS",
        [
            "SELECT (COUNT(?c) AS ?n) WHERE { ?c a accord:Commitment "
            "FILTER NOT EXISTS { ?c accord:hasCondition ?x } }"
        ],
        "unconditional commitments, over all commitments",
    )
    shape(
        "property path",
        [
            "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { "
            "?c accord:hasCondition/accord:conditionType/skos:broader* concept:Ceasefire }"
        ],
        "commitments that hang on a ceasefire of any kind (skos:broader*)",
    )
    shape(
        "DESCRIBE",
        [f"DESCRIBE {_iri(f'bench-u{k}-summit')}" for k in summits],
        "DESCRIBE one summit",
        accept=N_TRIPLES,
    )
    shape(
        "text CONTAINS",
        [
            f'SELECT ?s ?q WHERE {{ ?s accord:quote ?q FILTER(CONTAINS(?q, "{a} {b}")) }}'
            for a, b in phrases
        ],
        "quotes that contain a two-word phrase (a scan of every quote)",
    )
    shape(
        "text REGEX",
        [
            f'SELECT ?s ?l WHERE {{ ?s a foaf:Person ; rdfs:label ?l FILTER(REGEX(?l, "^{n} .* {d}[0-9]*$", "i")) }}'
            for n, d in names
        ],
        "people whose label matches a regular expression",
    )
    return out


def _join(summit: str, optional: bool = False, never: bool = False) -> str:
    extra = (
        "  OPTIONAL { ?commitment accord:hasCondition/accord:conditionType ?conditionType }\n"
        if optional
        else ""
    )
    extra += f"  FILTER(?person != {NEVER})\n" if never else ""
    condition = " ?conditionType" if optional else ""
    return f"""SELECT ?personLabel ?title ?quote ?commitmentLabel{condition} WHERE {{
  ?part accord:event {summit} ; accord:participant ?person ; accord:onBehalfOf ?state .
  {summit} accord:date ?date .
  ?person rdfs:label ?personLabel .
  ?office org:member ?person ; org:organization ?state ; accord:attestedOn ?date ;
      accord:officeTitle ?title .
  ?statement accord:speaker ?person ; accord:date ?date ; accord:quote ?quote ;
      accord:supports ?commitment .
  ?commitment rdfs:label ?commitmentLabel .
{extra}}}"""


#: The workloads that the load generator runs at 1 and 16 clients: each query shape
#: repeated (a cache may answer) and distinct (a new text every request).
THROUGHPUT = ("point lookup", "join", "point lookup (distinct)", "join (distinct)")


def served_files(data: Path) -> list[Path]:
    """What every server loads: the ontology (the catalogue reads its SKOS labels) and
    the generated graph."""
    ontology = REPO / "ontology"
    return [ontology / "accord.ttl", ontology / "concepts.ttl", data]
