"""Workbooks (XLSX, with openpyxl) and folders of CSV files, in and out.

Writing: one sheet (or CSV file) per kind of record with a header row; in a workbook,
drop-down lists on every concept column (the labels of its SKOS scheme, from the
hidden sheet ``lists``), a ``codebook`` sheet with every column's definition, kind and
allowed values, and text-formatted cells so that Excel does not turn ids or dates into
numbers.  A CSV folder gets ``codebook.csv`` and a Frictionless Table Schema per file
(``datapackage.json``), for those who check CSV with their own tools.

Reading: every cell is read as written, never guessed: a formula, a merged range, an
unreadable or password-protected file is refused with its place; sheets and columns
are matched by name (reordering is fine; a renamed one is reported with a suggestion).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from accord.sheets.convert import OTHER_COLUMNS, Cell, Place, Problem, Row
from accord.sheets.layout import OTHER, Column, Kind, Sheet, layout

CODEBOOK = "codebook"
LISTS = "lists"
CODEBOOK_COLUMNS = ["sheet", "column", "kind", "definition", "allowed values", "example"]

Examples = dict[str, dict[str, str]]  # sheet -> one example row


class Unreadable(Exception):
    """The file cannot be read at all (exit 2)."""


def headers_of(sheet: Sheet) -> list[str]:
    return ["id", *(["kind"] if sheet.kinds else []), *(c.header for c in sheet.columns)]


def _codebook_rows(examples: Examples | None = None) -> Iterator[list[str]]:
    """Every column of every sheet: its kind, definition (from the ontology), allowed
    values, and an example (a real row of the bundled data)."""
    examples = examples or {}
    other = examples.get(OTHER, {})
    yield [
        OTHER,
        "subject, predicate, object",
        "statement",
        'Anything no column holds, one triple per row, in Turtle syntax (id:x, CURIEs, <IRIs>, "literals"@en).',
        "",
        " ".join(other.get(c, "") for c in OTHER_COLUMNS).strip(),
    ]
    for sheet in layout():
        example = examples.get(sheet.name, {})
        yield [
            sheet.name,
            "id",
            "id",
            f"{sheet.description} The record's id (letters, digits, - . _ ~): its IRI is https://w3id.org/accord/id/ID.",
            "",
            example.get("id", ""),
        ]
        if sheet.kinds:
            yield [
                sheet.name,
                "kind",
                "class",
                "Which kind of record the row is.",
                ", ".join(c.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for c in map(str, sheet.classes)),
                example.get("kind", ""),
            ]
        for column in sheet.columns:
            yield [
                sheet.name,
                column.header,
                column.kind.value,
                column.definition,
                _allowed(column),
                example.get(column.header, ""),
            ]


def _allowed(column: Column) -> str:
    if column.kind == Kind.CONCEPT:
        return "; ".join(label for _, label in column.concepts)
    return {
        Kind.REF: "ids of other records, separated by '; '",
        Kind.IRI: "IRIs or CURIEs, separated by '; '",
        Kind.TEXT: "English text; another language as text@xx; several on separate lines",
        Kind.STRING: "text as written; several on separate lines",
        Kind.DATE: "YYYY-MM-DD (or YYYY-MM, YYYY)",
        Kind.BOOL: "true or false",
        Kind.INT: "a whole number",
    }[column.kind]


# --- writing ----------------------------------------------------------------------------


def write_xlsx(
    tables: dict[str, list[dict[str, str]]], path: Path | BinaryIO, examples: Examples | None = None
) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    lists = book.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    list_column = 0
    for sheet in layout():
        ws = book.create_sheet(sheet.name)
        headers = headers_of(sheet)
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "B2"
        for row in tables.get(sheet.name, []):
            ws.append([row.get(h) for h in headers])
        for index, header in enumerate(headers, start=1):
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = max(12, min(48, len(header) + 4))
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "@"  # text: Excel keeps ids and dates as written
        for index, column in enumerate(sheet.columns, start=len(headers) - len(sheet.columns) + 1):
            if column.kind != Kind.CONCEPT or not column.concepts:
                continue
            list_column += 1
            list_letter = get_column_letter(list_column)
            lists.cell(row=1, column=list_column, value=f"{sheet.name}: {column.header}")
            for n, (_, label) in enumerate(column.concepts, start=2):
                lists.cell(row=n, column=list_column, value=label)
            end = len(column.concepts) + 1
            check = DataValidation(
                type="list",
                formula1=f"{LISTS}!${list_letter}$2:${list_letter}${end}",
                allow_blank=True,
                showErrorMessage=False,  # several values may share a cell ("a; b")
            )
            check.promptTitle = column.header
            check.prompt = column.definition[:250]
            letter = get_column_letter(index)
            check.add(f"{letter}2:{letter}100000")
            ws.add_data_validation(check)
    other = book.create_sheet(OTHER)
    other.append(list(OTHER_COLUMNS))
    for row in tables.get(OTHER, []):
        other.append([row.get(h) for h in OTHER_COLUMNS])
    codebook = book.create_sheet(CODEBOOK, 0)
    codebook.append(CODEBOOK_COLUMNS)
    for entry in _codebook_rows(examples):
        codebook.append(entry)
    for cell in codebook[1]:
        cell.font = Font(bold=True)
    book.move_sheet(LISTS, offset=len(book.sheetnames))
    book.save(path)


def write_csv_folder(
    tables: dict[str, list[dict[str, str]]], folder: Path, examples: Examples | None = None
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    resources = []
    for sheet in layout():
        _write_csv(folder / f"{sheet.name}.csv", headers_of(sheet), tables.get(sheet.name, []))
        resources.append(_table_schema(sheet))
    _write_csv(folder / f"{OTHER}.csv", list(OTHER_COLUMNS), tables.get(OTHER, []))
    _write_csv(
        folder / f"{CODEBOOK}.csv",
        CODEBOOK_COLUMNS,
        [dict(zip(CODEBOOK_COLUMNS, r, strict=True)) for r in _codebook_rows(examples)],
    )
    package = {"name": "accord-coding", "profile": "tabular-data-package", "resources": resources}
    (folder / "datapackage.json").write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")


def _write_csv(path: Path, headers: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(
            fh, fieldnames=headers, lineterminator="\r\n", extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(rows)


def _table_schema(sheet: Sheet) -> dict[str, object]:
    fields: list[dict[str, object]] = [
        {
            "name": "id",
            "type": "string",
            "constraints": {
                "required": True,
                "unique": True,
                "pattern": "[A-Za-z0-9][A-Za-z0-9._~-]*",
            },
        }
    ]
    if sheet.kinds:
        fields.append({"name": "kind", "type": "string", "constraints": {"required": True}})
    for column in sheet.columns:
        spec: dict[str, object] = {
            "name": column.header,
            "type": "string",
            "description": column.definition,
        }
        if column.kind == Kind.INT:
            spec["type"] = "integer"
        if column.kind == Kind.BOOL:
            spec["type"] = "boolean"
        if column.kind == Kind.DATE:
            spec["constraints"] = {"pattern": "[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"}
        fields.append(spec)
    return {
        "name": sheet.name.replace(" ", "-"),
        "path": f"{sheet.name}.csv",
        "profile": "tabular-data-resource",
        "schema": {"fields": fields, "primaryKey": ["id"]},
    }


# --- reading ----------------------------------------------------------------------------


def read(path: Path) -> tuple[list[Row], dict[str, list[str]], list[Problem]]:
    """Rows, each sheet's headers, and the problems of the file itself."""
    if path.is_dir():
        return _read_csv_folder(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise Unreadable(f"{path}: not a workbook (.xlsx) or a folder of CSV files")


_SKIPPED = {CODEBOOK, LISTS}


def _read_xlsx(path: Path) -> tuple[list[Row], dict[str, list[str]], list[Problem]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, data_only=False, read_only=False)
    except Exception as exc:  # noqa: BLE001 (a damaged file fails in openpyxl, zipfile or lxml)
        hint = (
            " (a password-protected workbook is encrypted: save a copy without a password)"
            if _is_encrypted(path)
            else ""
        )
        raise Unreadable(f"{path}: cannot read the workbook{hint}: {exc}") from exc
    rows: list[Row] = []
    headers: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for ws in book.worksheets:
        if ws.title in _SKIPPED:
            continue
        for merged in ws.merged_cells.ranges:
            problems.append(
                Problem(
                    Place(ws.title),
                    f"has merged cells {merged.coord}: unmerge them, one value per cell",
                )
            )
        grid = list(ws.iter_rows())
        if not grid:
            headers[ws.title] = []
            continue
        names = [str(c.value).strip() if c.value is not None else "" for c in grid[0]]
        headers[ws.title] = [n for n in names if n]
        for cells in grid[1:]:
            values: dict[str, Cell] = {}
            number = cells[0].row if cells else 0
            for name, cell in zip(names, cells, strict=False):
                if cell.value is None:
                    continue
                if cell.data_type == "f" or (
                    isinstance(cell.value, str) and cell.value.startswith("=")
                ):
                    problems.append(
                        Problem(
                            Place(ws.title, number, name or cell.coordinate),
                            "is a formula: type the value itself",
                            str(cell.value),
                        )
                    )
                    continue
                if not name:
                    problems.append(
                        Problem(
                            Place(ws.title, number, cell.coordinate),
                            "is a value in a column with no header",
                            str(cell.value),
                        )
                    )
                    continue
                values[name] = cell.value
            if values:
                rows.append(Row(ws.title, ws.title, number, values))
    return rows, headers, problems


def _is_encrypted(path: Path) -> bool:
    try:
        return path.read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")  # an OLE container
    except OSError:
        return False


def _read_csv_folder(folder: Path) -> tuple[list[Row], dict[str, list[str]], list[Problem]]:
    rows: list[Row] = []
    headers: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.csv")):
        if path.stem in _SKIPPED:
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise Unreadable(f"{path}: cannot read it as UTF-8 text: {exc}") from exc
        reader = csv.reader(text.splitlines(keepends=True))
        grid = list(reader)
        if not grid:
            headers[path.name] = []
            continue
        names = [n.strip() for n in grid[0]]
        headers[path.name] = [n for n in names if n]
        for number, cells in enumerate(grid[1:], start=2):
            values: dict[str, Cell] = {}
            for index, value in enumerate(cells):
                if value == "":
                    continue
                name = names[index] if index < len(names) else ""
                if not name:
                    problems.append(
                        Problem(
                            Place(path.name, number, f"column {index + 1}"),
                            "is a value in a column with no header",
                            value,
                        )
                    )
                    continue
                values[name] = value
            if values:
                rows.append(Row(path.stem, path.name, number, values))
    return rows, headers, problems
