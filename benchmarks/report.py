"""Write RESULTS.md and the plot from the JSON that benchmarks/run.py records.

python benchmarks/report.py benchmarks/results.json   # rewrite RESULTS.md and the PNG
python benchmarks/report.py benchmarks/results.json --readme README.md   # and its table
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make benchmarks/ importable
    sys.path.insert(0, str(ROOT))

from benchmarks import targets as issue_targets  # noqa: E402
from benchmarks.targets import NOISY  # noqa: E402

MB = 1024 * 1024
NO_CACHE = issue_targets.NO_CACHE
SERVERS = ["accord", NO_CACHE, "rdflib-endpoint", "oxigraph"]
#: The README's benchmark table sits between these two lines.
README_BEGIN = (
    "<!-- benchmark table: written by benchmarks/report.py from benchmarks/results.json -->"
)
README_END = "<!-- end of the benchmark table -->"
#: Accord in front of an external store (benchmarks/servers.py): a section of their own.
EXTERNAL = ["accord+oxigraph-server", "accord+virtuoso"]


def _ms(r: dict | None) -> str:
    if not r:
        return "–"
    if "error" in r:
        return "error" if "timeout" not in str(r["error"]) else "timeout"
    return f"{r['median_ms']:.1f} / {r['p99_ms']:.1f}"


def _num(value: object, fmt: str = "{:.2f}") -> str:
    return "–" if value is None else fmt.format(value)


def _mb(value: object) -> str:
    return "–" if not value else f"{value / MB:.0f} MB"  # type: ignore[operator]


def _rps(r: dict | None) -> str:
    if not r:
        return "–"
    if "rps" not in r:
        return "error"
    failed = f" ({r['failed']} failed)" if r.get("failed") else ""
    rounds = r.get("rounds") or []
    noisy = f" (noisy: {min(rounds):.0f}-{max(rounds):.0f})" if r.get("spread", 0) > NOISY else ""
    return f"{r['rps']:.0f}{noisy}{failed}"


def _ratio(a: float | None, b: float | None) -> str:
    return "–" if not a or not b else f"{a / b:.1f}x"


def rps(size: dict, server: str, wl: str, clients: str) -> float | None:
    r = size.get("servers", {}).get(server, {}).get("throughput", {}).get(wl, {}).get(clients)
    return r.get("rps") if r else None


def targets(results: dict) -> list[str]:
    """The first round's targets, each with the measured value (reported, never
    asserted); issue 17's are in benchmarks/targets.py."""
    sizes = results["sizes"]
    lines = ["| target | measured | met |", "|---|---|---|"]

    def row(text: str, measured: str, ok: bool | None) -> None:
        lines.append(f"| {text} | {measured} | {'–' if ok is None else ('yes' if ok else 'no')} |")

    s = sizes.get("100k")
    if s:
        for wl, peer, factor in (
            ("point lookup", "rdflib-endpoint", 3.0),
            ("join", "rdflib-endpoint", 100.0),
            ("point lookup", "oxigraph", 0.5),
            ("join", "oxigraph", 1.0),
        ):
            a, b = rps(s, "accord", wl, "16"), rps(s, peer, wl, "16")
            more = ""
            for kind, keep in (("same safety", True), ("no query timeout", False)):
                best, best_name = max(
                    (
                        (rps(s, name, wl, "16") or 0, name)
                        for name in s["servers"]
                        if name.startswith("accord-")
                        and name not in ("accord-restart", NO_CACHE)
                        and name.endswith("-threads") != keep
                    ),
                    default=(0, ""),
                )
                if b and best:
                    more += f"; `{best_name}` ({kind}) {best / b:.1f}x"
            ok = None if not a or not b else a / b >= factor
            op = "≥" if factor != 1.0 else ">"
            row(
                f"100k, 16 clients, {wl}: Accord {op} {factor:g}x {peer}",
                f"{_ratio(a, b)} ({_num(a, '{:.0f}')} vs {_num(b, '{:.0f}')} req/s){more}",
                ok,
            )
    s = sizes.get("10M")
    if s and "accord" in s.get("servers", {}):
        acc = s["servers"]["accord"]
        mem = acc.get("memory", {})
        rss = mem.get("pss") or mem.get("rss")
        row(
            "10M from disk: memory < 1.5 GB (PSS)",
            _mb(rss),
            None if not rss else rss < 1.5 * 1024 * MB,
        )
        restart = acc.get("restart_s")
        row(
            "10M: restart to first answer < 5 s",
            f"{_num(restart)} s",
            None if restart is None else restart < 5,
        )
        for what, bound in (("whole", False), ("with their parameters bound", True)):
            cat = [
                v["median_ms"]
                for k, v in acc.get("latency", {}).items()
                if "median_ms" in v
                and v.get("group") == "catalogue"
                and k.endswith("?params") == bound
            ]
            failed = [
                k
                for k, v in acc.get("latency", {}).items()
                if "error" in v and v.get("group") == "catalogue" and k.endswith("?params") == bound
            ]
            worst = max(cat) if cat else None
            row(
                f"10M: catalogue queries ({what}) < 1 s median",
                f"slowest median {_num(worst, '{:.0f}')} ms"
                + (f"; no answer: {', '.join(failed)}" if failed else ""),
                None if worst is None else worst < 1000 and not failed,
            )
    else:
        row("10M targets (memory < 1.5 GB, restart < 5 s, catalogue < 1 s)", "not run yet", None)
    s = sizes.get("1M")
    v = (s or {}).get("validate", {})
    row(
        "accord validate on 1M: time reported",
        f"{_num(v.get('seconds'), '{:.0f}')} s"
        if "seconds" in v
        else str(v.get("error") or v.get("skipped") or "not run yet"),
        None,
    )
    return lines


def _latency_table(servers: dict, names: list[str]) -> list[str]:
    """A Markdown table of median / p99 latency per workload for the servers ``names``,
    with the row counts they returned (marked when they differ)."""
    out = ["| query | " + " | ".join(names) + " | rows |", "|---|" + "---|" * (len(names) + 1)]
    for wl in servers[names[0]]["latency"]:
        cells = [_ms(servers[n]["latency"].get(wl)) for n in names]
        rows = {servers[n]["latency"].get(wl, {}).get("rows") for n in names} - {None}
        shown = "/".join(str(x) for x in sorted(rows)) + (" (differ)" if len(rows) > 1 else "")
        out.append(f"| {wl} | " + " | ".join(cells) + f" | {shown} |")
    return out


def _throughput_table(servers: dict, names: list[str]) -> list[str]:
    """A Markdown table of requests per second per workload and client count for the
    servers ``names``."""
    out = ["| query | clients | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    workloads = {wl: r for n in names for wl, r in servers[n]["throughput"].items()}
    for wl, by_clients in workloads.items():
        for c in by_clients:
            cells = [_rps(servers[n]["throughput"].get(wl, {}).get(c)) for n in names]
            out.append(f"| {wl} | {c} | " + " | ".join(cells) + " |")
    return out


def markdown(results: dict, plot_name: str | None) -> str:
    m = results["machine"]
    out = ["# Accord benchmark results", ""]
    if results.get("note"):
        out += [f"> **{results['note']}**", ""]
    dirty = m.get("uncommitted") or []
    out += [
        f"Command: `{results['command']}` ({results.get('elapsed_s', 0) / 60:.0f} min). "
        "How to read and rerun this: [README.md](README.md).",
        "",
        "| machine | |",
        "|---|---|",
        f"| date | {m['date']} |",
        f"| commit | {m.get('commit', '–')}"
        + (f" with uncommitted changes to {', '.join(dirty)}" if dirty else "")
        + " |",
        f"| CPU | {m['cpu']}, {m['cores']} cores |",
        f"| RAM | {m['ram_bytes'] / 1024**3:.0f} GiB |",
        f"| OS | {m['os']} |",
        f"| Python | {m['python']} |",
        "| libraries | " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + " |",
        f"| peers | {m.get('peers')} |",
        f"| load generator | {m.get('wrk')} |",
        f"| load average (1, 5, 15 min) | start {_load(m.get('load_average_at_start'))}, "
        f"end {_load(m.get('load_average_at_end'))}; by size: "
        + "; ".join(
            f"{name} {_load(s.get('load_average_at_start'))} -> "
            f"{_load(s.get('load_average_at_end'))}"
            for name, s in results["sizes"].items()
            if s.get("load_average_at_start")
        )
        + " |",
        "",
        "## Targets",
        "",
        "Issue 17's targets, from this run. The throughput ratios compare medians of "
        "rounds in which the servers took turns (all of them up, one measured at a time); "
        "the per-round range is the ratio within each round.",
        "",
        *issue_targets.issue17(results),
        "",
        "The first round's targets (its 10M rows need `--sizes 10M`):",
        "",
        *targets(results),
        "",
    ]
    if plot_name:
        out += [f"![latency and memory against graph size]({plot_name})", ""]
    out += memory_section(results["sizes"])
    out += latency_section(results["sizes"])
    out += throughput_section(results["sizes"])
    # A separate run of Accord over external stores may be kept under "external".
    out += external(results.get("external") or results)
    out += threads_section(results["sizes"])
    out += validate_section(results["sizes"])
    return "\n".join(out) + "\n"


def memory_section(sizes: dict) -> list[str]:
    out = [
        "## Loading, memory, disk",
        "",
        "Load: process start to first answer, each server started alone (Accord and "
        "rdflib-endpoint parse at start; Oxigraph's server after `oxigraph load` and `optimize`, whose time "
        "is given apart). Restart: Accord started again on its on-disk store. Memory over "
        "the server's processes after the latency runs (the whole catalogue): PSS (pages "
        "shared by forked workers counted once), RSS (summed; shared pages counted in each "
        "process), the peak RSS, and PSS again after the throughput runs. `accord` keeps "
        "answers in its cache (64 MB at most); `accord-no-cache` does not. The Accord "
        "variants measured alone (no load column) are measured after their throughput runs.",
        "",
        "| size | file | server | load (s) | restart (s) | PSS | RSS | peak RSS "
        "| PSS after throughput | disk |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in sizes.items():
        for server, r in s["servers"].items():
            if server in EXTERNAL:
                continue
            if "skipped" in r:
                out.append(f"| {name} | | {server} | {r['skipped']} | | | | | | |")
                continue
            if "memory" not in r:
                continue
            load = _num(r.get("ready_s")) if "latency" in r else "–"
            if r.get("load_s") is not None:
                load = f"{r['load_s']:.2f} + {r['ready_s']:.2f}"
            mem = r.get("memory", {})
            after = r.get("memory_after_throughput", {}).get("pss")
            out.append(
                f"| {name} | {_mb(s['file_bytes'])} | {server} | {load} | {_num(r.get('restart_s'))} "
                f"| {_mb(mem.get('pss'))} | {_mb(mem.get('rss'))} | {_mb(mem.get('hwm'))} "
                f"| {_mb(after)} | {_mb(r.get('disk_bytes'))} |"
            )
    for name, s in sizes.items():
        split = {
            n: r["memory_processes"]
            for n, r in s["servers"].items()
            if len(r.get("memory_processes", [])) > 1
        }
        if split:
            out += ["", f"Where the PSS is at {name}, after the catalogue, by process:", ""]
            out += [f"- `{n}`: {_by_role(procs)}" for n, procs in split.items()]
    return [*out, ""]


def _role(proc: dict, cmds: dict[int, str]) -> str:
    """What a process of a server's tree is, from its command (a forked query worker
    has its zygote's command; the zygote's parent is the server)."""
    cmd = str(proc["cmd"])
    if "accord.query.zygote" in cmd:
        return (
            "query worker"
            if "accord.query.zygote" in cmds.get(proc.get("ppid", 0), "")
            else "zygote"
        )
    if "accord.cli serve" in cmd:
        return "server" if "accord.cli serve" not in cmds.get(proc.get("ppid", 0), "") else "child"
    return Path(cmd.split(" ", 1)[0]).name or "?"


def _by_role(procs: list[dict]) -> str:
    """``server 250 MB; query worker x4 120-180 MB (600 MB)``."""
    cmds = {int(proc["pid"]): str(proc["cmd"]) for proc in procs}
    roles: dict[str, list[int]] = {}
    for proc in procs:
        roles.setdefault(_role(proc, cmds), []).append(int(proc["pss"]))
    parts = []
    for role, values in roles.items():
        if len(values) == 1:
            parts.append(f"{role} {_mb(values[0])}")
        else:
            parts.append(
                f"{role} x{len(values)} {min(values) / MB:.0f}-{max(values) / MB:.0f} MB "
                f"({_mb(sum(values))})"
            )
    return "; ".join(parts)


def latency_section(sizes: dict) -> list[str]:
    out = [
        "## Latency",
        "",
        "Median / p99 in ms, one client, sequential requests over keep-alive HTTP; for each "
        "workload the servers take turns. `accord` answers a query it has answered before "
        "from its cache, so a workload of one query text (the catalogue queries without "
        "parameters, the scans) is timed as a cache hit after its warm-up; `accord-no-cache` "
        "runs every query. The distinct workloads send a new text each time.",
        "",
    ]
    for name, s in sizes.items():
        names = [n for n in SERVERS if "latency" in s["servers"].get(n, {})]
        if not names:
            continue
        out += [f"### {name} triples", "", *_latency_table(s["servers"], names), ""]
        restarts = {n: r["restarts"] for n, r in s["servers"].items() if r.get("restarts")}
        if restarts:
            out += [
                "Stopped and started again (a server still busy with a query whose client "
                "gave up takes a core from the others): "
                + "; ".join(f"`{n}` after {', '.join(why)}" for n, why in restarts.items())
                + ".",
                "",
            ]
    return out


def throughput_section(sizes: dict) -> list[str]:
    rounds = max(
        (
            len(run.get("rounds", []))
            for s in sizes.values()
            for r in s["servers"].values()
            for by_c in r.get("throughput", {}).values()
            for run in by_c.values()
        ),
        default=1,
    )
    out = [
        "## Throughput",
        "",
        "Requests per second with 1 and 16 concurrent clients (wrk on loopback; each "
        "workload's 16 variants in turn). *Repeated*: the variants' texts again and again "
        "(a server may answer from a cache: Accord's answers, rdflib-endpoint's 128 parsed "
        "queries). *Distinct*: a new query text in every request (a filter on a constant "
        "that keeps every row), so no cache of answers or parsed queries can help. "
        f"The servers of the first columns took turns in {rounds} round(s), the order "
        "rotated each round; a cell is the median of its rounds, marked noisy with its "
        f"lowest and highest when they differ by more than {NOISY:.0%} of it. `accord` is "
        "`accord serve` with its defaults (answer cache on, queries in a pool of 4 worker "
        "processes); the other rows:",
        "",
    ]
    variants = {
        n: r["what"] for s in sizes.values() for n, r in s["servers"].items() if "what" in r
    }
    out += [f"- `{NO_CACHE}`: the same with its answer cache off (`ACCORD_ANSWER_CACHE_MB=0`)"]
    out += [f"- `{n}`: {what}" for n, what in variants.items()]
    out.append("")
    for name, s in sizes.items():
        names = [n for n, r in s["servers"].items() if "throughput" in r and n not in EXTERNAL]
        if not names:
            continue
        out += [f"### {name} triples", "", *_throughput_table(s["servers"], names), ""]
        out += _cpu_table(s["servers"], names)
        caches = {
            n: s["servers"][n]["answer_cache"]
            for n in ("accord", NO_CACHE)
            if "hits" in s["servers"].get(n, {}).get("answer_cache", {})
        }
        if caches:
            out += [
                "Answer cache at the end (`/metrics`): "
                + "; ".join(
                    f"`{n}` {c['hits']:,.0f} hits, {c['misses']:,.0f} misses, "
                    f"{c.get('bytes', 0) / MB:.1f} MB held"
                    for n, c in caches.items()
                )
                + ".",
                "",
            ]
    return out


def _cpu_table(servers: dict, names: list[str]) -> list[str]:
    """Server CPU time per request at 16 clients (median of the rounds), microseconds."""
    names = [
        n
        for n in names
        if any(
            "cpu_us_per_request" in by_c.get("16", {}) for by_c in servers[n]["throughput"].values()
        )
    ]
    if not names:
        return []
    out = [
        "Server CPU time per request at 16 clients (µs; the server's whole process tree, "
        "query workers included; median of the rounds), less moved by the machine's load "
        "than requests per second:",
        "",
        "| query | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    workloads = {wl for n in names for wl in servers[n]["throughput"]}
    for wl in [w for w in servers[names[0]]["throughput"] if w in workloads]:
        cells = []
        for n in names:
            cpu = servers[n]["throughput"].get(wl, {}).get("16", {}).get("cpu_us_per_request")
            cells.append("–" if cpu is None else f"{cpu:,.0f}")
        out.append(f"| {wl} | " + " | ".join(cells) + " |")
    return [*out, ""]


def threads_section(sizes: dict) -> list[str]:
    threads = {name: s["threads"] for name, s in sizes.items() if s.get("threads")}
    if not threads:
        return []
    counts = next(iter(next(iter(threads.values())).values()))
    out = [
        "## Threads in one process",
        "",
        "Queries per second (query and JSON serialisation) from N threads over one "
        "read-only on-disk store, no HTTP.",
        "",
        "| size | query | " + " | ".join(f"{n} threads" for n in counts) + " |",
        "|---|---|" + "---|" * len(counts),
    ]
    for name, by_wl in threads.items():
        for wl, by_n in by_wl.items():
            out.append(f"| {name} | {wl} | " + " | ".join(f"{v:.0f}" for v in by_n.values()) + " |")
    return [*out, ""]


def validate_section(sizes: dict) -> list[str]:
    out = [
        "## `accord validate`",
        "",
        "`accord validate FILE` as it runs by default, and with each other `--engine` it "
        "offers (`pyshacl`: pySHACL over the whole graph, the reference): wall time and "
        "peak RSS (the kernel's peak of the process, from `wait4`), each in a process of "
        "its own, one after the other. With `--validate-split`, also "
        "`benchmarks/validate_split.py`: pySHACL without the SHACL-SPARQL shapes plus those "
        "shapes run once over the whole graph in Oxigraph.",
        "",
        "| size | engine | time | peak RSS | result | time, memory against `pyshacl` |",
        "|---|---|---|---|---|---|",
    ]
    for name, s in sizes.items():
        first = s.get("validate", {})
        runs = {f"{first.get('engine', '-')} (default)": first, **s.get("validate_engines", {})}
        ref = s.get("validate_engines", {}).get("pyshacl", {})
        for engine, v in runs.items():
            if "seconds" not in v:
                why = v.get("error") or v.get("skipped")
                out.append(f"| {name} | {engine} | {why} | {_mb(v.get('peak_rss'))} | | |")
                continue
            result = "conforms" if v.get("exit") == 0 else f"exit {v.get('exit')}"
            against = ""
            if "seconds" in ref and v is not ref:
                against = (
                    f"{ref['seconds'] / v['seconds']:.1f}x faster, "
                    f"{v['peak_rss'] / ref['peak_rss']:.2f}x the memory"
                )
            out.append(
                f"| {name} | {engine} | {v['seconds']:.1f} s | {_mb(v.get('peak_rss'))} "
                f"| {result} | {against} |"
            )
        split = s.get("validate_split", {}).get("seconds", {})
        if split:
            parts = ", ".join(f"{k} {t:.1f} s" for k, t in split.items())
            out.append(
                f"| {name} | split (validate_split.py) | {sum(split.values()):.1f} s "
                f"| | | {parts} |"
            )
    return [*out, ""]


def external(results: dict) -> list[str]:
    """ "Accord over external stores": Accord in front of the Oxigraph server and Virtuoso
    beside embedded Accord, measured with the same workload (what the extra hop costs)."""
    sizes = {
        name: s
        for name, s in results["sizes"].items()
        if any(n in s.get("servers", {}) for n in EXTERNAL)
    }
    if not sizes:
        return []
    measured = [
        r["measured"]
        for s in sizes.values()
        for n, r in s["servers"].items()
        if n in EXTERNAL and "measured" in r
    ]
    commands = sorted({m["command"] for m in measured})
    since = min((m["date"] for m in measured), default="?")
    out = [
        "## Accord over external stores",
        "",
        "`accord serve --store sparql+http://...` in front of an Oxigraph server "
        "(`oxigraph serve`) and Virtuoso 7 (`virtuoso-t`, `.ci/virtuoso.ini` with "
        "`ResultSetMaxRows` raised to the harness's `--store-max-rows`), each store started "
        "empty on a loopback port, filled with `accord load --store URL` (the ontology and "
        "the generated graph, one named graph per file, plus their union), beside embedded "
        "`accord` (on-disk pyoxigraph). Load: `accord load` (parse, PUT, publish, check); "
        "start: `accord serve` start to first answer (embedded `accord` parses and loads "
        "at start, so its start is its load). Memory: Accord's processes (embedded: with "
        "its pool of query worker processes; over a store queries run in the server's "
        "threads) / the store's process, PSS after the runs; disk: the store's folder.",
        "",
        f"Measured from {since} by " + " and ".join(f"`{c}`" for c in commands) + ".",
        "",
        *_machine_line(results),
        "| size | system | load (s) | start (s) | Accord PSS | store PSS | disk |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in sizes.items():
        for n in ["accord", *EXTERNAL]:
            r = s["servers"].get(n)
            if not r:
                continue
            if "skipped" in r:
                out.append(f"| {name} | {n} | {r['skipped']}: {r.get('error', '')[:200]} | | | | |")
                continue
            load = r.get("load_s") if n in EXTERNAL else None
            out.append(
                f"| {name} | {n} | {_num(load)} | {_num(r.get('ready_s'))} "
                f"| {_mb(r.get('memory', {}).get('pss'))} "
                f"| {_mb(r.get('store_memory', {}).get('pss'))} | {_mb(r.get('disk_bytes'))} |"
            )
    for name, s in sizes.items():
        names = [n for n in ["accord", *EXTERNAL] if "latency" in s["servers"].get(n, {})]
        if not names:
            continue
        out += [
            "",
            f"### {name} triples: latency, median / p99 (ms), one client",
            "",
            *_latency_table(s["servers"], names),
        ]
        names = [n for n in ["accord", *EXTERNAL] if "throughput" in s["servers"].get(n, {})]
        out += [
            "",
            f"### {name} triples: throughput (req/s)",
            "",
            *_throughput_table(s["servers"], names),
        ]
    return [*out, ""]


def _machine_line(results: dict) -> list[str]:
    m = results.get("machine")
    if not m:
        return []
    return [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_bytes'] / 1024**3:.0f} GiB, "
        f"Python {m['python']}, {m.get('wrk')}; load average at start "
        f"{_load(m.get('load_average_at_start'))}, at end {_load(m.get('load_average_at_end'))}.",
        "",
    ]


def _load(value: object) -> str:
    return "–" if not value else ", ".join(f"{x:.1f}" for x in value)  # type: ignore[attr-defined]


def plot(results: dict, path: Path) -> bool:
    """Latency and memory against graph size; False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    sizes = results["sizes"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    colors = {
        "accord": "tab:blue",
        NO_CACHE: "tab:cyan",
        "rdflib-endpoint": "tab:orange",
        "oxigraph": "tab:green",
    }
    for server, color in colors.items():
        xs, cat, point, join, rss = [], [], [], [], []
        for s in sizes.values():
            r = s["servers"].get(server, {})
            lat = r.get("latency")
            if not lat:
                continue
            xs.append(s["triples"])
            # Only the catalogue queries that every server answered at this size, so
            # that a server is not flattered by the queries it failed.
            answered = [
                set(k for k, v in other["latency"].items() if "median_ms" in v)
                for name, other in s["servers"].items()
                if "latency" in other and name in colors
            ]
            common = set.intersection(*answered)
            medians = [
                v["median_ms"]
                for k, v in lat.items()
                if k in common and v.get("group") == "catalogue"
            ]
            cat.append(
                math.exp(sum(map(math.log, medians)) / len(medians)) if medians else math.nan
            )
            point.append(lat.get("point lookup", {}).get("median_ms", math.nan))
            join.append(lat.get("join", {}).get("median_ms", math.nan))
            mem = r.get("memory", {})
            rss.append((mem.get("pss") or mem.get("rss", 0)) / MB)
        if not xs:
            continue
        axes[0].plot(xs, cat, "o-", color=color, label=server)
        axes[1].plot(xs, point, "o-", color=color, label=f"{server}: point lookup")
        axes[1].plot(xs, join, "s--", color=color, label=f"{server}: join")
        axes[2].plot(xs, rss, "o-", color=color, label=server)
    titles = [
        "catalogue: geometric mean of medians (ms),\nqueries that all servers answered",
        "point lookup and join: median (ms)",
        "server memory after the queries (PSS, MB)",
    ]
    for ax, title in zip(axes, titles, strict=True):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("triples")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    provisional = "provisional" in str(results.get("note", "")).lower()
    fig.suptitle("Accord benchmark" + (" (provisional)" if provisional else ""), fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def write(results: dict, md_path: Path, png_path: Path, readme: Path | None = None) -> None:
    drew = plot(results, png_path)
    md_path.write_text(markdown(results, png_path.name if drew else None), encoding="utf-8")
    if readme is not None:
        update_readme(results, readme)


def update_readme(results: dict, readme: Path) -> bool:
    """Replace the README's benchmark table (between ``README_BEGIN`` and ``README_END``)
    with this run's; False when the README has no such markers."""
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(README_BEGIN) + r"\n.*?" + re.escape(README_END), re.S)
    table = issue_targets.readme_table(results)
    if not table or not pattern.search(text):
        return False
    block = "\n".join([README_BEGIN, *table, README_END])
    readme.write_text(pattern.sub(lambda _: block, text, count=1), encoding="utf-8")
    return True


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "results", type=Path, nargs="?", default=Path(__file__).with_name("results.json")
    )
    parser.add_argument("--readme", type=Path, help="also rewrite this README's table")
    args = parser.parse_args()
    data = json.loads(args.results.read_text())
    out = args.results
    write(data, out.with_name("RESULTS.md"), out.with_name("results.png"), args.readme)
