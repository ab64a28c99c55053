"""``accord diff`` on two versions of a small fixture dataset."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from accord.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
V1, V2 = FIXTURES / "v1", FIXTURES / "v2"
ID = "https://w3id.org/accord/id/"


def run(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(["diff", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_text_diff_lists_changes_by_resource(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, str(V1), str(V2))
    assert code == 0
    assert out.splitlines()[0] == "3 statements added, 1 removed, in 3 resources."
    blocks = {b.splitlines()[0]: b.splitlines()[1:] for b in out.split("\n\n")[1:]}
    assert blocks == {
        "id:DE  (Germany)": ['  + rdfs:label "Deutschland"@de', '  - rdfs:label "Germany"@en'],
        "id:FR  (France)": ['  + accord:iso3166Alpha3 "FRA"'],
        "id:commitment-x  (France: a pledge)": ["  + accord:participation concept:Full"],
    }


def test_json_diff(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, str(V1), str(V2), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["added"], doc["removed"]) == (3, 1)
    de = next(r for r in doc["resources"] if r["resource"] == ID + "DE")
    assert de["removed"] == [
        {"predicate": "http://www.w3.org/2000/01/rdf-schema#label", "object": '"Germany"@en'}
    ]
    assert [r["resource"] for r in doc["resources"]] == sorted(
        r["resource"] for r in doc["resources"]
    )


def test_reverse_diff_swaps_added_and_removed(capsys) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run(capsys, str(V2), str(V1), "--format", "json")
    doc = json.loads(out)
    assert (doc["added"], doc["removed"]) == (1, 3)


def test_same_data_has_no_differences_whatever_the_blank_node_labels(
    capsys, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(capsys, str(V1), str(V1))
    assert (code, out) == (0, "No differences.\n")
    # The same data as an export (other syntax, canonical blank node labels, gzipped).
    assert main(["export", str(V1), "--format", "nq", "--out", str(tmp_path / "v1.nq.gz")]) == 0
    capsys.readouterr()
    assert gzip.decompress((tmp_path / "v1.nq.gz").read_bytes())
    code, out, _ = run(capsys, str(V1 / "dataset.ttl"), str(tmp_path / "v1.nq.gz"))
    assert (code, out) == (0, "No differences.\n")


def test_a_changed_blank_node_is_a_difference(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    changed = tmp_path / "changed.ttl"
    changed.write_text(
        (V1 / "dataset.ttl").read_text().replace("concept:Ceasefire ]", "concept:PeaceAgreement ]")
    )
    code, out, _ = run(capsys, str(V1), str(changed))
    assert code == 0
    assert "+ accord:conditionType concept:PeaceAgreement" in out
    assert "- accord:conditionType concept:Ceasefire" in out


@pytest.mark.parametrize("bad", ["missing.ttl", "broken.ttl", "notes.txt"])
def test_unreadable_input_is_exit_2(capsys, tmp_path: Path, bad: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "broken.ttl").write_text("@prefix x: <urn:x#> .\nx:a x:b .\nx:c x:d")
    (tmp_path / "notes.txt").write_text("hello")
    code, out, err = run(capsys, str(V1), str(tmp_path / bad))
    assert code == 2
    assert bad in err
    assert out == ""


def test_help_smoke(capsys) -> None:  # type: ignore[no-untyped-def]
    for command in ("diff", "export"):
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
        assert command in capsys.readouterr().out
