"""Citations of the dataset and of query answers: CSL-JSON, BibTeX, RIS.

A result is citable when a reader can get the same answer again: the citation names
the dataset version the answer came from (it changes with every write), the query
(its permalink on this server and the SHA-256 of its text), the date it was retrieved,
and the sources behind the rows (what the rows' resources were derived from,
``prov:wasDerivedFrom``). CSL-JSON is what Zotero and citeproc read; BibTeX is written
with bibtexparser and RIS with rispy (LaTeX's special characters escaped here, since
bibtexparser writes values as they are).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date

import bibtexparser
import rispy
from bibtexparser.model import Entry, Field

from accord import __version__

TITLE = "Accord: a knowledge graph of international security commitments"
PUBLISHER = "Accord"
AUTHOR = "Accord contributors"
#: The formats, by the value of ``format``: media type and file extension.
FORMATS = {
    "csl-json": ("application/vnd.citationstyles.csl+json", "json"),
    "bibtex": ("application/x-bibtex", "bib"),
    "ris": ("application/x-research-info-systems", "ris"),
}


@dataclass(frozen=True)
class Source:
    iri: str
    label: str
    url: str | None = None


@dataclass(frozen=True)
class Citation:
    """What a citation names (``query`` None: the dataset itself)."""

    dataset_version: str
    url: str  # the permalink: the dataset's page, or the query's address
    accessed: date
    query: str | None = None
    title: str | None = None  # a named query's title
    sources: tuple[Source, ...] = field(default_factory=tuple)

    @property
    def query_hash(self) -> str | None:
        if self.query is None:
            return None
        return hashlib.sha256(self.query.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def key(self) -> str:
        """A citation key: the dataset version and, for an answer, the query's hash."""
        tail = f"-{self.query_hash[:8]}" if self.query_hash else ""
        return f"accord-{self.dataset_version[:8]}{tail}"

    @property
    def full_title(self) -> str:
        if self.query is None:
            return TITLE
        what = self.title or "Answer to a SPARQL query"
        return f"{what} (SPARQL query over {TITLE})"

    def note(self) -> str:
        parts = [f"Dataset version {self.dataset_version}; Accord {__version__}."]
        if self.query_hash:
            parts.append(f"SPARQL query SHA-256 {self.query_hash}.")
        if self.sources:
            names = "; ".join(f"{s.label} <{s.url}>" if s.url else s.label for s in self.sources)
            parts.append(f"Sources behind the rows: {names}.")
        return " ".join(parts)


def csl_json(c: Citation) -> bytes:
    """A CSL-JSON array of one item (type ``dataset``)."""
    d = c.accessed
    item = {
        "id": c.key,
        "type": "dataset",
        "title": c.full_title,
        "author": [{"literal": AUTHOR}],
        "publisher": PUBLISHER,
        "version": c.dataset_version,
        "URL": c.url,
        "accessed": {"date-parts": [[d.year, d.month, d.day]]},
        "issued": {"date-parts": [[d.year]]},
        "note": c.note(),
    }
    return json.dumps([item], ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


_LATEX = re.compile(r"([&%$#_{}])|(\\)|(~)|(\^)")


def _latex(text: str) -> str:
    def escape(m: re.Match[str]) -> str:
        if m.group(1):
            return "\\" + m.group(1)
        if m.group(2):
            return r"\textbackslash{}"
        return r"\textasciitilde{}" if m.group(3) else r"\textasciicircum{}"

    return _LATEX.sub(escape, text)


def bibtex(c: Citation) -> bytes:
    """A ``@misc`` entry (what BibTeX styles know for a dataset), written by bibtexparser."""
    fields = [
        Field("title", "{" + _latex(c.full_title) + "}"),
        Field("author", "{" + _latex(AUTHOR) + "}"),
        Field("howpublished", r"\url{" + c.url.replace("%", r"\%").replace("#", r"\#") + "}"),
        Field("year", str(c.accessed.year)),
        Field("version", _latex(c.dataset_version)),
        Field("urldate", c.accessed.isoformat()),
        Field("note", _latex(c.note())),
    ]
    library = bibtexparser.Library()
    library.add(Entry("misc", c.key, fields))
    return bibtexparser.write_string(library).strip().encode("utf-8") + b"\n"


def ris(c: Citation) -> bytes:
    """A ``TY - DATA`` record, written by rispy."""
    record = {
        "type_of_reference": "DATA",
        "title": c.full_title,
        "authors": [AUTHOR],
        "publisher": PUBLISHER,
        "year": str(c.accessed.year),
        "access_date": c.accessed.strftime("%Y/%m/%d"),
        "edition": c.dataset_version,
        "urls": [c.url],
        "notes": [c.note()],
        "id": c.key,
    }
    return rispy.dumps([record]).encode("utf-8")


WRITERS = {"csl-json": csl_json, "bibtex": bibtex, "ris": ris}
