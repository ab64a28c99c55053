"""Fixtures for the browser tests: headless Chromium and a fresh page.

The app under test is the shared ``bundled_app`` / ``live_server`` of tests/conftest.py
(the real application over the bundled data, served by uvicorn on a free port).

Chromium is ``$ACCORD_CHROMIUM`` or Debian's ``/usr/bin/chromium``.  Without it the
tests skip, unless ``ACCORD_REQUIRE_BROWSER=1`` (set in CI), in which case they fail:
CI must not go green by skipping them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import REPO
from tests.browser.cdp import Browser, Page, find_chromium

ARTIFACTS = REPO / "tests" / "artifacts"


@pytest.fixture(scope="session")
def chromium() -> str:
    path = os.environ.get("ACCORD_CHROMIUM") or find_chromium()
    if path is None:
        reason = "Chromium not found (install Debian's chromium: bash .ci/install-browser.sh)"
        if os.environ.get("ACCORD_REQUIRE_BROWSER") == "1":
            pytest.fail(f"ACCORD_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    return path


@pytest.fixture
def browser(chromium: str, tmp_path: Path) -> Iterator[Browser]:
    b = Browser.launch(chromium, tmp_path / "profile")
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def page(browser: Browser) -> Page:
    return browser.new_page(width=1440, height=960)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
