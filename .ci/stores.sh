#!/usr/bin/env bash
# External SPARQL 1.1 stores for the tests in tests/stores/: Virtuoso Open Source 7
# (Debian package virtuoso-opensource) and the Oxigraph server (PyPI package oxigraph).
#
#   bash .ci/stores.sh start [virtuoso] [oxigraph]   install if missing, start (both by
#                                                   default), wait until they answer
#   bash .ci/stores.sh stop                         stop what `start` started, by PID
#   bash .ci/stores.sh status                       print the state file
#
# Each server listens on 127.0.0.1 only, on a free port, with a fresh empty database in
# a folder beside the state file.  The state file (JSON: per store its sparql+http URL,
# PID, log and credentials) is $ACCORD_TEST_STORES_FILE, by default
# /tmp/accord-stores/stores.json; the tests read the same variable.  Virtuoso keeps its
# default dba/dba account: acceptable only because it is reachable from this machine
# alone (see .ci/virtuoso.ini).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE_FILE=${ACCORD_TEST_STORES_FILE:-/tmp/accord-stores/stores.json}
STATE_DIR=$(dirname "$STATE_FILE")
VENV=${ACCORD_VENV:-$ROOT/.venv}
PY=$VENV/bin/python
WAIT_SECONDS=${ACCORD_STORES_WAIT:-90}

log() { printf 'stores.sh: %s\n' "$*" >&2; }

free_ports() {  # N free TCP ports on 127.0.0.1
  "$PY" - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
EOF
}

wait_for() {  # NAME URL PID LOG: poll a SPARQL ASK until it answers 200
  "$PY" - "$@" "$WAIT_SECONDS" <<'EOF'
import os, sys, time, urllib.parse, urllib.request
name, url, pid, logfile, limit = sys.argv[1:6]
deadline = time.monotonic() + float(limit)
probe = url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
while time.monotonic() < deadline:
    try:
        os.kill(int(pid), 0)
    except OSError:
        sys.exit(f"stores.sh: {name} exited while starting; log {logfile}")
    try:
        with urllib.request.urlopen(probe, timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.3)
sys.exit(f"stores.sh: {name} did not answer at {url} within {limit} s; log {logfile}")
EOF
}

install_virtuoso() {
  command -v virtuoso-t >/dev/null 2>&1 && return
  log "installing virtuoso-opensource (Debian)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq virtuoso-opensource >/dev/null
}

install_oxigraph() {
  [ -x "$VENV/bin/oxigraph" ] && return
  log "installing the oxigraph server (PyPI)"
  "$VENV/bin/pip" install -q 'oxigraph>=0.5,<0.6'
}

start_virtuoso() {
  install_virtuoso
  local dir=$STATE_DIR/virtuoso sql http
  read -r sql http <<<"$(free_ports 2)"
  rm -rf "$dir" && mkdir -p "$dir"
  sed -e "s/^ServerPort *= *127\.0\.0\.1:1111\$/ServerPort = 127.0.0.1:$sql/" \
      -e "s/^ServerPort *= *127\.0\.0\.1:8890\$/ServerPort = 127.0.0.1:$http/" \
      -e "s|^\\(DirsAllowed *=.*\\)\$|\\1, $ROOT|" \
      "$ROOT/.ci/virtuoso.ini" >"$dir/virtuoso.ini"
  grep -q "127.0.0.1:$http" "$dir/virtuoso.ini" || { log "could not set Virtuoso's port"; exit 1; }
  (cd "$dir" && exec virtuoso-t +foreground +configfile virtuoso.ini) >"$dir/console.log" 2>&1 &
  local pid=$!
  record virtuoso "sparql+http://127.0.0.1:$http/sparql" "$pid" "$dir/console.log" dba dba
  wait_for virtuoso "http://127.0.0.1:$http/sparql" "$pid" "$dir/console.log" ||
    { tail -20 "$dir/console.log" >&2; exit 1; }
  log "virtuoso up: http://127.0.0.1:$http/sparql (pid $pid)"
}

start_oxigraph() {
  install_oxigraph
  local dir=$STATE_DIR/oxigraph port
  port=$(free_ports 1)
  rm -rf "$dir" && mkdir -p "$dir"
  "$VENV/bin/oxigraph" serve --location "$dir/db" --bind "127.0.0.1:$port" \
    >"$dir/console.log" 2>&1 &
  local pid=$!
  record oxigraph-server "sparql+http://127.0.0.1:$port/query" "$pid" "$dir/console.log" "" ""
  wait_for oxigraph "http://127.0.0.1:$port/query" "$pid" "$dir/console.log" ||
    { tail -20 "$dir/console.log" >&2; exit 1; }
  log "oxigraph up: http://127.0.0.1:$port/query (pid $pid)"
}

record() {  # NAME URL PID LOG USER PASSWORD: add a store to the state file
  "$PY" - "$STATE_FILE" "$@" <<'EOF'
import json, pathlib, sys
path, name, url, pid, logfile, user, password = sys.argv[1:8]
p = pathlib.Path(path)
state = json.loads(p.read_text()) if p.exists() else {}
state[name] = {"url": url, "pid": int(pid), "log": logfile}
if user:
    state[name].update(user=user, password=password)
p.write_text(json.dumps(state, indent=2) + "\n")
EOF
}

stop_all() {
  [ -f "$STATE_FILE" ] || { log "nothing to stop ($STATE_FILE absent)"; return 0; }
  local pids
  pids=$("$PY" -c 'import json,sys; print(" ".join(str(s["pid"]) for s in json.load(open(sys.argv[1])).values()))' "$STATE_FILE")
  for pid in $pids; do
    # Only a process this script started: the PID must still be virtuoso-t or oxigraph.
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qE 'virtuoso-t|oxigraph'; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for pid in $pids; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qE 'virtuoso-t|oxigraph'; then
      log "pid $pid ignored TERM; sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$STATE_DIR/virtuoso" "$STATE_DIR/oxigraph" "$STATE_FILE"
  log "stopped: $pids"
}

cmd=${1:-}
shift || true
case "$cmd" in
  start)
    mkdir -p "$STATE_DIR"
    [ -f "$STATE_FILE" ] && stop_all
    [ -x "$PY" ] || { log "no virtualenv at $VENV (set ACCORD_VENV)"; exit 1; }
    which=${*:-virtuoso oxigraph}
    for store in $which; do
      case "$store" in
        virtuoso) start_virtuoso ;;
        oxigraph) start_oxigraph ;;
        *) log "unknown store: $store (virtuoso, oxigraph)"; exit 2 ;;
      esac
    done
    log "state: $STATE_FILE"
    ;;
  stop) stop_all ;;
  status) cat "$STATE_FILE" ;;
  *) echo "usage: bash .ci/stores.sh start [virtuoso] [oxigraph] | stop | status" >&2; exit 2 ;;
esac
