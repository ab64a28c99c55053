"""``accord validate`` at 100k and 1M triples, both engines side by side: time and peak RSS.

    python benchmarks/validate_engines.py                   # 100k and 1M, clean and damaged
    python benchmarks/validate_engines.py --sizes 100k --repeat 3

For each size, the synthetic graph of ``generate.py`` (made in ``benchmarks/.work/`` the
first time), and a damaged copy of it (``--faults``: in one summit in ten, a commitment
loses its source and its summary, gets a second commitment level, an unknown contribution
type, a label with no language, a source as beneficiary and too short an evidence, and the
summit an impossible date), are validated by ``accord validate FILE --format json`` as a
user runs it (Accord's shapes, ontology and reference entities), once with
``--engine pyshacl`` (pySHACL over the whole graph, the reference) and once with the default
compiled engine (app/accord/shacl/compiled.py), one after the other, never at once.  Each
run is its own process; its wall time and its peak RSS (``wait4``) are measured, and the
two engines' reports are compared row by row.  Nothing is asserted: the table is printed
and written with the raw numbers to ``benchmarks/.work/validate-engines.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import generate  # noqa: E402

ENGINES = ("pyshacl", "compiled")
_ID = "https://w3id.org/accord/id/"
_ACCORD = "https://w3id.org/accord/ontology#"
_XSD = "http://www.w3.org/2001/XMLSchema#"


def graph(size: int) -> Path:
    path = WORK / f"accord-{_label(size)}.nt"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        generate.generate(size, path)
    return path


def _label(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1_000}k"


def _faulty_line(line: str, unit: str) -> list[str]:
    """The damage done to one line of a chosen summit (see the module docstring)."""
    commitment = f"<{_ID}bench-u{unit}-commitment-0>"
    if line.startswith(f"{commitment} <http://www.w3.org/ns/prov#wasDerivedFrom>"):
        return []
    if line.startswith(f"{commitment} <{_ACCORD}summary>"):
        return []
    if line.startswith(f"{commitment} <{_ACCORD}commitmentLevel>"):
        return [
            line,
            f"{commitment} <{_ACCORD}commitmentLevel> <https://w3id.org/accord/concept/Offer> .\n",
        ]
    if line.startswith(f"{commitment} <{_ACCORD}contributionType>"):
        return [
            f"{commitment} <{_ACCORD}contributionType> <https://w3id.org/accord/concept/Nope> .\n"
        ]
    if line.startswith(f"{commitment} <http://www.w3.org/2000/01/rdf-schema#label>"):
        return [re.sub(r'"@en \.\n$', '" .\n', line)]
    if line.startswith(f"{commitment} <{_ACCORD}beneficiary>"):
        return [f"{commitment} <{_ACCORD}beneficiary> <{_ID}bench-u{unit}-article> .\n"]
    if line.startswith(f"{commitment} <{_ACCORD}evidence>"):
        return [f'{commitment} <{_ACCORD}evidence> "ab" .\n']
    summit = f"<{_ID}bench-u{unit}-summit>"
    if line.startswith(f"{summit} <{_ACCORD}date>"):
        return [line, f'{summit} <{_ACCORD}date> "2026-13-40"^^<{_XSD}date> .\n']
    return [line]


def damaged(size: int, every: int = 10) -> Path:
    """A copy of the graph with faults in one summit in ``every``."""
    source = graph(size)
    path = WORK / f"accord-{_label(size)}-damaged.nt"
    if path.exists() and path.stat().st_mtime >= source.stat().st_mtime:
        return path
    unit = re.compile(r"^<https://w3id\.org/accord/id/bench-u(\d+)-")
    with source.open() as src, path.open("w") as out:
        for line in src:
            m = unit.match(line)
            if m and int(m[1]) % every == 0:
                out.writelines(_faulty_line(line, m[1]))
            else:
                out.write(line)
    return path


def run(path: Path, engine: str, timeout: float) -> dict[str, Any]:
    """One ``accord validate`` process: wall time, exit status, report rows (its peak RSS
    is read by :func:`measure`)."""
    command = [sys.executable, "-m", "accord.cli", "validate", str(path), "--format", "json"]
    command += ["--engine", engine]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "app"), str(ROOT)])}
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return {"engine": engine, "timeout": timeout}
    seconds = time.perf_counter() - started
    rows = json.loads(out) if out.strip().startswith(b"[") else None
    return {
        "engine": engine,
        "seconds": round(seconds, 2),
        "status": process.returncode,
        "rows": rows,
        "stderr": err.decode(errors="replace")[-2000:],
    }


def measure(path: Path, engine: str, timeout: float) -> dict[str, Any]:
    """:func:`run` from a helper process of its own, whose only child is the run: the
    helper's RUSAGE_CHILDREN peak RSS is the run's."""
    helper = (
        "import json, resource, sys; from pathlib import Path; "
        "sys.path[:0] = [sys.argv[1]]; from benchmarks.validate_engines import run; "
        "r = run(Path(sys.argv[2]), sys.argv[3], float(sys.argv[4])); "
        "r['peak_mb'] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024; "
        "print(json.dumps(r))"
    )
    done = subprocess.run(
        [sys.executable, "-c", helper, str(ROOT), str(path), engine, str(timeout)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    blank = re.compile(r"_:\w+|\bN?[0-9a-f]{32}\b")
    if row["shape"] == "shape:NamespaceClosure":  # the first use of a term: either one
        return (row["file"], row["value"], row["shape"])
    return tuple(blank.sub("_:", str(row[k])) for k in sorted(row))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100k,1M", help="graph sizes (default 100k,1M)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each engine (default 1)")
    parser.add_argument("--no-faults", action="store_true", help="only the clean graphs")
    parser.add_argument("--engines", default=",".join(ENGINES), help="default: both")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    args = parser.parse_args(argv)
    sizes = [generate.parse_count(s) for s in args.sizes.split(",")]
    engines = args.engines.split(",")
    results: list[dict[str, Any]] = []
    for size in sizes:
        inputs = [("clean", graph(size))] + ([] if args.no_faults else [("damaged", damaged(size))])
        for kind, path in inputs:
            runs: dict[str, list[dict[str, Any]]] = {e: [] for e in engines}
            for _ in range(args.repeat):
                for engine in engines:  # interleaved, one after the other
                    r = measure(path, engine, args.timeout)
                    runs[engine].append(r)
                    print(
                        f"{_label(size)} {kind} {engine}: {r.get('seconds')} s, "
                        f"{r.get('peak_mb')} MB, exit {r.get('status')}",
                        flush=True,
                    )
            reports = {e: rs[-1].get("rows") for e, rs in runs.items()}
            same = None
            if len(engines) == 2 and all(v is not None for v in reports.values()):
                a, b = ([_key(r) for r in reports[e]] for e in engines)
                same = sorted(a) == sorted(b)
            results.append(
                {
                    "size": size,
                    "input": kind,
                    "rows": len(next(iter(reports.values())) or []),
                    "same_report": same,
                    "runs": {
                        e: [{k: v for k, v in r.items() if k != "rows"} for r in rs]
                        for e, rs in runs.items()
                    },
                }
            )
    out = WORK / "validate-engines.json"
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()}
    out.write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    print()
    print(table(results, engines))
    print(f"\nraw numbers: {out.relative_to(ROOT)}")
    return 0


def table(results: list[dict[str, Any]], engines: list[str]) -> str:
    head = (
        "| triples | input | results | "
        + " | ".join(f"{e}: s | {e}: peak MB" for e in engines)
        + " | same report |"
    )
    lines = [head, "|" + "---|" * (3 + 2 * len(engines) + 1)]
    for r in results:
        cells = [f"{r['size']:,}", r["input"], str(r["rows"])]
        for e in engines:
            runs = r["runs"][e]
            seconds = [x["seconds"] for x in runs if "seconds" in x]
            peaks = [x["peak_mb"] for x in runs if x.get("peak_mb") is not None]
            cells.append(_span(seconds) if seconds else "timeout")
            cells.append(_span(peaks) if peaks else "?")
        cells.append({True: "yes", False: "NO", None: "-"}[r["same_report"]])
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _span(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"


if __name__ == "__main__":
    raise SystemExit(main())
