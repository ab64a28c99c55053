"""Lexical look at SPARQL text: prefixes, dataset clauses, and where to bind parameters.

A small tokenizer that knows enough SPARQL to skip comments, strings and IRIs and to
count braces; it does not parse the grammar (the store does that).  Used to prepend the
project prefixes to named queries, to find a query's FROM / FROM NAMED clauses, and to
bind named-query parameters with a VALUES block at the start of the WHERE group.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
      |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
  | (?P<word>[A-Za-z_\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*:?[\w.\-:%\u00b7\u00c0-\uffff]*|:[\w.\-:%]*)
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int
    depth: int

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def tokens(text: str) -> list[Token]:
    """The significant tokens of ``text`` (no comments or white space), with brace depth."""
    out = []
    depth = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind in ("comment", "space"):
            continue
        if kind == "close":
            depth -= 1
        out.append(Token(kind, m.group(), m.start(), m.end(), depth))
        if kind == "open":
            depth += 1
    return out


def declared_prefixes(text: str) -> dict[str, str]:
    """The ``PREFIX p: <iri>`` declarations of a query or update."""
    toks = tokens(text)
    found = {}
    for a, b, c in zip(toks, toks[1:], toks[2:], strict=False):
        if a.is_keyword("PREFIX") and b.kind == "word" and b.text.endswith(":") and c.kind == "iri":
            found[b.text[:-1]] = c.text[1:-1]
    return found


def with_prefixes(text: str, prefixes: Mapping[str, str]) -> str:
    """``text`` with a PREFIX declaration prepended for each prefix it does not declare."""
    declared = declared_prefixes(text)
    missing = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items() if p not in declared)
    return missing + text


def has_keyword(text: str, *words: str) -> bool:
    """Whether one of the keywords occurs in the text (outside strings, IRIs, comments)."""
    upper = tuple(w.upper() for w in words)
    return any(t.is_keyword(*upper) for t in tokens(text))


def variables(text: str) -> set[str]:
    """The names of the variables the text mentions (without ``?``/``$``)."""
    return {t.text[1:] for t in tokens(text) if t.kind == "var"}


def insert_values(text: str, bindings: Mapping[str, str]) -> str:
    """Bind variables to terms (given in SPARQL syntax) with VALUES blocks, as SEP-0007
    substitution would: one at the start of the query's WHERE group, and one at the start
    of every group nested in it whose own patterns or FILTERs mention the variable.

    The nested ones matter: SPARQL evaluates each group on its own, so a FILTER in a
    UNION branch or an OPTIONAL does not see a value bound only outside it (the
    ``office-holders`` term-of-office branch never matched a given date), and a branch
    that does see it is planned from it (the same query, 48 ms -> 1 ms at 1M triples).
    A WHERE group that is a sub-SELECT is wrapped in a group; a query without a WHERE
    group gets a trailing VALUES clause."""
    if not bindings:
        return text
    toks = tokens(text)
    group = _where_group(toks)
    if group is None:
        return f"{text}\nVALUES ({' '.join('?' + n for n in bindings)}) {{ ({' '.join(bindings.values())}) }}\n"
    inserts: list[tuple[int, str]] = []  # (offset, text), applied from the end
    for i in _nested_groups(toks, group):
        mentioned = _own_variables(toks, i)
        block = _values_block({n: t for n, t in bindings.items() if n in mentioned})
        if block:
            inserts.append((toks[i].end, f" {block} "))
    block = _values_block(bindings)
    open_i = toks[group]
    first = toks[group + 1] if group + 1 < len(toks) else None
    if first is not None and first.is_keyword("SELECT"):
        close = next(t for t in toks[group + 1 :] if t.kind == "close" and t.depth == 0)
        inserts += [(open_i.end, f" {block} {{ "), (close.start, " } ")]
    else:
        inserts.append((open_i.end, f" {block} "))
    for offset, insert in sorted(inserts, key=lambda x: x[0], reverse=True):
        text = text[:offset] + insert + text[offset:]
    return text


def _values_block(bindings: Mapping[str, str]) -> str:
    return " ".join(f"VALUES ?{name} {{ {term} }}" for name, term in bindings.items())


def _nested_groups(toks: list[Token], group: int) -> list[int]:
    """Indexes of the ``{`` of the group patterns inside the group opened at ``group``
    (not a sub-SELECT's own braces, nor a VALUES data block)."""
    found = []
    depth = toks[group].depth
    for i in range(group + 1, len(toks)):
        tok = toks[i]
        if tok.kind == "close" and tok.depth == depth:
            break
        if tok.kind != "open":
            continue
        after = toks[i + 1] if i + 1 < len(toks) else None
        if after is not None and after.is_keyword("SELECT"):
            continue
        if not _in_values(toks, i):
            found.append(i)
    return found


def _in_values(toks: list[Token], i: int) -> bool:
    """Whether the ``{`` at ``i`` opens the data block of ``VALUES ?x`` / ``VALUES (...)``."""
    j = i - 1
    while (
        j >= 0
        and toks[j].depth == toks[i].depth
        and (toks[j].kind == "var" or toks[j].text in "()")
    ):
        j -= 1
    return j >= 0 and toks[j].is_keyword("VALUES")


def _own_variables(toks: list[Token], i: int) -> set[str]:
    """The variables in the group opened at ``i``, not counting its nested groups."""
    inner = toks[i].depth + 1
    names = set()
    for tok in toks[i + 1 :]:
        if tok.kind == "close" and tok.depth == inner - 1:
            break
        if tok.kind == "var" and tok.depth == inner:
            names.add(tok.text[1:])
    return names


def _where_group(toks: list[Token]) -> int | None:
    """Index of the ``{`` opening the WHERE group of the (outermost) query, if any."""
    top = [(i, t) for i, t in enumerate(toks) if t.depth == 0]
    for n, (_, t) in enumerate(top):
        if t.is_keyword("WHERE"):
            return next((i for i, u in top[n + 1 :] if u.kind == "open"), None)
    opens = [i for i, t in top if t.kind == "open"]
    is_construct = any(t.is_keyword("CONSTRUCT") for _, t in top)
    # Without the WHERE keyword, a CONSTRUCT's first group is its template.
    opens = opens[1:] if is_construct else opens
    return opens[0] if opens else None


#: A prefixed name's prefix, roughly (in strings and IRIs too: a PREFIX declared for
#: nothing is harmless).
_USED_PREFIX = re.compile(r"(?<![\w\-.:/<#?$])([A-Za-z][\w\-.]*)?:")


def predeclared(text: str, prefixes: Mapping[str, str]) -> str:
    """``text`` with, on one first line, a PREFIX declaration for each prefix of
    ``prefixes`` it seems to use. The query's own declarations come after, so they win
    (a later PREFIX redefines an earlier one): standard SPARQL, with fewer lines to type.
    Error positions in the result are one line down (``readable_syntax_error``)."""
    used = {m.group(1) or "" for m in _USED_PREFIX.finditer(text)}
    line = " ".join(f"PREFIX {p}: <{iri}>" for p, iri in prefixes.items() if p in used)
    return f"{line}\n{text}" if line else text


_POSITION = re.compile(r"\bat (\d+):(\d+)")


def readable_syntax_error(
    message: str, text: str, prefixes: Mapping[str, str], shifted: bool
) -> str:
    """A parser's message about ``text`` made readable: on one line, positions in the
    text as the client wrote it (not one line down, ``shifted`` by ``predeclared``),
    an unknown prefix named with its fix, and long lists of expected characters cut."""
    if shifted:

        def up(m: re.Match[str]) -> str:
            return f"at {max(1, int(m.group(1)) - 1)}:{m.group(2)}"

        message = _POSITION.sub(up, message, count=1)
    if "Prefix not found" in message:
        declared = declared_prefixes(text)
        unknown = sorted(
            {m.group(1) or "" for m in _USED_PREFIX.finditer(text)} - set(declared) - set(prefixes)
        )
        where = _POSITION.search(message)
        at = f" ({where.group(0)})" if where else ""
        names = ", ".join(f"'{p}:'" for p in unknown) or "a prefix"
        example = unknown[0] if unknown else "ex"
        known = ", ".join(f"{p}:" for p in prefixes)
        return (
            f"unknown prefix {names}{at}: declare it, e.g. PREFIX {example}: <http://...> "
            f"at the start of the query (declared here already: {known})"
        )
    message = " ".join(message.split())
    if len(message) > 300:
        message = message[:300] + "..."
    return message
