"""The OpenAPI description's operation IDs, one per operation.

``/docs`` (Swagger UI) and ``/redoc`` are served by ``fastapi-offline`` with their files
from Accord's own server (``/docs/assets``), never from a CDN, so that they work offline
and behind a firewall (see accord.main).  Routes that answer GET and HEAD would give
both operations the same ID, which client generators reject; :func:`install_unique_ids`
renames them.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from typing import Any

from fastapi import FastAPI

#: Where the documentation pages' files are served.
ASSETS = "/docs/assets"

_METHOD_SUFFIX = re.compile(r"_(get|head|post|put|delete|patch|options)$")


def unique_operation_ids(schema: dict[str, Any]) -> dict[str, Any]:
    """Give every operation that shares its ID with another one ``{name}_{method}``."""
    operations = [op for ops in schema.get("paths", {}).values() for op in ops.values()]
    counts = Counter(op.get("operationId") for op in operations)
    for ops in schema.get("paths", {}).values():
        for method, op in ops.items():
            if counts[op.get("operationId")] > 1:
                op["operationId"] = f"{_METHOD_SUFFIX.sub('', op['operationId'])}_{method}"
    return schema


def install_unique_ids(app: FastAPI) -> None:
    """Make the application's OpenAPI description give each operation its own ID."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            with warnings.catch_warnings():  # the duplicates are made unique just below
                warnings.filterwarnings("ignore", "Duplicate Operation ID")
                app.openapi_schema = unique_operation_ids(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
