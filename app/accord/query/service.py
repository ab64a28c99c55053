"""The query service: the store as the server's own pages, VoID and service description
see it.  Every SPARQL they run goes through the executor, as a user's query does: in a
sandboxed query worker, with its timeout and the row cap, never in the server process
(at a million triples, VoID's counts took seconds there, outside every limit).  What is
not SPARQL (the version, the files, the graph sizes) is the store's own.  Inside a page
build (``accord.query.budget.within``) each query first checks the page's deadline.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rdflib.term import Identifier

from accord.query import budget
from accord.query.executor import Executor
from accord.query.worker import QueryJob
from accord.query_dataset import UNION, QueryDataset
from accord.stores.base import ResultKind, Store
from accord.stores.oxigraph import solution_rows
from accord.stores.remote import query_form

JSON = "application/sparql-results+json"


@dataclasses.dataclass
class Answered:
    """A query's result, run on a worker when it is serialised (in the format asked)."""

    executor: Executor
    job: QueryJob
    kind: ResultKind

    def serialize(self, media_type: str) -> bytes:
        budget.check()  # a page build past its time budget runs no further query
        return self.executor.run(dataclasses.replace(self.job, accept=media_type)).body


class QueryService:
    """A Store whose queries run on the executor's workers (see the module docstring)."""

    def __init__(self, executor: Executor) -> None:
        self.executor = executor
        self.store: Store = executor.store

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def query(
        self, sparql: str, *, dataset: QueryDataset = UNION, base_iri: str | None = None
    ) -> Answered:
        job = QueryJob(
            sparql,
            dataset=dataset,
            base_iri=base_iri,
            max_rows=self.executor.settings.max_result_rows,
        )
        return Answered(self.executor, job, query_form(sparql) or "solutions")

    def select(self, sparql: str) -> list[dict[str, Identifier]]:
        """Rows of rdflib terms, as ``Store.select``."""
        return solution_rows(self.query(sparql).serialize(JSON))
