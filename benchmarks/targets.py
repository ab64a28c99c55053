"""The targets of issue 17, each with its ratio from one run, and the README's table.

Throughput targets are read at 16 clients from the side-by-side rounds of one size
(100k if measured, else the largest size measured): the median of each server's
rounds, and the ratio in each round (the servers took turns, so a round's ratio compares
the same minutes of the machine). Nothing here is asserted: a target is reported met
or not, with the numbers it was judged on.
"""

from __future__ import annotations

MB = 1024 * 1024
GB = 1024 * MB
NO_CACHE = "accord-no-cache"
#: A throughput figure whose rounds spread (highest minus lowest, over the median) by
#: more than this is marked noisy.
NOISY = 0.25
#: The throughput targets: (what, workload, peer, factor, strictly above).
THROUGHPUT_TARGETS = [
    ("repeated point lookups", "point lookup", "oxigraph", 0.5, False),
    ("repeated joins", "join", "oxigraph", 1.0, True),
    ("distinct point lookups", "point lookup (distinct)", "rdflib-endpoint", 3.0, False),
    ("distinct point lookups", "point lookup (distinct)", "oxigraph", 0.2, False),
    ("distinct joins", "join (distinct)", "oxigraph", 0.5, False),
]
PEERS = {"oxigraph": "Oxigraph server", "rdflib-endpoint": "rdflib-endpoint"}


def run16(size: dict, server: str, wl: str, clients: str = "16") -> dict | None:
    r = size.get("servers", {}).get(server, {}).get("throughput", {}).get(wl, {}).get(clients)
    return r if r and "rps" in r else None


def throughput_size(results: dict) -> str | None:
    """The size whose side-by-side rounds the throughput targets are read from."""
    measured = [
        name
        for name, s in results["sizes"].items()
        if run16(s, "accord", "point lookup") and run16(s, "oxigraph", "point lookup")
    ]
    if "100k" in measured:
        return "100k"
    return max(measured, key=lambda n: results["sizes"][n]["triples"], default=None)


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _noisy(*runs: dict | None) -> str:
    spread = max((r.get("spread", 0) for r in runs if r), default=0)
    return f"; noisy (rounds spread up to {spread:.0%})" if spread > NOISY else ""


def per_round(a: dict, b: dict) -> str:
    """The ratio in each round, when both servers answered in every round."""
    ra, rb = a.get("rounds", []), b.get("rounds", [])
    if len(ra) < 2 or len(ra) != len(rb) or not all(rb):
        return ""
    ratios = sorted(x / y for x, y in zip(ra, rb, strict=True))
    return f"; per round {ratios[0]:.2f}-{ratios[-1]:.2f}x"


def issue17(results: dict) -> list[str]:
    """Issue 17's targets as a Markdown table: target, measured, met."""
    lines = ["| target (issue 17) | measured | met |", "|---|---|---|"]

    def row(text: str, measured: str, ok: bool | None) -> None:
        lines.append(f"| {text} | {measured} | {'–' if ok is None else ('yes' if ok else 'no')} |")

    name = throughput_size(results)
    s = results["sizes"].get(name or "", {})
    for what, wl, peer, factor, strict in THROUGHPUT_TARGETS:
        op = ">" if strict else "≥"
        text = f"{what}, 16 clients: Accord {op} {factor:g}x {PEERS[peer]}"
        a, b, off = run16(s, "accord", wl), run16(s, peer, wl), run16(s, NO_CACHE, wl)
        if not a or not b:
            row(text, "not measured", None)
            continue
        ratio = a["rps"] / b["rps"]
        measured = (
            f"**{ratio:.2f}x** at {name} ({_n(a['rps'])} vs {_n(b['rps'])} req/s{per_round(a, b)}"
        )
        if off:
            measured += f"; cache off {off['rps'] / b['rps']:.2f}x ({_n(off['rps'])} req/s)"
        if "cpu_us_per_request" in a and "cpu_us_per_request" in b:
            measured += (
                f"; server CPU per request {_n(a['cpu_us_per_request'])} vs "
                f"{_n(b['cpu_us_per_request'])} µs"
            )
        measured += f"{_noisy(a, b)})"
        row(text, measured, ratio > factor if strict else ratio >= factor)

    big = results["sizes"].get("1M", {})
    acc = big.get("servers", {}).get("accord", {}).get("memory", {}).get("pss")
    oxi = big.get("servers", {}).get("oxigraph", {}).get("memory", {}).get("pss")
    off = big.get("servers", {}).get(NO_CACHE, {}).get("memory", {}).get("pss")
    if acc and oxi:
        extra = f"; cache off {off / MB:,.0f} MB ({off / oxi:.2f}x)" if off else ""
        row(
            "1M triples: memory (PSS after the catalogue) ≤ 2x Oxigraph server",
            f"**{acc / oxi:.2f}x** ({acc / MB:,.0f} vs {oxi / MB:,.0f} MB{extra})",
            acc <= 2 * oxi,
        )
    else:
        row("1M triples: memory ≤ 2x Oxigraph server", "not measured", None)
    v = big.get("validate", {})
    if "seconds" in v:
        conforms = "conforms" if v.get("exit") == 0 else f"exit {v.get('exit')}"
        row(
            "1M triples: `accord validate` ≤ 30 s",
            f"**{v['seconds']:.1f} s** ({v['seconds'] / 30:.2f}x the bound; {conforms})",
            v["seconds"] <= 30,
        )
        peak = v.get("peak_rss") or 0
        row(
            "1M triples: `accord validate` ≤ 1 GB peak RSS",
            f"**{peak / MB:,.0f} MB** ({peak / GB:.2f}x the bound)",
            bool(peak) and peak <= GB,
        )
    else:
        why = v.get("error") or v.get("skipped") or "not measured"
        row("1M triples: `accord validate` ≤ 30 s, ≤ 1 GB", str(why), None)
    row(
        "no safety lost (runaway query 503, no answer served for another version)",
        "checked by the test suite (tests/hardening), not by this benchmark",
        None,
    )
    return lines


def _cell(run: dict | None) -> str:
    if not run:
        return "–"
    mark = " (noisy)" if run.get("spread", 0) > NOISY else ""
    return f"{_n(run['rps'])}{mark}"


def readme_table(results: dict) -> list[str]:
    """The README's benchmark table: 16 clients at the throughput size, load and
    restart there, memory and validation at 1M; the date, commit and load below it."""
    name = throughput_size(results)
    if not name:
        return []
    s = results["sizes"][name]
    servers = s["servers"]
    cols = [("accord", "Accord (default: cache on)"), (NO_CACHE, "Accord, cache off")]
    cols += [
        ("rdflib-endpoint", "rdflib-endpoint"),
        ("oxigraph", "Oxigraph server"),
        ("bare-asgi", "bare ASGI + pyoxigraph"),
    ]
    cols = [(k, v) for k, v in cols if k in servers and "skipped" not in servers[k]]
    out = [
        f"| {name} triples, 16 clients, req/s | " + " | ".join(v for _, v in cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    for wl, text in (
        ("point lookup", "point lookup, repeated"),
        ("point lookup (distinct)", "point lookup, distinct texts"),
        ("join", "13-pattern join, repeated"),
        ("join (distinct)", "13-pattern join, distinct texts"),
    ):
        out.append(f"| {text} | " + " | ".join(_cell(run16(s, k, wl)) for k, _ in cols) + " |")
    loads = []
    for k, _ in cols:
        r = servers[k]
        if k == "oxigraph" and r.get("load_s") is not None:
            loads.append(f"{r['load_s']:.2f} + {r['ready_s']:.2f}")
        elif "latency" in r:
            restart = r.get("restart_s")
            loads.append(f"{r['ready_s']:.2f}" + (f" / {restart:.2f}" if restart else ""))
        else:
            loads.append("")
    out.append(f"| load {name} (s) / restart from disk (s) | " + " | ".join(loads) + " |")
    big = results["sizes"].get("1M", {}).get("servers", {})
    mem = []
    for k, _ in cols:
        pss = big.get(k, {}).get("memory", {}).get("pss")
        mem.append(f"{pss / MB:,.0f} MB" if pss else "")
    if any(mem):
        out.append("| memory (PSS) at 1M triples, after the catalogue | " + " | ".join(mem) + " |")
    v = results["sizes"].get("1M", {}).get("validate", {})
    if "seconds" in v:
        cells = [f"{v['seconds']:.1f} s, {v.get('peak_rss', 0) / MB:,.0f} MB peak RSS"]
        out.append("| `accord validate` 1M triples | " + " | ".join(cells + [""] * (len(cols) - 1)))
        out[-1] += " |"
    m = results["machine"]
    app = [f for f in m.get("uncommitted", []) if f.startswith("app/")]
    when = f"{m['date']}, commit {m.get('commit', '?')}" + (
        f" with uncommitted changes to {len(app)} files of app/" if app else ""
    )
    load = m.get("load_average_at_start"), m.get("load_average_at_end")
    out += [
        "",
        f"Measured {when}, by `{results['command']}`; load average (1 min) "
        f"{load[0][0]:.1f} at the start and {load[1][0]:.1f} at the end"
        if all(load)
        else f"Measured {when}, by `{results['command']}`",
    ]
    out[-1] += f" (a shared {m['cores']}-core machine: compare within the run, not across runs)."
    return out
