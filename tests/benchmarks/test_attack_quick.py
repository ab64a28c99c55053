"""The attack harness (``benchmarks/attack.py``): its bookkeeping, and, opt-in with
``-m slow``, a run of three 2 s phases against a real server.  Structure only: which
phases ran and whether the checks ran and passed, never how fast anything was."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import attack
from benchmarks.attack_results import Served
from benchmarks.attackers import Tally, Target, answer_of
from tests import REPO


def test_tally_counts_answers_and_summarises_the_commonest_first() -> None:
    t = Tally()
    for answer in ("429", "429", "503", "429"):
        t.sent += 1
        t.record("a page", answer)
    t.record("another page", "503")
    assert t.answers() == {"429": 3, "503": 2}
    assert t.summary() == "4 sent: 429 ×3, 503 ×2"


def test_the_status_of_a_raw_answer() -> None:
    assert answer_of(b"HTTP/1.1 431 Request Header Fields Too Large\r\n") == "431"
    assert answer_of(b"") == "closed"


def test_errors_are_answers_other_than_2xx() -> None:
    served = Served(
        [
            ("ASK {}", 0.0, 0.010, 200, ""),
            ("ASK {}", 0.2, 0.030, 503, ""),
            ("/health", 0.4, 0.002, 200, ""),
            ("/health", 0.6, 15.0, 0, "timeout"),
        ]
    )
    assert served.error_rate() == 0.5
    assert served.error_rate("ASK {}") == 0.5
    assert served.sample("/health").pct(50) in (0.002, 15.0)
    assert served.errors().endswith("(sent from 0.2 to 0.6 s)")
    assert "503 ×1" in served.errors() and "timeout ×1" in served.errors()


@pytest.mark.parametrize("phase", list(attack.PHASES))
def test_each_phase_has_its_attacks(phase: str) -> None:
    attacks = attack.attacks_for(phase, Target("127.0.0.1", 1, "127.0.0.2"), 10)
    expected = {
        "baseline": set(),
        "runaway": {"runaway queries"},
        "slow": {"slow connections"},
        "slow-spread": {"slow connections"},
        "headers": {"large headers"},
        "pages": {"heavy pages"},
        "writes": {"write bombs"},
        "all": set(attack.OWN_ADDRESS),
    }[phase]
    assert set(attacks) == expected


@pytest.mark.slow
def test_a_short_run_reports_each_phase_with_the_server_alive_and_the_data_intact(
    tmp_path: Path,
) -> None:
    phases = ["baseline", "runaway", "writes"]
    cmd = [sys.executable, "-m", "benchmarks.attack", "--quick", "--phases", ",".join(phases)]
    cmd += ["--seconds", "2", "--warmup", "0.5", "--work", str(tmp_path / "work")]
    cmd += ["--out", str(tmp_path / "ATTACK.md")]
    run = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    results = json.loads((tmp_path / "work" / "attack.json").read_text())
    assert [p["phase"] for p in results["phases"]] == phases
    assert results["before"]["alive"] and results["before"]["quads"] > 0
    for p in results["phases"]:
        assert p["requests"] > 0
        assert p["after"]["alive"], p["after"]
        assert p["intact"], p["after"]
        assert not p["restarted"]
    writes = results["phases"][-1]["attacks"]["write bombs"]
    assert writes["sent"] > 0
    assert "SIGTERM" in results["stopped"]
    report = (tmp_path / "ATTACK.md").read_text()
    for phase in phases:
        assert f"| {attack.PHASES[phase]} |" in report
