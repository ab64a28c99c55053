"""Writes are off by default; enabled, they need a strong bearer token, and are never a
request a web page could forge (no HTML-form content types unless allowed, and then
not from another site)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accord.main import create_app
from accord.settings import Settings
from accord.writes.auth import InsecureSettings, check_write_settings, token_id, token_problem
from accord.writes.writer import read_log
from tests.conftest import FIXTURE_DATA, FIXTURE_QUERIES
from tests.writes.conftest import AUTH, EX, TOKEN, UPDATE, MakeApp, count, update

INSERT = f"INSERT DATA {{ <{EX}x> <{EX}p> 'x' }}"
TURTLE = {"Content-Type": "text/turtle"}
BODY = f"<{EX}x> <{EX}p> 'x' ."


# --- start-up -------------------------------------------------------------------------


def test_writes_are_off_by_default() -> None:
    settings = Settings()
    assert settings.allow_update is False and settings.write_token is None
    check_write_settings(settings)  # a read-only server needs no token


def test_start_up_refuses_updates_without_a_token() -> None:
    with pytest.raises(InsecureSettings, match="ACCORD_WRITE_TOKEN"):
        create_app(Settings(paths=[FIXTURE_DATA], allow_update=True))


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("short-token-123", "at least 32"),
        ("a" * 40, "distinct"),
        ("0123456789" * 4, None),  # long and varied enough: accepted
        ("changeme-changeme-0123456789-abcdefgh", "placeholder"),
        ("secret 0123456789-abcdefghijklmnopqrstuv", "white space"),
    ],
)
def test_start_up_refuses_weak_tokens(token: str, why: str | None) -> None:
    assert (token_problem(token) is None) is (why is None)
    settings = Settings(paths=[FIXTURE_DATA], allow_update=True, write_token=token)
    if why is None:
        check_write_settings(settings)
    else:
        with pytest.raises(InsecureSettings, match=why):
            check_write_settings(settings)


def test_start_up_refuses_updates_through_an_external_store() -> None:
    settings = Settings(allow_update=True, write_token=TOKEN, store="sparql+http://127.0.0.1:9/q")
    with pytest.raises(InsecureSettings, match="embedded store"):
        check_write_settings(settings)


def test_accord_serve_fails_fast_without_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env["ACCORD_ALLOW_UPDATE"] = "true"
    done = subprocess.run(
        [sys.executable, "-m", "accord.cli", "serve", str(FIXTURE_DATA), "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 2
    assert "ACCORD_WRITE_TOKEN" in done.stderr and "secrets.token_urlsafe" in done.stderr


# --- disabled -------------------------------------------------------------------------


def test_disabled_server_refuses_every_write(tmp_path: Path) -> None:
    settings = Settings(paths=[FIXTURE_DATA], queries_dir=FIXTURE_QUERIES)
    client = TestClient(create_app(settings), headers=AUTH)
    before = count(client)
    assert update(client, INSERT).status_code == 403
    r = client.put("/graph-store", params={"graph": f"{EX}g"}, content=BODY, headers=TURTLE)
    assert r.status_code == 403 and "disabled" in r.text
    assert client.delete("/graph-store", params={"default": ""}).status_code == 403
    assert count(client) == before


# --- the token ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", "Bearer", TOKEN],
)
def test_a_write_without_the_token_is_401_and_changes_nothing(
    anonymous: TestClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    before = count(anonymous)
    for r in (
        update(anonymous, INSERT, headers=headers),
        anonymous.put("/graph-store?default", content=BODY, headers={**TURTLE, **headers}),
        anonymous.post("/graph-store?default", content=BODY, headers={**TURTLE, **headers}),
        anonymous.delete(f"/graph-store?graph={EX}g", headers=headers),
    ):
        assert r.status_code == 401, r.text
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert count(anonymous) == before


def test_the_token_is_accepted_and_logged_by_its_hash_only(
    client: TestClient, tmp_path: Path
) -> None:
    assert update(client, INSERT).status_code == 200
    log = (tmp_path / "writes.jsonl").read_text()
    assert TOKEN not in log
    assert read_log(tmp_path / "writes.jsonl")[-1]["who"] == token_id(TOKEN)


# --- forms and other sites ------------------------------------------------------------


def test_form_encoded_update_is_refused_unless_allowed(client: TestClient) -> None:
    before = count(client)
    r = client.post("/sparql", data={"update": INSERT})
    assert r.status_code == 415 and "ACCORD_WRITE_ALLOW_FORMS" in r.text
    assert count(client) == before


def test_multipart_upload_is_refused_unless_allowed(client: TestClient) -> None:
    files = {"part": ("part.ttl", BODY.encode(), "text/turtle")}
    r = client.post("/graph-store", params={"graph": f"{EX}g"}, files=files)
    assert r.status_code == 415
    assert client.get("/graph-store", params={"graph": f"{EX}g"}).status_code == 404


def test_allowed_forms_work_from_this_site(make_app: MakeApp) -> None:
    client = TestClient(make_app(write_allow_forms=True), headers=AUTH)
    before = count(client)
    r = client.post("/sparql", data={"update": INSERT}, headers={"Origin": "http://testserver"})
    assert r.status_code == 200, r.text
    assert count(client) == before + 1


@pytest.mark.parametrize(
    "headers", [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}]
)
def test_allowed_forms_are_still_refused_from_another_site(
    make_app: MakeApp, headers: dict[str, str]
) -> None:
    client = TestClient(make_app(write_allow_forms=True), headers=AUTH)
    before = count(client)
    r = client.post("/sparql", data={"update": INSERT}, headers=headers)
    assert r.status_code == 403 and ("another site" in r.text or "origin" in r.text)
    assert count(client) == before


def test_a_direct_update_is_not_a_form(client: TestClient) -> None:
    """application/sparql-update is never form-encoded: accepted without the setting."""
    assert update(client, INSERT, headers=UPDATE).status_code == 200


# --- GET never writes -------------------------------------------------------------------


def test_get_never_changes_data(client: TestClient) -> None:
    version = client.get("/sparql", params={"query": "ASK {}"}).headers["x-accord-dataset-version"]
    before = count(client)
    assert client.get("/sparql", params={"update": INSERT}).status_code == 400
    for path in (f"/graph-store?graph={EX}g", "/graph-store?default", "/graph-store/x"):
        assert client.get(path).status_code in (200, 404)
        assert client.head(path).status_code in (200, 404)
    r = client.request("GET", "/graph-store?default", content=BODY, headers=TURTLE)
    assert r.status_code == 200
    after = client.get("/sparql", params={"query": "ASK {}"}).headers["x-accord-dataset-version"]
    assert (count(client), after) == (before, version)
