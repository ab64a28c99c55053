"""Smoke test of the harness: ``benchmarks/run.py --quick`` against Accord alone.

Opt-in (``-m slow``): it starts servers and runs ``accord validate`` on 10k triples,
about half a minute.  It checks that every workload got an answer, not how fast.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import REPO

pytestmark = pytest.mark.slow


def test_quick_run_measures_every_workload(tmp_path: Path) -> None:
    cmd = [sys.executable, "benchmarks/run.py", "--quick", "--servers", "accord"]
    cmd += ["--work", str(tmp_path), "--peers", str(tmp_path / "no-peers")]
    run = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text())
    size = results["sizes"]["10k"]
    assert size["triples"] == 10_000
    accord = size["servers"]["accord"]
    failed = {k: v for k, v in accord["latency"].items() if "median_ms" not in v}
    assert not failed
    catalogue = {p.stem for p in (REPO / "queries").glob("*.rq")}
    assert catalogue <= set(accord["latency"])
    for by_clients in accord["throughput"].values():
        assert all(r.get("rps", 0) > 0 for r in by_clients.values())
    assert accord["restart_s"] > 0
    assert size["validate"]["exit"] == 0
    assert "| 10k |" in (tmp_path / "RESULTS.md").read_text()
