"""Write a deterministic synthetic Accord graph of exactly N triples.

    python benchmarks/generate.py --triples 100k --out benchmarks/data/accord-100k.nt

The graph uses Accord's own vocabulary (ontology/accord.ttl, ontology/concepts.ttl) in
the modelling style of data/paris-summit-2026-01-06.ttl, and is meant to pass
``accord validate`` on its own (with the ontology and shapes, without data/):

* a *world* of 42 states (with the ISO 3166-1 codes that ISO leaves to users -- AA,
  QM-QZ, XA-XZ, ZZ -- so they never clash with the real states of data/reference/),
  their legislatures, coalitions, media organisations and capitals;
* then *units*, one per synthetic summit, each like the Paris article: the article as
  an accord:Source (and a relayed primary source), a venue, new and returning people,
  office holdings, participations, a declaration with a draft and a final text,
  provisions, signatures and a non-signature, a security guarantee, commitments with
  conditions, statements with quotes, and a position.  Every node has
  prov:wasDerivedFrom the unit's article, and every coded node (summit, office holding,
  participation, declaration and its texts, provision, signature, guarantee, commitment,
  condition, statement, position) a short accord:evidence; every commitment has an
  accord:commitmentLevel.

Determinism: unit k draws from its own ``random.Random`` seeded with (seed, k), so the
same arguments give the same bytes, and a smaller graph's units are a prefix of a
bigger one's.  The last few triples are ``accord:openQuestion`` notes on the last
guarantee, so that the file holds exactly N distinct triples.

Memory: triples are written as they are made (one per line, N-Triples for ``.nt``,
Turtle with prefixes for ``.ttl``); the generator keeps no graph, so 10M triples take
the same few megabytes as 10k.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

# The prefixes of app/accord/namespaces.py that the generated data uses (kept here so that the
# generator runs with nothing but the standard library).
PREFIXES = {
    "accord": "https://w3id.org/accord/ontology#",
    "concept": "https://w3id.org/accord/concept/",
    "id": "https://w3id.org/accord/id/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
}

#: (alpha-2, alpha-3, name) of the synthetic states: ISO 3166-1 user-assigned codes.
_USER_ALPHA2 = ["AA"] + [f"Q{c}" for c in "MNOPQRSTUVWXYZ"] + [f"X{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"] + ["ZZ"]  # fmt: skip
_NAME_PARTS = ["Nor", "Val", "Ost", "Mar", "Kel", "Dra", "Sel", "Tor", "Ar", "Bel", "Cas", "Lun", "Ves", "Ril"]  # fmt: skip
_NAME_ENDS = ["avia", "onia", "esia", "mark", "land", "istan", "ora", "enia", "ary"]
STATES = [
    (a2, a2 + a2[1], _NAME_PARTS[i % len(_NAME_PARTS)] + _NAME_ENDS[i % len(_NAME_ENDS)] + f" {i}")
    for i, a2 in enumerate(_USER_ALPHA2)
]
N_COALITIONS = 6
N_MEDIA = 8

OFFICE_ROLES = [
    ("HeadOfState", "President"),
    ("HeadOfGovernment", "Prime Minister"),
    ("SpecialEnvoy", "Special Envoy"),
    ("SeniorAdviser", "Senior Adviser"),
]
CONTRIBUTION_TYPES = [
    "SustainedMilitarySupport", "ForceRegeneration", "MultinationalForce", "ForceDeployment",
    "ReassuranceMeasures", "AirSurveillance", "AirCapabilities", "MaritimeCapabilities",
    "MaritimeSurveillance", "MineClearing", "Training", "MilitaryHubs",
    "ProtectedWeaponsFacilities", "MonitoringAndVerification", "IntelligenceSharing",
    "LogisticalSupport", "AssistanceIfAttacked", "Backstop",
]  # fmt: skip
#: Condition types with the party each one must name (see shapes/commitments.ttl).
CONDITION_TYPES = [
    ("Ceasefire", None), ("FormalCeasefire", None), ("CredibleCeasefire", None),
    ("EndOfHostilities", None), ("PeaceAgreement", None),
    ("ParliamentaryApproval", "approvingBody"), ("CongressionalBacking", "approvingBody"),
    ("ClearRulesOfEngagement", None), ("ConditionsClarified", None),
    ("ThirdPartyBackstop", "provider"), ("ThirdPartyMonitoring", "provider"),
    ("SpecificAdversary", "adversary"), ("NonProvocation", None), ("OnRequest", None),
]  # fmt: skip
CHANNELS = ["PressConference", "Remarks", "XPost"]
STANCES = ["Rejects", "NoSignOfAcceptance", "SeeksChanges", "Supports"]
#: The evidence of every coded node: the same plain string (no language tag) each time,
#: which keeps the generator fast and the graph's size what it was plus one triple a node.
EVIDENCE = '"as the article reports"'
WORDS = (
    "security guarantees deterrence ceasefire monitoring verification reassurance force "
    "coalition partners sovereignty stability airspace maritime training logistics support "
    "commitment resolve unity peace agreement reconstruction defence capabilities aggression "
    "backstop protection borders allies readiness cooperation intelligence surveillance "
    "frontier negotiations parliament approval long-term assistance durable credible robust"
).split()
FIRST_NAMES = ["Anna", "Boris", "Clara", "Dario", "Elin", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Karin", "Luca", "Mila", "Nils", "Olga", "Pavel"]  # fmt: skip
LAST_NAMES = ["Adler", "Brandt", "Costa", "Dahl", "Eriksen", "Falk", "Gran", "Holm", "Iversen", "Jansen", "Kovac", "Lund", "Moreau", "Novak", "Ortiz", "Petrov", "Quist", "Rossi"]  # fmt: skip

#: How many triples the world takes, and at most how many one unit takes.
PERSONS_PER_UNIT = 3
EPOCH = dt.date(2000, 1, 1)

Term = str  # a prefixed name ("id:x"), or a literal as produced by lit()/date()
Triple = tuple[Term, Term, Term]


def lit(text: str, lang: str | None = "en") -> Term:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def date(day: dt.date) -> Term:
    return f'"{day.isoformat()}"^^xsd:date'


def parse_count(value: str) -> int:
    """``10k``, ``1M``, ``2.5m`` or ``12000`` as an integer."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", value)
    if not m:
        raise argparse.ArgumentTypeError(
            f"expected a count such as 10000, 10k or 1M, not {value!r}"
        )
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[m[2].lower()]
    return int(float(m[1]) * scale)


# --- the world ---------------------------------------------------------------------


def state(i: int) -> Term:
    return f"id:bench-state-{STATES[i][0].lower()}"


def world() -> Iterator[Triple]:
    src = "id:bench-source-registry"
    yield (src, "rdf:type", "accord:Source")
    yield (src, "rdfs:label", lit("Synthetic registry of benchmark states and organisations"))
    yield (src, "accord:channel", "concept:ReferenceDataset")
    for i, (a2, a3, name) in enumerate(STATES):
        s = state(i)
        yield (s, "rdf:type", "accord:State")
        yield (s, "rdfs:label", lit(name))
        yield (s, "accord:iso3166Alpha2", lit(a2, None))
        yield (s, "accord:iso3166Alpha3", lit(a3, None))
        yield (s, "prov:wasDerivedFrom", src)
        leg = f"id:bench-legislature-{a2.lower()}"
        yield (leg, "rdf:type", "accord:Legislature")
        yield (leg, "rdfs:label", lit(f"Parliament of {name}"))
        yield (leg, "org:unitOf", s)
        yield (leg, "prov:wasDerivedFrom", src)
        cap = f"id:bench-capital-{a2.lower()}"
        yield (cap, "rdf:type", "schema:Place")
        yield (cap, "rdfs:label", lit(f"Capital of {name}"))
        yield (cap, "schema:containedInPlace", s)
        yield (cap, "prov:wasDerivedFrom", src)
    for c in range(N_COALITIONS):
        co = f"id:bench-coalition-{c}"
        yield (co, "rdf:type", "accord:Coalition")
        yield (co, "rdfs:label", lit(f"Benchmark coalition {c}"))
        yield (co, "prov:wasDerivedFrom", src)
        for j in range(7):
            yield (co, "org:hasMember", state((c * 7 + j) % len(STATES)))
    for m in range(N_MEDIA):
        media = f"id:bench-media-{m}"
        yield (media, "rdf:type", "accord:MediaOrganisation")
        yield (media, "rdfs:label", lit(f"Benchmark news agency {m}"))
        yield (media, "prov:wasDerivedFrom", src)


# --- one unit: a summit and what one article says about it --------------------------


def person(i: int) -> Term:
    return f"id:bench-person-{i}"


def person_state(i: int) -> int:
    return (i * 7) % len(STATES)


def person_role(i: int) -> int:
    return i % len(OFFICE_ROLES)


def person_name(i: int) -> str:
    return f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]} {i}"


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def unit(k: int, seed: int) -> Iterator[Triple]:
    rng = random.Random(f"accord-bench:{seed}:{k}")
    u = f"id:bench-u{k}"
    day = EPOCH + dt.timedelta(days=k)
    host = rng.randrange(len(STATES))
    host_name = STATES[host][2]
    beneficiary = (host + 1 + rng.randrange(len(STATES) - 1)) % len(STATES)

    # Sources: the article, and a primary source it relays.
    src, primary = f"{u}-article", f"{u}-report"
    yield (src, "rdf:type", "accord:Source")
    yield (src, "rdfs:label", lit(f"Summit in {host_name} on {day.isoformat()} (article {k})"))
    yield (src, "accord:channel", "concept:NewsArticle")
    yield (src, "accord:publisher", f"id:bench-media-{rng.randrange(N_MEDIA)}")
    yield (src, "accord:date", date(day))
    yield (src, "accord:summary", lit(f"Report on summit {k}: {sentence(rng, 12)}."))
    yield (primary, "rdf:type", "accord:Source")
    yield (primary, "rdfs:label", lit(f"Report on the drafts of declaration {k}"))
    yield (primary, "accord:channel", "concept:NewsArticle")
    yield (primary, "accord:publisher", f"id:bench-media-{rng.randrange(N_MEDIA)}")
    yield (primary, "prov:wasDerivedFrom", src)

    def derived(node: Term) -> Iterator[Triple]:
        yield (node, "prov:wasDerivedFrom", src)

    def coded(node: Term) -> Iterator[Triple]:
        """A coded fact: its evidence, and its source."""
        yield (node, "accord:evidence", EVIDENCE)
        yield (node, "prov:wasDerivedFrom", src)

    # The venue and the summit.
    venue = f"{u}-venue"
    yield (venue, "rdf:type", "schema:Place")
    yield (venue, "rdfs:label", lit(f"Conference centre {k}"))
    yield (venue, "schema:containedInPlace", f"id:bench-capital-{STATES[host][0].lower()}")
    yield from derived(venue)
    summit = f"{u}-summit"
    yield (summit, "rdf:type", "accord:Summit")
    yield (summit, "rdfs:label", lit(f"Summit {k} in {host_name}, {day.isoformat()}"))
    yield (summit, "accord:date", date(day))
    yield (summit, "accord:location", venue)
    yield (summit, "accord:hostedBy", state(host))
    yield (summit, "accord:convenedBy", f"id:bench-coalition-{rng.randrange(N_COALITIONS)}")
    yield (summit, "accord:summary", lit(f"Summit {k}: {sentence(rng, 14)}."))
    yield from coded(summit)

    # People: new ones, and some who came before.
    new = [k * PERSONS_PER_UNIT + j for j in range(PERSONS_PER_UNIT)]
    earlier = rng.sample(range(new[0]), min(3, new[0])) if new[0] else []
    people = new + earlier
    for p in new:
        yield (person(p), "rdf:type", "foaf:Person")
        yield (person(p), "rdfs:label", lit(person_name(p)))
        yield from derived(person(p))
    for p in people:
        role, title = OFFICE_ROLES[person_role(p)]
        st = person_state(p)
        office = f"{u}-office-{p}"
        yield (office, "rdf:type", "accord:OfficeHolding")
        yield (office, "rdfs:label", lit(f"{person_name(p)}, {title} of {STATES[st][2]}"))
        yield (office, "org:member", person(p))
        yield (office, "org:organization", state(st))
        yield (office, "org:role", f"concept:{role}")
        yield (office, "accord:officeTitle", lit(f"{title} of {STATES[st][2]}"))
        yield (office, "accord:attestedOn", date(day))
        yield from coded(office)
        part = f"{u}-participation-{p}"
        yield (part, "rdf:type", "accord:Participation")
        yield (part, "rdfs:label", lit(f"{person_name(p)} at summit {k}"))
        yield (part, "accord:event", summit)
        yield (part, "accord:participant", person(p))
        yield (part, "accord:onBehalfOf", state(st))
        yield (part, "accord:participantRole", "concept:Envoy" if role in ("SpecialEnvoy", "SeniorAdviser") else "concept:Leader")  # fmt: skip
        yield from coded(part)

    # The declaration: a draft with a removed provision, a final text with three.
    decl, draft, final = f"{u}-declaration", f"{u}-declaration-draft", f"{u}-declaration-final"
    yield (decl, "rdf:type", "accord:Declaration")
    yield (decl, "rdfs:label", lit(f"Joint declaration of summit {k}"))
    yield (decl, "accord:issuedBy", f"id:bench-coalition-{rng.randrange(N_COALITIONS)}")
    yield (decl, "accord:adoptedAt", summit)
    yield (decl, "accord:hasVersion", draft)
    yield (decl, "accord:hasVersion", final)
    yield from coded(decl)
    provisions = [f"{u}-provision-{j}" for j in range(4)]
    yield (draft, "rdf:type", "accord:DraftText")
    yield (draft, "rdfs:label", lit(f"Draft of declaration {k}"))
    yield (draft, "accord:versionOf", decl)
    yield (draft, "accord:containsProvision", provisions[3])
    yield from coded(draft)
    yield (draft, "prov:hadPrimarySource", primary)
    yield (final, "rdf:type", "accord:FinalText")
    yield (final, "rdfs:label", lit(f"Final text of declaration {k}"))
    yield (final, "accord:versionOf", decl)
    for prov in provisions[:3]:
        yield (final, "accord:containsProvision", prov)
    yield from coded(final)
    for j, prov in enumerate(provisions):
        yield (prov, "rdf:type", "accord:Provision")
        yield (prov, "rdfs:label", lit(f"Provision {j} of declaration {k}"))
        yield (prov, "accord:summary", lit(f"Provision {j}: {sentence(rng, 10)}."))
        yield (prov, "accord:textStage", "concept:RemovedFromDraft" if j == 3 else "concept:InFinalText")  # fmt: skip
        yield from coded(prov)
        if j == 3:
            yield (prov, "prov:hadPrimarySource", primary)

    # Signatures by three participants at the summit; one state that did not sign.
    signers = people[:3]
    for p in signers:
        sig = f"{u}-signature-{p}"
        yield (sig, "rdf:type", "accord:Signature")
        yield (sig, "rdfs:label", lit(f"{person_name(p)} signs declaration {k}"))
        yield (sig, "accord:signatory", person(p))
        yield (sig, "accord:declaration", decl)
        yield (sig, "accord:date", date(day))
        yield (sig, "accord:adoptedAt", summit)
        yield from coded(sig)
    non = f"{u}-non-signature"
    abstainer = (host + 5) % len(STATES)
    yield (non, "rdf:type", "accord:NonSignature")
    yield (non, "rdfs:label", lit(f"{STATES[abstainer][2]} did not sign declaration {k}"))
    yield (non, "accord:nonSignatory", state(abstainer))
    yield (non, "accord:declaration", decl)
    yield from coded(non)

    # The guarantee, its commitments and their conditions.
    guarantee = f"{u}-guarantee"
    n_commitments = 3 + rng.randrange(3)
    commitments = [f"{u}-commitment-{j}" for j in range(n_commitments)]
    yield (guarantee, "rdf:type", "accord:SecurityGuarantee")
    yield (guarantee, "rdfs:label", lit(f"Security guarantees agreed at summit {k}"))
    yield (guarantee, "accord:beneficiary", state(beneficiary))
    yield (guarantee, "accord:guarantor", f"id:bench-coalition-{rng.randrange(N_COALITIONS)}")
    yield (guarantee, "accord:summary", lit(f"Guarantees of summit {k}: {sentence(rng, 12)}."))
    for c in commitments:
        yield (guarantee, "accord:hasComponent", c)
    yield from coded(guarantee)

    statements = [f"{u}-statement-{p}" for p in people[:3]]
    declined = rng.random() < 0.05  # a rare "declined, but not ruled out" pair of positions
    for j, c in enumerate(commitments):
        party = state(rng.randrange(len(STATES)))
        yield (c, "rdf:type", "accord:Commitment")
        yield (c, "rdfs:label", lit(f"Commitment {j} of summit {k}: {sentence(rng, 5)}"))
        yield (c, "accord:committedBy", party)
        yield (c, "accord:beneficiary", state(beneficiary))
        for t in sorted(rng.sample(CONTRIBUTION_TYPES, 1 + rng.randrange(2))):
            yield (c, "accord:contributionType", f"concept:{t}")
        level = rng.random()
        level_name = (
            "PoliticalPledge" if level < 0.7 else "Offer" if level < 0.95 else "LegallyBinding"
        )
        yield (c, "accord:commitmentLevel", f"concept:{level_name}")
        yield (c, "accord:textStage", "concept:InFinalText")
        yield (c, "accord:partOfGuarantee", guarantee)
        yield (c, "accord:location", state(beneficiary))
        if j < 3:
            yield (c, "accord:expressedIn", provisions[j])
        else:
            yield (c, "accord:expressedIn", statements[j % len(statements)])
        yield (c, "accord:summary", lit(f"Commitment {j} of summit {k}: {sentence(rng, 12)}."))
        yield from coded(c)
        for n in range(rng.randrange(4)):  # 0-3 conditions, all of which must hold
            cond = f"{c}-condition-{n}"
            ctype, party_kind = rng.choice(CONDITION_TYPES)
            yield (c, "accord:hasCondition", cond)
            yield (cond, "rdf:type", "accord:Condition")
            yield (cond, "rdfs:label", lit(f"Condition {n} of commitment {j} of summit {k}"))
            yield (cond, "accord:conditionType", f"concept:{ctype}")
            if party_kind == "approvingBody":
                yield (cond, "accord:approvingBody", f"id:bench-legislature-{STATES[host][0].lower()}")  # fmt: skip
            elif party_kind is not None:
                yield (cond, f"accord:{party_kind}", state(rng.randrange(len(STATES))))
            yield from coded(cond)

    # A refusal and an option left open are positions, not commitments (model 0.2).
    if declined:
        kinds = sorted(rng.sample(CONTRIBUTION_TYPES, 2))
        for stance, kind, what in (("Declines", kinds[0], "declines"), ("DoesNotRuleOut", kinds[1], "does not rule out")):  # fmt: skip
            refusal = f"{u}-{stance.lower()}"
            yield (refusal, "rdf:type", "accord:Position")
            yield (refusal, "rdfs:label", lit(f"{STATES[abstainer][2]} {what} {kind} (summit {k})"))
            yield (refusal, "accord:heldBy", state(abstainer))
            yield (refusal, "accord:stance", f"concept:{stance}")
            yield (refusal, "accord:concerns", f"concept:{kind}")
            yield from coded(refusal)

    # What the first three participants said.
    for j, (p, said) in enumerate(zip(people[:3], statements, strict=True)):
        yield (said, "rdf:type", "accord:Statement")
        yield (said, "rdfs:label", lit(f"{person_name(p)} at summit {k}"))
        yield (said, "accord:speaker", person(p))
        yield (said, "accord:date", date(day))
        yield (said, "accord:channel", f"concept:{CHANNELS[(k + j) % len(CHANNELS)]}")
        yield (said, "accord:quote", lit(sentence(rng, 9)))
        yield (said, "accord:summary", lit(f"{person_name(p)} spoke on {sentence(rng, 6)}."))
        yield (said, "accord:supports", commitments[j % len(commitments)])
        yield from coded(said)

    # A position of a state on the guarantee.
    pos = f"{u}-position"
    yield (pos, "rdf:type", "accord:Position")
    yield (pos, "rdfs:label", lit(f"Position of {STATES[abstainer][2]} on summit {k}"))
    yield (pos, "accord:heldBy", state(abstainer))
    yield (pos, "accord:stance", f"concept:{rng.choice(STANCES)}")
    yield (pos, "accord:concerns", guarantee)
    yield (pos, "accord:summary", lit(f"{sentence(rng, 10)}."))
    yield from coded(pos)


#: An upper bound on the triples of one unit (checked while generating).
MAX_UNIT = 460


def triples(n: int, seed: int = 0, stats: dict[str, int] | None = None) -> Iterator[Triple]:
    """Exactly ``n`` distinct triples: the world, whole units, then padding notes.

    ``stats``, if given, receives the number of units (``"units"``) at the end.
    """
    made = 0
    for t in world():
        made += 1
        yield t
    k = 0
    while made + MAX_UNIT <= n:
        size = 0
        for t in unit(k, seed):
            size += 1
            yield t
        assert size <= MAX_UNIT, f"unit {k} has {size} triples, more than MAX_UNIT"
        made += size
        k += 1
    if k == 0:
        raise ValueError(f"at least {made + MAX_UNIT} triples are needed, not {n}")
    last = f"id:bench-u{k - 1}-guarantee"
    for i in range(n - made):
        yield (last, "accord:openQuestion", lit(f"Open question {i} of the synthetic graph."))
    if stats is not None:
        stats["units"] = k


# --- writing -----------------------------------------------------------------------


def _nt_term(term: Term) -> str:
    if term.startswith('"'):
        if term.endswith("^^xsd:date"):
            return term[: -len("xsd:date")] + f"<{PREFIXES['xsd']}date>"
        return term
    prefix, _, local = term.partition(":")
    return f"<{PREFIXES[prefix]}{local}>"


def _ttl_term(term: Term) -> str:
    return "a" if term == "rdf:type" else term


def write(out: TextIO, n: int, seed: int = 0, fmt: str = "nt") -> dict[str, int]:
    """Stream the graph to ``out``; returns what was written: triples, units, seed."""
    count = 0
    stats: dict[str, int] = {}
    if fmt == "ttl":
        out.write("# Synthetic Accord graph written by benchmarks/generate.py.\n")
        for prefix, iri in PREFIXES.items():
            out.write(f"@prefix {prefix}: <{iri}> .\n")
        out.write("\n")
        term: Callable[[Term], str] = _ttl_term
    else:
        term = _nt_term
    buf: list[str] = []
    for s, p, o in triples(n, seed, stats):
        buf.append(f"{term(s)} {term(p)} {term(o)} .\n")
        count += 1
        if len(buf) >= 10_000:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))
    return {"triples": count, "units": stats["units"], "seed": seed}


def meta_path(out: Path) -> Path:
    """Where ``generate`` records what a file holds: ``accord-10k.nt.meta.json``."""
    return out.with_name(out.name + ".meta.json")


def generate(n: int, out: Path, seed: int = 0) -> dict[str, int]:
    """Write the graph of ``n`` triples to ``out`` (.nt or .ttl), then its meta file."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("nt", "ttl"):
        raise ValueError(f"the output must end in .nt or .ttl, not {out.name!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8", newline="\n") as stream:
            meta = write(stream, n, seed, fmt)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)
    meta_path(out).write_text(json.dumps(meta) + "\n", encoding="utf-8")
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=parse_count, required=True, help="how many: 10k, 1M...")
    parser.add_argument("--out", type=Path, required=True, help="a .nt or .ttl file")
    parser.add_argument("--seed", type=int, default=0, help="another seed, another graph")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        meta = generate(args.triples, args.out, args.seed)
    except ValueError as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    print(f"{args.out}: {meta['triples']} triples, {meta['units']} summits, {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
