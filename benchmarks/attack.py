"""Attacks beside a well-behaved client: what each one costs the client, and whether the
server lives through it with its data intact (issue 15, "done when").

    .venv/bin/python -m benchmarks.attack            # ~4 minutes: writes benchmarks/ATTACK.md
    .venv/bin/python -m benchmarks.attack --quick    # ~1 minute, 4 s phases: a work folder

Starts one ``accord serve`` on a free 127.0.0.1 port over the bundled data, as it runs
by default, except: writes on (a random token; an on-disk store in the work folder, so
the write log is ``writes.jsonl`` there), ``ACCORD_RATE_LIMIT_LOOPBACK=true`` (so that
local clients count as clients) and ``ulimit -n 1024`` (``--server-nofile``: the soft
limit most services start with, under which the issue's 1,100 idle connections locked
everyone out).  Clients are told apart by source address, all in 127.0.0.0/8: the
well-behaved client connects from 127.0.0.3, the attacker from 127.0.0.2, and the
checks from 127.0.0.1.

The well-behaved client runs in a process of its own (a busy attacker loop does not
delay it): 5 requests a second on a fixed schedule (open loop: a slow answer does not
slow the schedule), in turn an ``ASK {}``, the named query ``/queries/signatories``,
the page ``/id/FR`` (text/html, redirect followed) and ``/health``, each bounded to
15 s; an error is any answer but 2xx, a timeout or a transport error.  Each phase
starts its attack, waits ``--warmup`` seconds, runs the client for ``--seconds``, keeps
the attack on until the client's last answer, then stops it (closing its connections)
and checks the server: alive (its process runs, ``/health`` answers 200), data intact
(the dataset version, every quad of every graph and of the store's own default graph
hashed, no ``committed`` line added to the write log) and writes served (a no-op update
answered).  A server found dead is recorded and started again on its store.  The
attacks and their pacing are in ``benchmarks/attackers.py``.  Nothing is asserted: the
table reports what happened, damage included.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import multiprocessing
import os
import re
import resource
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

from benchmarks import REPO, attackers, run
from benchmarks.attack_results import (
    Answer,
    PhaseResult,
    Served,
    State,
    as_json,
    fmt_ms,
    fmt_pct,
    report,
)
from benchmarks.attackers import Tally, Target
from benchmarks.isolation import HOST, start_server

GOOD = "127.0.0.3"  # the well-behaved client
ATTACKER = "127.0.0.2"
#: In the "all at once" phase each attack has an address of its own, so that the
#: per-client limits one attack meets do not hold back another.
OWN_ADDRESS = {
    "runaway queries": "127.0.0.2",
    "slow connections": "127.0.0.4",
    "large headers": "127.0.0.5",
    "heavy pages": "127.0.0.6",
    "write bombs": "127.0.0.7",
}
#: The spread slowloris: 16 addresses (a /64 each would be the IPv6 equivalent).
SPREAD = [f"127.0.1.{i}" for i in range(1, 17)]
JSON = "application/sparql-results+json"
#: The well-behaved client's requests, sent in turn: (label, path, params, headers).
REQUESTS: list[tuple[str, str, dict[str, str], dict[str, str]]] = [
    ("ASK {}", "/sparql", {"query": "ASK {}"}, {"Accept": JSON}),
    ("named query", "/queries/signatories", {}, {"Accept": JSON}),
    ("resource page", "/id/FR", {}, {"Accept": "text/html"}),
    ("/health", "/health", {}, {}),
]
PHASES = {
    "baseline": "no attack",
    "runaway": "runaway queries",
    "slow": "slow connections, 1 address",
    "slow-spread": f"slow connections, {len(SPREAD)} addresses",
    "headers": "large headers",
    "pages": "heavy pages",
    "writes": "write bombs",
    "all": "all at once",
}
NOOP_UPDATE = "DELETE DATA { <urn:accord-attack:s> <urn:accord-attack:p> <urn:accord-attack:o> }"


# --- the well-behaved client (a process of its own) ----------------------------------------


def well_behaved(base: str, seconds: float, rate: float, timeout: float, conn: Connection) -> None:
    """Send "ready", wait for the start, then send back the answers (``Served.answers``)."""
    conn.send("ready")
    warmup = conn.recv()
    conn.send(asyncio.run(_well_behaved(base, seconds, rate, timeout, warmup)))


async def _well_behaved(
    base: str, seconds: float, rate: float, timeout: float, warmup: float
) -> list[Answer]:
    transport = httpx.AsyncHTTPTransport(local_address=GOOD, retries=0)
    async with httpx.AsyncClient(
        base_url=base, transport=transport, follow_redirects=True, timeout=timeout
    ) as http:

        async def one(i: int) -> Answer:
            label, path, params, headers = REQUESTS[i % len(REQUESTS)]
            began, status, error = time.perf_counter(), 0, ""
            try:
                r = await asyncio.wait_for(http.get(path, params=params, headers=headers), timeout)
                status = r.status_code
            except TimeoutError:
                error = "timeout"
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            return label, i / rate, time.perf_counter() - began, status, error

        await asyncio.sleep(warmup)
        loop = asyncio.get_running_loop()
        start, tasks = loop.time(), []
        for i in range(max(1, int(seconds * rate))):
            await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
            tasks.append(asyncio.create_task(one(i)))
        return list(await asyncio.gather(*tasks))


# --- the server: started, watched, checked, stopped ----------------------------------------


@contextlib.contextmanager
def nofile(limit: int) -> Iterator[None]:
    """This process's soft RLIMIT_NOFILE lowered to ``limit`` (0: unchanged) while a
    child is started: the child inherits it (and reads it at start, as accord serve
    does to size its connection limit); this process gets its own back."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if limit:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(limit, hard), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    base: str
    store: Path
    token: str
    log: Path

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])


def start(work: Path, token: str, server_nofile: int, n: int = 0) -> Server:
    env = {
        "ACCORD_ALLOW_UPDATE": "true",
        "ACCORD_WRITE_TOKEN": token,
        "ACCORD_STORE": str(work / "store"),
        "ACCORD_RATE_LIMIT_LOOPBACK": "true",
    }
    log = work / f"server-{n}.log"
    with nofile(server_nofile):
        proc, base = start_server(env, log)
    return Server(proc, base, work / "store", token, log)


def stop(proc: subprocess.Popen[bytes], grace: float) -> str:
    """SIGTERM to the server's process group, SIGKILL after ``grace`` seconds; says
    which ended it (a server that ignores SIGTERM is a finding of issue 15).
    (isolation.stop_server does the same with a fixed 30 s and says nothing.)"""
    if proc.poll() is not None:
        return f"had exited ({proc.returncode})"
    began = time.monotonic()
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
        return f"SIGTERM: ended in {time.monotonic() - began:.1f} s"
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return f"SIGTERM: still running after {grace:.0f} s; ended by SIGKILL"


class Watch(threading.Thread):
    """The server process's peak resident memory and open file descriptors, read
    from /proc twice a second (a thread: the attacker's event loop may be busy)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.rss_mb, self.fds = pid, 0.0, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            try:
                with open(f"/proc/{self.pid}/status", encoding="ascii") as f:
                    kb = next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
                self.rss_mb = max(self.rss_mb, kb / 1024)
                self.fds = max(self.fds, len(os.listdir(f"/proc/{self.pid}/fd")))
            except (OSError, StopIteration):
                continue


def tracebacks(log: Path) -> int:
    """Tracebacks the server has logged so far (each is a bug or a crash)."""
    with contextlib.suppress(FileNotFoundError), log.open("rb") as f:
        return sum(line.startswith(b"Traceback") for line in f)
    return 0


def committed_writes(store: Path) -> int:
    """The ``committed`` lines of the write log (a line cut short is skipped)."""
    count = 0
    with contextlib.suppress(FileNotFoundError):
        for line in (store / "writes.jsonl").read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                count += json.loads(line).get("outcome") == "committed"
    return count


BNODE = re.compile(r"_:[A-Za-z0-9_.-]+")


def _term(binding: dict[str, str]) -> dict[str, str]:
    return {"type": "bnode"} if binding.get("type") == "bnode" else binding


def check(server: Server, patience: float = 30.0, write_timeout: float = 10.0) -> State:
    """Alive, and the data: each request tried again (for up to ``patience`` s) while
    the server is still busy with what the attack left (503, 429)."""
    deadline = time.monotonic() + patience

    def ask(http: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
        while True:
            try:
                r = http.request(method, url, **kw)
                if r.status_code not in (429, 503) or time.monotonic() > deadline:
                    return r
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.5)

    if server.proc.poll() is not None:
        return State(False, f"the process exited ({server.proc.returncode})")
    with httpx.Client(base_url=server.base, timeout=15) as http:
        try:
            health = ask(http, "GET", "/health")
            if health.status_code != 200:
                return State(False, f"/health answered {health.status_code}")
            query = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
            rows = ask(http, "POST", "/sparql", data={"query": query}, headers={"Accept": JSON})
            rows.raise_for_status()
            own = ask(
                http, "GET", "/graph-store?default", headers={"Accept": "application/n-triples"}
            )
            own.raise_for_status()
        except httpx.HTTPError as exc:
            return State(False, f"{type(exc).__name__}: {exc}")
        # Blank nodes by kind only: their labels may change when a server restarts.
        quads = sorted(
            json.dumps([_term(b[v]) for v in ("g", "s", "p", "o")], sort_keys=True)
            for b in rows.json()["results"]["bindings"]
        )
        triples = sorted(BNODE.sub("_:b", line) for line in own.text.splitlines() if line.strip())
        digest = hashlib.sha256("\n".join([*quads, "", *triples]).encode()).hexdigest()
        state = State(
            True,
            version=health.headers.get("x-accord-dataset-version", "?"),
            quads=len(quads) + len(triples),
            digest=digest[:12],
            committed=committed_writes(server.store),
        )
        try:
            auth = {"Authorization": f"Bearer {server.token}"}
            r = http.post(
                "/sparql",
                content=NOOP_UPDATE,
                headers={**auth, "Content-Type": "application/sparql-update"},
                timeout=write_timeout,
            )
            state.write = str(r.status_code)
        except httpx.HTTPError as exc:
            state.write = (
                "timeout" if isinstance(exc, httpx.TimeoutException) else type(exc).__name__
            )
        return state


# --- phases ------------------------------------------------------------------------------


Attack = Callable[[Tally], Awaitable[None]]


def attacks_for(phase: str, t: Target, connections: int) -> dict[str, Attack]:
    """The attacks of ``phase`` against ``t`` (``t.address`` unused: each is set here)."""
    one = t.at(ATTACKER)
    made: dict[str, Callable[[Target], Attack]] = {
        "runaway queries": lambda t: partial(attackers.runaway, t),
        "slow connections": lambda t: partial(
            attackers.slow_connections, t, count=connections, addresses=[t.address]
        ),
        "large headers": lambda t: partial(attackers.large_headers, t),
        "heavy pages": lambda t: partial(attackers.heavy_pages, t),
        "write bombs": lambda t: partial(attackers.writes, t),
    }
    if phase == "baseline":
        return {}
    if phase == "all":
        return {name: make(t.at(OWN_ADDRESS[name])) for name, make in made.items()}
    if phase == "slow-spread":
        spread = partial(attackers.slow_connections, one, count=connections, addresses=SPREAD)
        return {"slow connections": spread}
    name = {
        "runaway": "runaway queries",
        "slow": "slow connections",
        "headers": "large headers",
        "pages": "heavy pages",
        "writes": "write bombs",
    }[phase]
    return {name: made[name](one)}


async def _attack_while(attacks: dict[str, Attack], tallies: dict[str, Tally], conn: Connection,
                        warmup: float, limit: float) -> Any:  # fmt: skip
    """Run the attacks until the client answers (at most ``limit`` s), then stop them."""
    tasks = [asyncio.ensure_future(a(tallies[name])) for name, a in attacks.items()]
    conn.send(warmup)
    loop = asyncio.get_running_loop()
    try:
        ready = await loop.run_in_executor(None, conn.poll, limit)
        return conn.recv() if ready else None
    finally:
        for tally in tallies.values():
            tally.stopping = True
        pending = set(tasks)
        for _ in range(30):  # cancelled again until done (see Tally.stopping)
            for task in pending:
                task.cancel()
            if not pending:
                break
            _, pending = await asyncio.wait(pending, timeout=1.0)


def run_phase(phase: str, server: Server, cfg: argparse.Namespace) -> tuple[Served, dict, Watch]:
    target = Target(HOST, server.port, ATTACKER, server.token, write_max_bytes=cfg.write_max_bytes)
    attacks = attacks_for(phase, target, cfg.connections)
    tallies = {name: Tally() for name in attacks}
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    args = (server.base, cfg.seconds, cfg.rate, cfg.timeout, theirs)
    client = ctx.Process(target=well_behaved, args=args, daemon=True)
    client.start()
    watch = Watch(server.proc.pid)
    try:
        if not ours.poll(60) or ours.recv() != "ready":
            raise RuntimeError("the well-behaved client did not start")
        watch.start()
        limit = cfg.warmup + cfg.seconds + cfg.timeout + 30
        answers = asyncio.run(_attack_while(attacks, tallies, ours, cfg.warmup, limit))
        if answers is None:
            raise RuntimeError("the well-behaved client gave no answers in time")
        return Served(answers), tallies, watch
    finally:
        watch.done.set()
        if client.is_alive():
            client.terminate()
        client.join(10)


# --- main --------------------------------------------------------------------------------


def make_token() -> str:
    from accord.writes.auth import token_problem

    while True:  # a random token may, rarely, hold a word start-up refuses ("xxxx")
        token = secrets.token_urlsafe(32)
        if token_problem(token) is None:
            return token


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="4 s phases, 1 s warm-up (~1 minute)")
    p.add_argument("--phases", default=",".join(PHASES), help=f"of {', '.join(PHASES)}")
    p.add_argument("--seconds", type=float, help="the client's time per phase (default 20)")
    p.add_argument("--warmup", type=float, help="attack before the client starts (default 2)")
    p.add_argument("--rate", type=float, default=5.0, help="the client's requests a second")
    p.add_argument("--timeout", type=float, default=15.0, help="the client's bound per request")
    p.add_argument(
        "--connections",
        type=int,
        default=900,
        help="slow connections (bounded by this process's ulimit -n less 300)",
    )
    p.add_argument(
        "--server-nofile", type=int, default=1024, help="the server's ulimit -n (0: ours)"
    )
    p.add_argument(
        "--grace", type=float, help="seconds SIGTERM has to stop the server (default 15)"
    )
    p.add_argument("--work", type=Path, default=REPO / "benchmarks" / ".work" / "attack")
    p.add_argument(
        "--out",
        type=Path,
        help="the report (default benchmarks/ATTACK.md; --quick: the work folder)",
    )
    cfg = p.parse_args(argv)
    quick = cfg.quick
    cfg.seconds = cfg.seconds or (4.0 if quick else 20.0)
    cfg.warmup = cfg.warmup if cfg.warmup is not None else (1.0 if quick else 2.0)
    cfg.write_timeout = 3.0 if quick else 10.0
    cfg.grace = cfg.grace or (5.0 if quick else 15.0)
    cfg.out = cfg.out or (cfg.work / "ATTACK.md" if quick else REPO / "benchmarks" / "ATTACK.md")
    cfg.phases = [x.strip() for x in cfg.phases.split(",") if x.strip()]
    unknown = [x for x in cfg.phases if x not in PHASES]
    if unknown:
        p.error(f"unknown phases {unknown}; known: {', '.join(PHASES)}")
    ours = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    cfg.connections = max(1, min(cfg.connections, ours - 300))
    from accord.settings import Settings

    cfg.write_max_bytes = Settings.model_fields["write_max_bytes"].default
    cfg.command = shlex.join(
        ["python", "-m", "benchmarks.attack", *(argv if argv is not None else sys.argv[1:])]
    )
    return cfg


def main(argv: list[str] | None = None) -> int:
    run.stop_on_signals()
    cfg = parse_args(argv)
    say = (
        (lambda line: print(line, file=sys.stderr, flush=True))
        if sys.stderr.isatty()
        else (lambda line: None)
    )
    if cfg.work.exists():
        shutil.rmtree(cfg.work)
    cfg.work.mkdir(parents=True)
    info = run.machine()
    token = make_token()
    starts = 0
    server = start(cfg.work, token, cfg.server_nofile)
    say(f"accord serve at {server.base} (pid {server.proc.pid}; log {server.log})")
    results: list[PhaseResult] = []
    stopped = "not stopped"
    try:
        before = check(server)
        if not before.alive:
            raise RuntimeError(f"the server is not answering before any attack: {before.why}")
        for phase in cfg.phases:
            began, logged = time.monotonic(), tracebacks(server.log)
            served, tallies, watch = run_phase(phase, server, cfg)
            after = check(server, write_timeout=cfg.write_timeout)
            logged = tracebacks(server.log) - logged
            restarted = ""
            if not after.alive:  # a finding: record it, then go on with a new server
                stopped_dead = stop(server.proc, cfg.grace)
                starts += 1
                server = start(cfg.work, token, cfg.server_nofile, starts)
                restarted = f"{stopped_dead}; started again"
            result = PhaseResult(
                phase, PHASES[phase], served, tallies, watch.rss_mb, watch.fds, after,
                after.alive and after.same_data(before), time.monotonic() - began, restarted,
                logged,
            )  # fmt: skip
            results.append(result)
            s = served.sample()
            say(
                f"{PHASES[phase]:<34} p50 {fmt_ms(s, 50):>6} ms  p99 {fmt_ms(s, 99):>6} ms  "
                f"errors {fmt_pct(served.error_rate()):>5} %  alive {after.alive}  intact {result.intact}"
            )
    finally:
        stopped = stop(server.proc, cfg.grace)
        say(f"server stopped: {stopped}")
    text = report(results, before, info, cfg, stopped)
    cfg.out.parent.mkdir(parents=True, exist_ok=True)
    cfg.out.write_text(text, encoding="utf-8")
    summary = {"command": cfg.command, "before": asdict(before), "stopped": stopped}
    summary["phases"] = [as_json(r) for r in results]
    (cfg.work / "attack.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
