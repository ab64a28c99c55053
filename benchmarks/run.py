"""Accord's benchmark: Accord, rdflib-endpoint and Oxigraph's server side by side.

    python benchmarks/run.py --sizes 10k,100k,1M,10M      # the full run (about an hour)
    python benchmarks/run.py --quick                      # 10k, bounded, for CI

For each size it generates the synthetic graph (benchmarks/generate.py), then starts
Accord (its answer cache on, its default, and off), rdflib-endpoint, Oxigraph's server
and a bare ASGI app over Accord's store, one after the other, and keeps them all up:
load time (start to first answer), then, the servers taking turns
(benchmarks/sidebyside.py), latency (median, p99) of every workload of
benchmarks/workload.py, memory after it (PSS, RSS) and throughput at 1 and 16 clients
(wrk on loopback) of point lookups and joins, each repeated and distinct (a new query
text every request), in rounds.  Then Accord's restart time and disk size, its other
ways of serving (``accord serve --workers``, queries in threads), its store queried
from threads in-process, and ``accord validate`` (time, peak RSS; every engine it
offers).  Results go to benchmarks/results.json, benchmarks/RESULTS.md and
benchmarks/results.png.  Nothing is asserted: the targets are reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import time
import venv
from collections.abc import Callable
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make app/ and benchmarks/ importable
    sys.path.insert(0, str(ROOT))

from benchmarks import generate, inprocess, report, servers, sidebyside, workload  # noqa: E402

HERE = ROOT / "benchmarks"
#: The peers: distribution name -> what pip installs (rdflib-endpoint's command needs
#: its "cli" extra).
PEER_PACKAGES = {"rdflib-endpoint": "rdflib-endpoint[cli]", "oxigraph": "oxigraph"}
#: Accord with its answer cache off (ACCORD_ANSWER_CACHE_MB=0), beside its default.
NO_CACHE = "accord-no-cache"


def label(n: int) -> str:
    for unit, scale in (("M", 1_000_000), ("k", 1_000)):
        if n >= scale and n % scale == 0:
            return f"{n // scale}{unit}"
    return str(n)


def machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(
            int(line.split()[1]) * 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem = 0
    versions = {}
    for dist in ("pyoxigraph", "rdflib", "pyshacl", "fastapi", "uvicorn", "httpx"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "-"
    wrk = (
        subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        if _has("wrk")
        else None
    )
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    changed = subprocess.run(
        [*git, "status", "--porcelain", "--", "app", "benchmarks", "pyproject.toml"],
        capture_output=True,
        text=True,
    )
    return {
        "commit": head.stdout.strip() or "unknown",
        # What the run measured beyond the commit (others may be editing the tree).
        "uncommitted": sorted({line[3:] for line in changed.stdout.splitlines()}),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_bytes": mem,
        "python": platform.python_version(),
        "os": platform.platform(),
        "versions": versions,
        "wrk": (wrk.stdout or wrk.stderr).split("\n")[0].strip() if wrk else "not installed",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_at_start": os.getloadavg(),
    }


def _has(cmd: str) -> bool:
    from shutil import which

    return which(cmd) is not None


def peers_ready(peers: Path, install: bool) -> dict[str, str] | None:
    """The peer servers' venv (rdflib-endpoint, oxigraph), installed if asked."""
    py = peers / "bin" / "python"
    if not py.exists():
        if not install:
            return None
        print(f"installing {', '.join(PEER_PACKAGES)} into {peers}", flush=True)
        venv.create(peers, with_pip=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *PEER_PACKAGES.values()], check=True)
    code = "import importlib.metadata as m, json; print(json.dumps({d: m.version(d) for d in %r}))"
    out = subprocess.run(
        [str(py), "-c", code % list(PEER_PACKAGES)], capture_output=True, text=True, check=False
    )
    return json.loads(out.stdout) if out.returncode == 0 else None


def measure(server: servers.Server, ws: list[workload.Workload], cfg: argparse.Namespace) -> dict:
    """Latency of every workload and throughput of the load-generator workloads, for a
    server measured alone (Accord over an external store)."""
    result: dict[str, object] = {}
    fleet = sidebyside.Fleet(cfg.start_timeout)
    fleet.add(server)  # started by the caller, who stops it; never restarted
    if not cfg.throughput_only:
        lat = sidebyside.latency(fleet, [server.name], ws, cfg.reps, cfg.budget, cfg.timeout)
        result["latency"] = lat[server.name]
    result["memory"] = server.memory()
    rounds = sidebyside.throughput(
        fleet, [server.name], ws, cfg.clients, cfg.duration, cfg.rounds, cfg.work, cfg.timeout
    )
    result["throughput"] = rounds[server.name]
    return result


def run_size(n: int, cfg: argparse.Namespace, peers: Path | None) -> dict[str, Any]:
    name = label(n)
    data = cfg.work / f"accord-{name}.nt"
    meta_file = generate.meta_path(data)
    meta = json.loads(meta_file.read_text()) if meta_file.exists() and data.exists() else None
    out: dict[str, Any] = {"load_average_at_start": os.getloadavg()}
    if not meta or meta.get("triples") != n or meta.get("seed") != cfg.seed:
        started = time.perf_counter()
        meta = generate.generate(n, data, cfg.seed)
        out["generate_s"] = time.perf_counter() - started
    print(f"== {name}: {data} ({meta['units']} summits)", flush=True)
    out.update(triples=meta["triples"], units=meta["units"], file_bytes=data.stat().st_size)
    ws = workload.workloads(meta["units"], seed=cfg.seed)
    files = workload.served_files(data)
    logs = cfg.work / "logs" / name
    results: dict[str, dict] = {}
    out["servers"] = results
    store = cfg.work / f"store-accord-{name}"

    side_by_side(n, cfg, peers, ws, files, store, logs, results)
    if "accord" in cfg.servers:
        s = servers.accord(files, store, logs, name="accord-restart", timeout_s=cfg.timeout)
        try:
            results["accord"]["restart_s"] = s.wait_ready(cfg.start_timeout)
            print(f"  accord: restarted and answering in {s.ready_s:.2f} s", flush=True)
            results["accord"]["restart_memory"] = s.memory()
        finally:
            s.stop()
        serving_options(cfg, ws, files, store, logs, results)
        if cfg.threads:
            tw = [w for w in ws if w.name in workload.THROUGHPUT and not w.marker]
            out["threads"] = inprocess.threads(store, files, tw, cfg.threads, cfg.duration / 2)
            print(f"  in-process threads: {out['threads']}", flush=True)

    for system, kind in servers.EXTERNAL.items():
        if system in cfg.servers:
            results[system] = run_external(system, kind, files, ws, cfg, name, logs, peers)

    if n <= cfg.validate_max:
        default, others = inprocess.engines()
        print(f"  accord validate {data.name} ...", flush=True)
        out["validate"] = inprocess.validate(data, cfg.validate_timeout)
        out["validate"]["engine"] = default or "-"
        print(f"  accord validate ({default}): {out['validate']}", flush=True)
        for engine in others:  # e.g. --engine pyshacl, if it exists
            print(f"  accord validate --engine {engine} {data.name} ...", flush=True)
            result = inprocess.validate(data, cfg.validate_timeout, ["--engine", engine])
            out.setdefault("validate_engines", {})[engine] = result
            print(f"  accord validate --engine {engine}: {result}", flush=True)
        if cfg.validate_split:
            out["validate_split"] = inprocess.validate_split(data, cfg.validate_timeout)
            print(f"  pySHACL core + SHACL-SPARQL in Oxigraph: {out['validate_split']}", flush=True)
    else:
        out["validate"] = {"skipped": f"not run above {label(cfg.validate_max)}"}
    out["load_average_at_end"] = os.getloadavg()
    return out


def side_by_side(
    n: int,
    cfg: argparse.Namespace,
    peers: Path | None,
    ws: list[workload.Workload],
    files: list[Path],
    store: Path,
    logs: Path,
    results: dict[str, dict],
) -> None:
    """Start the compared servers one after the other (each load time its own), keep
    them all up, and measure them taking turns (benchmarks/sidebyside.py): Accord with
    its answer cache on (its default) and off, rdflib-endpoint, Oxigraph's server and
    the bare ASGI app over Accord's store. Memory is read after the latency runs (the
    catalogue) and again after the throughput runs."""
    name = label(n)
    fleet = sidebyside.Fleet(cfg.start_timeout)
    measured: list[str] = []  # the servers with latency runs
    try:
        if "accord" in cfg.servers:
            start = partial(servers.accord, files, store, logs, timeout_s=cfg.timeout)
            s = fleet.add(start(fresh=True), again=start)
            s.wait_ready(cfg.start_timeout)
            print(f"  accord: loaded and answering in {s.ready_s:.2f} s", flush=True)
            results["accord"] = {"ready_s": s.ready_s, "answer_cache_mb": "default (64)"}
            measured.append(s.name)
            if cfg.cache_off:
                start = partial(
                    servers.accord,
                    files,
                    cfg.work / f"store-accord-{name}-no-cache",
                    logs,
                    name=NO_CACHE,
                    timeout_s=cfg.timeout,
                    env={"ACCORD_ANSWER_CACHE_MB": "0"},
                )
                s = fleet.add(start(fresh=True), again=start)
                s.wait_ready(cfg.start_timeout)
                print(f"  {NO_CACHE}: loaded and answering in {s.ready_s:.2f} s", flush=True)
                results[NO_CACHE] = {"ready_s": s.ready_s, "answer_cache_mb": 0}
                measured.append(s.name)
        if "rdflib-endpoint" in cfg.servers and peers and n <= cfg.rdflib_max:
            start = partial(servers.rdflib_endpoint, files, peers, logs)
            s = fleet.add(start(), again=start)
            s.wait_ready(cfg.start_timeout)
            print(f"  rdflib-endpoint: loaded and answering in {s.ready_s:.2f} s", flush=True)
            results["rdflib-endpoint"] = {"ready_s": s.ready_s}
            measured.append(s.name)
        elif "rdflib-endpoint" in cfg.servers:
            why = "not installed" if not peers else f"not run above {label(cfg.rdflib_max)}"
            results["rdflib-endpoint"] = {"skipped": why}
        if "oxigraph" in cfg.servers and peers:
            location = cfg.work / f"store-oxigraph-{name}"
            start = partial(servers.oxigraph, files, peers, location, logs)
            s = fleet.add(start(), again=partial(start, reuse=True))
            s.wait_ready(cfg.start_timeout)
            print(f"  oxigraph: loaded in {s.prepare_s:.2f} s, answering in {s.ready_s:.2f} s")
            results["oxigraph"] = {
                "ready_s": s.ready_s,
                "load_s": s.prepare_s,
                "disk_bytes": servers.disk_usage(location),
            }
            measured.append(s.name)
        elif "oxigraph" in cfg.servers:
            results["oxigraph"] = {"skipped": "not installed"}
        if cfg.bare and "accord" in cfg.servers:  # read-only over Accord's loaded store
            start = partial(servers.bare, files, store, logs)
            s = fleet.add(start(), again=start)
            s.wait_ready(cfg.start_timeout)
            print(f"  {s.name}: the same store behind a bare ASGI app", flush=True)
            results[s.name] = {"what": "the same store behind a bare ASGI app"}
        names = list(fleet.servers)
        if not names:
            return
        if not cfg.throughput_only:
            lat = sidebyside.latency(fleet, measured, ws, cfg.reps, cfg.budget, cfg.timeout)
            for s_name in measured:
                results[s_name]["latency"] = lat[s_name]
        for s_name in names:  # after the catalogue
            results[s_name]["memory"] = fleet[s_name].memory()
            results[s_name]["memory_processes"] = servers.processes(fleet[s_name].proc.pid)
        rounds = sidebyside.throughput(
            fleet, names, ws, cfg.clients, cfg.duration, cfg.rounds, cfg.work, cfg.timeout
        )
        for s_name in names:
            results[s_name]["throughput"] = rounds[s_name]
            results[s_name]["memory_after_throughput"] = fleet[s_name].memory()
            if s_name in ("accord", NO_CACHE):
                results[s_name]["answer_cache"] = sidebyside.answer_cache(fleet[s_name])
            if s_name in fleet.restarts:
                results[s_name]["restarts"] = fleet.restarts[s_name]
    finally:
        fleet.stop()
    if "accord" in results:
        results["accord"]["disk_bytes"] = servers.disk_usage(store)


def serving_options(
    cfg: argparse.Namespace,
    ws: list[workload.Workload],
    files: list[Path],
    store: Path,
    logs: Path,
    results: dict[str, dict],
) -> None:
    """Accord's other ways to serve (throughput only), one at a time after the
    side-by-side runs: each opens Accord's store itself, which the running Accord held."""
    threads = {"ACCORD_QUERY_WORKERS": "0"}
    accord = partial(servers.accord, files, store, logs, timeout_s=cfg.timeout)
    variants: list[tuple[str, Callable[[], servers.Server]]] = [
        (
            "queries in the server's threads (ACCORD_QUERY_WORKERS=0)",
            partial(accord, name="accord-threads", env=threads),
        ),
    ]
    for w in cfg.workers:
        variants += [
            (
                f"`accord serve --workers {w}`: {w} server processes, each opening the "
                "store read-only, each with its pool of query worker processes",
                partial(accord, name=f"accord-{w}w", workers=w),
            ),
            (
                f"`accord serve --workers {w}` with queries in each server's threads "
                "(ACCORD_QUERY_WORKERS=0)",
                partial(accord, name=f"accord-{w}w-threads", env=threads, workers=w),
            ),
        ]
    for what, start in variants:
        fleet = sidebyside.Fleet(cfg.start_timeout)
        try:
            s = fleet.add(start(), again=start)
            s.wait_ready(cfg.start_timeout)
            print(f"  {s.name}: {what}", flush=True)
            rounds = sidebyside.throughput(
                fleet, [s.name], ws, cfg.clients, cfg.duration, 1, cfg.work, cfg.timeout
            )
            results[s.name] = {
                "ready_s": s.ready_s,
                "throughput": rounds[s.name],
                "memory": fleet[s.name].memory(),
                "what": what + " (measured alone, after the side-by-side runs)",
            }
        finally:
            fleet.stop()


def run_external(
    system: str,
    kind: str,
    files: list[Path],
    ws: list[workload.Workload],
    cfg: argparse.Namespace,
    size: str,
    logs: Path,
    peers: Path | None,
) -> dict[str, Any]:
    """Accord in front of an external store: start the store, ``accord load`` into it,
    ``accord serve --store`` on it, measure as for the others; stop both by PID."""
    location = cfg.work / f"store-{kind}-{size}"
    env = servers.remote_env(kind, cfg.timeout, cfg.store_max_rows)
    store = servers.external_store(
        kind, location, logs, peers=peers, max_rows=cfg.store_max_rows, timeout_s=cfg.timeout
    )
    try:
        try:
            store.wait_ready(cfg.start_timeout)
        except (RuntimeError, TimeoutError) as exc:
            print(f"  {system}: the store did not start: {exc}", flush=True)
            return {"skipped": f"{kind} did not start", "error": str(exc)[:500]}
        url = str(store.info["store_url"])
        print(f"  {system}: {kind} up in {store.ready_s:.2f} s at {url}", flush=True)
        try:
            load_s = servers.accord_load(
                files, url, logs, env, cfg.start_timeout, name=f"{system}-load"
            )
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"  {system}: accord load failed: {exc}", flush=True)
            return {"skipped": "accord load failed", "error": str(exc)[-500:]}
        print(f"  {system}: accord load in {load_s:.2f} s", flush=True)
        s = servers.accord_remote(files, url, logs, name=system, env=env)
        try:
            s.wait_ready(cfg.start_timeout)
            print(f"  {system}: answering in {s.ready_s:.2f} s", flush=True)
            out: dict[str, Any] = {
                "store": kind,
                "store_ready_s": store.ready_s,
                "load_s": load_s,
                "ready_s": s.ready_s,
                **measure(s, ws, cfg),
            }
        finally:
            s.stop()
        out["store_memory"] = store.memory()
        out["measured"] = {
            "command": shlex.join(["python", "benchmarks/run.py", *(cfg.argv or [])]),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "load_average": os.getloadavg(),
        }
    finally:
        store.stop()
    out["disk_bytes"] = servers.disk_usage(location)
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10k,100k,1M,10M", help="graph sizes (default: %(default)s)")
    p.add_argument("--quick", action="store_true", help="10k only, short and bounded (CI)")
    p.add_argument(
        "--servers",
        "--systems",
        default="accord,rdflib-endpoint,oxigraph",
        help="which servers (default: %(default)s; also "
        + ", ".join(servers.EXTERNAL)
        + ": Accord in front of an external store)",
    )
    p.add_argument(
        "--store-max-rows",
        type=int,
        default=10**6,
        help="Virtuoso's ResultSetMaxRows and Accord's ACCORD_STORE_MAX_ROWS for the "
        "external stores (default: %(default)s)",
    )
    p.add_argument("--work", type=Path, default=HERE / ".work", help="data, stores and logs")
    p.add_argument(
        "--peers", type=Path, default=HERE / ".venv-peers", help="venv of the peer servers"
    )
    p.add_argument("--no-install", action="store_true", help="never pip-install the peers")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--reps", type=int, default=30, help="latency requests per workload")
    p.add_argument("--budget", type=float, default=20.0, help="latency seconds per workload")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    p.add_argument("--duration", type=float, default=5.0, help="seconds per throughput run")
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="throughput rounds, the servers taking turns in each (default: %(default)s)",
    )
    p.add_argument(
        "--no-cache-off",
        dest="cache_off",
        action="store_false",
        help="skip Accord with its answer cache off (ACCORD_ANSWER_CACHE_MB=0)",
    )
    p.add_argument("--clients", default="1,16", help="throughput concurrency levels")
    p.add_argument(
        "--workers", default="2", help="server process counts to compare (accord serve --workers)"
    )
    p.add_argument("--threads", default="1,2,4", help="in-process thread counts")
    p.add_argument("--rdflib-max", type=generate.parse_count, default=1_000_000)
    p.add_argument("--validate-max", type=generate.parse_count, default=1_000_000)
    p.add_argument("--validate-timeout", type=float, default=3600.0)
    p.add_argument(
        "--validate-split",
        action="store_true",
        help="also run benchmarks/validate_split.py (where pySHACL's time goes)",
    )
    p.add_argument("--start-timeout", type=float, default=1800.0)
    p.add_argument("--throughput-only", action="store_true", help="skip the latency runs")
    p.add_argument("--no-bare", dest="bare", action="store_false", help="skip the bare ASGI floor")
    p.add_argument(
        "--merge", action="store_true", help="keep the other sizes of the last results.json"
    )
    p.add_argument(
        "--note", default="", help="a line for the top of RESULTS.md (e.g. 'provisional')"
    )
    p.add_argument("--results", type=Path, default=HERE, help="where results.* and RESULTS.md go")
    cfg = p.parse_args(argv)
    cfg.argv = list(sys.argv[1:] if argv is None else argv)
    if cfg.quick:
        cfg.sizes, cfg.reps, cfg.budget, cfg.timeout = "10k", 3, 0.5, 10.0
        cfg.duration, cfg.rounds, cfg.workers, cfg.threads = 1.0, 1, "2", "1,2"
        cfg.validate_timeout, cfg.start_timeout = 120.0, 120.0
    cfg.sizes = sorted(generate.parse_count(s) for s in cfg.sizes.split(","))
    cfg.servers = [s.strip() for s in cfg.servers.split(",") if s.strip()]
    cfg.clients = [int(c) for c in cfg.clients.split(",") if c]
    cfg.workers = [int(c) for c in cfg.workers.split(",") if c]
    cfg.threads = [int(c) for c in cfg.threads.split(",") if c]
    return cfg


def stop_on_signals() -> None:
    """SIGTERM and SIGHUP end the run like Ctrl-C: through the ``finally`` blocks that
    stop the servers. Each server runs in its own session, so the signal reaches only
    the harness; without this, a stopped run left the server it measured running."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)


def save(results: dict[str, Any], target: Path) -> None:
    """Write results.json whole or not at all (after each size, so that a run that dies
    keeps the sizes it measured; ``--merge`` goes on from them)."""
    target.mkdir(parents=True, exist_ok=True)
    partial = target / "results.json.part"
    partial.write_text(json.dumps(results, indent=1) + "\n")
    partial.replace(target / "results.json")


def main(argv: list[str] | None = None) -> int:
    stop_on_signals()
    cfg = parse_args(argv)
    cfg.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    info = machine()
    peer_versions = peers_ready(cfg.peers, install=not cfg.no_install)
    info["peers"] = peer_versions or "not installed"
    peers = cfg.peers if peer_versions else None
    results: dict[str, Any] = {
        "machine": info,
        "command": shlex.join(["python", "benchmarks/run.py", *(argv or sys.argv[1:])]),
        "note": cfg.note,
        "quick": cfg.quick,
        "sizes": {},
    }
    target = cfg.work if cfg.quick else cfg.results
    previous = target / "results.json"
    if cfg.merge and previous.exists():  # keep the sizes measured by an earlier run
        earlier = json.loads(previous.read_text())
        results["sizes"] = earlier.get("sizes", {})
        if "external" in earlier:  # a separate run of Accord over external stores
            results["external"] = earlier["external"]
        results["command"] += f" (merged with an earlier run of {', '.join(results['sizes'])})"
    elif previous.exists() and not set(cfg.servers) & set(servers.EXTERNAL):
        # The section on external stores is a run of its own (see README.md): kept.
        earlier = json.loads(previous.read_text()).get("external")
        if earlier:
            results["external"] = earlier
    for n in cfg.sizes:
        fresh = run_size(n, cfg, peers)
        old = results["sizes"].get(label(n), {})  # type: ignore[attr-defined]
        if old:  # --merge: the servers and checks of this run replace the earlier ones
            fresh["servers"] = {**old.get("servers", {}), **fresh["servers"]}
            for key in ("validate", "validate_engines", "validate_split", "threads"):
                if key in old and (key not in fresh or "skipped" in fresh[key]):
                    fresh[key] = old[key]
        results["sizes"][label(n)] = fresh  # type: ignore[index]
        save({**results, "unfinished": True}, target)
    info["load_average_at_end"] = os.getloadavg()
    results["elapsed_s"] = time.perf_counter() - started
    # A quick run proves the harness; its numbers stay in the work folder.
    save(results, target)
    # The README's table only from a full run written where the README links to.
    readme = ROOT / "README.md" if not cfg.quick and target.resolve() == HERE else None
    report.write(results, target / "RESULTS.md", target / "results.png", readme)
    print(f"done in {results['elapsed_s']:.0f} s: {target / 'RESULTS.md'}")
    problems = harness_problems(results)
    for problem in problems:
        print(f"harness: {problem}", file=sys.stderr)
    return 1 if problems else 0


def harness_problems(results: dict[str, Any]) -> list[str]:
    """What shows the harness or a server broken (not slow): a 500 (a crashed query
    worker, a bug), or a server that ran but never answered the point lookup, in the
    latency runs or under load. Timeouts of the heavy workloads at large sizes are
    results, not problems."""
    problems = []
    for size, result in results["sizes"].items():
        for name, server in result.get("servers", {}).items():
            if "skipped" in server:
                continue
            for wl, answer in server.get("latency", {}).items():
                if str(answer.get("error", "")).startswith("HTTP 500"):  # a crash, or a bug
                    problems.append(f"{size} {name}: {wl}: {answer['error']}")
            lookup = server.get("latency", {}).get("point lookup")
            if lookup is not None and ("error" in lookup or not lookup.get("rows")):
                problems.append(f"{size} {name}: no answer to the point lookup: {lookup}")
            for clients, run in server.get("throughput", {}).get("point lookup", {}).items():
                if not run.get("rps"):
                    problems.append(f"{size} {name}: point lookup, {clients} clients: {run}")
    return problems


if __name__ == "__main__":
    sys.exit(main())
