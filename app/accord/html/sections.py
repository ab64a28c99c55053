"""Class-specific parts of resource pages, each computed by SPARQL over the ontology's
classes and properties (nothing here names a particular summit, state or declaration).

* a declaration (``accord:Declaration``): who signed and who, according to a source,
  did not; its text versions and their provisions; what the drafts had that the final
  text does not (and the reverse); the commitments its provisions express.
* a state (``accord:State``): who held its offices (optionally on a date), its pledges
  (its own and its groups') with their conditions and who announced them, and the
  declarations it or its office holders signed or did not sign.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox

from accord.html import More, more, sparql_href
from accord.namespaces import sparql_prologue
from accord.publish.describe import ref, select
from accord.publish.lifecycle import dated_steps
from accord.stores.base import Store

ACCORD = "https://w3id.org/accord/ontology#"


def _v(row: dict[str, object], key: str) -> str | None:
    term = row.get(key)
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else None


def _q(store: Store, text: str) -> list[dict[str, object]]:
    return select(store, sparql_prologue() + text)  # type: ignore[return-value]


# --- declarations ---------------------------------------------------------------------


@dataclass
class SignatureRow:
    record: str
    signed: bool
    agent: str
    on_behalf_of: list[str]
    date: str | None
    sources: list[str]


@dataclass
class ProvisionRow:
    iri: str
    stage: str | None
    summary: str | None
    primary_sources: list[str]
    versions: list[str] = field(default_factory=list)


@dataclass
class DeclarationSection:
    signatures: list[SignatureRow]
    versions: list[tuple[str, str, list[ProvisionRow]]]  # (version, its type, provisions)
    removed: list[ProvisionRow]  # in a draft, not in the final text
    added: list[ProvisionRow]  # in the final text, in no reported draft
    has_drafts: bool
    commitments: list[tuple[str, list[str], list[str]]]  # (commitment, committers, conditions)
    #: Lists cut at the page's row limit: {"signatures"|"provisions"|"commitments": More}.
    cuts: dict[str, More | None] = field(default_factory=dict)


def declaration_section(
    store: Store, iri: str, limit: int = 500, root: str = ""
) -> DeclarationSection:
    """The declaration's parts of its page; each list holds at most ``limit`` rows
    (``cuts`` says how many there are and links to all of them)."""
    d = ref(iri)
    rows = _q(
        store,
        f"""SELECT ?record ?signed ?agent ?org ?date ?source WHERE {{
          {{ ?record accord:declaration {d} ; accord:signatory ?agent . BIND(true AS ?signed) }}
          UNION {{ ?record accord:declaration {d} ; accord:nonSignatory ?agent . BIND(false AS ?signed) }}
          OPTIONAL {{ ?holding org:member ?agent ; org:organization ?org }}
          OPTIONAL {{ ?record accord:date ?date }}
          OPTIONAL {{ ?record prov:wasDerivedFrom|prov:hadPrimarySource ?source }}
        }}""",
    )
    records: dict[str, SignatureRow] = {}
    for r in rows:
        rec = records.setdefault(
            _v(r, "record") or "",
            SignatureRow(
                _v(r, "record") or "",
                _v(r, "signed") == "true",
                _v(r, "agent") or "",
                [],
                _v(r, "date"),
                [],
            ),
        )
        for key, target in (("org", rec.on_behalf_of), ("source", rec.sources)):
            value = _v(r, key)
            if value and value not in target:
                target.append(value)
    signatures = sorted(records.values(), key=lambda s: (not s.signed, s.agent))

    rows = _q(
        store,
        f"""SELECT ?version ?vtype ?provision ?stage ?summary ?primary WHERE {{
          {d} accord:hasVersion ?version .
          OPTIONAL {{ ?version a ?vtype . ?vtype rdfs:subClassOf* accord:TextVersion }}
          OPTIONAL {{ ?version accord:containsProvision ?provision .
                     OPTIONAL {{ ?provision accord:textStage ?stage }}
                     OPTIONAL {{ ?provision accord:summary ?summary }}
                     OPTIONAL {{ ?provision prov:hadPrimarySource ?primary }} }}
        }}""",
    )
    provisions: dict[str, ProvisionRow] = {}
    version_types: dict[str, str] = {}
    in_version: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        version = _v(r, "version") or ""
        vtype = _v(r, "vtype")
        if vtype and vtype != ACCORD + "TextVersion" or version not in version_types:
            version_types[version] = vtype or version_types.get(version, ACCORD + "TextVersion")
        p = _v(r, "provision")
        if not p:
            continue
        row = provisions.setdefault(p, ProvisionRow(p, _v(r, "stage"), _v(r, "summary"), []))
        primary = _v(r, "primary")
        if primary and primary not in row.primary_sources:
            row.primary_sources.append(primary)
        if version not in row.versions:
            row.versions.append(version)
        if p not in in_version[version]:
            in_version[version].append(p)
    drafts = {v for v, t in version_types.items() if t == ACCORD + "DraftText"}
    finals = {v for v, t in version_types.items() if t == ACCORD + "FinalText"}
    in_drafts = {p for v in drafts for p in in_version[v]}
    in_finals = {p for v in finals for p in in_version[v]}
    versions = [
        (v, version_types[v], [provisions[p] for p in sorted(in_version[v])])
        for v in sorted(version_types, key=lambda v: (v not in drafts, v))
    ]

    rows = _q(
        store,
        f"""SELECT ?commitment ?committer ?condition WHERE {{
          {d} accord:hasVersion/accord:containsProvision ?provision .
          ?commitment accord:expressedIn ?provision .
          OPTIONAL {{ ?commitment accord:committedBy ?committer }}
          OPTIONAL {{ ?commitment accord:hasCondition ?condition }}
        }}""",
    )
    commitments = _commitment_rows(rows)
    removed = [provisions[p] for p in sorted(in_drafts - in_finals)] if finals else []
    added = [provisions[p] for p in sorted(in_finals - in_drafts)] if drafts else []
    longest = max([len(ps) for _, _, ps in versions] + [len(versions), len(removed), len(added)])
    cuts = {
        "signatures": more(
            limit,
            len(signatures),
            "signatures",
            sparql_href(
                root,
                f"SELECT ?record ?agent ?signed WHERE {{ {{ ?record accord:declaration {d} ; "
                "accord:signatory ?agent BIND(true AS ?signed) } UNION { ?record "
                f"accord:declaration {d} ; accord:nonSignatory ?agent BIND(false AS ?signed) }} }} "
                "ORDER BY ?agent",
            ),
        ),
        "provisions": more(
            limit,
            longest,
            "provisions of a version",
            sparql_href(
                root,
                f"SELECT ?version ?provision WHERE {{ {d} accord:hasVersion ?version . "
                "?version accord:containsProvision ?provision } ORDER BY ?version ?provision",
            ),
        ),
        "commitments": more(
            limit,
            len(commitments),
            "commitments",
            sparql_href(
                root,
                f"SELECT DISTINCT ?commitment WHERE {{ {d} accord:hasVersion/accord:containsProvision "
                "?provision . ?commitment accord:expressedIn ?provision } ORDER BY ?commitment",
            ),
        ),
    }
    return DeclarationSection(
        signatures[:limit],
        [(v, t, ps[:limit]) for v, t, ps in versions[:limit]],
        removed[:limit],
        added[:limit],
        bool(drafts),
        commitments[:limit],
        cuts,
    )


def _commitment_rows(rows: list[dict[str, object]]) -> list[tuple[str, list[str], list[str]]]:
    found: dict[str, tuple[set[str], set[str]]] = {}
    for r in rows:
        c = _v(r, "commitment") or ""
        committers, conditions = found.setdefault(c, (set(), set()))
        if who := _v(r, "committer"):
            committers.add(who)
        if cond := _v(r, "condition"):
            conditions.add(cond)
    return [(c, sorted(a), sorted(b)) for c, (a, b) in sorted(found.items())]


# --- states ------------------------------------------------------------------------


@dataclass
class OfficeRow:
    holding: str
    person: str
    role: str | None
    titles: list[str]
    attested: list[str]
    begin: str | None
    end: str | None

    def held_on(self, day: date) -> bool:
        """Attested on that day, or within a known term of office."""
        text = day.isoformat()
        if text in self.attested:
            return True
        if self.begin or self.end:
            return (self.begin or "") <= text and (not self.end or text <= self.end)
        return False


@dataclass
class PledgeRow:
    commitment: str
    via: str | None  # the group through which the state pledges, if not itself
    participation: str | None
    stage: str | None
    conditions: list[tuple[str, str | None]]  # (condition, its type)
    reports: list[tuple[str, str | None, str | None]]  # (statement, speaker, quote)
    level: str | None = None
    # the latest lifecycle step known by the page's date (or at all): (type, date text)
    status: tuple[str, str] | None = None


@dataclass
class StateSection:
    offices: list[OfficeRow]
    on: date | None
    pledges: list[PledgeRow]
    signatures: list[tuple[str, bool, str, str]]  # (record, signed, declaration, agent)
    #: Sections cut at the page's row limit: {"offices"|"pledges"|"signatures": More}.
    cuts: dict[str, More | None] = field(default_factory=dict)


def state_section(
    store: Store, iri: str, on: date | None = None, limit: int = 500, root: str = ""
) -> StateSection:
    """The state's parts of its page; each list holds at most ``limit`` rows (``cuts``
    says how many there are and links to all of them)."""
    s = ref(iri)
    rows = _q(
        store,
        f"""SELECT ?holding ?person ?role ?title ?attested ?begin ?end WHERE {{
          ?holding org:organization {s} ; org:member ?person .
          OPTIONAL {{ ?holding org:role ?role }}
          OPTIONAL {{ ?holding accord:officeTitle ?title }}
          OPTIONAL {{ ?holding accord:attestedOn ?attested }}
          OPTIONAL {{ ?holding org:memberDuring ?interval .
                     OPTIONAL {{ ?interval time:hasBeginning/time:inXSDDate ?begin }}
                     OPTIONAL {{ ?interval time:hasEnd/time:inXSDDate ?end }} }}
        }}""",
    )
    offices: dict[str, OfficeRow] = {}
    for r in rows:
        h = _v(r, "holding") or ""
        row = offices.setdefault(
            h,
            OfficeRow(
                h, _v(r, "person") or "", _v(r, "role"), [], [], _v(r, "begin"), _v(r, "end")
            ),
        )
        for key, target in (("title", row.titles), ("attested", row.attested)):
            value = _v(r, key)
            if value and value not in target:
                target.append(value)
    office_rows = sorted(offices.values(), key=lambda o: (o.role or "", o.person))
    if on is not None:
        office_rows = [o for o in office_rows if o.held_on(on)]

    # the commitments the state makes, itself or through a group it belongs to
    pledged = (
        f"{{ ?commitment accord:committedBy {s} }} "
        f"UNION {{ ?commitment accord:committedBy ?via . ?via org:hasMember {s} }}"
    )

    rows = _q(
        store,
        f"""SELECT ?commitment ?via ?participation ?level ?stage ?condition ?ctype WHERE {{
          {pledged}
          OPTIONAL {{ ?commitment accord:participation ?participation }}
          OPTIONAL {{ ?commitment accord:commitmentLevel ?level }}
          OPTIONAL {{ ?commitment accord:textStage ?stage }}
          OPTIONAL {{ ?commitment accord:hasCondition ?condition .
                     OPTIONAL {{ ?condition accord:conditionType ?ctype }} }}
        }}""",
    )
    pledges: dict[str, PledgeRow] = {}
    for r in rows:
        c = _v(r, "commitment") or ""
        pledge = pledges.setdefault(
            c,
            PledgeRow(
                c, _v(r, "via"), _v(r, "participation"), _v(r, "stage"), [], [], _v(r, "level")
            ),
        )
        cond = _v(r, "condition")
        if cond and (cond, _v(r, "ctype")) not in pledge.conditions:
            pledge.conditions.append((cond, _v(r, "ctype")))
    rows = _q(
        store,
        f"""SELECT ?commitment ?statement ?speaker ?quote WHERE {{
          {pledged}
          ?statement accord:supports ?commitment .
          OPTIONAL {{ ?statement accord:speaker ?speaker }}
          OPTIONAL {{ ?statement accord:quote ?quote }}
        }} ORDER BY ?statement ?quote""",
    )
    for r in rows:
        report = (_v(r, "statement") or "", _v(r, "speaker"), _v(r, "quote"))
        reported = pledges.get(_v(r, "commitment") or "")
        if reported is not None and report not in reported.reports:
            reported.reports.append(report)
    for pledge in pledges.values():
        pledge.conditions.sort()
    # The lifecycle: each pledge's latest step known by the date (or at all); with a
    # date, only the pledges with a step known by then ("as of").  Steps come sorted by
    # the day they are known by, so the last one kept is the latest.
    by_day = on.isoformat() if on is not None else None
    for step in dated_steps(store, pledged):
        stepped = pledges.get(step.commitment)
        if stepped is not None and (by_day is None or step.known <= by_day):
            stepped.status = (step.kind, step.when)
    if on is not None:
        pledges = {c: p for c, p in pledges.items() if p.status is not None}

    # ?declaration in each branch: joined after the UNION, pyoxigraph took 2.6 s at 150k
    # triples (0.01 s this way).
    signatures_query = f"""SELECT DISTINCT ?record ?signed ?declaration ?agent WHERE {{
          {{ ?record accord:signatory {s} ; accord:declaration ?declaration .
             BIND({s} AS ?agent) BIND(true AS ?signed) }}
          UNION {{ ?record accord:nonSignatory {s} ; accord:declaration ?declaration .
                  BIND({s} AS ?agent) BIND(false AS ?signed) }}
          UNION {{ ?holding org:organization {s} ; org:member ?agent .
                  ?record accord:signatory ?agent ; accord:declaration ?declaration .
                  BIND(true AS ?signed) }}
          UNION {{ ?holding org:organization {s} ; org:member ?agent .
                  ?record accord:nonSignatory ?agent ; accord:declaration ?declaration .
                  BIND(false AS ?signed) }}
        }} ORDER BY ?declaration ?record"""
    rows = _q(store, signatures_query)
    signatures = [
        (
            _v(r, "record") or "",
            _v(r, "signed") == "true",
            _v(r, "declaration") or "",
            _v(r, "agent") or "",
        )
        for r in rows
    ]
    every = " (every date)" if on is not None else ""
    via = f"CSV from the SPARQL endpoint{every}"
    cuts = {
        "offices": more(
            limit,
            len(office_rows),
            "office holdings",
            sparql_href(
                root,
                f"SELECT ?holding ?person ?role WHERE {{ ?holding org:organization {s} ; "
                "org:member ?person . OPTIONAL { ?holding org:role ?role } } ORDER BY ?role ?person",
            ),
            via,
        ),
        "pledges": more(
            limit,
            len(pledges),
            "pledges",
            sparql_href(
                root,
                f"SELECT DISTINCT ?commitment ?via WHERE {{ {{ ?commitment accord:committedBy {s} }} "
                f"UNION {{ ?commitment accord:committedBy ?via . ?via org:hasMember {s} }} }} "
                "ORDER BY ?commitment",
            ),
            via,
        ),
        "signatures": more(
            limit, len(signatures), "signatures", sparql_href(root, signatures_query)
        ),
    }
    return StateSection(
        office_rows[:limit],
        on,
        [pledges[c] for c in sorted(pledges)[:limit]],
        signatures[:limit],
        cuts,
    )


@dataclass
class DependentRow:
    commitment: str
    committed_by: list[str]
    condition: str
    condition_type: str  # this concept, or a narrower one


@dataclass
class ConceptSection:
    """What a concept of the condition types is used for: the commitments whose
    conditions are of this type or a narrower one, and the expectations."""

    dependents: list[DependentRow]
    expectations: list[tuple[str, str]]  # (expectation, relying commitment)
    cuts: dict[str, More | None] = field(default_factory=dict)


def concept_section(store: Store, iri: str, limit: int = 500, root: str = "") -> ConceptSection:
    """The commitments that hang on the concept ``iri`` (a condition of its type or of a
    narrower type), one row per condition, and those that merely expect it."""
    c = ref(iri)
    query = f"""SELECT ?commitment ?condition ?type
      (GROUP_CONCAT(DISTINCT STR(?by); separator=" ") AS ?parties) WHERE {{
      ?type skos:broader* {c} .
      ?commitment accord:hasCondition ?condition . ?condition accord:conditionType ?type .
      OPTIONAL {{ ?commitment accord:committedBy ?by }}
    }} GROUP BY ?commitment ?condition ?type ORDER BY ?commitment ?condition"""
    rows = _q(store, query + f" LIMIT {limit + 1}")
    dependents = [
        DependentRow(
            _v(r, "commitment") or "",
            (_v(r, "parties") or "").split(),
            _v(r, "condition") or "",
            _v(r, "type") or "",
        )
        for r in rows[:limit]
    ]
    expected = _q(
        store,
        f"""SELECT ?expectation ?commitment WHERE {{
          ?expectation accord:expectationType/skos:broader* {c} .
          OPTIONAL {{ ?commitment accord:reliesOn ?expectation }}
        }} ORDER BY ?expectation LIMIT {limit}""",
    )
    cuts: dict[str, More | None] = {"dependents": None}
    if len(rows) > limit:
        count = _q(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {query} }} }}")
        cuts["dependents"] = more(
            limit,
            int(_v(count[0], "n") or 0) if count else limit + 1,
            "conditions of this type",
            sparql_href(root, query),
        )
    return ConceptSection(
        dependents,
        [(_v(r, "expectation") or "", _v(r, "commitment") or "") for r in expected],
        cuts,
    )
