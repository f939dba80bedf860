"""CRM test helpers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


class Crm:
    """Small client wrapper: JSON in, (status, body, headers) out."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def call(self, method: str, path: str, json: Any = None, **headers: str) -> Any:
        h = {**self.headers, **{k.replace("_", "-"): v for k, v in headers.items()}}
        return self.client.request(method, "/v1/crm" + path, json=json, headers=h)

    def create(self, entity: str, **fields: Any) -> dict[str, Any]:
        r = self.call("POST", f"/{entity}", fields)
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body


@pytest.fixture
def crm(client: TestClient, tenant: Any) -> Crm:
    return Crm(client, tenant.headers)
