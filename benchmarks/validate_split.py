"""Where ``accord validate`` spends its time, and a way out: SHACL-SPARQL in Oxigraph.

    python benchmarks/validate_split.py benchmarks/.work/accord-100k.nt

pySHACL runs each SHACL-SPARQL constraint once per focus node, in rdflib's SPARQL
engine: on the synthetic graph those few shapes take most of the time, and grow
faster than the data.  The same constraints can run once over the whole graph in
Oxigraph: drop the pre-binding of ``$this`` and join it with the shape's targets
(``?this rdf:type/rdfs:subClassOf* <targetClass>``), and write ``FILTER NOT EXISTS``
as ``MINUS``, which Oxigraph runs as an anti-join; each row is one violation.

This script times (1) pySHACL with all shapes, as ``accord validate`` runs it, (2)
pySHACL without the SHACL-SPARQL shapes plus (3) those shapes as whole-graph queries
in Oxigraph, and checks that (1) and (2)+(3) find the same number of violations.  It
is a measurement for app/accord/shacl/validation.py's owner, not a validator.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402
import pyshacl  # noqa: E402
from rdflib import RDF, Graph, Literal, Namespace, URIRef  # noqa: E402
from rdflib.term import Node  # noqa: E402

from accord.shacl.validation import INFERENCE, ONTOLOGY_DIR, SHAPES_DIR, load  # noqa: E402

SH = Namespace("http://www.w3.org/ns/shacl#")
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def sparql_shapes(shapes: Graph) -> dict[Node, tuple[list[str], str]]:
    """Shapes with sh:sparql constraints: their target classes and the bulk query."""
    out: dict[Node, tuple[list[str], str]] = {}
    for shape, constraint in shapes.subject_objects(SH.sparql):
        classes = [str(c) for c in shapes.objects(shape, SH.targetClass)]
        if not classes or any((shape, p, None) in shapes for p in TARGETS[1:]):
            raise SystemExit(f"{shape}: only sh:targetClass is handled by this prototype")
        select = str(shapes.value(constraint, SH.select))
        prologue = ""
        for decl_of in shapes.objects(constraint, SH.prefixes):
            for decl in shapes.objects(decl_of, SH.declare):
                prefix = shapes.value(decl, SH.prefix)
                iri = shapes.value(decl, SH.namespace)
                prologue += f"PREFIX {prefix}: <{iri}>\n"
        values = " ".join(f"<{c}>" for c in classes)
        target = (
            f"VALUES ?targetClass {{ {values} }} "
            "?this <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/"
            "<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?targetClass ."
        )
        # Oxigraph 0.5 evaluates FILTER NOT EXISTS row by row, quadratic here; MINUS is an
        # anti-join on the shared variables, the same where (as in these shapes) the inner
        # pattern binds every variable it shares with the outer one.  Both ways must find
        # the same violations (main() compares the counts).
        body = select.replace("$this", "?this").replace("FILTER NOT EXISTS", "MINUS")
        at = body.index("{", body.upper().index("WHERE")) + 1
        out[shape] = (classes, prologue + body[:at] + "\n  " + target + body[at:])
    return out


def named_shapes(shapes: Graph) -> list[URIRef | str]:
    """Every shape with an IRI: pySHACL's ``use_shapes`` runs only the shapes listed,
    not the property shapes that a listed node shape points to."""
    found = {s for p in TARGETS for s in shapes.subjects(p, None)}
    found |= set(shapes.subjects(RDF.type, SH.NodeShape))
    found |= set(shapes.subjects(RDF.type, SH.PropertyShape))
    found |= set(shapes.objects(None, SH.property))
    return sorted(s for s in found if isinstance(s, URIRef))


def count_results(report: Graph) -> int:
    return len(set(report.subjects(RDF.type, SH.ValidationResult)))


def by_shape(report: Graph, shapes: set[Node]) -> dict[str, int]:
    """Results per source shape, for the given shapes."""
    counts: dict[str, int] = {}
    for result in set(report.subjects(RDF.type, SH.ValidationResult)):
        shape = report.value(result, SH.sourceShape)
        if shape in shapes:
            name = str(shape).rsplit("#", 1)[-1]
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


def breakage(data: Graph, units: int) -> None:
    """Break each SHACL-SPARQL rule once in each of the first ``units`` generated summits."""
    acc = Namespace("https://w3id.org/accord/ontology#")
    prov = Namespace("http://www.w3.org/ns/prov#")
    ids = "https://w3id.org/accord/id/"
    for k in range(units):
        u = f"{ids}bench-u{k}-"
        provisions = [URIRef(f"{u}provision-{j}") for j in range(4)]
        # A removed provision without its primary source, and in no draft.
        data.remove((provisions[3], prov.hadPrimarySource, None))
        data.remove((URIRef(f"{u}declaration-draft"), acc.containsProvision, provisions[3]))
        # A final provision in no final text.
        data.remove((URIRef(f"{u}declaration-final"), acc.containsProvision, provisions[0]))
        # A signer who did not take part in the summit.
        signer = next(data.objects(URIRef(f"{u}signature-{k * 3}"), acc.signatory), None)
        for part in list(data.subjects(acc.participant, signer)):
            if (part, acc.event, URIRef(f"{u}summit")) in data:
                data.remove((part, None, None))
        # A non-signatory who signed.
        data.add(
            (URIRef(f"{u}signature-{k * 3 + 1}"), acc.signatory, URIRef(f"{ids}bench-state-xa"))
        )
        data.add((URIRef(f"{u}non-signature"), acc.nonSignatory, URIRef(f"{ids}bench-state-xa")))
    # Two states with the same code.
    data.add((URIRef(f"{ids}bench-state-xb"), acc.iso3166Alpha2, Literal("XA")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, nargs="+")
    parser.add_argument("--skip-full", action="store_true", help="skip the full pySHACL run")
    parser.add_argument(
        "--break-units",
        type=int,
        default=0,
        help="first break the SHACL-SPARQL rules in this many generated summits, so that "
        "both ways must find the same violations",
    )
    parser.add_argument(
        "--per-shape", action="store_true", help="also time pySHACL on each SPARQL shape alone"
    )
    args = parser.parse_args(argv)
    timings: dict[str, float] = {}

    t = time.perf_counter()
    data = load(args.data).graph
    shapes = load([SHAPES_DIR]).graph
    ontology = load([ONTOLOGY_DIR]).graph
    timings["parse (rdflib)"] = time.perf_counter() - t

    if args.break_units:
        breakage(data, args.break_units)
    bulk = sparql_shapes(shapes)
    rest = [s for s in named_shapes(shapes) if s not in bulk]
    found: dict[str, object] = {}

    if not args.skip_full:
        t = time.perf_counter()
        _, report, _ = pyshacl.validate(
            data, shacl_graph=shapes, ont_graph=ontology, inference=INFERENCE, advanced=True
        )
        timings["pySHACL, all shapes"] = time.perf_counter() - t
        found["pySHACL, all shapes"] = count_results(report)
        found["pySHACL, SHACL-SPARQL shapes"] = by_shape(report, set(bulk))  # type: ignore[assignment]

    t = time.perf_counter()
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference=INFERENCE,
        advanced=True,
        use_shapes=rest,
    )
    timings["pySHACL, without SHACL-SPARQL shapes"] = time.perf_counter() - t
    core = count_results(report)

    t = time.perf_counter()
    store = ox.Store()
    if args.break_units:  # the broken graph lives in rdflib only: hand it over
        store.bulk_load(data.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    else:
        for path in args.data:
            store.bulk_load(path=str(path))
    for path in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        store.bulk_load(path=str(path))
    timings["load into Oxigraph"] = time.perf_counter() - t
    t = time.perf_counter()
    rows = 0
    per_query: dict[str, int] = {}
    for shape, (_, query) in bulk.items():
        n = len(list(store.query(query)))  # type: ignore[arg-type]
        rows += n
        if n:
            per_query[str(shape).rsplit("#", 1)[-1]] = n
    timings["SHACL-SPARQL shapes as Oxigraph queries"] = time.perf_counter() - t
    found["split: pySHACL core + Oxigraph SPARQL"] = core + rows
    found["Oxigraph, SHACL-SPARQL shapes"] = dict(sorted(per_query.items()))  # type: ignore[assignment]

    per_shape: dict[str, float] = {}
    for shape in bulk if args.per_shape else []:
        t = time.perf_counter()
        pyshacl.validate(
            data,
            shacl_graph=shapes,
            ont_graph=ontology,
            inference=INFERENCE,
            advanced=True,
            use_shapes=[str(shape)],
        )
        per_shape[str(shape).rsplit("#", 1)[-1]] = time.perf_counter() - t
    print(
        json.dumps(
            {"seconds": timings, "violations": found, "pySHACL per SPARQL shape": per_shape},
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
