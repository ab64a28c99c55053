"""The spreadsheet path: template, import, export, and the round trip on the bundled data."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from rdflib import Graph
from rdflib.compare import isomorphic

from accord import resources
from accord.main import create_app
from accord.settings import Settings, bundled_paths
from accord.sheets.commands import context_graph
from accord.sheets.convert import Row, to_graph, to_tables
from accord.sheets.layout import OTHER, layout
from accord.sheets.workbook import read, write_csv_folder, write_xlsx
from tests import run_accord

DATA = sorted(resources.DATA.rglob("*.ttl"))


def accord(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_accord(*args, cwd=cwd)


def bundled() -> Graph:
    graph = Graph()
    for path in DATA:
        graph.parse(path)
    return graph


def imported(path: Path) -> Graph:
    rows, headers, problems = read(path)
    assert problems == []
    result = to_graph(rows, headers, context_graph([]))
    assert result.problems == [], result.problems[:5]
    return result.graph


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_the_bundled_data_round_trips_through_a_workbook(tmp_path: Path, form: str) -> None:
    # workbook -> RDF -> workbook -> RDF: the same graph each time
    original = bundled()
    first = tmp_path / ("first.xlsx" if form == "xlsx" else "first")
    (write_xlsx if form == "xlsx" else write_csv_folder)(to_tables(original), first)
    once = imported(first)
    assert isomorphic(once, original)
    second = tmp_path / ("second.xlsx" if form == "xlsx" else "second")
    (write_xlsx if form == "xlsx" else write_csv_folder)(to_tables(once), second)
    assert isomorphic(imported(second), original)


def test_every_record_of_the_bundled_data_has_a_sheet(tmp_path: Path) -> None:
    tables = to_tables(bundled())
    # only the forwarding stubs of replaced IRIs need the sheet of other statements
    assert {r["predicate"] for r in tables[OTHER]} == {"dcterms:isReplacedBy"}
    assert len(tables["commitments"]) == 14 and len(tables["conditions"]) == 14


def test_the_template_has_a_sheet_per_kind_of_record_lists_and_a_codebook(tmp_path: Path) -> None:
    run = accord("template", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    book = load_workbook(tmp_path / "accord-coding.xlsx")
    names = book.sheetnames
    assert names[0] == "codebook" and OTHER in names and book["lists"].sheet_state == "hidden"
    assert {s.name for s in layout()} <= set(names)
    commitments = book["commitments"]
    headers = [c.value for c in commitments[1]]
    assert headers[:4] == ["id", "label", "committed by", "beneficiary"]
    assert commitments.max_row == 1  # no data: an untouched template imports nothing
    lists = {
        str(v.sqref).split(":")[0].rstrip("0123456789"): v.formula1
        for v in commitments.data_validations.dataValidation
    }
    level = headers.index("commitment level")
    column = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[level]
    assert column in lists  # the drop-down list of the commitment levels
    offered = [c.value for c in book["lists"][lists[column].split("$")[1]][1:] if c.value]
    assert offered == ["legally binding", "offer or readiness", "political pledge"]
    codebook = {(r[0].value, r[1].value): r for r in book["codebook"].iter_rows(min_row=2)}
    row = codebook[("commitments", "commitment level")]
    assert "How firmly the party commits" in row[3].value  # the ontology's own definition
    assert row[5].value  # an example from the bundled data
    assert accord("import", "accord-coding.xlsx", cwd=tmp_path).returncode == 0


MADE_UP = {
    "sources": [
        {
            "id": "lisbon-report",
            "label": "A report on the Lisbon meeting",
            "channel": "news article",
            "local copy": "sources/lisbon-report.txt",
        },
    ],
    "summits": [
        {
            "id": "lisbon-meeting",
            "label": "Lisbon meeting, 2 March 2030",
            "date": "2030-03-02",
            "location": "lisbon",
            "evidence": "met in Lisbon on 2 March 2030",
            "locator": "L1",
            "derived from source": "lisbon-report",
        },
    ],
    "places": [
        {
            "id": "lisbon",
            "label": "Lisbon",
            "evidence": "met in Lisbon",
            "locator": "L1",
            "derived from source": "lisbon-report",
        },
    ],
    "declarations": [
        {
            "id": "lisbon-declaration",
            "label": "Lisbon declaration",
            "adopted at": "lisbon-meeting",
            "has version": "lisbon-declaration-final",
            "evidence": "adopted the Lisbon declaration",
            "locator": "L1",
            "derived from source": "lisbon-report",
        },
    ],
    "text versions": [
        {
            "id": "lisbon-declaration-final",
            "kind": "FinalText",
            "label": "Final text",
            "version of": "lisbon-declaration",
            "contains provision": "provision-lisbon-training",
            "evidence": "adopted the Lisbon declaration",
            "locator": "L1",
            "derived from source": "lisbon-report",
        },
    ],
    "provisions": [
        {
            "id": "provision-lisbon-training",
            "label": "Training",
            "summary": "Training for Ukraine's forces.",
            "text stage": "in final text",
            "evidence": "training for Ukraine's forces",
            "locator": "L2",
            "derived from source": "lisbon-report",
        },
    ],
    "signatures": [
        {
            "id": "signature-lisbon-fr",
            "kind": "Signature",
            "label": "France signs",
            "declaration": "lisbon-declaration",
            "signatory": "FR",
            "evidence": "France and Germany signed it",
            "locator": "L1",
            "derived from source": "lisbon-report",
        },
        {
            "id": "non-signature-lisbon-de",
            "kind": "NonSignature",
            "label": "Germany does not sign",
            "declaration": "lisbon-declaration",
            "non-signatory": "DE",
            "evidence": "Belgium did not sign",
            "locator": "L3",
            "derived from source": "lisbon-report",
        },
    ],
    "commitments": [
        {
            "id": "commitment-lisbon-fr-training",
            "label": "France: training after a ceasefire",
            "committed by": "FR",
            "beneficiary": "UA",
            "contribution type": "training",
            "commitment level": "political pledge",
            "has condition": "condition-lisbon-ceasefire; condition-lisbon-vote",
            "expressed in": "provision-lisbon-training",
            "summary": "France will train Ukraine's forces after a ceasefire.",
            "evidence": "France will provide training for Ukraine's forces once a formal ceasefire holds",
            "locator": "L2",
            "derived from source": "lisbon-report",
        },
    ],
    "conditions": [
        {
            "id": "condition-lisbon-ceasefire",
            "label": "Once a formal ceasefire holds",
            "condition type": "formal ceasefire",
            "evidence": "once a formal ceasefire holds",
            "locator": "L2",
            "derived from source": "lisbon-report",
        },
        {
            "id": "condition-lisbon-vote",
            "label": "A vote of the French parliament",
            "condition type": "parliamentary approval",
            "approving body": "assemblee-nationale",
            "evidence": "subject to a vote of the French parliament",
            "locator": "L2",
            "derived from source": "lisbon-report",
        },
    ],
    "states and groups": [
        {
            "id": "assemblee-nationale",
            "kind": "Legislature",
            "label": "French parliament",
            "unit of": "FR",
            "evidence": "the French parliament",
            "locator": "L2",
            "derived from source": "lisbon-report",
        },
    ],
    "events": [
        {
            "id": "event-lisbon-fr-training",
            "label": "France pledges training",
            "of commitment": "commitment-lisbon-fr-training",
            "event type": "announced",
            "date": "2030-03-02",
            "evidence": "met in Lisbon on 2 March 2030",
            "locator": "L1",
            "derived from source": "lisbon-report",
        },
    ],
    "statements": [
        {
            "id": "statement-lisbon-minister",
            "label": "The minister on training",
            "speaker": "minister",
            "date": "2030-03-02",
            "channel": "remarks",
            "quote": "We will train them.",
            "supports": "commitment-lisbon-fr-training",
            "evidence": "“We will train them,” the minister said",
            "locator": "L4",
            "derived from source": "lisbon-report",
        },
    ],
    "people": [
        {
            "id": "minister",
            "label": "A French minister",
            "evidence": "the minister said",
            "locator": "L4",
            "derived from source": "lisbon-report",
        },
    ],
}

REPORT = """The ministers met in Lisbon on 2 March 2030 and adopted the Lisbon declaration; France and Germany signed it.
France will provide training for Ukraine's forces once a formal ceasefire holds, subject to a vote of the French parliament; training for Ukraine's forces is the declaration's core.
Belgium did not sign.
“We will train them,” the minister said on 2 March 2030.
"""


def _workbook(tmp_path: Path, rows: dict[str, list[dict[str, str]]]) -> Path:
    """A made-up declaration coded in a template generated by accord template."""
    assert accord("template", cwd=tmp_path).returncode == 0
    path = tmp_path / "accord-coding.xlsx"
    book = load_workbook(path)
    for sheet, records in rows.items():
        ws = book[sheet]
        headers = [c.value for c in ws[1]]
        for record in records:
            ws.append([record.get(h) for h in headers])
    book.save(path)
    (tmp_path / "sources").mkdir(exist_ok=True)
    (tmp_path / "sources" / "lisbon-report.txt").write_text(REPORT, encoding="utf-8")
    return path


def test_a_made_up_declaration_coded_in_a_workbook_is_imported_served_and_queried(
    tmp_path: Path,
) -> None:
    _workbook(tmp_path, MADE_UP)
    run = accord("import", "accord-coding.xlsx", "--out", "data/lisbon.ttl", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "it validates" in run.stdout
    assert accord("validate", cwd=tmp_path).returncode == 0
    client = TestClient(create_app(Settings(paths=[*bundled_paths(), tmp_path / "data"])))
    signed = csv.DictReader(
        io.StringIO(client.get("/queries/signatories", params={"format": "csv"}).text)
    )
    lisbon = {
        (r["agent"].rsplit("/", 1)[-1], r["signed"])
        for r in signed
        if r["declaration"].endswith("/lisbon-declaration")
    }
    assert lisbon == {("FR", "true"), ("DE", "false")}
    ceasefire = client.get("/queries/ceasefire-dependent", params={"format": "csv"}).text
    assert "https://w3id.org/accord/id/commitment-lisbon-fr-training" in ceasefire
    as_of = client.get(
        "/queries/status-as-of",
        params={"asof": "2030-03-05", "state": "https://w3id.org/accord/id/FR", "format": "csv"},
    ).text
    assert "commitment-lisbon-fr-training" in as_of and "political pledge" in as_of
    quotes = client.get("/queries/quotes", params={"format": "csv"}).text
    assert "We will train them." in quotes


def test_a_broken_copy_is_refused_with_each_problem_at_its_cell(tmp_path: Path) -> None:
    broken = {k: [dict(r) for r in v] for k, v in MADE_UP.items()}
    broken["conditions"][0]["condition type"] = "formal cesefire"  # a typo
    del broken["commitments"][0]["committed by"]  # no committing state
    broken["events"][0]["of commitment"] = "commitment-lisbon-fr-trainig"  # a dangling id
    _workbook(tmp_path, broken)
    run = accord("import", "accord-coding.xlsx", "--out", "data/lisbon.ttl", cwd=tmp_path)
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert (
        "conditions:2:condition type: 'formal cesefire': is not a condition type of the list; "
        "did you mean 'formal ceasefire'?" in lines
    )
    assert any(
        line.startswith(
            "commitments:2:committed by: A commitment needs at least one accord:committedBy"
        )
        for line in lines
    )
    assert (
        "events:2:of commitment: 'commitment-lisbon-fr-trainig': no record has this id; "
        "did you mean 'commitment-lisbon-fr-training'?" in lines
    )
    assert not (tmp_path / "data" / "lisbon.ttl").exists()  # nothing written


def test_export_of_the_bundled_data_as_a_workbook_and_back(tmp_path: Path) -> None:
    run = accord("export", "--format", "xlsx", "--out", "bundled.xlsx", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    run = accord("import", "bundled.xlsx", "--out", "data/bundled.ttl", cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    assert isomorphic(Graph().parse(tmp_path / "data" / "bundled.ttl"), bundled())


def test_export_to_a_workbook_needs_an_out(tmp_path: Path) -> None:
    run = accord("export", "--format", "xlsx", cwd=tmp_path)
    assert run.returncode == 2 and "needs --out" in run.stderr


def test_rows_of_a_second_source_on_the_same_commitment_do_not_clash(tmp_path: Path) -> None:
    # Re-coding a commitment from a second source is a second record (its own id, label
    # and summary) linked by "same commitment as": no false cardinality violations.
    second = {k: [dict(r) for r in v] for k, v in MADE_UP.items()}
    account = dict(second["commitments"][0])
    account |= {
        "id": "commitment-lisbon-fr-training-ministry",
        "label": "France: training (the ministry's account)",
        "commitment level": "offer or readiness",
        "same commitment as": "commitment-lisbon-fr-training",
        "summary": "France stands ready to train Ukraine's forces.",
    }
    second["commitments"].append(account)
    _workbook(tmp_path, second)
    run = accord("import", "accord-coding.xlsx", "--out", "data/lisbon.ttl", cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    client = TestClient(create_app(Settings(paths=[*bundled_paths(), tmp_path / "data"])))
    rows = client.get("/queries/disagreements", params={"format": "csv"}).text
    assert (
        "level,offer or readiness,political pledge" in rows
        or "level,political pledge,offer or readiness" in rows
    )


def test_rows_read_from_a_csv_folder_name_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "coding"
    write_csv_folder({"commitments": [{"id": "c1", "committed by": "XX-nobody"}]}, folder)
    rows, headers, _ = read(folder)
    result = to_graph(rows, headers, context_graph([]))
    assert any(
        str(p).startswith("commitments.csv:2:committed by: 'XX-nobody': no record has this id")
        for p in result.problems
    )
    assert isinstance(rows[0], Row) and rows[0].shown == "commitments.csv"
