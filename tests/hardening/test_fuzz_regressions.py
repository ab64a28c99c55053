"""Regressions found by .ci/fuzz.sh (schemathesis): each was a 500."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("path", ["/graph-store/%1A", "/graph-store/%C3%94%27%0C%C2%8Bqy"])
def test_graph_store_direct_url_with_control_characters_is_400_not_500(
    client_for: Callable[..., TestClient], path: str
) -> None:
    response = client_for().get(path)
    assert response.status_code == 400
    assert "is not a valid graph IRI" in response.text
