"""``accord template``, ``accord import`` and the workbook exports of ``accord export``."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from rdflib import Graph

from accord import resources
from accord.sheets.convert import Imported, Place, Problem, expand, to_graph, to_tables
from accord.sheets.layout import layout
from accord.sheets.workbook import Unreadable, read, write_csv_folder, write_xlsx

EXAMPLE = resources.DATA / "paris-summit-2026-01-06.ttl"


def template_examples() -> dict[str, dict[str, str]]:
    """One real row per sheet, from the bundled data, for the codebook's example column
    (the data sheets of a template stay empty: an untouched template imports nothing)."""
    tables = to_tables(Graph().parse(EXAMPLE))
    return {name: rows[0] for name, rows in tables.items() if rows}


def write_tables(
    tables: dict[str, list[dict[str, str]]],
    out: Path,
    examples: dict[str, dict[str, str]] | None = None,
) -> None:
    if out.suffix.lower() == ".xlsx":
        write_xlsx(tables, out, examples)
    else:
        write_csv_folder(tables, out, examples)


def run_template(out: Path, stdout: TextIO = sys.stdout) -> int:
    """``accord template``: an empty coding workbook (or CSV folder) with an example row."""
    if out.exists() and not out.is_dir():
        stdout.write(f"accord template: {out} exists; it is not overwritten\n")
        return 2
    write_tables({}, out, template_examples())
    stdout.write(
        f"wrote {out}: {len(layout())} sheets of records with drop-down lists, and a codebook "
        "with every column's definition, allowed values and an example from the bundled data\n"
    )
    return 0


def graph_tables(paths: Sequence[Path]) -> dict[str, list[dict[str, str]]]:
    from accord.shacl.validation import load

    return to_tables(load(paths).graph)


def context_graph(extra: Sequence[Path]) -> Graph:
    """What references may point to besides the workbook's own records: Accord's
    ontology and reference entities, and the data files of the current repository
    (read as ``accord validate`` reads them: offline, tool folders skipped)."""
    from accord.shacl.validation import load

    return load([resources.ONTOLOGY, resources.REFERENCE, *extra]).graph


def run_import(
    source: Path,
    out: Path | None,
    force: bool = False,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
) -> int:
    """``accord import``: rows to RDF, checked cell by cell and then by the shapes; every
    problem at its sheet, row and column.  0: written; 1: problems (nothing written,
    unless ``force``); 2: the input cannot be read."""
    from accord.shacl.validation import InputError, load, validate

    try:
        rows, headers, problems = read(source)
    except Unreadable as exc:
        stderr.write(f"accord import: {exc}\n")
        return 2
    target = out or Path("data") / f"{source.stem}.ttl"
    existing = [p for p in [Path("data")] if p.is_dir()]
    try:
        context = context_graph(existing)
        if target.exists():  # importing again: its own old records are not context
            context -= load([target]).graph
    except InputError as exc:  # a data file of the repository does not parse
        stderr.write(f"accord import: {exc}\n")
        return 2
    imported = to_graph(rows, headers, context)
    problems = sorted({*problems, *imported.problems})
    turtle = imported.graph.serialize(format="turtle")
    with tempfile.TemporaryDirectory(prefix="accord-import-") as tmp:
        staged = Path(tmp) / target.name
        staged.write_text(turtle, encoding="utf-8")
        outcome = validate([staged])
    flagged = {p.place for p in problems}
    rows_flagged = {(p.place.sheet, p.place.row) for p in problems}
    for row in outcome.rows:
        place = _place(imported, row.focus, row.path) or Place(source.name)
        if place in flagged:
            continue  # the cell's own problem says it already
        if not place.column and (place.sheet, place.row) in rows_flagged:
            continue  # a rule on the whole row, broken by a cell reported already

        value = f" ({row.value})" if row.value else ""
        problems.append(Problem(place, f"{row.message}{value} [{row.shape}]"))
    problems = sorted(set(problems))
    records = len(imported.rows)
    if problems:
        for problem in problems:
            stdout.write(f"{problem}\n")
        stdout.write(f"\n{len(problems)} problem(s) in {source}; {records} record(s) read\n")
        if not force:
            stdout.write(
                "nothing written (accord import --force writes it with the report beside it)\n"
            )
            return 1
    _write(target, turtle)
    if problems:
        report = target.with_suffix(".report.txt")
        report.write_text("".join(f"{p}\n" for p in problems), encoding="utf-8")
        stdout.write(f"wrote {target} anyway (--force), and the report to {report}\n")
        return 1
    stdout.write(
        f"imported {records} record(s), {len(imported.graph)} statements, from {source} into {target}; it validates\n"
    )
    return 0


def _place(imported: Imported, focus: str | None, path: str | None) -> Place | None:
    subject = expand(focus) if focus else None
    if subject is None:
        return None
    predicate = expand(path) if path and not path.startswith(("^", "(", "[")) else None
    return imported.place_of(subject, predicate)


def _write(target: Path, text: str) -> None:
    from accord.publish.export import write_atomically

    target.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# Imported by accord import from a coding workbook; edit the workbook and import again.\n"
    )
    write_atomically(target, (header + text).encode("utf-8"))


def run_export_tables(paths: Sequence[Path], out: Path, stdout: TextIO = sys.stdout) -> int:
    """``accord export --format xlsx|csv-folder``: the data (default: the bundled data
    folder, with its reference entities) in the coding layout."""
    tables = graph_tables(paths or [resources.DATA])
    write_tables(tables, out)
    rows = sum(len(v) for v in tables.values())
    stdout.write(f"wrote {out}: {rows} rows in {len(tables)} sheets\n")
    return 0
