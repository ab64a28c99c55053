"""The commitments network as a server-side SVG picture (no script, no library).

Three columns: who commits, the commitments, the kinds of condition they hang on.  An
edge joins a committer to its commitment and a commitment to each of its condition
types.  Rows are ordered to limit crossings (committers by label, then commitments and
condition types by the mean row of their neighbours), so the same data always gives
the same picture.  Every node is a link to the resource's page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

ROW = 26
TOP = 40
BOX_H = 20
COLUMNS = [(20, 230), (330, 390), (800, 230)]  # (x, width) of each column
WIDTH = 1050
FILL = ["#dbeafe", "#fef3c7", "#dcfce7"]
STROKE = ["#1d4ed8", "#b45309", "#15803d"]
TITLES = ["committed by", "commitment", "condition type"]


@dataclass(frozen=True)
class Edge:
    committers: tuple[str, ...]
    commitment: str
    condition_types: tuple[str, ...]


def _order(
    nodes: list[str],
    neighbours: dict[str, list[str]],
    rank: dict[str, int],
    label: Callable[[str], str],
) -> list[str]:
    def key(n: str) -> tuple[float, str, str]:
        near = [rank[m] for m in neighbours.get(n, []) if m in rank]
        return (sum(near) / len(near) if near else float(len(rank)), label(n).lower(), n)

    return sorted(nodes, key=key)


def _clip(text: str, width: int) -> str:
    chars = max(4, width // 7)
    return text if len(text) <= chars else text[: chars - 1] + "…"


def network_svg(edges: list[Edge], label: Callable[[str], str], href: Callable[[str], str]) -> str:
    """An inline ``<svg>`` element of the network (empty string for no commitments)."""
    if not edges:
        return ""
    committers = sorted(
        {c for e in edges for c in e.committers}, key=lambda n: (label(n).lower(), n)
    )
    crank = {n: i for i, n in enumerate(committers)}
    by_commitment = {e.commitment: list(e.committers) for e in edges}
    commitments = _order([e.commitment for e in edges], by_commitment, crank, label)
    mrank = {n: i for i, n in enumerate(commitments)}
    by_type: dict[str, list[str]] = {}
    for e in edges:
        for t in e.condition_types:
            by_type.setdefault(t, []).append(e.commitment)
    types = _order(sorted(by_type), by_type, mrank, label)
    columns = [committers, commitments, types]
    rows = max(len(c) for c in columns)
    height = TOP + rows * ROW + 10
    pos: dict[tuple[int, str], tuple[float, float]] = {}
    for col, nodes in enumerate(columns):
        offset = (rows - len(nodes)) * ROW / 2
        for i, n in enumerate(nodes):
            pos[(col, n)] = (COLUMNS[col][0], TOP + offset + i * ROW)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="network" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="network-title">',
        '<title id="network-title">Commitments network: who commits, what, under which kinds of condition</title>',
    ]
    for col, title in enumerate(TITLES):
        out.append(
            f'<text x="{COLUMNS[col][0]}" y="20" font-size="13" font-weight="bold" fill="#334155">{title}</text>'
        )
    for e in edges:
        for c in e.committers:
            out.append(_edge(pos[(0, c)], 0, pos[(1, e.commitment)]))
        for t in e.condition_types:
            out.append(_edge(pos[(1, e.commitment)], 1, pos[(2, t)]))
    for col, nodes in enumerate(columns):
        x0, w = COLUMNS[col]
        for n in nodes:
            x, y = pos[(col, n)]
            text = label(n)
            out.append(
                f'<a href="{escape(href(n))}"><title>{escape(text)}</title>'
                f'<rect x="{x}" y="{y}" width="{w}" height="{BOX_H}" rx="4" '
                f'fill="{FILL[col]}" stroke="{STROKE[col]}"/>'
                f'<text x="{x + 6}" y="{y + 14}" font-size="12" fill="#0f172a">{escape(_clip(text, w))}</text></a>'
            )
    out.append("</svg>")
    return "\n".join(out)


def _edge(a: tuple[float, float], col: int, b: tuple[float, float]) -> str:
    x1 = a[0] + COLUMNS[col][1]
    y1 = a[1] + BOX_H / 2
    x2, y2 = b[0], b[1] + BOX_H / 2
    mid = (x1 + x2) / 2
    return (
        f'<path d="M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}" '
        f'fill="none" stroke="#94a3b8" stroke-width="1.2"/>'
    )
