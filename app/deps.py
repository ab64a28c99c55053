"""FastAPI dependencies: the store and the settings, built once at start-up."""

from typing import Annotated

from fastapi import Depends, Request

from app.settings import Settings
from app.store import Store


def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
