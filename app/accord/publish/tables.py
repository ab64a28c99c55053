"""Tables shaped for the field's tools: ``accord export --format commitments-csv|atop-members``.

RDF is not what a researcher joins in R, Stata or pandas; these are.  Each table is a
CSV file with a header row and one row per unit of analysis, keyed by the codes other
datasets use (ISO 3166-1, Correlates of War, Gleditsch-Ward), with the dataset version
in a column of every row so that a merged frame still says which release it came from.

- ``commitments-csv``: one row per commitment and committing party (the Kiel Ukraine
  Support Tracker's unit: donor x pledge): level, contribution types, item, conditions,
  expectations, the coder-set ATOP obligation, the first announcement and the latest
  step, and the source.
- ``atop-members``: one row per declaration and state that signed it, is recorded as
  not signing it, or made a commitment in its text (ATOP's member-level unit): signed,
  obligation dummies from ``accord:atopObligation`` (never inferred), and condition
  dummies from the condition types that carry an ATOP notation (``coadv``, ``coloc``,
  ``conpr``, ``coreq``).

Multi-valued cells are joined with ``"; "``; a party that is a group of states (the
article's "coalition of European countries") has no state codes, and is not expanded
into members the source does not list.  Both tables come from SPARQL over the store,
so they work on an external store as on the embedded one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from accord.namespaces import sparql_prologue
from accord.publish.describe import select, term_value
from accord.publish.lifecycle import Step, dated_steps
from accord.stores.base import Store

SEP = "; "
CONCEPT = "https://w3id.org/accord/concept/"

# ATOP's obligation variables (member level), from the obligation concepts.
ATOP_OBLIGATIONS = {
    "atop-Defense": "defense",
    "atop-Offense": "offense",
    "atop-Neutrality": "neutral",
    "atop-NonAggression": "nonagg",
    "atop-Consultation": "consul",
}


def _local(iri: str) -> str:
    return iri.removeprefix(CONCEPT)


def _rows(store: Store, text: str) -> list[dict[str, str]]:
    return [
        {k: term_value(v) for k, v in row.items()}
        for row in select(store, sparql_prologue() + text)
    ]


def _gather(
    rows: list[dict[str, str]], key: tuple[str, ...]
) -> dict[tuple[str, ...], dict[str, set[str]]]:
    """Rows grouped by ``key``: each other column's distinct values."""
    grouped: dict[tuple[str, ...], dict[str, set[str]]] = {}
    for row in rows:
        cells = grouped.setdefault(tuple(row.get(k, "") for k in key), {})
        for name, value in row.items():
            cells.setdefault(name, set()).add(value)
    return grouped


def _one(values: set[str] | None) -> str:
    return SEP.join(sorted(values)) if values else ""


_COMMITMENTS = """
SELECT ?commitment ?label ?party ?partyLabel ?iso2 ?cow ?gw ?beneficiary ?type ?item
       ?level ?levelRank ?conditionType ?expectationType ?atop ?stage ?source ?primary
WHERE {
  ?commitment a accord:Commitment ; rdfs:label ?label ; accord:committedBy ?party .
  ?party rdfs:label ?partyLabel .
  OPTIONAL { ?party accord:iso3166Alpha2 ?iso2 }
  OPTIONAL { ?party accord:cowCode ?cow }
  OPTIONAL { ?party accord:gwCode ?gw }
  OPTIONAL { ?commitment accord:beneficiary/rdfs:label ?beneficiary }
  OPTIONAL { ?commitment accord:contributionType ?type }
  OPTIONAL { ?commitment accord:item ?item }
  OPTIONAL { ?commitment accord:commitmentLevel ?level . OPTIONAL { ?level skos:notation ?levelRank } }
  OPTIONAL { ?commitment accord:hasCondition/accord:conditionType ?conditionType }
  OPTIONAL { ?commitment accord:reliesOn/accord:expectationType ?expectationType }
  OPTIONAL { ?commitment accord:atopObligation ?atop }
  OPTIONAL { ?commitment accord:textStage ?stage }
  OPTIONAL { ?commitment prov:wasDerivedFrom ?source }
  OPTIONAL { ?commitment prov:hadPrimarySource ?primary }
}"""

COMMITMENT_COLUMNS = [
    "dataset_version",
    "commitment",
    "label",
    "party",
    "party_label",
    "iso2",
    "cow_code",
    "gw_code",
    "beneficiaries",
    "contribution_types",
    "item",
    "level",
    "level_rank",
    "conditions",
    "expectations",
    "atop_obligation",
    "text_stage",
    "announced",
    "latest_step",
    "latest_step_date",
    "source",
    "primary_source",
]


def commitments_table(store: Store) -> list[dict[str, str]]:
    """One row per commitment and committing party, sorted by commitment and party."""
    grouped = _gather(_rows(store, _COMMITMENTS), ("commitment", "party"))
    steps: dict[str, list[Step]] = {}
    for step in dated_steps(store):  # sorted by the day each is known by
        steps.setdefault(step.commitment, []).append(step)
    table = []
    for (commitment, party), cells in sorted(grouped.items()):
        dated = steps.get(commitment, [])
        announced = [s.when for s in dated if _local(s.kind) == "Announced"]
        table.append(
            {
                "dataset_version": store.version,
                "commitment": commitment,
                "label": _one(cells.get("label")),
                "party": party,
                "party_label": _one(cells.get("partyLabel")),
                "iso2": _one(cells.get("iso2")),
                "cow_code": _one(cells.get("cow")),
                "gw_code": _one(cells.get("gw")),
                "beneficiaries": _one(cells.get("beneficiary")),
                "contribution_types": _one({_local(t) for t in cells.get("type", set())}),
                "item": _one(cells.get("item")),
                "level": _one({_local(t) for t in cells.get("level", set())}),
                "level_rank": _one(cells.get("levelRank")),
                "conditions": _one({_local(t) for t in cells.get("conditionType", set())}),
                "expectations": _one({_local(t) for t in cells.get("expectationType", set())}),
                "atop_obligation": _one(
                    {ATOP_OBLIGATIONS.get(_local(t), _local(t)) for t in cells.get("atop", set())}
                ),
                "text_stage": _one({_local(t) for t in cells.get("stage", set())}),
                "announced": announced[0] if announced else "",
                "latest_step": _local(dated[-1].kind) if dated else "",
                "latest_step_date": dated[-1].when if dated else "",
                "source": _one(cells.get("source")),
                "primary_source": _one(cells.get("primary")),
            }
        )
    return table


_MEMBERS = """
SELECT ?declaration ?declarationLabel ?state ?stateLabel ?iso2 ?cow ?gw ?signed ?commitment
WHERE {
  ?declaration a accord:Declaration ; rdfs:label ?declarationLabel .
  {
    ?record accord:declaration ?declaration ; accord:signatory ?state . BIND(true AS ?signed)
  } UNION {
    ?record accord:declaration ?declaration ; accord:nonSignatory ?state . BIND(false AS ?signed)
  } UNION {
    ?version accord:versionOf ?declaration ; accord:containsProvision ?provision .
    ?provision accord:textStage concept:InFinalText .
    ?commitment accord:expressedIn ?provision ; accord:committedBy ?state .
  }
  ?state a accord:State ; rdfs:label ?stateLabel .
  OPTIONAL { ?state accord:iso3166Alpha2 ?iso2 }
  OPTIONAL { ?state accord:cowCode ?cow }
  OPTIONAL { ?state accord:gwCode ?gw }
}"""

_MEMBER_CODINGS = """
SELECT ?commitment ?atop ?notation WHERE {
  ?commitment a accord:Commitment .
  OPTIONAL { ?commitment accord:atopObligation ?atop }
  OPTIONAL { ?commitment accord:hasCondition/accord:conditionType/skos:notation ?notation }
}"""

ATOP_CONDITIONS = ["coadv", "coloc", "conpr", "coreq"]
MEMBER_COLUMNS = [
    "dataset_version",
    "declaration",
    "declaration_label",
    "member",
    "member_label",
    "iso2",
    "cow_code",
    "gw_code",
    "signed",
    *ATOP_OBLIGATIONS.values(),
    *ATOP_CONDITIONS,
    "commitments",
]


def atop_members_table(store: Store) -> list[dict[str, str]]:
    """One row per declaration and state: ATOP's member-level unit."""
    grouped = _gather(_rows(store, _MEMBERS), ("declaration", "state"))
    codings = _gather(_rows(store, _MEMBER_CODINGS), ("commitment",))
    table = []
    for (declaration, state), cells in sorted(grouped.items()):
        commitments = cells.get("commitment", set())
        obligations = {
            ATOP_OBLIGATIONS.get(_local(a), "")
            for c in commitments
            for a in codings.get((c,), {}).get("atop", set())
        }
        conditions = {n for c in commitments for n in codings.get((c,), {}).get("notation", set())}
        signed = cells.get("signed", set())
        row = {
            "dataset_version": store.version,
            "declaration": declaration,
            "declaration_label": _one(cells.get("declarationLabel")),
            "member": state,
            "member_label": _one(cells.get("stateLabel")),
            "iso2": _one(cells.get("iso2")),
            "cow_code": _one(cells.get("cow")),
            "gw_code": _one(cells.get("gw")),
            # 1 signed, 0 recorded as not signing, empty: the source says neither
            "signed": "1" if "true" in signed else "0" if "false" in signed else "",
        }
        row |= {name: str(int(name in obligations)) for name in ATOP_OBLIGATIONS.values()}
        row |= {name: str(int(name in conditions)) for name in ATOP_CONDITIONS}
        row["commitments"] = _one(commitments)
        table.append(row)
    return table


@dataclass(frozen=True)
class Table:
    name: str
    columns: list[str]
    build: Callable[[Store], list[dict[str, str]]]


TABLES = {
    t.name: t
    for t in (
        Table("commitments-csv", COMMITMENT_COLUMNS, commitments_table),
        Table("atop-members", MEMBER_COLUMNS, atop_members_table),
    )
}


def table_csv(store: Store, name: str) -> bytes:
    """The table as CSV (RFC 4180, UTF-8, a header row)."""
    table = TABLES[name]
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=table.columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(table.build(store))
    return out.getvalue().encode("utf-8")
