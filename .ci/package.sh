#!/usr/bin/env bash
# Packaging, tried the way a data repository's CI uses Accord: build the sdist and the
# wheel (the wheel from the sdist), install the wheel into a fresh virtual environment
# in a folder outside the checkout, and there run what a user runs.  Every step must do
# what it says; a missing file in the wheel, a bare top-level `app` package or a
# dependency missing from pyproject.toml fails it.
#   bash .ci/package.sh        (PY: the Python to build with, default .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
work=$(mktemp -d /tmp/accord-package.XXXXXX)
server=""
cleanup() {
  if [ -n "$server" ]; then kill -TERM -- -"$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "package.sh: $*" >&2; exit 1; }

"$PY" -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 ||
  { cat "$work/build.log" >&2; fail "the build failed"; }
wheel=$(ls "$work"/dist/*.whl)
sdist=$(ls "$work"/dist/*.tar.gz)
echo "built $(basename "$sdist") ($(du -k "$sdist" | cut -f1) KiB), $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"

# What the wheel holds: accord with its bundle (copies, not links), and no bare `app`.
"$PY" - "$wheel" <<'EOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
tops = sorted({n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")})
assert tops == ["accord"], f"top-level names in the wheel: {tops}"
for needed in ["ontology/accord.ttl", "ontology/concepts.ttl", "shapes/core.ttl",
               "data/reference/states-and-organisations.ttl",
               "data/paris-summit-2026-01-06.ttl", "queries/commitments.rq",
               "sources/paris-summit-2026-01-06.txt"]:
    assert f"accord/_bundle/{needed}" in names, f"not in the wheel: {needed}"
for needed in ["accord/static/index.html", "accord/scaffold/example.ttl",
               "accord/html/templates/base.html", "accord/jsonld/context.jsonld",
               "accord/static/ui-views.js", "accord/static/vendor/yasgui/yasgui.min.js",
               "accord/static/vendor/chartjs/chart.umd.min.js",
               "accord/static/vendor/chartjs/chartjs-adapter-date-fns.bundle.min.js",
               "accord/static/vendor/cytoscape/cytoscape.min.js"]:
    assert needed in names, f"not in the wheel: {needed}"
print(f"the wheel holds {len(names)} files, all under accord/")
EOF

started=$(date +%s.%N)
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$wheel" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log" >&2; fail "pip install of the wheel failed"; }
installed=$(date +%s.%N)
export PATH="$work/venv/bin:$PATH"
cd "$work"  # nothing of the checkout from here on

accord --version
if python -c "import app" 2>/dev/null; then fail "a top-level package 'app' is installed"; fi
echo "import app: fails, as it should (the package is accord)"
accord load --help >/dev/null
# accord load reaches an external store with httpx: it must be installed with the wheel.
status=0
accord load --store sparql+http://127.0.0.1:9/query >"$work/load.txt" 2>&1 || status=$?
grep -q "unreachable" "$work/load.txt" && [ "$status" = 1 ] ||
  { cat "$work/load.txt"; fail "accord load to a closed port: exit $status, not 1 unreachable"; }
echo "accord load: runs (a closed port is reported unreachable)"

accord init repo >/dev/null
cd repo
accord validate || fail "the scaffold does not validate"
cat >data/belgium.ttl <<'EOF'
@prefix accord: <https://w3id.org/accord/ontology#> .
@prefix concept: <https://w3id.org/accord/concept/> .
@prefix id: <https://w3id.org/accord/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
id:ci-commitment a accord:Commitment ; rdfs:label "Belgium: training"@en ;
    accord:committedBy id:BE ; accord:beneficiary id:UA ;
    accord:contributionType concept:Training ; accord:commitmentLevel concept:PoliticalPledge ;
    accord:summary "Belgium would take part in military training."@en ;
    accord:evidence "focusing on air and maritime capabilities and military training" ;
    accord:locator "L46" ;
    prov:wasDerivedFrom id:example-source .
EOF
accord validate || fail "a commitment by id:BE for id:UA does not validate"
cat >data/typo.ttl <<'EOF'
@prefix accord: <https://w3id.org/accord/ontology#> .
@prefix id: <https://w3id.org/accord/id/> .
id:ci-commitment accord:hasConditon id:example-condition .
EOF
status=0
accord validate >"$work/typo.txt" || status=$?
[ "$status" = 1 ] || { cat "$work/typo.txt"; fail "a misspelled property: exit $status, not 1"; }
grep -q "accord:hasConditon is not a term of Accord's ontology; did you mean accord:hasCondition?" \
  "$work/typo.txt" || { cat "$work/typo.txt"; fail "the report does not name the misspelled property"; }
echo "a misspelled property: exit 1, named with a suggestion"
accord template --out "$work/coding.xlsx" >/dev/null || fail "accord template failed"
accord export --format xlsx --out "$work/bundled.xlsx" >/dev/null || fail "accord export --format xlsx failed"
accord import "$work/bundled.xlsx" --out "$work/bundled.ttl" >"$work/import.txt" \
  || { cat "$work/import.txt"; fail "the bundled data, exported to a workbook, does not import"; }
echo "spreadsheet path: template written; the bundled data exported to a workbook imports and validates"
cd "$work"

port=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
setsid accord serve --port "$port" --log-level warning >"$work/serve.log" 2>&1 &
server=$!
python - "$port" "$started" "$installed" <<'EOF' || { cat "$work/serve.log" >&2; fail "accord serve did not answer"; }
import json, sys, time, urllib.parse, urllib.request
port, started, installed = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
query = ("SELECT (COUNT(?c) AS ?n) WHERE { ?c a <https://w3id.org/accord/ontology#Commitment> ; "
         "<https://w3id.org/accord/ontology#committedBy> <https://w3id.org/accord/id/BE> }")
url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": query})
request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
deadline = time.monotonic() + 120  # a guard against a hang, not a timing assertion
while True:
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            n = int(json.load(answer)["results"]["bindings"][0]["n"]["value"])
            break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("no answer")
        time.sleep(0.1)
assert n >= 1, f"the bundled data has {n} commitments by Belgium"
now = time.time()
print(f"accord serve (from the wheel) answered: {n} commitment(s) by Belgium in the bundled data")
print(f"install of the wheel {installed - started:.1f} s; install to first answer {now - started:.1f} s")
EOF
echo "packaging: all steps passed"
