"""The synthetic graph: exactly N triples, deterministic, and valid Accord data."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from accord.shacl.validation import CONFORMS, DOES_NOT_CONFORM, run_validate
from benchmarks import generate


@pytest.fixture(scope="module")
def graph_10k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "accord-10k.nt"
    generate.generate(10_000, out)
    return out


def triples_in(path: Path) -> int:
    store = ox.Store()
    store.load(path=str(path))
    return len(store)


def test_10k_holds_exactly_10k_distinct_triples(graph_10k: Path) -> None:
    assert triples_in(graph_10k) == 10_000
    meta = generate.meta_path(graph_10k).read_text()
    assert '"triples": 10000' in meta


def test_10k_passes_accord_validate(graph_10k: Path) -> None:
    report = io.StringIO()
    status = run_validate([graph_10k], out=report)
    assert status == CONFORMS, report.getvalue()[-3000:]


def test_validation_of_the_generated_data_is_not_vacuous(tmp_path: Path) -> None:
    """A commitment without its source, in an otherwise generated graph, is reported."""
    path = tmp_path / "small.nt"
    generate.generate(2_000, path)
    source = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
    lines = path.read_text().splitlines(keepends=True)
    victim = "<https://w3id.org/accord/id/bench-u0-commitment-0>"
    kept = [line for line in lines if not (line.startswith(victim + " " + source))]
    assert len(kept) == len(lines) - 1
    path.write_text("".join(kept))
    report = io.StringIO()
    assert run_validate([path], out=report) == DOES_NOT_CONFORM
    assert "bench-u0-commitment-0" in report.getvalue()
    assert "wasDerivedFrom" in report.getvalue()


def test_the_same_arguments_write_the_same_bytes(tmp_path: Path, graph_10k: Path) -> None:
    again = tmp_path / "again.nt"
    generate.generate(10_000, again)
    assert again.read_bytes() == graph_10k.read_bytes()


def test_another_seed_writes_another_graph(tmp_path: Path, graph_10k: Path) -> None:
    other = tmp_path / "other.nt"
    generate.generate(10_000, other, seed=1)
    assert other.read_bytes() != graph_10k.read_bytes()
    assert triples_in(other) == 10_000


def test_turtle_and_n_triples_hold_the_same_graph(tmp_path: Path) -> None:
    nt, ttl = tmp_path / "g.nt", tmp_path / "g.ttl"
    generate.generate(3_000, nt)
    generate.generate(3_000, ttl)
    a, b = ox.Store(), ox.Store()
    a.load(path=str(nt))
    b.load(path=str(ttl))
    assert set(a) == set(b)
    assert len(a) == 3_000


def test_a_smaller_graph_is_a_prefix_of_a_bigger_one(tmp_path: Path) -> None:
    small, big = tmp_path / "small.nt", tmp_path / "big.nt"
    generate.generate(3_000, small)
    generate.generate(6_000, big)
    units = generate.meta_path(small).read_text()
    count = int(re.search(r'"units": (\d+)', units)[1])  # type: ignore[index]
    marker = f"bench-u{count - 1}-position"
    small_text, big_text = small.read_text(), big.read_text()
    # Everything up to the last whole unit is shared; only the padding differs.
    cut = small_text.rindex(marker)
    assert big_text.startswith(small_text[:cut])


def test_triples_are_yielded_one_by_one() -> None:
    """A generator, not a list: 10M triples never sit in memory at once."""
    stream = generate.triples(1_000_000)
    first = [next(stream) for _ in range(5)]
    assert all(len(t) == 3 for t in first)


@pytest.mark.parametrize(("text", "value"), [("10k", 10_000), ("1M", 1_000_000), ("2.5m", 2_500_000), ("1234", 1234)])  # fmt: skip
def test_counts_are_read_with_suffixes(text: str, value: int) -> None:
    assert generate.parse_count(text) == value


def test_too_few_triples_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate.main(["--triples", "500", "--out", str(tmp_path / "x.nt")]) == 2
    assert "at least" in capsys.readouterr().err
    assert not (tmp_path / "x.nt").exists()


def test_an_unknown_extension_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate.main(["--triples", "5k", "--out", str(tmp_path / "x.txt")]) == 2
    assert ".nt or .ttl" in capsys.readouterr().err
