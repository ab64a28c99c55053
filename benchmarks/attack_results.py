"""The results of ``benchmarks/attack.py``: what each phase gave (the well-behaved
client's answers, the attacker's tallies, the checks after it) and how they are written
(the table and details of ATTACK.md, ``attack.json``)."""

from __future__ import annotations

import argparse
import os
import subprocess
from dataclasses import asdict, dataclass
from typing import Any

from benchmarks import REPO
from benchmarks.attackers import Tally
from benchmarks.isolation import Sample

#: One answer to the well-behaved client: (request, when it was sent in s from the
#: client's start, seconds taken, HTTP status or 0, the error if there was no answer).
Answer = tuple[str, float, float, int, str]


@dataclass
class Served:
    """The well-behaved client's answers in one phase."""

    answers: list[Answer]

    def sample(self, label: str | None = None) -> Sample:
        s = Sample()
        for what, _, seconds, status, _ in self.answers:
            if label is None or what == label:
                s.add(seconds, status)
        return s

    def error_rate(self, label: str | None = None) -> float:
        s = self.sample(label)
        bad = sum(n for status, n in s.statuses.items() if not 200 <= status < 300)
        return bad / len(s.latencies) if s.latencies else float("nan")

    def errors(self) -> str:
        """The errors by kind, and when they were sent: ``503 ×4, timeout ×2 (sent
        from 0.0 to 7.8 s)``."""
        found: dict[str, int] = {}
        sent = []
        for _, at, _, status, error in self.answers:
            if not 200 <= status < 300:
                key = error or str(status)
                found[key] = found.get(key, 0) + 1
                sent.append(at)
        if not found:
            return ""
        kinds = sorted(found.items(), key=lambda kv: -kv[1])
        when = f" (sent from {min(sent):.1f} to {max(sent):.1f} s)"
        return ", ".join(f"{k} ×{n}" for k, n in kinds) + when


@dataclass
class State:
    """What the checks see: is the server alive, and what data does it hold."""

    alive: bool
    why: str = ""
    version: str = ""
    quads: int = -1
    digest: str = ""
    committed: int = 0
    write: str = ""  # the no-op update's answer

    def same_data(self, before: State) -> bool:
        return (self.version, self.quads, self.digest, self.committed) == (
            before.version,
            before.quads,
            before.digest,
            before.committed,
        )


@dataclass
class PhaseResult:
    phase: str
    title: str
    served: Served
    tallies: dict[str, Tally]
    rss_mb: float
    fds: int
    after: State
    intact: bool
    seconds: float
    restarted: str = ""
    tracebacks: int = 0  # in the server's log during the phase


# --- the report --------------------------------------------------------------------------


def fmt_ms(s: Sample, p: float) -> str:
    return f"{s.pct(p) * 1000:,.0f}" if s.latencies else "-"


def fmt_pct(x: float) -> str:
    return "-" if x != x else f"{x * 100:.1f}"


def _intact(r: PhaseResult, before: State) -> str:
    if not r.after.alive:
        return "not checked (server down)"
    if r.intact:
        return f"yes (version {r.after.version[:8]}, {r.after.quads:,} quads, no commit)"
    changed = []
    if r.after.version != before.version:
        changed.append(f"version {before.version[:8]} -> {r.after.version[:8]}")
    if (r.after.quads, r.after.digest) != (before.quads, before.digest):
        changed.append(f"quads {before.quads:,} -> {r.after.quads:,}")
    if r.after.committed != before.committed:
        changed.append(f"{r.after.committed - before.committed} committed writes logged")
    return "**NO**: " + "; ".join(changed)


def table(results: list[PhaseResult], before: State) -> str:
    head = (
        "| phase | well-behaved p50 ms | p99 ms | errors % | requests | attacker: sent, answers "
        "| server RSS peak MB | server fds peak | server alive | data intact |"
    )
    lines = [head, "|" + " --- |" * 10]
    for r in results:
        s = r.served.sample()
        attack = "; ".join(f"{name}: {t.summary()}" for name, t in r.tallies.items()) or "-"
        alive = "yes" if r.after.alive else f"**NO**: {r.after.why}"
        if r.after.alive and r.after.write != "200":
            alive += f"; but a no-op write: {r.after.write}"
        if r.restarted:
            alive += f" ({r.restarted})"
        cells = [
            f"{r.title}",
            fmt_ms(s, 50),
            fmt_ms(s, 99),
            fmt_pct(r.served.error_rate()),
            str(len(s.latencies)),
            attack,
            f"{r.rss_mb:,.0f}",
            str(r.fds),
            alive,
            _intact(r, before),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def details(results: list[PhaseResult]) -> str:
    kinds = list(dict.fromkeys(label for r in results for label, *_ in r.served.answers))
    out = [
        "## The well-behaved client, by request (p50 / p99 ms, errors %)",
        "",
        "| phase | " + " | ".join(kinds) + " | errors seen |",
        "|" + " --- |" * (len(kinds) + 2),
    ]
    for r in results:
        cells = []
        for kind in kinds:
            s = r.served.sample(kind)
            cells.append(f"{fmt_ms(s, 50)} / {fmt_ms(s, 99)}, {fmt_pct(r.served.error_rate(kind))}")
        out.append(f"| {r.title} | " + " | ".join(cells) + f" | {r.served.errors() or '-'} |")
    out += ["", "## What the attacker sent and got back", ""]
    for r in results:
        for name, t in r.tallies.items():
            parts = [f"{what}: {answer} ×{n:,}" for (what, answer), n in sorted(t.outcomes.items())]
            extra = []
            if t.peak_held:
                extra.append(f"at most {t.peak_held:,} open at once; answered or closed by "
                             f"the server (median time open): {t.held_medians() or '-'}")  # fmt: skip
            extra += [f"{k}: {v:.1f}" for k, v in t.notes.items()]
            out.append(f"- **{r.title}**, {name}: " + "; ".join(parts + extra))
    out += [
        "",
        "## After each phase",
        "",
        "| phase | alive | version | quads (digest) | committed lines in the write log "
        "| a no-op update | tracebacks in the server log | phase took s |",
        "|" + " --- |" * 8,
    ]
    for r in results:
        a = r.after
        alive = "yes" if a.alive else f"no: {a.why}"
        out.append(
            f"| {r.title} | {alive} | {a.version[:16] or '-'} | {a.quads:,} ({a.digest or '-'}) "
            f"| {a.committed} | {a.write or '-'} | {r.tracebacks} | {r.seconds:.0f} |"
        )
    return "\n".join(out)


def as_json(r: PhaseResult) -> dict[str, Any]:
    """One phase for ``attack.json`` in the work folder (what the tests read)."""
    s = r.served.sample()
    return {
        "phase": r.phase,
        "p50_ms": s.pct(50) * 1000 if s.latencies else None,
        "p99_ms": s.pct(99) * 1000 if s.latencies else None,
        "error_rate": r.served.error_rate(),
        "requests": len(s.latencies),
        "attacks": {
            name: {"sent": t.sent, "answers": dict(t.answers())} for name, t in r.tallies.items()
        },
        "rss_peak_mb": r.rss_mb,
        "fds_peak": r.fds,
        "after": asdict(r.after),
        "intact": r.intact,
        "restarted": r.restarted,
        "tracebacks": r.tracebacks,
        "seconds": r.seconds,
    }


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def report(results: list[PhaseResult], before: State, info: dict[str, Any],
           cfg: argparse.Namespace, stopped: str) -> str:  # fmt: skip
    dirty = git("status", "--porcelain", "--", "app")
    changed = sorted(
        {line[3:].split("/")[2] for line in dirty.splitlines() if line[3:].count("/") >= 2}
    )
    commit = git("rev-parse", "--short", "HEAD") + (
        f" with uncommitted changes in app/accord ({', '.join(changed)})" if dirty else ""
    )
    phases = "; ".join(r.title for r in results)
    return "\n".join([
        "# Attacks beside a well-behaved client",
        "",
        f"Written by `{cfg.command}` on {info['date']}; commit {commit}. Machine: "
        f"{info['cores']} cores ({info['cpu']}), {info['ram_bytes'] / 2**30:.0f} GB of memory, "
        f"load average {info['load_average_at_start'][0]:.2f} at the start and "
        f"{os.getloadavg()[0]:.2f} at the end (shared with other jobs: compare the phases, "
        "not other runs).",
        "",
        "One `accord serve` (its defaults, with writes on, an on-disk store, "
        "`ACCORD_RATE_LIMIT_LOOPBACK=true` and "
        + (f"`ulimit -n {cfg.server_nofile}`" if cfg.server_nofile else "the inherited `ulimit -n`")
        + ") on 127.0.0.1. The well-behaved client (127.0.0.3): "
        f"{cfg.rate:g} requests/s for {cfg.seconds:g} s a phase (after {cfg.warmup:g} s of "
        f"attack), in turn `ASK {{}}`, `/queries/signatories`, `/id/FR` (HTML) and `/health`, "
        f"each bounded to {cfg.timeout:g} s; errors are answers other than 2xx, timeouts and "
        "transport errors. The attacker: 127.0.0.2 (the spread slowloris: 127.0.1.1-16; all at "
        "once: one address per attack, 127.0.0.2-7). See `benchmarks/attack.py` and "
        "`benchmarks/attackers.py` for the attacks and their pacing.",
        "",
        f"Phases: {phases}. Slow connections: {cfg.connections} (half send half a head and "
        "then a byte every 4 s, half send nothing; each reopened 2 s after the server closes "
        "it). Large headers: 4 at a time, 1, 5, 20 and 50 MB. Heavy pages: 8 connections, "
        "5 requests/s each, `/commitments`, `/browse`, `/id/SE.html?on=` (a new date each "
        "time), `/.well-known/void`, a new 404 under `/id/`. Runaway queries: 6 at once. "
        "Write bombs (with the token): 2 at once, in turn JSON-LD 10,000 deep followed by a "
        "byte that is not UTF-8, RDF/XML `<!DOCTYPE r [<!ENTITY a b` and 80 kB of spaces, a "
        "chunked body over `write_max_bytes`, data failing the shapes, and a cartesian "
        "SPARQL Update.",
        "",
        table(results, before),
        "",
        f"Before the first phase: version {before.version}, {before.quads:,} quads (digest "
        f"{before.digest}), {before.committed} committed lines in the write log. The data is "
        "intact when all three are unchanged after a phase. Stopping the server at the end: "
        f"{stopped}.",
        "",
        details(results),
        "",
    ])  # fmt: skip
