"""``accord import`` on bad input: every mistake a coder makes in a workbook or a folder of
CSV files is reported at its sheet, row and column, with a suggestion where one is close,
and nothing is written (``--force`` writes it with the report beside it).

Each case breaks one thing in the bundled data exported as a workbook or a CSV folder
(which imports cleanly, see ``test_the_bundled_workbook_imports``), so that the problems
reported are the ones the test makes.  Rows are found by record id, not by number, so
that the cases do not depend on the order of the bundled records.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from accord.namespaces import ACCORD, PREFIXES
from accord.sheets.commands import run_export_tables, run_import
from tests import run_accord

ID = PREFIXES["id"]

Edit = Callable[[Workbook], None]
CsvRows = list[list[str]]


# --- the bundled data as a workbook and as CSV files, and how to import them ---------------


@dataclass(frozen=True)
class Bundled:
    xlsx: Path  # the bundled data exported as a workbook
    csv: Path  # ... and as a folder of CSV files
    graph: Graph  # what the workbook imports as


@dataclass(frozen=True)
class Outcome:
    status: int
    stdout: str
    stderr: str
    out: Path  # the --out given

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


def _import(source: Path, out: Path, cwd: Path, force: bool = False) -> Outcome:
    """``accord import SOURCE --out OUT`` in process, in ``cwd`` (it reads ``data/``
    there as context, so a folder without one keeps the repository's data out of it)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd):
        status = run_import(source, out, force, stdout, stderr)
    return Outcome(status, stdout.getvalue(), stderr.getvalue(), out)


def accord(cwd: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_accord(*args, cwd=cwd)


def _turtle(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Bundled:
    folder = tmp_path_factory.mktemp("bundled")
    xlsx, folder_csv = folder / "all.xlsx", folder / "all-csv"
    with contextlib.redirect_stdout(io.StringIO()):
        assert run_export_tables([], xlsx) == 0
        assert run_export_tables([], folder_csv) == 0
    done = _import(xlsx, folder / "out" / "all.ttl", folder)
    assert done.status == 0, done.stdout
    return Bundled(xlsx, folder_csv, _turtle(done.out))


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """An empty working folder: the import's cwd; ``out/`` in it must stay absent."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def edited(bundled: Bundled, work: Path, edit: Edit, name: str = "edited.xlsx") -> Path:
    book = load_workbook(bundled.xlsx)
    edit(book)
    path = work / name
    book.save(path)
    return path


def failed(outcome: Outcome, work: Path) -> list[str]:
    """The problem lines of an import that must fail with nothing written."""
    assert outcome.status == 1, outcome.stdout + outcome.stderr
    assert "Traceback" not in outcome.stdout + outcome.stderr
    assert not outcome.out.exists()
    assert not (work / "out").exists(), "nothing is written, not even the folder"
    assert not (work / "data").exists()
    assert "nothing written" in outcome.stdout
    return outcome.lines


def refused(bundled: Bundled, work: Path, edit: Edit) -> list[str]:
    """The problem lines of importing the bundled workbook with ``edit`` made to it: the
    import must fail and write nothing."""
    return failed(_import(edited(bundled, work, edit), work / "out" / "x.ttl", work), work)


def column(ws: Worksheet, header: str) -> int:
    return next(c.column for c in ws[1] if c.value == header)


def row_of(ws: Worksheet, record: str) -> int:
    """The row number of a record, by its id."""
    return next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == record)


def test_the_bundled_workbook_imports(bundled: Bundled) -> None:
    # the baseline of every case below: the export imports with no problem at all
    assert len(bundled.graph) > 1000


# --- files that cannot be read: exit 2 ---------------------------------------------------


def test_a_file_that_is_not_a_workbook_is_unreadable(work: Path) -> None:
    junk = work / "junk.xlsx"
    junk.write_bytes(bytes(range(256)) * 40)
    run = accord(work, "import", junk.name, "--out", "out/junk.ttl")
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.startswith("accord import: junk.xlsx: cannot read the workbook"), run.stderr
    assert "Traceback" not in run.stderr
    assert not (work / "out").exists() and not (work / "data").exists()


def test_a_repository_data_file_that_does_not_parse_is_named(bundled: Bundled, work: Path) -> None:
    # the repository's data/ is read as context for the references: a broken file there
    # is an unreadable input (exit 2, its name and the parser's message), not a traceback
    (work / "data").mkdir()
    (work / "data" / "broken.ttl").write_text("@prefix x: <http://x/> .\nx:a x:b", encoding="utf-8")
    done = _import(bundled.xlsx, work / "data" / "imported.ttl", work)
    assert done.status == 2
    assert done.stderr.startswith("accord import: data/broken.ttl: cannot parse"), done.stderr
    assert not done.out.exists()


def test_a_damaged_workbook_is_unreadable_not_a_crash(work: Path) -> None:
    # a zip whose manifest is not XML: openpyxl fails in lxml, not with its own error
    import zipfile

    damaged = work / "damaged.xlsx"
    with zipfile.ZipFile(damaged, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
    done = _import(damaged, work / "out" / "damaged.ttl", work)
    assert done.status == 2
    assert done.stderr.startswith(f"accord import: {damaged}: cannot read the workbook")
    assert not (work / "out").exists()


def test_a_password_protected_workbook_is_unreadable_and_says_so(work: Path) -> None:
    # Excel encrypts a workbook with a password into an OLE compound file, not a zip
    locked = work / "locked.xlsx"
    locked.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00encrypted package" * 64)
    run = accord(work, "import", locked.name, "--out", "out/locked.ttl")
    assert run.returncode == 2, run.stdout + run.stderr
    assert "locked.xlsx: cannot read the workbook" in run.stderr
    assert "password-protected" in run.stderr and "without a password" in run.stderr
    assert not (work / "out").exists() and not (work / "data").exists()


# --- sheets and columns --------------------------------------------------------------------


def test_a_missing_sheet_has_no_rows(bundled: Bundled, work: Path) -> None:
    # the bundled data has no memberships: without the sheet it is the same graph
    source = edited(bundled, work, lambda book: book.remove(book["memberships"]))
    done = _import(source, work / "out" / "all.ttl", work)
    assert done.status == 0, done.stdout
    assert isomorphic(_turtle(done.out), bundled.graph)


def test_a_missing_sheet_with_records_leaves_references_to_them_dangling(
    bundled: Bundled, work: Path
) -> None:
    book = load_workbook(bundled.xlsx)
    positions = book["positions"]
    referring = next(
        r[0].row
        for r in positions.iter_rows(min_row=2)
        if r[column(positions, "concerns") - 1].value == "us-peace-proposal"
    )
    source = edited(bundled, work, lambda book: book.remove(book["proposals"]))
    lines = failed(_import(source, work / "out" / "all.ttl", work), work)
    assert f"positions:{referring}:concerns: 'us-peace-proposal': no record has this id" in lines


def test_a_renamed_sheet_is_reported_with_a_suggestion(bundled: Bundled, work: Path) -> None:
    def rename(book: Workbook) -> None:
        book["commitments"].title = "comitments"

    lines = refused(bundled, work, rename)
    assert "comitments: is not a sheet of Accord's layout; did you mean 'commitments'?" in lines


def test_a_renamed_column_is_reported_at_its_header(bundled: Bundled, work: Path) -> None:
    def rename(book: Workbook) -> None:
        ws = book["commitments"]
        ws.cell(1, column(ws, "committed by")).value = "comitted by"

    lines = refused(bundled, work, rename)
    assert (
        "commitments:1:comitted by: is not a column of this sheet; did you mean 'committed by'?"
        in lines
    )


def test_a_column_twice_is_reported_not_silently_overwritten(bundled: Bundled, work: Path) -> None:
    # found by this suite: the second 'label' column replaced the first without a word
    def twice(book: Workbook) -> None:
        ws = book["conditions"]
        extra = ws.max_column + 1
        ws.cell(1, extra).value = "label"
        ws.cell(2, extra).value = "Another label"

    lines = refused(bundled, work, twice)
    assert any(line.startswith("conditions:1:label: heads two columns") for line in lines), lines


def test_reordered_columns_import_as_the_same_graph(bundled: Bundled, work: Path) -> None:
    def reverse(book: Workbook) -> None:
        for name in ("commitments", "events", "states and groups", "sources"):
            ws = book[name]
            grid = [[c.value for c in row] for row in ws.iter_rows()]
            for r, values in enumerate(grid, start=1):
                for c, value in enumerate(reversed(values), start=1):
                    ws.cell(r, c).value = value

    source = edited(bundled, work, reverse)
    assert load_workbook(source)["commitments"]["A1"].value == "primary source"
    done = _import(source, work / "out" / "reordered.ttl", work)
    assert done.status == 0, done.stdout
    assert isomorphic(_turtle(done.out), bundled.graph)


# --- cells -------------------------------------------------------------------------------------


def test_merged_cells_are_reported_with_their_range(bundled: Bundled, work: Path) -> None:
    def merge(book: Workbook) -> None:
        book["commitments"].merge_cells("B2:C2")

    lines = refused(bundled, work, merge)
    assert "commitments: has merged cells B2:C2: unmerge them, one value per cell" in lines


def test_a_formula_is_reported_at_its_cell(bundled: Bundled, work: Path) -> None:
    def formula(book: Workbook) -> None:
        ws = book["commitments"]
        ws.cell(2, column(ws, "label")).value = '=A2&" (draft)"'

    lines = refused(bundled, work, formula)
    assert "commitments:2:label: '=A2&\" (draft)\"': is a formula: type the value itself" in lines


EVENT = "event-binding-support-announced"  # dated 2026-01-06 in the bundled data


def _event_date(bundled: Bundled, work: Path, value: object, number_format: str) -> Path:
    def date(book: Workbook) -> None:
        ws = book["events"]
        cell = ws.cell(row_of(ws, EVENT), column(ws, "date"))
        assert cell.value == "2026-01-06"
        cell.value = value
        cell.number_format = number_format

    return edited(bundled, work, date)


def _event_row(bundled: Bundled) -> int:
    return row_of(load_workbook(bundled.xlsx)["events"], EVENT)


def test_a_date_typed_as_text_is_not_a_date(bundled: Bundled, work: Path) -> None:
    source = _event_date(bundled, work, "06/01/2026", "@")
    lines = failed(_import(source, work / "out" / "x.ttl", work), work)
    place = f"events:{_event_row(bundled)}:date"
    assert any(
        line.startswith(f"{place}: '06/01/2026': is not a date: write YYYY-MM-DD") for line in lines
    ), lines


def test_an_excel_serial_number_is_reported_with_the_date_it_would_be(
    bundled: Bundled, work: Path
) -> None:
    source = _event_date(bundled, work, 46028, "General")
    lines = failed(_import(source, work / "out" / "x.ttl", work), work)
    place = f"events:{_event_row(bundled)}:date"
    assert any(
        line.startswith(f"{place}: '46028': is a number, not a date")
        and "it would be 2026-01-06" in line
        for line in lines
    ), lines


def test_a_number_past_the_calendar_in_a_date_column_is_reported_not_a_crash(
    bundled: Bundled, work: Path
) -> None:
    # found by this suite: 20260106 (a date typed without dashes) as a serial date
    # overflowed datetime and the import crashed with a traceback
    source = _event_date(bundled, work, 20260106, "General")
    lines = failed(_import(source, work / "out" / "x.ttl", work), work)
    place = f"events:{_event_row(bundled)}:date"
    assert any(line.startswith(f"{place}: '20260106': is a number, not a date;") for line in lines)


def test_a_date_cell_is_an_xsd_date(bundled: Bundled, work: Path) -> None:
    source = _event_date(bundled, work, dt.datetime(2026, 1, 6), "yyyy-mm-dd")
    done = _import(source, work / "out" / "dated.ttl", work)
    assert done.status == 0, done.stdout
    from rdflib.namespace import XSD  # not at module level: pytest probes its attributes

    graph = _turtle(done.out)
    date = Literal("2026-01-06", datatype=XSD.date)
    assert (URIRef(ID + EVENT), ACCORD.date, date) in graph
    assert isomorphic(graph, bundled.graph)


def test_a_date_cell_with_a_time_of_day_is_reported(bundled: Bundled, work: Path) -> None:
    source = _event_date(bundled, work, dt.datetime(2026, 1, 6, 14, 30), "yyyy-mm-dd hh:mm")
    lines = failed(_import(source, work / "out" / "x.ttl", work), work)
    place = f"events:{_event_row(bundled)}:date"
    assert any(line.startswith(place) and "a date has no time of day" in line for line in lines)


def test_an_id_used_twice_names_its_first_place(bundled: Bundled, work: Path) -> None:
    state: dict[str, object] = {}

    def again(book: Workbook) -> None:
        ws = book["conditions"]
        ws.append([c.value for c in ws[2]])
        state["id"], state["row"] = ws["A2"].value, ws.max_row

    source = edited(bundled, work, again)
    lines = failed(_import(source, work / "out" / "x.ttl", work), work)
    assert (
        f"conditions:{state['row']}:id: '{state['id']}': this id is used twice "
        "(first at conditions:2:id)" in lines
    )


def test_a_link_to_no_record_is_reported_at_its_cell(bundled: Bundled, work: Path) -> None:
    rows: dict[str, int] = {}

    def link(book: Workbook) -> None:
        ws = book["commitments"]
        where = column(ws, "has condition")
        rows["close"] = row_of(ws, "commitment-be-contribution")
        rows["far"] = row_of(ws, "commitment-de-forces-adjacent")
        assert ws.cell(rows["close"], where).value == "condition-be-hostilities-end"
        ws.cell(rows["close"], where).value = "condition-be-hostilities-ends"
        ws.cell(rows["far"], where).value = "zzzz-qqq"

    source = edited(bundled, work, link)
    lines = failed(_import(source, work / "out" / "x.ttl", work), work)
    assert (
        f"commitments:{rows['close']}:has condition: 'condition-be-hostilities-ends': "
        "no record has this id; did you mean 'condition-be-hostilities-end'?" in lines
    )
    assert f"commitments:{rows['far']}:has condition: 'zzzz-qqq': no record has this id" in lines


def test_a_typo_in_a_concept_suggests_the_label(bundled: Bundled, work: Path) -> None:
    def typo(book: Workbook) -> None:
        ws = book["conditions"]
        ws.cell(2, column(ws, "condition type")).value = "formal cesefire"

    lines = refused(bundled, work, typo)
    assert (
        "conditions:2:condition type: 'formal cesefire': is not a condition type of the list; "
        "did you mean 'formal ceasefire'?" in lines
    )


# --- the same in a folder of CSV files ------------------------------------------------------


def _read_csv(path: Path) -> CsvRows:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _write_csv(path: Path, rows: CsvRows) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)


def _set(folder: Path, file: str, record: str, header: str, value: str) -> int:
    """Set one cell of a CSV file; the row number as a spreadsheet shows it."""
    path = folder / file
    rows = _read_csv(path)
    index = rows[0].index(header)
    number = next(n for n, row in enumerate(rows[1:], start=2) if row[0] == record)
    rows[number - 1][index] = value
    _write_csv(path, rows)
    return number


def _rename_file(folder: Path) -> str:
    (folder / "commitments.csv").rename(folder / "comitments.csv")
    return "comitments.csv: is not a sheet of Accord's layout; did you mean 'commitments'?"


def _rename_column(folder: Path) -> str:
    rows = _read_csv(folder / "commitments.csv")
    rows[0][rows[0].index("committed by")] = "comitted by"
    _write_csv(folder / "commitments.csv", rows)
    return (
        "commitments.csv:1:comitted by: is not a column of this sheet; did you mean 'committed by'?"
    )


def _date_as_text(folder: Path) -> str:
    number = _set(folder, "events.csv", EVENT, "date", "06/01/2026")
    return (
        f"events.csv:{number}:date: '06/01/2026': is not a date: write YYYY-MM-DD, "
        "or YYYY-MM or YYYY when the source gives only that"
    )


def _bad_link(folder: Path) -> str:
    number = _set(
        folder,
        "commitments.csv",
        "commitment-be-contribution",
        "has condition",
        "condition-be-hostilities-ends",
    )
    return (
        f"commitments.csv:{number}:has condition: 'condition-be-hostilities-ends': "
        "no record has this id; did you mean 'condition-be-hostilities-end'?"
    )


def _concept_typo(folder: Path) -> str:
    number = _set(
        folder,
        "conditions.csv",
        "condition-be-hostilities-end",
        "condition type",
        "end of hostilites",
    )
    return (
        f"conditions.csv:{number}:condition type: 'end of hostilites': is not a condition type "
        "of the list; did you mean 'end of hostilities'?"
    )


@pytest.mark.parametrize(
    "breaks",
    [_rename_file, _rename_column, _date_as_text, _bad_link, _concept_typo],
    ids=lambda f: f.__name__.strip("_"),
)
def test_a_csv_folder_reports_at_file_row_column(
    bundled: Bundled, work: Path, breaks: Callable[[Path], str]
) -> None:
    folder = work / "coding"
    shutil.copytree(bundled.csv, folder)
    expected = breaks(folder)
    lines = failed(_import(folder, work / "out" / "coding.ttl", work), work)
    assert expected in lines


def test_the_csv_folder_unbroken_imports_as_the_workbook_does(bundled: Bundled, work: Path) -> None:
    done = _import(bundled.csv, work / "out" / "csv.ttl", work)
    assert done.status == 0, done.stdout
    assert isomorphic(_turtle(done.out), bundled.graph)


# --- --force ---------------------------------------------------------------------------------


def test_force_writes_the_turtle_and_the_report_beside_it(bundled: Bundled, work: Path) -> None:
    def typo(book: Workbook) -> None:
        ws = book["conditions"]
        ws.cell(2, column(ws, "condition type")).value = "formal cesefire"

    source = edited(bundled, work, typo, "typo.xlsx")
    run = accord(work, "import", source.name, "--out", "out/forced.ttl", "--force")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    problem = (
        "conditions:2:condition type: 'formal cesefire': is not a condition type of the list; "
        "did you mean 'formal ceasefire'?"
    )
    assert problem in run.stdout.splitlines()
    assert "wrote out/forced.ttl anyway (--force)" in run.stdout
    assert sorted(p.name for p in (work / "out").iterdir()) == [
        "forced.report.txt",
        "forced.ttl",
    ]
    assert (work / "out" / "forced.report.txt").read_text(encoding="utf-8") == problem + "\n"
    graph = _turtle(work / "out" / "forced.ttl")
    # everything but the bad cell is there
    assert len(graph) == len(bundled.graph) - 1
    assert not (work / "data").exists()
