"""How long a query worker takes to write a large SELECT answer, side by side in one run:

- ``direct``: pyoxigraph serialising the live result (the floor: no row cap possible);
- ``json round trip``: the previous way (rows read into Python, a JSON document built,
  parsed by pyoxigraph and written again), kept here to compare;
- ``accord``: the worker's way now (``accord.query.worker._bounded``: written as TSV by
  pyoxigraph and counted as it is written, then parsed and written again in Rust).

    python benchmarks/serialisation.py [--rows 50000] [--reps 5]

Prints the median of ``--reps`` runs per format and checks that all three give the
same bytes; asserts no timing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from accord.query.worker import _bounded  # noqa: E402
from accord.stores.base import SOLUTION_FORMATS
from accord.stores.oxigraph import OxigraphResult  # noqa: E402

XSD = "http://www.w3.org/2001/XMLSchema#"
QUERY = "SELECT ?s ?o ?none WHERE { ?s <http://e/p> ?o OPTIONAL { ?s <http://e/q> ?none } }"


def store(rows: int) -> ox.Store:
    """``rows`` subjects, each with one object of a kind in turn: a language-tagged
    literal with a tab, a line break and quotes, a blank node, an integer, a double, a
    decimal, an IRI."""
    s = ox.Store()
    kinds = [
        lambda i: ox.Literal(f'value\t{i}\n"x"', language="en"),
        lambda i: ox.BlankNode(),
        lambda i: ox.Literal(str(i), datatype=ox.NamedNode(XSD + "integer")),
        lambda i: ox.Literal("1.0E0", datatype=ox.NamedNode(XSD + "double")),
        lambda i: ox.Literal(f"{i}.50", datatype=ox.NamedNode(XSD + "decimal")),
        lambda i: ox.NamedNode(f"http://e/o{i}"),
    ]
    s.extend(
        ox.Quad(
            ox.NamedNode(f"http://e/s{i}"),
            ox.NamedNode("http://e/p"),
            kinds[i % len(kinds)](i),
            ox.NamedNode("http://g"),
        )
        for i in range(rows)
    )
    return s


def json_round_trip(solutions: Any, media_type: str) -> bytes:
    """The previous way (``SolutionList``), as it was."""
    names = [v.value for v in solutions.variables]
    kept = list(solutions)

    def term(t: Any) -> dict[str, Any]:
        if isinstance(t, ox.NamedNode):
            return {"type": "uri", "value": t.value}
        if isinstance(t, ox.BlankNode):
            return {"type": "bnode", "value": t.value}
        out: dict[str, Any] = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != XSD + "string":
            out["datatype"] = t.datatype.value
        return out

    doc = {
        "head": {"vars": names},
        "results": {"bindings": [{n: term(s[n]) for n in names if s[n] is not None} for s in kept]},
    }
    parsed = ox.parse_query_results(json.dumps(doc).encode(), format=ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=SOLUTION_FORMATS[media_type]) or b""  # type: ignore[union-attr]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=50_000)
    p.add_argument("--reps", type=int, default=5)
    args = p.parse_args(argv)
    s = store(args.rows)

    def live() -> Any:
        return s.query(QUERY, use_default_graph_as_union=True)

    ways: dict[str, Callable[[str], bytes]] = {
        "direct": lambda mt: OxigraphResult("solutions", live(), {}).serialize(mt),
        "json round trip": lambda mt: json_round_trip(live(), mt),
        "accord": lambda mt: _bounded(OxigraphResult("solutions", live(), {}), 10**9)[0].serialize(
            mt
        ),
    }
    print(f"| {args.rows:,} rows, median of {args.reps} | " + " | ".join(ways) + " | speed-up |")
    print("|---" * (len(ways) + 2) + "|")
    for media_type in SOLUTION_FORMATS:
        times: dict[str, float] = {}
        bodies = set()
        for name, way in ways.items():
            runs = []
            for _ in range(args.reps):
                started = time.perf_counter()
                body = way(media_type)
                runs.append((time.perf_counter() - started) * 1000)
            times[name] = statistics.median(runs)
            bodies.add(body)
        assert len(bodies) == 1, f"{media_type}: the three ways give different bytes"
        cells = " | ".join(f"{times[n]:,.0f} ms" for n in ways)
        speed_up = times["json round trip"] / times["accord"]
        print(f"| {media_type} | {cells} | {speed_up:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
