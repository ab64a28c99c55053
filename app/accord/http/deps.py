"""FastAPI dependencies: the store, the query service and the settings, built once at
start-up.  Routes that show the dataset (pages, documents, VoID, the service
description) take the query service (``ServiceDep``): their SPARQL runs on the query
workers; routes that write take the store itself (``StoreDep``).

They are ``async def`` although they never await: FastAPI runs a plain ``def``
dependency in its thread pool, two thread hops per request for reading an attribute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from accord.settings import Settings
from accord.stores.base import Store

if TYPE_CHECKING:
    from accord.services import Services


def services_of(request: Request) -> Services:
    """The application's services (its composition root, ``accord.services``)."""
    return request.app.state.services  # type: ignore[no-any-return]


async def get_store(request: Request) -> Store:
    return services_of(request).store


async def get_query_service(request: Request) -> Store:
    return services_of(request).query_service  # type: ignore[return-value]


async def get_app_settings(request: Request) -> Settings:
    return services_of(request).settings


StoreDep = Annotated[Store, Depends(get_store)]
ServiceDep = Annotated[Store, Depends(get_query_service)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
