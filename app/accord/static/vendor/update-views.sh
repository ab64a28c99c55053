#!/usr/bin/env bash
# Re-vendor the libraries behind the query page's result views (chart, timeline, graph)
# into app/accord/static/vendor/{chartjs,cytoscape}/ from npm. Run by hand when
# upgrading (needs node and npm); CI and users never run it.
#   bash app/accord/static/vendor/update-views.sh [CHARTJS [ADAPTER [CYTOSCAPE]]]
set -euo pipefail

chartjs="${1:-4.6.1}"
adapter="${2:-3.0.0}"
cytoscape="${3:-3.35.0}"
here="$(cd "$(dirname "$0")" && pwd)"
build="$(mktemp -d /tmp/accord-views-build.XXXXXX)"
trap 'rm -rf "$build"' EXIT

cd "$build"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund --ignore-scripts \
  "chart.js@$chartjs" "chartjs-adapter-date-fns@$adapter" "cytoscape@$cytoscape"
nm="$build/node_modules"

# Chart.js's UMD bundle (defines window.Chart; includes @kurkle/color) and the date-fns
# adapter's bundle (includes date-fns; gives Chart.js its time axis for the timeline).
# Source-map comments are dropped: the maps are not vendored.
mkdir -p "$here/chartjs" "$here/cytoscape"
sed '/^\/\/# sourceMappingURL=/d' "$nm/chart.js/dist/chart.umd.min.js" >"$here/chartjs/chart.umd.min.js"
sed '/^\/\/# sourceMappingURL=/d' "$nm/chartjs-adapter-date-fns/dist/chartjs-adapter-date-fns.bundle.min.js" \
  >"$here/chartjs/chartjs-adapter-date-fns.bundle.min.js"
sed '/^\/\/# sourceMappingURL=/d' "$nm/cytoscape/dist/cytoscape.min.js" >"$here/cytoscape/cytoscape.min.js"

# Licences: each package's own licence file, and those of the packages bundled in them.
# The adapter's bundle was built with the date-fns of its devDependencies (2.x); the
# date-fns licence (MIT, the same text in every version) is taken from the one npm installs.
license() { # package -> "== name version (licence)" and its licence file(s)
  local d="$nm/$1"
  node -e 'const m=require(process.argv[1]); console.log(`== ${m.name} ${m.version} (${m.license})\n`)' "$d/package.json"
  cat "$d"/LICEN[CS]E* 2>/dev/null || cat "$d"/licen[cs]e*
  echo
}
{
  license chart.js
  echo "Bundled in chart.umd.min.js:"
  echo
  license @kurkle/color
} >"$here/chartjs/LICENSE"
{
  license chartjs-adapter-date-fns
  echo "Bundled in chartjs-adapter-date-fns.bundle.min.js (date-fns $(node -p 'require(process.argv[1]).devDependencies["date-fns"]' "$nm/chartjs-adapter-date-fns/package.json")):"
  echo
  license date-fns
} >"$here/chartjs/LICENSE-chartjs-adapter-date-fns"
license cytoscape >"$here/cytoscape/LICENSE"

ls -l "$here/chartjs" "$here/cytoscape"
