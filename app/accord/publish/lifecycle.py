"""The dated steps of commitments, and the one rule for "known by a date".

The state pages ("pledges as of D") and the researcher tables (first announcement,
latest step) read steps from here; the named query ``status-as-of`` applies the same
rule in SPARQL.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.namespace import XSD

from accord.namespaces import sparql_prologue
from accord.publish.describe import select, term_value
from accord.stores.base import Store


def known_from(value: str, datatype: str | None) -> str:
    """The day from which a step dated ``value`` is known to have happened, as text.

    A step known only to the month or year counts from the end of it (a "2026-03"
    approval is not known to have happened on 15 March).
    """
    if datatype == str(XSD.gYear):
        return value + "-12-31"
    if datatype == str(XSD.gYearMonth):
        return value + "-31"
    return value


@dataclass(frozen=True, order=True)
class Step:
    known: str  # the day it is known by (see known_from); steps sort by it
    when: str  # the date as the source gives it (a day, month or year)
    kind: str  # the event type's IRI
    commitment: str


def dated_steps(store: Store, where: str = "") -> list[Step]:
    """Every step with a date (or only an upper bound, accord:notAfter), sorted by the
    day it is known by; ``where`` restricts ``?commitment`` (a SPARQL group pattern).
    Undated steps are left out: no date is known for them."""
    rows = select(
        store,
        sparql_prologue()
        + f"""SELECT ?commitment ?type ?when WHERE {{
          {where}
          ?step accord:ofCommitment ?commitment ; accord:eventType ?type .
          {{ ?step accord:date ?when }}
          UNION {{ ?step accord:notAfter ?when FILTER NOT EXISTS {{ ?step accord:date ?d }} }}
        }}""",
    )
    steps = []
    for row in rows:
        when = row.get("when")
        if isinstance(when, ox.Literal):
            steps.append(
                Step(
                    known_from(when.value, when.datatype.value),
                    when.value,
                    term_value(row["type"]),
                    term_value(row["commitment"]),
                )
            )
    return sorted(steps)
