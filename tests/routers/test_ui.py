"""The query page and its static files over HTTP (tests/browser runs it in Chromium)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord.main import create_app
from accord.namespaces import PREFIXES
from accord.routers.ui import STATIC_DIR, _script_json, tab_query
from accord.settings import Settings
from accord.sparql_text import with_prefixes
from tests.conftest import FIXTURE_DATA, FIXTURE_QUERIES

VENDOR = STATIC_DIR / "vendor" / "yasgui"
CDN_HOSTS = re.compile(
    r"\b(cdn\.|cdnjs|unpkg\.com|jsdelivr|googleapis\.com|gstatic\.com|fontawesome\.com|"
    r"code\.jquery\.com|bootstrapcdn)",
    re.IGNORECASE,
)


class _Refs(HTMLParser):
    """The script and stylesheet references of a page, and its embedded config."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.inline_scripts: list[dict[str, str | None]] = []
        self.config = ""
        self._in_config = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"] or "")
        elif tag == "script":
            self.inline_scripts.append(a)
            self._in_config = a.get("id") == "accord-config"
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.styles.append(a.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_config = False

    def handle_data(self, data: str) -> None:
        if self._in_config:
            self.config += data


def page_refs(client: TestClient) -> _Refs:
    r = client.get("/", headers={"Accept": "text/html"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    refs = _Refs()
    refs.feed(r.text)
    return refs


def page_config(client: TestClient) -> dict[str, object]:
    config: dict[str, object] = json.loads(page_refs(client).config)
    return config


def test_page_has_a_policy_that_allows_only_its_own_origin(client: TestClient) -> None:
    policy = client.get("/").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"


def test_page_scripts_and_styles_are_local_and_served(client: TestClient) -> None:
    refs = page_refs(client)
    assert any("vendor/yasgui/yasgui.min.js" in s for s in refs.scripts)
    assert any("vendor/yasgui/yasgui.min.css" in s for s in refs.styles)
    # The only inline script is the JSON configuration (none runs: script-src 'self').
    assert refs.inline_scripts == [{"id": "accord-config", "type": "application/json"}]
    for ref in refs.scripts + refs.styles:
        assert not re.match(r"^([a-z][a-z0-9+.-]*:|//|/)", ref), f"{ref} is not page-relative"
        r = client.get("/" + ref)
        assert r.status_code == 200, ref
        assert r.headers["content-type"].split(";")[0] in ("text/javascript", "text/css")


def test_served_page_and_assets_name_no_cdn(client: TestClient) -> None:
    texts = {"/": client.get("/").text}
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.suffix in (".js", ".css", ".html"):
            url = "/static/" + path.relative_to(STATIC_DIR).as_posix()
            texts[url] = client.get(url).text
    assert len(texts) >= 5
    for url, text in texts.items():
        assert not CDN_HOSTS.search(text), f"{url} names a CDN: {CDN_HOSTS.search(text)}"
        if url.endswith(".css"):
            assert "@import" not in text, url
            assert re.findall(r"url\((?!['\"]?data:)", text) == [], url


def test_page_opens_on_the_catalogue(fixture_client: TestClient, fixture_app: FastAPI) -> None:
    config = page_config(fixture_client)
    catalogue = list(fixture_app.state.services.catalogue.values())
    queries = config["queries"]
    assert isinstance(queries, list)
    assert [q["name"] for q in queries] == [q.name for q in catalogue]
    assert [q["title"] for q in queries] == [q.title for q in catalogue]
    assert [q["description"] for q in queries] == [q.description for q in catalogue]
    assert config["prefixes"] == PREFIXES
    assert config["endpoint"] is None  # the page uses the "sparql" next to itself
    for q in queries:
        assert not q["query"].lstrip().startswith("#"), q["name"]


def test_every_bundled_named_query_parses_as_its_tab_shows_it(
    client: TestClient, bundled_app: FastAPI
) -> None:
    config = page_config(client)
    queries = config["queries"]
    assert isinstance(queries, list) and queries
    for q in queries:
        bundled_app.state.services.store.query(q["query"])  # raises QuerySyntaxError if broken


def test_page_offers_the_dataset_classes_and_properties(
    client: TestClient, bundled_app: FastAPI
) -> None:
    config = page_config(client)
    store = bundled_app.state.services.store
    declared = store.select(
        "SELECT ?c WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> FILTER isIRI(?c) } LIMIT 1"
    )
    assert declared, "the ontology declares no class"
    assert str(declared[0]["c"]) in config["classes"]
    assert PREFIXES["rdfs"] + "label" in config["properties"]


def test_public_url_is_the_endpoint_and_allowed_by_the_policy() -> None:
    public = "https://kg.example.org/accord/sparql"
    app = create_app(Settings(paths=[FIXTURE_DATA], queries_dir=FIXTURE_QUERIES, public_url=public))
    client = TestClient(app)
    assert page_config(client)["endpoint"] == public
    policy = client.get("/").headers["content-security-policy"]
    assert "connect-src 'self' https://kg.example.org;" in policy


def test_browser_asking_the_endpoint_lands_on_the_page(fixture_client: TestClient) -> None:
    r = fixture_client.get("/sparql", headers={"Accept": "text/html"}, follow_redirects=True)
    assert r.status_code == 200
    assert 'id="yasgui"' in r.text


def test_static_files_have_validators(fixture_client: TestClient) -> None:
    r = fixture_client.get("/static/vendor/yasgui/yasgui.min.js")
    assert r.status_code == 200
    assert r.content == (VENDOR / "yasgui.min.js").read_bytes()
    again = fixture_client.get(
        "/static/vendor/yasgui/yasgui.min.js", headers={"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path", ["/static/nope.js", "/static/../routers/ui.py", "/static/%2e%2e/routers/ui.py"]
)
def test_static_files_stay_inside_the_static_folder(fixture_client: TestClient, path: str) -> None:
    assert fixture_client.get(path).status_code == 404


def test_vendored_yasgui_is_small_and_licensed() -> None:
    files = {p.name: p.stat().st_size for p in VENDOR.iterdir()}
    assert {"yasgui.min.js", "yasgui.min.css", "LICENSE", "THIRD-PARTY-LICENSES.txt"} <= set(files)
    assert sum(files.values()) < 3_000_000
    assert "MIT" in (VENDOR / "LICENSE").read_text()
    assert "sourceMappingURL" not in (VENDOR / "yasgui.min.js").read_text()


#: The libraries of the result views (static/vendor/update-views.sh), by folder.
VIEW_LIBRARIES = {
    "chartjs": ["chart.umd.min.js", "chartjs-adapter-date-fns.bundle.min.js"],
    "cytoscape": ["cytoscape.min.js"],
}


@pytest.mark.parametrize("folder", sorted(VIEW_LIBRARIES))
def test_vendored_view_libraries_are_served_small_and_licensed(
    fixture_client: TestClient, folder: str
) -> None:
    here = STATIC_DIR / "vendor" / folder
    files = {p.name: p.stat().st_size for p in here.iterdir()}
    assert set(VIEW_LIBRARIES[folder]) < set(files)
    assert sum(files.values()) < 1_000_000
    licences = [p for p in here.iterdir() if p.name.startswith("LICENSE")]
    assert licences and all("MIT" in p.read_text() for p in licences)
    for name in VIEW_LIBRARIES[folder]:
        text = (here / name).read_text()
        assert "sourceMappingURL" not in text, name
        r = fixture_client.get(f"/static/vendor/{folder}/{name}")
        assert r.status_code == 200 and r.content == (here / name).read_bytes()


def test_page_says_which_iris_link_to_this_server(fixture_client: TestClient) -> None:
    # The page links result IRIs under the base to this server's pages.
    assert page_config(fixture_client)["base_iri"] == Settings().base_iri


def test_tab_query_declares_prefixes_used_after_a_path_slash() -> None:
    # Regression: "accord:a/skos:b" once declared accord but not skos.
    text = with_prefixes("SELECT * WHERE { ?s accord:a/skos:b|^rdfs:c ?o }", PREFIXES)
    shown = tab_query(text)
    declared = re.findall(r"^PREFIX (\w+):", shown, re.MULTILINE)
    assert declared == ["accord", "rdfs", "skos"]


def test_tab_query_drops_the_header_and_keeps_the_query_own_prefixes() -> None:
    raw = (
        "# title: T\n# description: about accord:Things\n#   more.\n"
        "PREFIX ex: <http://example.org/>\n"
        'SELECT * WHERE { ?s ex:p <http://x.org/org:y> ; rdfs:label "foaf:z" } # skos:no\n'
    )
    shown = tab_query(with_prefixes(raw, PREFIXES))
    assert shown == (
        f"PREFIX rdfs: <{PREFIXES['rdfs']}>\n"
        "PREFIX ex: <http://example.org/>\n"
        'SELECT * WHERE { ?s ex:p <http://x.org/org:y> ; rdfs:label "foaf:z" } # skos:no\n'
    )


def test_embedded_json_cannot_end_the_script_element() -> None:
    value = {"description": "</script><script>alert(1)</script> & <!--"}
    text = _script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == value
