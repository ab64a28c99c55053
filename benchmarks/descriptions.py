"""The documents Accord computes over its whole dataset, measured on a synthetic graph:
the service description (``GET /sparql``), the VoID description and the browse page.

    python benchmarks/descriptions.py --triples 1M [--reps 5]

Each is requested once on a freshly started server (it is built: what every request
cost before these documents were kept per dataset version) and then ``--reps`` more
times (served as built).  The two are measured in the same run, on the same server.
Prints a table and writes ``descriptions.json`` beside the data; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import generate, servers  # noqa: E402
from benchmarks.run import label  # noqa: E402

HERE = Path(__file__).resolve().parent
DOCUMENTS = {
    "service description (GET /sparql)": ("/sparql", "text/turtle"),
    "VoID (/.well-known/void)": ("/.well-known/void", "text/turtle"),
    "browse page (/browse)": ("/browse", "text/html"),
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--triples", type=generate.parse_count, default=generate.parse_count("1M"))
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--work", type=Path, default=HERE / ".work")
    args = p.parse_args(argv)
    name = label(args.triples)
    data = args.work / f"accord-{name}.nt"
    if not generate.meta_path(data).exists():
        print(f"generating {data} ...", file=sys.stderr)
        generate.generate(args.triples, data, 0)
    store = args.work / f"store-descriptions-{name}"
    server = servers.accord([data], store, args.work / "logs" / "descriptions", fresh=True)
    results: dict[str, dict[str, float]] = {}
    try:
        ready = server.wait_ready(1800)
        print(f"accord serve ready after {ready:.1f} s ({args.triples:,} triples)", file=sys.stderr)
        base = server.url.removesuffix("/sparql")
        with httpx.Client(timeout=600) as client:
            for doc, (path, accept) in DOCUMENTS.items():
                times = []
                for _ in range(1 + args.reps):
                    started = time.perf_counter()
                    r = client.get(base + path, headers={"Accept": accept})
                    times.append((time.perf_counter() - started) * 1000)
                    assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:200]}"
                results[doc] = {
                    "first_ms": times[0],
                    "next_median_ms": statistics.median(times[1:]),
                }
    finally:
        server.stop()
    print(f"| {args.triples:,} triples | first request (built) | next {args.reps} (median) |")
    print("|---|---|---|")
    for doc, r in results.items():
        print(f"| {doc} | {r['first_ms']:,.0f} ms | {r['next_median_ms']:,.1f} ms |")
    (args.work / f"descriptions-{name}.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
