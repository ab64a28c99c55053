"""Rows to RDF and RDF to rows, in the layout of :mod:`accord.sheets.layout`.

``to_tables`` and ``to_graph`` are inverses: a graph written to tables and read back is
the same graph (tests/sheets/test_round_trip.py checks it on the bundled data).
``to_graph`` also checks every cell on the way, and reports each problem at its sheet,
row and column, with a suggestion where one is close; it keeps, for each statement it
makes, the cell it came from, so that a SHACL result on a node and a property can be
reported at that cell too.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from accord.namespaces import PREFIXES, curie
from accord.sheets.layout import ID, OTHER, Column, Kind, Sheet, class_name, layout

Cell = str | int | float | bool | dt.date | dt.datetime | None

REF_SEP = "; "
TEXT_SEP = "\n"
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")
LANG_SUFFIX = re.compile(r"^(.*)@([a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)$", re.S)
OTHER_COLUMNS = ("subject", "predicate", "object")
#: Comparisons of a dangling id with the known ids, in all (about 10 s of difflib).
ID_SUGGESTIONS = 1_000_000


# --- problems, located ------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Place:
    """A cell (or a whole row, or a whole sheet) of the workbook or CSV folder."""

    sheet: str  # a sheet name, or a CSV file name
    row: int = 0  # 1-based, as the spreadsheet shows it; 0: the whole sheet
    column: str = ""  # the column's header; "": the whole row

    def __str__(self) -> str:
        return ":".join(str(p) for p in (self.sheet, self.row or "", self.column) if p != "")


@dataclass(frozen=True, order=True)
class Problem:
    place: Place
    message: str
    value: str = ""

    def __str__(self) -> str:
        shown = f" {self.value!r}:" if self.value else ""
        return f"{self.place}:{shown} {self.message}"


def suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


# --- terms as cells ---------------------------------------------------------------------


def expand(token: str) -> URIRef | None:
    """A reference as written in a cell: an id, a CURIE or a full IRI."""
    token = token.strip()
    if re.match(r"^[a-z][a-z0-9+.-]*://", token):
        return URIRef(token)
    if ":" in token:
        prefix, local = token.split(":", 1)
        if prefix in PREFIXES:
            return URIRef(PREFIXES[prefix] + local)
        return None
    if ID_PATTERN.match(token):
        return URIRef(ID + token)
    return None


def ref_cell(term: Node) -> str:
    if isinstance(term, URIRef) and str(term).startswith(ID):
        local = str(term)[len(ID) :]
        if ID_PATTERN.match(local):
            return local
    return curie(term) if isinstance(term, URIRef) else term.n3()


def _literal_cell(value: Literal) -> str:
    if value.language and value.language != "en":
        return f"{value}@{value.language}"
    return str(value)


def node_n3(term: Node) -> str:
    """A term for the sheet 'other statements' (Turtle syntax, CURIEs where known)."""
    if isinstance(term, URIRef):
        short = curie(term)
        return short if short != str(term) else f"<{term}>"
    if isinstance(term, Literal) and term.datatype:
        return f"{Literal(str(term)).n3()}^^{node_n3(term.datatype)}"
    return term.n3()


def parse_n3(text: str) -> Node | None:
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        return URIRef(text[1:-1])
    if text.startswith("_:"):
        return BNode(text[2:])
    if text.startswith('"'):
        graph = Graph()
        prologue = "".join(f"@prefix {p}: <{i}> .\n" for p, i in PREFIXES.items())
        try:
            graph.parse(data=f"{prologue}<urn:s> <urn:p> {text} .", format="turtle")
        except Exception:  # noqa: BLE001 (any syntax error is the cell's problem)
            return None
        return next(graph.objects(), None)
    return expand(text) if ":" in text else None


# --- graph -> tables ----------------------------------------------------------------------


def _sheet_of(types: set[Node]) -> tuple[Sheet, URIRef] | None:
    for sheet in layout():
        for cls in sheet.classes:
            if cls in types:
                return sheet, cls
    return None


def to_tables(graph: Graph) -> dict[str, list[dict[str, str]]]:
    """The graph's records as rows of cells (text), sheet by sheet; the rest as triples."""
    tables: dict[str, list[dict[str, str]]] = {s.name: [] for s in layout()}
    tables[OTHER] = []
    used: set[tuple[Node, Node, Node]] = set()
    subjects = sorted({s for s in graph.subjects() if isinstance(s, URIRef)}, key=str)
    for subject in subjects:
        local = str(subject)[len(ID) :] if str(subject).startswith(ID) else ""
        found = (
            _sheet_of(set(graph.objects(subject, RDF.type))) if ID_PATTERN.match(local) else None
        )
        if found is None:
            continue
        sheet, cls = found
        row = {"id": local}
        if sheet.kinds:
            row["kind"] = class_name(cls)
        used.add((subject, RDF.type, cls))
        for column in sheet.columns:
            values = sorted(graph.objects(subject, column.prop), key=_sort_key)
            cells = [_cell_of(column, v) for v in values]
            keep = [(v, c) for v, c in zip(values, cells, strict=True) if c is not None]
            if keep:
                sep = TEXT_SEP if column.kind in (Kind.TEXT, Kind.STRING) else REF_SEP
                row[column.header] = sep.join(c for _, c in keep)  # type: ignore[misc]
                used.update((subject, column.prop, v) for v, _ in keep)
        tables[sheet.name].append(row)
    for triple in sorted(graph, key=lambda t: tuple(_sort_key(x) for x in t)):
        if triple not in used:
            tables[OTHER].append(
                dict(zip(OTHER_COLUMNS, (node_n3(x) for x in triple), strict=True))
            )
    return tables


def _sort_key(term: Node) -> tuple[str, str]:
    return (type(term).__name__, str(term))


def _cell_of(column: Column, value: Node) -> str | None:
    """The cell text for one value, or None when the column cannot hold it exactly
    (it then goes to 'other statements')."""
    kind = column.kind
    if kind in (Kind.REF, Kind.IRI):
        if not isinstance(value, URIRef) or REF_SEP.strip() in str(value):
            return None
        return ref_cell(value)
    if kind == Kind.CONCEPT:
        labels = dict(column.concepts)
        return labels.get(value) if isinstance(value, URIRef) else None
    if not isinstance(value, Literal):
        return None
    if kind == Kind.TEXT:
        if value.datatype is not None or value.language is None or TEXT_SEP in str(value):
            return None
        return _literal_cell(value)
    if kind == Kind.STRING:
        plain = value.language is None and value.datatype in (None, XSD.string)
        return str(value) if plain and TEXT_SEP not in str(value) else None
    if kind == Kind.DATE:
        return str(value) if value.datatype in (XSD.date, XSD.gYear, XSD.gYearMonth) else None
    if kind == Kind.BOOL:
        return (
            str(value).lower()
            if value.datatype == XSD.boolean and str(value) in ("true", "false")
            else None
        )
    if kind == Kind.INT:
        return (
            str(value)
            if value.datatype == XSD.integer and re.fullmatch(r"-?[0-9]+", str(value))
            else None
        )
    return None


# --- tables -> graph ----------------------------------------------------------------------


@dataclass
class Row:
    sheet: str  # the sheet's name in the layout
    shown: str  # the name the file gives it (a sheet name, "commitments.csv")
    number: int
    cells: dict[str, Cell]


@dataclass
class Imported:
    graph: Graph = field(default_factory=Graph)
    problems: list[Problem] = field(default_factory=list)
    # where each statement came from: (subject, predicate) -> cell; subject -> row
    cells: dict[tuple[Node, Node], Place] = field(default_factory=dict)
    rows: dict[Node, Place] = field(default_factory=dict)
    sheets: dict[Node, Sheet] = field(default_factory=dict)
    # suggestions for ids that name no record (see suggest_id)
    _ids: list[str] | None = field(default=None, repr=False)
    _suggested: dict[str, str] = field(default_factory=dict, repr=False)

    def suggest_id(self, token: str, known: set[URIRef]) -> str:
        """A close id for one that names no record.  The ids are listed once (sorted: the
        same suggestion every run) and each token is looked up once; each look-up
        compares it with every id, so only as many as ``ID_SUGGESTIONS`` comparisons
        allow are made: a large workbook whose references all dangle (a sheet renamed
        or missing, reported on its own) would otherwise take hours."""
        if token not in self._suggested:
            if self._ids is None:
                self._ids = sorted(str(k)[len(ID) :] for k in known if str(k).startswith(ID))
            affordable = ID_SUGGESTIONS // max(1, len(self._ids))
            self._suggested[token] = (
                suggest(token, self._ids) if len(self._suggested) < affordable else ""
            )
        return self._suggested[token]

    def place_of(self, subject: Node, predicate: Node | None) -> Place | None:
        """The cell a statement came from; for a value that is missing, the empty cell of
        its column in the record's row; else the record's row."""
        if predicate is not None and (subject, predicate) in self.cells:
            return self.cells[(subject, predicate)]
        row = self.rows.get(subject)
        sheet = self.sheets.get(subject)
        if row is not None and sheet is not None and predicate is not None:
            header = next((c.header for c in sheet.columns if c.prop == predicate), None)
            if header is not None:
                return Place(row.sheet, row.row, header)
        return row


def to_graph(rows: Iterable[Row], headers: Mapping[str, list[str]], context: Graph) -> Imported:
    """The rows as RDF, every cell checked; references must name a record of the rows or
    of ``context`` (Accord's reference entities, the ontology's concepts)."""
    out = Imported()
    for prefix, iri in PREFIXES.items():
        out.graph.bind(prefix, iri)
    sheets = {s.name: s for s in layout()}
    known_sheets = [*sheets, OTHER]
    rows = list(rows)
    # the sheets and their headers
    for shown, names in headers.items():
        name = _sheet_name(shown)
        if name not in known_sheets:
            out.problems.append(
                Problem(
                    Place(shown), "is not a sheet of Accord's layout" + suggest(name, known_sheets)
                )
            )
            continue
        allowed = (
            list(OTHER_COLUMNS)
            if name == OTHER
            else [
                "id",
                *(["kind"] if sheets[name].kinds else []),
                *(c.header for c in sheets[name].columns),
            ]
        )
        for index, header in enumerate(names):
            if header and header in names[:index]:
                out.problems.append(
                    Problem(
                        Place(shown, 1, header),
                        "heads two columns: keep one column per header (one would hide the other)",
                    )
                )
            elif header and header not in allowed:
                out.problems.append(
                    Problem(
                        Place(shown, 1, header),
                        "is not a column of this sheet" + suggest(header, allowed),
                    )
                )
        if name != OTHER and names and "id" not in names:
            out.problems.append(Problem(Place(shown, 1), "has no column 'id'"))
    # every record's id first, so that references can point forwards
    defined: dict[URIRef, Place] = {}
    for row in rows:
        if row.sheet == OTHER or row.sheet not in sheets:
            continue
        place = Place(row.shown, row.number, "id")
        raw = row.cells.get("id")
        text = "" if raw is None else str(raw).strip()
        if not text:
            out.problems.append(Problem(place, "a record needs an id"))
            continue
        if not ID_PATTERN.match(text):
            out.problems.append(
                Problem(
                    place,
                    "an id is letters, digits and - . _ ~ (no spaces), starting with a letter or digit",
                    text,
                )
            )
            continue
        subject = URIRef(ID + text)
        if subject in defined:
            out.problems.append(
                Problem(place, f"this id is used twice (first at {defined[subject]})", text)
            )
            continue
        defined[subject] = place
    known = set(defined) | {s for s in context.subjects() if isinstance(s, URIRef)}
    for row in rows:
        if row.sheet == OTHER:
            _other_row(row, out)
        elif row.sheet in sheets:
            _record_row(sheets[row.sheet], row, defined, known, out)
    out.problems.sort()
    return out


def _sheet_name(shown: str) -> str:
    return shown[:-4] if shown.lower().endswith(".csv") else shown


def _record_row(
    sheet: Sheet, row: Row, defined: dict[URIRef, Place], known: set[URIRef], out: Imported
) -> None:
    raw_id = str(row.cells.get("id") or "").strip()
    subject = URIRef(ID + raw_id)
    if defined.get(subject) != Place(row.shown, row.number, "id"):
        return  # no id, a bad one, or a second use: reported already
    out.rows[subject] = Place(row.shown, row.number)
    out.sheets[subject] = sheet
    cls = sheet.classes[0]
    if sheet.kinds:
        kind = str(row.cells.get("kind") or "").strip()
        names = {class_name(c): c for c in sheet.classes}
        if kind not in names:
            message = f"kind must be one of: {', '.join(names)}" + suggest(kind, names)
            out.problems.append(Problem(Place(row.shown, row.number, "kind"), message, kind))
            return
        cls = names[kind]
    out.graph.add((subject, RDF.type, cls))
    for column in sheet.columns:
        value = row.cells.get(column.header)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        place = Place(row.shown, row.number, column.header)
        for term in _terms(column, value, place, known, out):
            out.graph.add((subject, column.prop, term))
            out.cells.setdefault((subject, column.prop), place)


def _terms(
    column: Column, value: Cell, place: Place, known: set[URIRef], out: Imported
) -> list[Node]:
    kind = column.kind

    def bad(message: str, shown: object = value) -> list[Node]:
        out.problems.append(Problem(place, message, str(shown)))
        return []

    if kind in (Kind.REF, Kind.IRI, Kind.CONCEPT):
        if not isinstance(value, str):
            return bad(f"a {kind.value} is text, not {type(value).__name__}")
        found: list[Node] = []
        for token in [t.strip() for t in value.replace("\n", ";").split(";") if t.strip()]:
            term = _concept(column, token) if kind == Kind.CONCEPT else expand(token)
            if term is None:
                if kind == Kind.CONCEPT:
                    labels = [label for _, label in column.concepts]
                    bad(f"is not a {column.header} of the list" + suggest(token, labels), token)
                else:
                    bad("is neither an id, a CURIE (wd:Q142) nor an IRI", token)
                continue
            if kind == Kind.REF and str(term).startswith(ID) and term not in known:
                bad("no record has this id" + out.suggest_id(token, known), token)
                continue
            found.append(term)
        return found
    if kind in (Kind.TEXT, Kind.STRING):
        texts = (
            [t for t in str(value).split(TEXT_SEP) if t.strip()]
            if isinstance(value, str)
            else [str(value)]
        )
        if kind == Kind.STRING:
            return [Literal(t) for t in texts]
        terms: list[Node] = []
        for t in texts:
            tagged = LANG_SUFFIX.match(t)
            terms.append(Literal(tagged[1], lang=tagged[2]) if tagged else Literal(t, lang="en"))
        return terms
    if kind == Kind.DATE:
        if isinstance(value, dt.datetime):
            if value.time() != dt.time(0):
                return bad("a date has no time of day")
            return [Literal(value.date().isoformat(), datatype=XSD.date)]
        if isinstance(value, dt.date):
            return [Literal(value.isoformat(), datatype=XSD.date)]
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:  # 20260106 typed without dashes is past the calendar's end as a serial
                serial = dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
                as_serial = f" (as an Excel serial date it would be {serial.isoformat()})"
            except (OverflowError, ValueError):
                as_serial = ""
            return bad(
                f"is a number, not a date{as_serial}; "
                "type the date as YYYY-MM-DD or format the cell as a date"
            )
        text = str(value).strip()
        for pattern, datatype in (
            (r"[0-9]{4}-[0-9]{2}-[0-9]{2}", XSD.date),
            (r"[0-9]{4}-[0-9]{2}", XSD.gYearMonth),
            (r"[0-9]{4}", XSD.gYear),
        ):
            if re.fullmatch(pattern, text):
                if datatype == XSD.date:
                    try:
                        dt.date.fromisoformat(text)
                    except ValueError:
                        return bad("is not a day of the calendar")
                return [Literal(text, datatype=datatype)]
        return bad(
            "is not a date: write YYYY-MM-DD, or YYYY-MM or YYYY when the source gives only that"
        )
    if kind == Kind.BOOL:
        if isinstance(value, bool):
            return [Literal(value)]
        if str(value).strip().lower() in ("true", "false"):
            return [Literal(str(value).strip().lower() == "true")]
        return bad("is neither true nor false")
    if kind == Kind.INT:
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and float(value).is_integer()
        ):
            return [Literal(int(value))]
        if re.fullmatch(r"-?[0-9]+", str(value).strip()):
            return [Literal(int(str(value).strip()))]
        return bad("is not a whole number")
    return bad("cannot be read")


def _concept(column: Column, token: str) -> URIRef | None:
    for concept, label in column.concepts:
        if (
            token.lower() == label.lower()
            or token == class_name(concept)
            or token == curie(concept)
        ):
            return concept
    return None


def _other_row(row: Row, out: Imported) -> None:
    terms = []
    for name in OTHER_COLUMNS:
        text = str(row.cells.get(name) or "").strip()
        term = parse_n3(text) if text else None
        if term is None:
            message = "is not a term: write id:x, a CURIE, <IRI>, _:blank or a quoted literal"
            out.problems.append(Problem(Place(row.shown, row.number, name), message, text))
            return
        terms.append(term)
    subject, predicate, obj = terms
    if isinstance(subject, Literal) or not isinstance(predicate, URIRef):
        out.problems.append(
            Problem(Place(row.shown, row.number), "a statement's subject and predicate are IRIs")
        )
        return
    out.graph.add((subject, predicate, obj))
    out.cells.setdefault((subject, predicate), Place(row.shown, row.number, "object"))
    out.rows.setdefault(subject, Place(row.shown, row.number))
