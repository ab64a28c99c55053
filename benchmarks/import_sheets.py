"""Time ``accord import`` on a generated coding workbook of N rows, phase by phase.

    .venv/bin/python benchmarks/import_sheets.py --rows 100k
    .venv/bin/python benchmarks/import_sheets.py --rows 10k --keep /tmp/bench

The workbook (the layout of ``accord template``) holds one source, the Paris article
archived with the package (``sources/paris-summit-2026-01-06.txt``), and then, for each
k, a commitment, its condition and its announcement event, committed by the reference
states (``FR``, ``DE``... of data/reference/, resolved by id) to ``UA``; every evidence
span is verbatim from the article at its line, so the workbook imports and validates.
N rows are ``1 + 3 * ((N - 1) // 3)`` rows (100k: exactly 100,000).

The phases of ``accord import`` (app/accord/sheets/commands.py) are timed one by one in
this process: ``read`` (openpyxl), ``context`` (the ontology and reference entities),
``convert`` (rows to RDF, every cell checked), ``serialize`` (Turtle), ``validate``
(pySHACL and the evidence check, as ``accord import`` runs it) and ``write``; each line
gives the wall time and the process's peak RSS so far.  Then, unless ``--no-cli``, the
real ``accord import`` is run in a subprocess (under ``/usr/bin/time -v`` when there is
one) for its end-to-end wall time and peak RSS.  Progress goes to stderr only when
stderr is a terminal; the summary, one line per phase, goes to stdout.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "app"))

from accord.sheets.layout import sheet_named  # noqa: E402
from accord.sheets.workbook import headers_of  # noqa: E402

SOURCE = "source-article-paris-talks"
LOCAL_COPY = "sources/paris-summit-2026-01-06.txt"
STATES = ("FR", "DE", "GB", "BE", "SE", "GR")  # reference states (data/reference/)

#: Spans of the article (line 38, and 36 for the alternative wording), verbatim.
COMMITMENT_EVIDENCE = (
    "Berlin could contribute by deploying German forces to NATO territory adjacent to "
    "Ukraine after a ceasefire, subject to approval by the Bundestag and once conditions "
    "are clarified."
)
CONDITION_EVIDENCE = "after a ceasefire"
EVENT_EVIDENCE = "German Chancellor Friedrich Merz remarked that Berlin could contribute"
LOCATOR = "L38"


def progress(message: str) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\r{message}\033[K")
        sys.stderr.flush()


def count(text: str) -> int:
    match = re.fullmatch(r"([0-9_]+)([kKmM]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a row count: {text!r} (e.g. 10000, 10k, 1m)")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[match[2].lower()]
    return int(match[1].replace("_", "")) * scale


def records(n: int) -> dict[str, Iterator[dict[str, str]]]:
    """The rows of each sheet, made as they are written (no list of N rows is kept)."""
    triples = max(1, (n - 1) // 3)

    def sources() -> Iterator[dict[str, str]]:
        yield {
            "id": SOURCE,
            "label": "Paris talks deliver U.S. backing for Ukraine, European concerns remain",
            "channel": "news article",
            "not before": "2026-01-07",
            "date note": "The archived copy carries no publication date.",
            "local copy": LOCAL_COPY,
            "summary": "A news article on the Paris summit of 6 January 2026.",
        }

    def commitments() -> Iterator[dict[str, str]]:
        for k in range(triples):
            state = STATES[k % len(STATES)]
            yield {
                "id": f"commitment-{k}",
                "label": f"{state}: forces to NATO territory adjacent to Ukraine ({k})",
                "committed by": state,
                "beneficiary": "UA",
                "contribution type": "deployment of forces",
                "commitment level": "offer or readiness",
                "has condition": f"condition-{k}",
                "summary": f"Synthetic commitment {k}: forces after a ceasefire.",
                "evidence": COMMITMENT_EVIDENCE,
                "locator": LOCATOR,
                "derived from source": SOURCE,
            }

    def conditions() -> Iterator[dict[str, str]]:
        for k in range(triples):
            yield {
                "id": f"condition-{k}",
                "label": f"After a ceasefire ({k})",
                "condition type": "ceasefire",
                "evidence": CONDITION_EVIDENCE,
                "locator": LOCATOR,
                "derived from source": SOURCE,
            }

    def events() -> Iterator[dict[str, str]]:
        for k in range(triples):
            yield {
                "id": f"event-{k}",
                "label": f"Commitment {k} is announced",
                "of commitment": f"commitment-{k}",
                "event type": "announced",
                "date": "2026-01-06",
                "evidence": EVENT_EVIDENCE,
                "locator": LOCATOR,
                "derived from source": SOURCE,
            }

    return {
        "sources": sources(),
        "commitments": commitments(),
        "conditions": conditions(),
        "events": events(),
    }


def rows_for(n: int) -> int:
    return 1 + 3 * max(1, (n - 1) // 3)


def generate(n: int, path: Path) -> int:
    """Write the workbook (openpyxl's streaming writer); the number of rows written."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    written = 0
    for name, rows in records(n).items():
        sheet = sheet_named(name)
        assert sheet is not None, name
        headers = headers_of(sheet)
        ws = book.create_sheet(name)
        ws.append(headers)
        for row in rows:
            unknown = set(row) - set(headers)
            assert not unknown, f"{name}: no columns {unknown}"
            ws.append([row.get(h) for h in headers])
            written += 1
            if written % 10_000 == 0:
                progress(f"generate: {written:,} rows")
    book.save(path)
    return written


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Phases:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.total = 0.0

    @contextmanager
    def phase(self, name: str, note: str = "") -> Iterator[dict[str, str]]:
        progress(f"{name}...")
        extra: dict[str, str] = {}
        start = time.perf_counter()
        yield extra
        seconds = time.perf_counter() - start
        self.total += seconds
        detail = " ".join(x for x in (note, extra.get("note", "")) if x)
        line = f"{name:<10} {seconds:9.2f} s   peak RSS {peak_mb():8.0f} MB   {detail}".rstrip()
        progress("")
        if sys.stderr.isatty():
            sys.stderr.write("\r\033[K")
        print(line, flush=True)


def in_process(path: Path, work: Path, phases: Phases) -> None:
    """The phases of ``run_import``, one by one, as it runs them."""
    from accord.shacl.validation import validate
    from accord.sheets import commands
    from accord.sheets.convert import to_graph
    from accord.sheets.workbook import read

    with phases.phase("read") as extra:
        rows, headers, problems = read(path)
        extra["note"] = f"{len(rows):,} rows, {len(problems)} problem(s)"
    with phases.phase("context") as extra:
        context = commands.context_graph([])
        extra["note"] = f"{len(context):,} triples"
    with phases.phase("convert") as extra:
        imported = to_graph(rows, headers, context)
        extra["note"] = f"{len(imported.graph):,} triples, {len(imported.problems)} problem(s)"
    for problem in imported.problems[:5]:
        print(f"  {problem}", file=sys.stderr)
    del rows
    with phases.phase("serialize") as extra:
        turtle = imported.graph.serialize(format="turtle")
        extra["note"] = f"{len(turtle) / 2**20:,.1f} MB of Turtle"
    with tempfile.TemporaryDirectory(prefix="accord-import-") as tmp:
        staged = Path(tmp) / "generated.ttl"
        staged.write_text(turtle, encoding="utf-8")
        with phases.phase("validate") as extra:
            outcome = validate([staged])
            extra["note"] = f"conforms={outcome.conforms}, {len(outcome.rows)} result(s)"
    for row in outcome.rows[:5]:
        print(f"  {row.message}", file=sys.stderr)
    target = work / "in-process" / "generated.ttl"
    with phases.phase("write") as extra:
        commands._write(target, turtle)
        extra["note"] = f"{target.stat().st_size / 2**20:,.1f} MB"


def cli(path: Path, work: Path) -> str:
    """``accord import`` end to end in a subprocess: wall seconds and peak RSS."""
    accord = Path(sys.executable).with_name("accord")
    cwd = work / "cli"  # a folder of its own: no data/ in it to read as context
    cwd.mkdir(exist_ok=True)
    command = [str(accord), "import", str(path), "--out", str(cwd / "generated.ttl")]
    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if timer:
        command = [timer, "-v", *command]
    progress("accord import (subprocess)...")
    start = time.perf_counter()
    run = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    progress("")
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
    if timer:
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
        peak = int(found[1]) / 1024 if found else float("nan")
    else:
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    last = run.stdout.strip().splitlines()[-1:] or run.stderr.strip().splitlines()[-1:]
    return (
        f"{'cli':<10} {seconds:9.2f} s   peak RSS {peak:8.0f} MB   "
        f"exit {run.returncode}: {last[0] if last else ''}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=count, default=100_000, help="default: 100k")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--no-cli", action="store_true", help="skip the subprocess run")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="accord-import-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"generated-{args.rows}.xlsx"
    print(f"accord import benchmark: {rows_for(args.rows):,} rows, {os.cpu_count()} CPU(s)")
    phases = Phases()
    try:
        with phases.phase("generate") as extra:
            written = generate(args.rows, path)
            extra["note"] = f"{written:,} rows, {path.stat().st_size / 2**20:,.1f} MB xlsx"
        phases.total = 0.0  # the import's own total, without generating
        in_process(path, work, phases)
        print(f"{'import':<10} {phases.total:9.2f} s   peak RSS {peak_mb():8.0f} MB   in process")
        if not args.no_cli:
            print(cli(path, work), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
