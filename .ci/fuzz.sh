#!/usr/bin/env bash
# Fuzz the HTTP API from its own OpenAPI description (schemathesis): every operation gets
# generated requests, and no answer may be a 5xx.  Bounded: at most FUZZ_EXAMPLES
# examples per operation, FUZZ_SECONDS per request, a fixed seed (reproducible).
# The server is `accord serve` on a free 127.0.0.1 port, stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
EXAMPLES=${FUZZ_EXAMPLES:-25}
SEED=${FUZZ_SEED:-20260106}
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp /tmp/accord-fuzz.XXXXXX.log)
ACCORD_ACCESS_LOG=false ACCORD_QUERY_TIMEOUT=10 setsid "$PY" -m accord.cli serve \
  --host 127.0.0.1 --port "$port" --log-level warning >"$log" 2>&1 &
server=$!
trap 'kill -TERM -- -"$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  if "$PY" -c "import httpx,sys; sys.exit(httpx.get('http://127.0.0.1:$port/health').status_code != 200)" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
status=0
PYTHONPATH=.ci SCHEMATHESIS_HOOKS=fuzz_hooks .venv/bin/schemathesis run "http://127.0.0.1:$port/openapi.json" \
  --checks not_a_server_error \
  --max-examples "$EXAMPLES" \
  --seed "$SEED" \
  --request-timeout "${FUZZ_SECONDS:-30}" \
  --generation-deterministic \
  --continue-on-failure \
  --phases examples,coverage,fuzzing \
  || status=$?
if [ "$status" -ne 0 ]; then
  echo "fuzz: schemathesis found problems (exit $status); server log: $log" >&2
  tail -n 50 "$log" >&2
fi
exit "$status"
