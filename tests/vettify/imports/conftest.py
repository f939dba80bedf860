"""CSV import helpers: upload through the API, take what ``start`` queued in the outbox (as the relay
would), run the task eagerly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from genius.core.db.session import SET_TENANT
from genius.core.platform import Platform
from genius.vettify.imports import service
from genius.workers.etl_sync import tasks


class Imports:
    def __init__(self, client: TestClient, headers: dict[str, str], tid: uuid.UUID) -> None:
        self.client = client
        self.headers = headers
        self.tid = tid
        self._queued: list[tuple[str, str]] = []

    @property
    def queued(self) -> list[tuple[str, str]]:
        """The import tasks ``start`` wrote to the outbox, taken (marked sent) as the relay would."""
        platform: Platform = self.client.app.state.platform  # type: ignore[attr-defined]
        with platform.db.tenant_session(self.tid) as s:
            rows = s.execute(
                text(
                    "UPDATE core.outbox SET published_at = clock_timestamp() WHERE kind = 'task' "
                    "AND topic = :task AND published_at IS NULL RETURNING seq, data"
                ),
                {"task": service.TASK},
            ).all()
        for _, data in sorted(rows):
            tid, import_id = data["args"]
            self._queued.append((tid, import_id))
        return self._queued

    def upload(
        self,
        data: bytes,
        entity: str = "leads",
        filename: str = "leads.csv",
        headers: dict[str, str] | None = None,
    ) -> Any:
        return self.client.post(
            "/v1/crm/imports",
            files={"file": (filename, data, "text/csv")},
            data={"entity": entity},
            headers=self.headers if headers is None else headers,
        )

    def call(self, method: str, path: str, json: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.request(
            method, "/v1/crm" + path, json=json, headers=self.headers if headers is None else headers
        )

    def uploaded(self, data: bytes, entity: str = "leads") -> dict[str, Any]:
        r = self.upload(data, entity)
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body

    def start(self, import_id: str) -> dict[str, Any]:
        r = self.call("POST", f"/imports/{import_id}/start")
        assert r.status_code == 202, r.text
        body: dict[str, Any] = r.json()
        return body

    def run_queued(self) -> list[dict[str, Any]]:
        """Run every task ``start`` enqueued, eagerly, as the etl.sync worker would."""
        results = []
        queued = self.queued
        while queued:
            tid, import_id = queued.pop(0)
            results.append(tasks.crm_import.apply(args=[tid, import_id]).get())
        return results

    def get(self, import_id: str) -> dict[str, Any]:
        r = self.call("GET", f"/imports/{import_id}")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def import_file(
        self,
        data: bytes,
        on_duplicate: str = "skip",
        entity: str = "leads",
        mapping: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        up = self.uploaded(data, entity)
        body = {"mapping": mapping or up["suggested_mapping"], "on_duplicate": on_duplicate}
        r = self.call("PUT", f"/imports/{up['id']}/mapping", body)
        assert r.status_code == 200, r.text
        self.start(up["id"])
        self.run_queued()
        return self.get(up["id"])


@pytest.fixture
def worker(platform: Platform, db: Connection) -> Iterator[None]:
    tasks.use_context(platform.db, platform.settings)
    yield
    tasks.use_context(None)


@pytest.fixture
def imports(client: TestClient, tenant: Any, worker: None) -> Imports:
    return Imports(client, tenant.headers, tenant.id)


def tenant_rows(db: Connection, tid: uuid.UUID, sql: str, **params: Any) -> list[Any]:
    db.execute(SET_TENANT, {"tid": str(tid), "whid": ""})
    return list(db.execute(text(sql), params).all())
