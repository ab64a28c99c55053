"""A data repository of its own, validated against Accord as its CI does: ``accord init``,
``accord validate`` run in that folder with Accord's ontology, shapes and reference
entities as context, the namespace check, folders that are never walked, no network."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest

from accord import __version__, resources
from accord.shacl import validation
from tests import run_accord

PREFIXES = (
    "@prefix accord: <https://w3id.org/accord/ontology#> .\n"
    "@prefix concept: <https://w3id.org/accord/concept/> .\n"
    "@prefix id: <https://w3id.org/accord/id/> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
    "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
)

#: A commitment by Belgium for Ukraine: both are Accord's reference entities.
COMMITMENT = PREFIXES + (
    'id:t-source a accord:Source ; rdfs:label "A report"@en ;\n'
    "    accord:channel concept:NewsArticle .\n"
    'id:t-commitment a accord:Commitment ; rdfs:label "Belgium trains"@en ;\n'
    "    accord:committedBy id:BE ; accord:beneficiary id:UA ;\n"
    "    accord:contributionType concept:Training ; accord:commitmentLevel concept:PoliticalPledge ;\n"
    '    accord:summary "Belgium would train."@en ; accord:evidence "Belgium would train" ;\n'
    "    prov:wasDerivedFrom id:t-source .\n"
)

TYPOS = PREFIXES + (
    "id:t-commitment accord:hasConditon id:t-condition ; accord:commitedBy id:BE ;\n"
    '    accord:dateOfAnnouncement "2026-01-06" .\n'
)


def accord(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_accord(*args, cwd=cwd)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A data repository with one conforming file and nothing of Accord's."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "commitment.ttl").write_text(COMMITMENT)
    return tmp_path


def test_version() -> None:
    run = accord("--version", cwd=Path.cwd())
    assert (run.returncode, run.stdout.strip()) == (0, f"accord {__version__}")


def test_validate_defaults_to_the_data_folder_of_the_current_one(repo: Path) -> None:
    run = accord("validate", cwd=repo)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip() == "data conforms (1 file checked)"


def test_without_a_data_folder_validate_says_what_to_do(tmp_path: Path) -> None:
    run = accord("validate", cwd=tmp_path)
    assert run.returncode == 2
    assert "no data/ folder" in run.stderr and "accord init" in run.stderr


def test_reference_entities_are_context_not_reported(
    repo: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the reference entities, id:BE and id:UA are not states: three violations.
    empty = tmp_path_factory.mktemp("no-reference")
    (empty / "none.ttl").write_text(PREFIXES)
    monkeypatch.setattr(resources, "REFERENCE", empty)
    outcome = validation.validate([repo / "data"])
    assert not outcome.conforms
    assert {(r.focus, r.path) for r in outcome.rows} == {
        ("id:t-commitment", "accord:committedBy"),
        ("id:t-commitment", "accord:beneficiary"),
    }
    # A reference entity that does not conform is context: it is not reported with the
    # data that uses it, only when it is validated itself.
    broken = tmp_path_factory.mktemp("broken-reference")
    reference = broken / "states.ttl"
    reference.write_text(
        PREFIXES + 'id:BE a accord:State ; rdfs:label "Belgium"@en .\n'
        'id:UA a accord:State ; rdfs:label "Ukraine"@en .\n'
    )
    monkeypatch.setattr(resources, "REFERENCE", broken)
    assert validation.validate([repo / "data"]).conforms
    itself = validation.validate([reference])
    assert not itself.conforms
    assert {r.focus for r in itself.rows} == {"id:BE", "id:UA"}


def test_misspelled_and_invented_terms_are_violations_with_a_suggestion(repo: Path) -> None:
    (repo / "data" / "typos.ttl").write_text(TYPOS)
    run = accord("validate", cwd=repo)
    assert run.returncode == 1, run.stdout + run.stderr
    report = run.stdout
    assert "data/typos.ttl" in report
    assert "accord:hasConditon is not a term of Accord's ontology; did you mean " in report
    assert "did you mean accord:hasCondition?" in report
    assert "did you mean accord:committedBy?" in report
    assert "accord:dateOfAnnouncement is not a term of Accord's ontology" in report
    assert report.splitlines()[-1] == "3 violations in 1 file; 2 files checked"
    rows = json.loads(accord("validate", "--format", "json", cwd=repo).stdout)
    assert {(r["file"], r["focus"], r["path"], r["shape"]) for r in rows} == {
        ("data/typos.ttl", "id:t-commitment", f"accord:{p}", "shape:NamespaceClosure")
        for p in ("hasConditon", "commitedBy", "dateOfAnnouncement")
    }


def test_an_undeclared_concept_is_a_violation_too(repo: Path) -> None:
    text = COMMITMENT.replace("concept:Training", "concept:Trainig")
    (repo / "data" / "commitment.ttl").write_text(text)
    run = accord("validate", cwd=repo)
    assert run.returncode == 1
    assert "concept:Trainig is not a term of Accord's ontology; did you mean concept:Training?" in (
        run.stdout
    )


def test_the_turtle_report_holds_the_namespace_violations(repo: Path) -> None:
    (repo / "data" / "typos.ttl").write_text(TYPOS)
    run = accord("validate", "--format", "turtle", cwd=repo)
    assert run.returncode == 1
    assert "sh:conforms false" in run.stdout
    assert run.stdout.count("sh:sourceShape shape:NamespaceClosure") == 3


def test_a_repository_ontology_declares_its_own_terms(repo: Path) -> None:
    (repo / "data" / "typos.ttl").write_text(
        PREFIXES + 'id:t-commitment accord:dateOfAnnouncement "2026-01-06" .\n'
    )
    (repo / "ontology.ttl").write_text(
        PREFIXES + "accord:dateOfAnnouncement a owl:DatatypeProperty .\n"
    )
    assert accord("validate", cwd=repo).returncode == 1
    run = accord("validate", "--ontology", "ontology.ttl", cwd=repo)
    assert run.returncode == 0, run.stdout


def test_repository_shapes_add_to_accords(repo: Path) -> None:
    (repo / "shapes.ttl").write_text(
        PREFIXES + "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "id:t-shape a sh:NodeShape ; sh:targetClass accord:Commitment ;\n"
        '    sh:property [ sh:path accord:hasCondition ; sh:minCount 1 ; sh:message "A condition, please."@en ] .\n'
    )
    no_summary = COMMITMENT.replace('    accord:summary "Belgium would train."@en ;', "")
    (repo / "data" / "commitment.ttl").write_text(no_summary)
    run = accord("validate", "--shapes", "shapes.ttl", cwd=repo)
    assert run.returncode == 1
    assert "A condition, please." in run.stdout  # the repository's shape
    assert "A commitment needs exactly one accord:summary" in run.stdout  # Accord's
    # A typo in a repository's shapes is caught too: its shape would never fire.
    (repo / "shapes.ttl").write_text(
        (repo / "shapes.ttl").read_text().replace("accord:hasCondition", "accord:hasConditions")
    )
    run = accord("validate", "--shapes", "shapes.ttl", cwd=repo)
    assert "did you mean accord:hasCondition?" in run.stdout


@pytest.mark.parametrize("folder", [".venv", "node_modules", ".git", "venv", "any-env-name"])
def test_tool_folders_are_never_walked(repo: Path, folder: str) -> None:
    tool = repo / folder / "lib"
    tool.mkdir(parents=True)
    (tool / "context.jsonld").write_text(json.dumps({"@context": "https://schema.org/"}))
    (tool / "broken.ttl").write_text("this is not Turtle")
    if folder == "any-env-name":
        (repo / folder / "pyvenv.cfg").write_text("home = /usr/bin\n")
    run = accord("validate", ".", cwd=repo)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip() == ". conforms (1 file checked)"


def test_a_folder_named_like_a_tool_is_walked_when_it_is_not_one(repo: Path) -> None:
    (repo / "data" / "environment").mkdir()
    (repo / "data" / "environment" / "broken.ttl").write_text("this is not Turtle")
    assert accord("validate", cwd=repo).returncode == 2


def test_a_remote_json_ld_context_is_refused_not_fetched(repo: Path) -> None:
    document = {"@context": [{"x": "http://example.org/"}, {"@import": "https://schema.org/"}]}
    (repo / "data" / "remote.jsonld").write_text(json.dumps(document))
    run = accord("validate", cwd=repo)
    assert run.returncode == 2
    assert "data/remote.jsonld: the JSON-LD context https://schema.org/ is remote" in run.stderr
    assert "never fetches" in run.stderr


def test_a_local_json_ld_context_is_read(repo: Path) -> None:
    (repo / "data" / "context.jsonld").write_text(
        json.dumps({"@context": {"accord": "https://w3id.org/accord/ontology#"}})
    )
    document = {
        "@context": "context.jsonld",
        "@id": "https://w3id.org/accord/id/t-commitment",
        "accord:summary": {"@value": "Belgium would train.", "@language": "en"},
    }
    (repo / "data" / "local.jsonld").write_text(json.dumps(document))
    run = accord("validate", cwd=repo)
    assert run.returncode == 0, run.stdout + run.stderr


def test_no_connection_can_be_made_while_offline() -> None:
    with validation.offline(), pytest.raises(validation.NetworkRefused):
        socket.getaddrinfo("localhost", 80)
    with socket.socket() as server:  # outside, connections work as before
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass


# --- accord init ---------------------------------------------------------------------------


def test_init_makes_a_repository_that_validates(tmp_path: Path) -> None:
    run = accord("init", "repo", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    repo = tmp_path / "repo"
    made = sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file())
    assert made == [
        ".github/workflows/validate.yml",
        ".gitignore",
        "README.md",
        "coding/accord-coding.xlsx",
        "data/example.ttl",
        "sources/paris-summit-2026-01-06.txt",
    ]
    run = accord("validate", cwd=repo)
    assert run.returncode == 0, run.stdout + run.stderr
    # The example is one of the article's facts: its quoted words are in the archived copy.
    article = " ".join((repo / "sources" / "paris-summit-2026-01-06.txt").read_text().split())
    assert "would take on its share of international efforts to safeguard peace" in article
    workflow = (repo / ".github" / "workflows" / "validate.yml").read_text()
    assert f'ACCORD: "accord-kg=={__version__}"' in workflow
    assert "accord validate --changed $(git diff --name-only" in workflow
    assert "run: accord validate\n" in workflow


def test_init_then_a_typo_fails_the_scaffold_s_validation(tmp_path: Path) -> None:
    assert accord("init", cwd=tmp_path).returncode == 0
    (tmp_path / "data" / "typos.ttl").write_text(TYPOS)
    run = accord("validate", cwd=tmp_path)
    assert run.returncode == 1
    assert "did you mean accord:hasCondition?" in run.stdout


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("mine")
    run = accord("init", cwd=tmp_path)
    assert run.returncode == 2
    assert "README.md exists already; nothing was written" in run.stderr
    assert (tmp_path / "README.md").read_text() == "mine"
    assert not (tmp_path / "data").exists()


def test_the_scaffold_example_is_the_bundle_s_copy_of_the_article() -> None:
    from accord.scaffold import EXAMPLE_SOURCE

    assert (resources.SOURCES / EXAMPLE_SOURCE).is_file()


@pytest.mark.parametrize("command", [["export", "--format", "nt"], ["diff", "data"]])
def test_export_and_diff_skip_tool_folders_too(repo: Path, command: list[str]) -> None:
    tool = repo / ".venv" / "lib"
    tool.mkdir(parents=True)
    (tool / "context.jsonld").write_text(json.dumps({"@context": "https://schema.org/"}))
    (tool / "broken.ttl").write_text("this is not Turtle")
    run = accord(command[0], *command[1:], ".", cwd=repo)
    assert run.returncode == 0, run.stderr
    assert "t-commitment" in run.stdout or command[0] == "diff"


def test_standalone_is_plain_shacl_against_the_given_shapes(tmp_path: Path) -> None:
    (tmp_path / "data.ttl").write_text('@prefix ex: <http://example.org/> .\nex:a ex:name "A" .\n')
    (tmp_path / "shapes.ttl").write_text(
        "@prefix ex: <http://example.org/> .\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "ex:S a sh:NodeShape ; sh:targetNode ex:a ;\n"
        "    sh:property [ sh:path ex:name ; sh:minCount 2 ] .\n"
    )
    run = accord("validate", "--standalone", "--shapes", "shapes.ttl", "data.ttl", cwd=tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "sh:MinCountConstraintComponent" in run.stdout
    # Without --standalone the same file is Accord data: its shapes pass, ex: is not Accord's.
    assert accord("validate", "data.ttl", cwd=tmp_path).returncode == 0
    alone = accord("validate", "--standalone", "data.ttl", cwd=tmp_path)
    assert alone.returncode == 2 and "--standalone needs --shapes" in alone.stderr


def test_shapes_pyshacl_cannot_use_exit_2_with_its_reason(tmp_path: Path) -> None:
    (tmp_path / "data.ttl").write_text("@prefix ex: <http://example.org/> .\nex:a ex:p 1 .\n")
    (tmp_path / "shapes.ttl").write_text(
        "@prefix ex: <http://example.org/> .\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "ex:S a sh:NodeShape ; sh:targetNode ex:a ;\n"
        '    sh:sparql [ sh:select "SELECT $this WHERE { GRAPH $shapesGraph { ?s ?p ?o } }" ] .\n'
    )
    run = accord("validate", "--standalone", "--shapes", "shapes.ttl", "data.ttl", cwd=tmp_path)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "the shapes cannot be used" in run.stderr and "shapesGraph" in run.stderr
    assert "Traceback" not in run.stderr


def test_changed_validates_the_blank_nodes_of_the_changed_file(tmp_path: Path) -> None:
    """A shape that targets a blank node (a condition written as ``[ a accord:Condition
    ]``) runs on it when only that file changed (it did not: --changed exited 0)."""
    assert accord("init", cwd=tmp_path).returncode == 0
    (tmp_path / "data" / "condition.ttl").write_text(
        PREFIXES + "id:example-commitment accord:hasCondition [ a accord:Condition ;\n"
        '    rdfs:label "A condition with no type"@en ; accord:evidence "once hostilities end" ;\n'
        "    prov:wasDerivedFrom id:example-source ] .\n"
    )
    whole = accord("validate", cwd=tmp_path)
    changed = accord("validate", "--changed", "data/condition.ttl", cwd=tmp_path)
    assert whole.returncode == changed.returncode == 1, changed.stdout
    for run in (whole, changed):
        assert "A condition has exactly one accord:conditionType" in run.stdout


def _scaffolded(tmp_path: Path) -> Path:
    assert accord("init", cwd=tmp_path).returncode == 0
    return tmp_path / "data" / "example.ttl"


def _validate_edited(tmp_path: Path, old: str, new: str) -> subprocess.CompletedProcess[str]:
    """``accord validate`` on the scaffold's example with ``old`` replaced by ``new``."""
    example = _scaffolded(tmp_path)
    example.write_text(example.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return accord("validate", cwd=tmp_path)


def test_evidence_that_is_not_in_the_archived_source_is_a_violation(tmp_path: Path) -> None:
    run = _validate_edited(tmp_path, '"once hostilities end"', '"once the hostilities end"')
    assert run.returncode == 1
    assert "id:example-condition" in run.stdout
    assert (
        "accord:evidence is not in the archived source (sources/paris-summit-2026-01-06.txt)"
        in run.stdout
    )
    assert "[shape:EvidenceInSource]" in run.stdout


def test_evidence_at_another_line_than_its_locator_is_a_violation(tmp_path: Path) -> None:
    run = _validate_edited(tmp_path, '"L46"', '"L40"')
    assert run.returncode == 1
    assert (
        "accord:evidence is on line(s) L46 of the archived source, not at its accord:locator"
        in run.stdout
    )


def test_an_archived_copy_that_is_not_there_is_a_violation(tmp_path: Path) -> None:
    run = _validate_edited(
        tmp_path, '"sources/paris-summit-2026-01-06.txt"', '"sources/not-archived.txt"'
    )
    assert run.returncode == 1
    assert (
        "the archived copy 'sources/not-archived.txt' that its source names is not found"
        in run.stdout
    )


def test_an_archived_copy_outside_the_repository_is_never_read(tmp_path: Path) -> None:
    run = _validate_edited(tmp_path, '"sources/paris-summit-2026-01-06.txt"', '"/etc/passwd"')
    assert run.returncode == 1
    assert "[shape:Source-localCopy, sh:PatternConstraintComponent]" in run.stdout
    assert "EvidenceInSource" not in run.stdout  # the evidence is not checked against it
