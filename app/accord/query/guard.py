"""Static checks on a query or update before any store sees it.

Each check is lexical (``app.sparql_text``'s tokenizer) and answers in time linear in
the text, so a hostile query is refused with a 400 naming the problem long before it
could crash or occupy a worker:

- size (``max_query_chars``) and nesting depth of ``( [ {`` (``max_query_depth``):
  pyoxigraph's recursive parser crashes the whole process on a few thousand levels;
- ``SERVICE``: refused unless its endpoint is on ``service_allow`` (empty by default);
  a variable endpoint is always refused;
- ``FROM`` / ``FROM NAMED`` (queries) and ``USING`` / ``USING NAMED`` (updates) must
  name graphs of the dataset: Accord never fetches a graph from elsewhere;
- ``LOAD`` (updates) is always refused: it would fetch a document.

The tokenizer is the SPARQL grammar's (longest match), and pyoxigraph's parser is more
lenient in a few corners (``?a<'x>y'`` is a comparison to it, an IRI to the grammar),
so a crafted query can hide a keyword from these checks.  They are the first line;
the query workers, which can open no file or socket (``app.worker``), are the second,
and updates are also checked on rdflib's parse tree (``check_update``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from urllib.parse import urljoin

from accord.errors import AccordError
from accord.query_dataset import UNION, QueryDataset
from accord.settings import Settings
from accord.sparql_text import Token, tokens

_OPEN = {"(", "[", "{"}
_CLOSE = {")", "]", "}"}
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
#: Passes over the text to neutralise ``\`` escapes of prefixed names (see ``scan``).
_ESCAPE_PASSES = 8


class QueryRefused(AccordError):
    """A query or update that this server will not run; the message says why."""

    status = 400
    reason = "refused"


class QueryTooLarge(QueryRefused):
    reason = "query_too_large"


class QueryTooDeep(QueryRefused):
    reason = "query_too_deep"


class OutboundRefused(QueryRefused):
    """SERVICE, LOAD, or a dataset clause naming a graph from outside the dataset."""

    reason = "outbound"


class UnknownGraph(QueryRefused):
    reason = "unknown_graph"


def check_query(
    text: str, settings: Settings, graphs: Collection[str] | None, base_iri: str | None = None
) -> QueryDataset:
    """Refuse a query that is too big, too deep, calls a SERVICE that is not allowed, or
    names in FROM / FROM NAMED a graph outside ``graphs`` (``None``: not checked).
    Returns the dataset its FROM / FROM NAMED clauses describe, their IRIs resolved as
    the parser resolves them (BASE after BASE, PREFIXes, relative IRIs against
    ``base_iri``), or :data:`UNION` when it has none."""
    toks = _checked_tokens(text, settings)
    _check_service(toks, settings.service_allow, base_iri)
    return _dataset(toks, graphs, base_iri)


def check_update(
    text: str, settings: Settings, graphs: Collection[str] | None, base_iri: str | None = None
) -> None:
    """Refuse an update that is too big or too deep, LOADs anything, calls a SERVICE,
    or names in USING / USING NAMED a graph outside ``graphs``."""
    toks = _checked_tokens(text, settings)
    refuse_fetching_update(text, toks)
    if graphs is not None:
        _checked_dataset(toks, "USING", graphs, base_iri)


#: Why LOAD is refused, wherever it is.
LOAD_REFUSED = (
    "LOAD is refused: this server never fetches a document from the network or the file "
    "system; send the data in the request (Graph Store Protocol) instead"
)


def refuse_fetching_update(text: str, toks: list[Token] | None = None) -> None:
    """The one policy for what an update may fetch: nothing.  LOAD and SERVICE are refused
    (400): updates run in the server process, not in a sandboxed query worker, so even
    an allow-listed SERVICE endpoint is not called from one.  Checked on the tokens and
    on rdflib's parse tree, which reads the text as a parser does."""
    for tok in scan(text) if toks is None else toks:
        if tok.is_keyword("LOAD"):
            raise OutboundRefused(LOAD_REFUSED)
        if tok.is_keyword("SERVICE"):
            raise OutboundRefused(
                "SERVICE is refused in an update: updates run in the server process, which "
                "sends no request to another endpoint (a query may call an allowed one)"
            )
    _check_update_tree(text, ())


def scan(text: str) -> list[Token]:
    """The tokens of ``text`` as the parser would see its code.

    A ``\\`` outside strings and IRIs escapes the next character of a prefixed name
    (``ex:a\\#b`` is the name ``a#b``), which the tokenizer would take for the start of a
    comment; each such pair is replaced by ``__`` and the text tokenized again, until no
    escape is left outside strings and IRIs."""
    for _ in range(_ESCAPE_PASSES):
        toks = tokens(text)
        escapes = [t.start for t in toks if t.kind == "other" and t.text == "\\"]
        if not escapes:
            return toks
        chars = list(text)
        for i in escapes:
            chars[i : i + 2] = "__"[: len(chars[i : i + 2])]
        text = "".join(chars)
    raise QueryRefused("the query has too many nested escapes (\\) to be checked; simplify it")


def depth(toks: Iterable[Token]) -> int:
    """The deepest nesting of ``( [ {`` among the tokens."""
    level = deepest = 0
    for tok in toks:
        if tok.text in _OPEN and tok.kind in ("open", "other"):
            level += 1
            deepest = max(deepest, level)
        elif tok.text in _CLOSE and tok.kind in ("close", "other"):
            level = max(level - 1, 0)
    return deepest


def _checked_tokens(text: str, settings: Settings) -> list[Token]:
    if len(text) > settings.max_query_chars:
        raise QueryTooLarge(
            f"the query has {len(text)} characters; this server accepts at most "
            f"{settings.max_query_chars}"
        )
    toks = scan(text)
    deepest = depth(toks)
    if deepest > settings.max_query_depth:
        raise QueryTooDeep(
            f"the query nests brackets ( [ {{ {deepest} levels deep; this server accepts at "
            f"most {settings.max_query_depth}"
        )
    return toks


def _check_service(toks: list[Token], allow: Collection[str], base_iri: str | None) -> None:
    for clause, target, iri in _targets(toks, "SERVICE", base_iri):
        if target is not None and target.kind == "var":
            raise OutboundRefused(
                f"SERVICE {target.text} is refused: a federated query must name its endpoint, "
                "and this server calls only the endpoints it is configured to allow"
            )
        if iri is None or iri not in allow:
            shown = f"<{iri}>" if iri else (target.text if target else "")
            allowed = ", ".join(f"<{a}>" for a in allow) or "none"
            raise OutboundRefused(
                f"{clause} {shown} is refused: this server sends no request to other endpoints "
                f"except those it is configured to allow (allowed: {allowed})"
            )


def _dataset(
    toks: list[Token], graphs: Collection[str] | None, base_iri: str | None
) -> QueryDataset:
    default: list[str] = []
    named: list[str] = []
    for clause, iri in _checked_dataset(toks, "FROM", graphs, base_iri):
        (named if clause == "FROM NAMED" else default).append(iri)
    return QueryDataset.explicit(default, named) if default or named else UNION


def _checked_dataset(
    toks: list[Token], keyword: str, graphs: Collection[str] | None, base_iri: str | None
) -> list[tuple[str, str]]:
    """Each FROM / USING clause (with NAMED) and the graph IRI it names, refused unless
    it names a graph IRI of ``graphs`` (``None``: any IRI)."""
    found = []
    for clause, target, iri in _targets(toks, keyword, base_iri, top_level=True):
        if iri is None:
            got = target.text if target is not None else "nothing"
            raise UnknownGraph(f"{clause} must name a graph IRI; got {got}")
        if graphs is not None and iri not in graphs:
            kind = "remote or file " if iri.split(":", 1)[0].lower() in _REMOTE else ""
            raise UnknownGraph(
                f"{clause} <{iri}> names no graph of this dataset; this server never fetches "
                f"{kind}graphs from elsewhere (see GET /sparql for the dataset's graphs)"
            )
        found.append((clause, iri))
    return found


_REMOTE = {"http", "https", "ftp", "file"}


def _targets(
    toks: list[Token], keyword: str, base_iri: str | None, top_level: bool = False
) -> Iterator[tuple[str, Token | None, str | None]]:
    """For each ``keyword`` (SERVICE, FROM, USING): the clause as written (with SILENT or
    NAMED), the token it names, and the IRI that token stands for, or ``None`` when it is
    not an IRI or a complete prefixed name.  One pass, following PREFIX and BASE."""
    base = base_iri or ""
    prefixes: dict[str, str] = {}
    for i, tok in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if tok.is_keyword("BASE") and nxt is not None and nxt.kind == "iri":
            base = urljoin(base, _unescape(nxt.text[1:-1]))
        elif tok.is_keyword("PREFIX") and nxt is not None and nxt.text.endswith(":"):
            decl = toks[i + 2] if i + 2 < len(toks) else None
            if decl is not None and decl.kind == "iri":
                prefixes[nxt.text[:-1]] = urljoin(base, _unescape(decl.text[1:-1]))
        elif tok.is_keyword(keyword) and not (top_level and tok.depth != 0):
            j = i + 1
            clause = keyword
            if nxt is not None and nxt.is_keyword("SILENT", "NAMED"):
                clause = f"{keyword} {nxt.text.upper()}"
                j += 1
            target = toks[j] if j < len(toks) else None
            after = toks[j + 1] if j + 1 < len(toks) else None
            yield clause, target, _resolve(target, after, base, prefixes)


def _resolve(
    tok: Token | None, after: Token | None, base: str, prefixes: dict[str, str]
) -> str | None:
    if tok is None:
        return None
    if tok.kind == "iri":
        iri = _unescape(tok.text[1:-1])
        return urljoin(base, iri) if base else iri
    # A prefixed name must stand alone: glued to a token other than "{" it may be longer.
    glued = after is not None and after.start == tok.end and after.kind != "open"
    if tok.kind == "word" and ":" in tok.text and not glued:
        prefix, _, local = tok.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None


def _unescape(iri: str) -> str:
    """``\\uXXXX`` and ``\\UXXXXXXXX`` escapes of an IRI, decoded as the parser does."""
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), iri)


def _check_update_tree(text: str, allow: Collection[str]) -> None:
    """LOAD and SERVICE as rdflib's parser reads the update (a syntax error is left to
    the caller's own syntax check)."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        tree = parseUpdate(text)
    except (ParseBaseException, RecursionError):
        return
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "Load":
                raise OutboundRefused(LOAD_REFUSED)
            if node.name == "ServiceGraphPattern" and str(node.get("term")) not in allow:
                raise OutboundRefused(
                    f"SERVICE {node.get('term')} is refused: this server sends no request to "
                    "other endpoints except those it is configured to allow"
                )
            stack.extend(node.values())
        elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
            stack.extend(node)  # type: ignore[arg-type]
