"""Accord's tests.  ``REPO`` is the checkout they test (its tests read nothing outside it)."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_accord(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """The ``accord`` command, as a user runs it, in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "accord.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hang, not a timing assertion
    )
