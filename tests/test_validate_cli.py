"""``accord validate`` as a user runs it: exit statuses, the report, the machine formats."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from tests import REPO, run_accord

FIXTURES = REPO / "tests" / "shapes" / "fixtures"
BASE = "tests/shapes/fixtures/base.ttl"
VALID = "tests/shapes/fixtures/valid/statement-undated.ttl"
INVALID = "tests/shapes/fixtures/invalid/commitment-no-summary.ttl"
TWO_FILES = "tests/shapes/fixtures/invalid/state-duplicate-code.ttl"


def accord(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_accord(*args, cwd=REPO)


# --- Help --------------------------------------------------------------------------------


def test_accord_help() -> None:
    run = accord("--help")
    assert run.returncode == 0
    assert "validate" in run.stdout and "serve" in run.stdout


def test_accord_validate_help() -> None:
    run = accord("validate", "--help")
    assert run.returncode == 0
    assert "--format" in run.stdout and "Exit status" in run.stdout


# --- Exit statuses and the text report ------------------------------------------------------


def test_conforming_data_exits_0() -> None:
    run = accord("validate", BASE, VALID)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1] == f"{BASE}, {VALID} conforms (2 files checked)"


@pytest.fixture(scope="module")
def violation() -> subprocess.CompletedProcess[str]:
    return accord("validate", BASE, INVALID)


def test_violation_exits_1(violation: subprocess.CompletedProcess[str]) -> None:
    assert violation.returncode == 1
    assert violation.stderr == ""


def test_violation_report_names_file_node_path_and_message(
    violation: subprocess.CompletedProcess[str],
) -> None:
    lines = violation.stdout.splitlines()
    assert lines[0] == INVALID
    assert lines[1].strip() == "id:x-commitment"
    assert lines[2].strip() == "accord:summary"
    assert lines[3].strip() == 'A commitment needs exactly one accord:summary ("..."@en).'
    assert lines[4].strip() == "[shape:Commitment-summary, sh:MinCountConstraintComponent]"
    assert lines[-1] == "1 violation in 1 file; 2 files checked"


def test_violations_are_grouped_by_file() -> None:
    run = accord("validate", BASE, TWO_FILES)
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[-1] == "2 violations in 2 files; 2 files checked"
    files = [line for line in lines if line and not line.startswith(" ")][:-1]
    assert files == sorted([BASE, TWO_FILES])
    assert "  id:t-freedonia" in lines[lines.index(BASE) :]
    assert "  id:x-state" in lines[lines.index(TWO_FILES) :]
    assert any('accord:iso3166Alpha2 = "XF"' in line for line in lines)
    # SHACL-SPARQL messages name the other node in prefixed form.
    assert any("Another state, id:x-state, has the same ISO 3166-1 code XF" in x for x in lines)


def test_blank_node_focus_is_traced_to_its_file(tmp_path: Path) -> None:
    data = tmp_path / "anonymous-source.ttl"
    data.write_text(
        "@prefix accord: <https://w3id.org/accord/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '[] a accord:Source ; rdfs:label "A source with no channel"@en .\n'
    )
    run = accord("validate", "--format", "json", data)
    assert run.returncode == 1
    (row,) = json.loads(run.stdout)
    assert row["file"] == str(data)
    assert row["focus"].startswith("_:")
    assert row["path"] == "accord:channel"


def test_default_is_the_data_folder() -> None:
    default, explicit = accord("validate"), accord("validate", "data")
    assert default.returncode in (0, 1), default.stderr
    assert (default.returncode, default.stdout) == (explicit.returncode, explicit.stdout)


def test_custom_shapes(tmp_path: Path) -> None:
    shapes = tmp_path / "no-summits.ttl"
    shapes.write_text(
        "@prefix accord: <https://w3id.org/accord/ontology#> .\n"
        "@prefix shape: <https://w3id.org/accord/shapes#> .\n"
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "shape:NoSummits a sh:NodeShape ; sh:targetClass accord:Summit ;\n"
        '    sh:not [ sh:class accord:Summit ] ; sh:message "No summits here."@en .\n'
    )
    run = accord("validate", "--shapes", shapes, BASE)
    assert run.returncode == 1
    assert "No summits here." in run.stdout
    assert run.stdout.splitlines()[-1] == "1 violation in 1 file; 1 file checked"


# --- Unreadable input exits 2 -----------------------------------------------------------------


def test_turtle_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        "@prefix accord: <https://w3id.org/accord/ontology#> .\n"
        "\n"
        "<https://w3id.org/accord/id/x> a accord:State ;\n"
        '    accord:iso3166Alpha2 "XX" "YY" .\n'
    )
    run = accord("validate", BASE, broken)
    assert run.returncode == 2
    assert run.stdout == ""
    assert f"{broken}:4:" in run.stderr
    assert "syntax" in run.stderr.lower()


def test_missing_path_is_named() -> None:
    run = accord("validate", "data/no-such-file.ttl")
    assert run.returncode == 2
    assert "data/no-such-file.ttl" in run.stderr
    assert "no such file" in run.stderr


def test_non_rdf_file_is_refused() -> None:
    run = accord("validate", "pyproject.toml")
    assert run.returncode == 2
    assert "pyproject.toml" in run.stderr and "not an RDF file" in run.stderr


# --- Machine-readable reports ------------------------------------------------------------------


def test_json_report() -> None:
    run = accord("validate", "--format", "json", BASE, INVALID)
    assert run.returncode == 1
    rows = json.loads(run.stdout)
    assert [
        {k: row[k] for k in ("file", "focus", "path", "value", "severity", "shape")} for row in rows
    ] == [
        {
            "file": INVALID,
            "focus": "id:x-commitment",
            "path": "accord:summary",
            "value": None,
            "severity": "Violation",
            "shape": "shape:Commitment-summary",
        }
    ]
    assert rows[0]["message"].startswith("A commitment needs exactly one accord:summary")


def test_json_report_of_conforming_data_is_empty() -> None:
    run = accord("validate", "--format", "json", BASE)
    assert (run.returncode, json.loads(run.stdout)) == (0, [])


def test_turtle_report() -> None:
    run = accord("validate", "--format", "turtle", BASE, INVALID)
    assert run.returncode == 1
    report = Graph().parse(data=run.stdout, format="turtle")
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(node, SH.conforms).toPython() is False
    (result,) = report.objects(node, SH.result)
    assert str(report.value(result, SH.sourceShape)).endswith("#Commitment-summary")
    assert "@prefix shape: <https://w3id.org/accord/shapes#>" in run.stdout


# --- --changed: only what a change can break -------------------------------------------

OTHER_INVALID = "tests/shapes/fixtures/invalid/condition-no-type.ttl"


def test_changed_reports_only_the_nodes_of_the_changed_file() -> None:
    both = accord("validate", BASE, INVALID, OTHER_INVALID)
    assert both.returncode == 1 and "id:x-commitment" in both.stdout
    assert OTHER_INVALID in both.stdout
    run = accord("validate", BASE, INVALID, OTHER_INVALID, "--changed", INVALID)
    assert run.returncode == 1
    assert "id:x-commitment" in run.stdout and OTHER_INVALID not in run.stdout
    assert f"only the 1 nodes that a change to {INVALID} can affect" in run.stdout
    # A change to a valid file passes, whatever the rest holds.
    run = accord("validate", BASE, VALID, OTHER_INVALID, "--changed", VALID)
    assert run.returncode == 0, run.stdout + run.stderr


def test_changed_checks_the_nodes_that_point_at_a_changed_node(tmp_path: Path) -> None:
    # The commitment is unchanged; the changed file turns the state it names into a
    # person, which breaks the commitment's sh:node check.
    prefixes = (
        "@prefix accord: <https://w3id.org/accord/ontology#> .\n"
        "@prefix concept: <https://w3id.org/accord/concept/> .\n"
        "@prefix id: <https://w3id.org/accord/id/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
    )
    unchanged = tmp_path / "commitment.ttl"
    unchanged.write_text(
        prefixes
        + 'id:x-commitment a accord:Commitment ; rdfs:label "C"@en ; accord:summary "C."@en ;\n'
        "  accord:committedBy id:x-new ; accord:beneficiary id:t-sylvania ;\n"
        "  accord:contributionType concept:Training ; accord:participation concept:Full ;\n"
        "  prov:wasDerivedFrom id:t-report .\n"
    )
    changed = tmp_path / "new.ttl"
    changed.write_text(
        prefixes
        + 'id:x-new a foaf:Person ; rdfs:label "N"@en ; prov:wasDerivedFrom id:t-report .\n'
    )
    run = accord("validate", BASE, unchanged, changed, "--changed", changed)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "id:x-commitment" in run.stdout and "accord:committedBy" in run.stdout


def test_changed_with_a_file_gone_validates_everything(tmp_path: Path) -> None:
    run = accord("validate", BASE, INVALID, "--changed", tmp_path / "deleted.ttl")
    assert "deleted.ttl is gone (deleted or renamed): validating every node" in run.stderr
    assert run.returncode == 1 and "id:x-commitment" in run.stdout
    assert "only the" not in run.stdout


def test_changed_shapes_validate_everything() -> None:
    run = accord("validate", BASE, INVALID, "--changed", "shapes/commitments.ttl")
    assert "shapes/commitments.ttl is not among the data files" in run.stderr
    assert run.returncode == 1 and "id:x-commitment" in run.stdout


def test_changed_sparql_constraints_report_the_changed_node() -> None:
    run = accord("validate", BASE, TWO_FILES, "--changed", TWO_FILES)
    assert run.returncode == 1
    assert "  id:x-state" in run.stdout.splitlines()
    assert "  id:t-freedonia" not in run.stdout.splitlines()  # unchanged, in base.ttl


def test_changed_with_no_data_file_validates_nothing() -> None:
    run = accord("validate", BASE, INVALID, "--changed", "README.md")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "(only the 0 nodes that a change to no data file can affect)" in run.stdout


def test_changed_on_the_real_data_conforms_as_the_whole_does() -> None:
    changed = "data/paris-summit-2026-01-06.ttl"
    run = accord("validate", "data/", "--changed", changed)
    assert run.returncode == 0, run.stdout + run.stderr
    # Every node the file describes (nothing outside it points into it).
    nodes = len(set(Graph().parse(REPO / changed).subjects()))
    assert f"only the {nodes} nodes that a change to {changed}" in run.stdout
