"""The composition root: every service the routes use, built once, in dependency order.

settings -> store -> query executor (its workers) -> query service (the store as pages
see it) -> writer (refreshes the executor after a commit, then tells the pages kept per
version which version the workers now see) -> named-query catalogue -> metrics -> the
pages kept per version.  ``create_app`` builds one :class:`Services` and keeps it as
``app.state.services``, the one thing kept there; routes receive its parts through the
dependencies of ``accord.http.deps``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from accord.http.cache import Representations
from accord.http.metrics import Metrics
from accord.query.catalogue import NamedQuery, load_catalogue
from accord.query.executor import Executor, build_executor
from accord.query.service import QueryService
from accord.settings import Settings
from accord.stores.base import Store
from accord.writes.writer import Writer, build_writer


@dataclass
class Services:
    settings: Settings
    store: Store
    executor: Executor
    query_service: QueryService
    writer: Writer | None
    catalogue: dict[str, NamedQuery]
    metrics: Metrics
    #: Pages and documents (and the 404 suggestions' index) kept per dataset version,
    #: their builds bounded (``page_*`` settings).
    representations: Representations
    #: Facts a route keeps for the store's current version: {name: (version, value)}.
    per_version: dict[str, tuple[str, Any]] = field(default_factory=dict)


def build_services(settings: Settings, store: Store) -> Services:
    """The services over ``store``, in dependency order."""
    executor = build_executor(store, settings)
    services = Services(
        settings=settings,
        store=store,
        executor=executor,
        query_service=QueryService(executor),
        writer=None,
        catalogue=load_catalogue(settings.queries_dir),
        metrics=Metrics(),
        representations=Representations.from_settings(settings),
    )
    services.representations.readers = store.version
    # The writer tells the executor in place at commit time (a test may replace it).
    services.writer = build_writer(settings, store, services)  # None: read-only
    if services.writer is not None:
        services.writer.on_commit = _then_pages_see(services, services.writer.on_commit)
    return services


def _then_pages_see(services: Services, refresh: Callable[[], None] | None) -> Callable[[], None]:
    """After a commit: the workers refreshed, then pages built from now on may be kept
    under the new version (one built between the commit and the refresh read old data)."""

    def committed() -> None:
        if refresh is not None:
            refresh()
        services.representations.readers = services.store.version

    return committed
