#!/usr/bin/env bash
# Re-vendor YASGUI into app/accord/static/vendor/yasgui/ from the npm package @zazuko/yasgui.
# Run by hand when upgrading (needs node and npm); CI and users never run it.
#   bash app/accord/static/vendor/update-yasgui.sh [VERSION]
set -euo pipefail

version="${1:-4.6.2}"
here="$(cd "$(dirname "$0")" && pwd)"
dest="$here/yasgui"
build="$(mktemp -d /tmp/yasgui-build.XXXXXX)"
trap 'rm -rf "$build"' EXIT

cd "$build"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund --ignore-scripts "@zazuko/yasgui@$version"
pkg="$build/node_modules/@zazuko/yasgui"

mkdir -p "$dest"
# The minified UMD bundle (defines window.Yasgui) and its stylesheet. The source-map
# comment is dropped because the 3.6 MB map is not vendored.
sed '/^\/\/# sourceMappingURL=/d' "$pkg/build/yasgui.min.js" >"$dest/yasgui.min.js"
sed 's#/\*\$vite\$:[0-9]*\*/##' "$pkg/build/yasgui.min.css" >"$dest/yasgui.min.css"

# Licences: YASGUI's own (the npm package declares MIT but ships no licence file) and
# those of every third-party package the bundle contains, found from its source map.
python3 - "$pkg" "$dest" "$version" <<'PY'
import json, re, sys
from pathlib import Path

pkg, dest, version = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
meta = json.loads((pkg / "package.json").read_text())
authors = [meta["author"]] + [c["name"] for c in meta.get("contributors", [])]
mit = (
    "The MIT License (MIT)\n\n"
    f"Copyright (c) {', '.join(authors)}\n\n"
    "Permission is hereby granted, free of charge, to any person obtaining a copy\n"
    "of this software and associated documentation files (the \"Software\"), to deal\n"
    "in the Software without restriction, including without limitation the rights\n"
    "to use, copy, modify, merge, publish, distribute, sublicense, and/or sell\n"
    "copies of the Software, and to permit persons to whom the Software is\n"
    "furnished to do so, subject to the following conditions:\n\n"
    "The above copyright notice and this permission notice shall be included in\n"
    "all copies or substantial portions of the Software.\n\n"
    "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\n"
    "IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,\n"
    "FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE\n"
    "AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER\n"
    "LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,\n"
    "OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN\n"
    "THE SOFTWARE.\n"
)
assert meta["license"] == "MIT", meta["license"]
(dest / "LICENSE").write_text(
    f"@zazuko/yasgui {version} (YASGUI, YASQE, YASR and YASGUI utils), license: MIT\n"
    "(from its package.json; the package ships no licence file).\n\n" + mit
)

sources = json.loads((pkg / "build" / "yasgui.min.js.map").read_text())["sources"]
names = sorted({m.group(1) for s in sources
                if (m := re.search(r"node_modules/((?:@[^/]+/)?[^/]+)", s))})
modules = pkg.parent.parent
parts = []
for name in names:
    d = modules / name
    if not d.is_dir():
        d = pkg / "node_modules" / name
    m = json.loads((d / "package.json").read_text())
    files = sorted(p for p in d.iterdir() if re.match(r"(?i)licen[cs]e", p.name) and p.is_file())
    text = "\n".join(p.read_text(errors="replace").strip() for p in files)
    parts.append(f"== {name} {m.get('version')} ({m.get('license')})\n\n{text or '(the package ships no licence file; its package.json declares ' + str(m.get('license')) + ')'}\n")
(dest / "THIRD-PARTY-LICENSES.txt").write_text(
    "Third-party packages bundled in yasgui.min.js, with their licences.\n\n" + "\n".join(parts)
)
print("bundled packages:", ", ".join(names))
PY
ls -l "$dest"
