"""Sales test helpers: the tenant's company profile (the supplier), a CRM customer, an API wrapper, and
the official CIUS-RO check every issued document goes through."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from genius.compliance.fakes import bnr as fake_bnr_feed
from genius.core.directory import repository as directory
from genius.core.events.consumer import EventConsumer
from genius.core.events.models import OutboxEvent
from genius.core.events.schemas import Envelope
from genius.core.platform import Platform
from genius.core.tenancy import service as tenancy
from genius.core.tenancy.schemas import TenantSettingsIn
from genius.vettify import service as crm
from genius.vettify.schemas import AccountCreate
from tests.compliance.conftest import shared_data
from tests.conftest import LiveServer, free_port

SUPPLIER = TenantSettingsIn(
    company_name="Genius Software SRL",
    cui="RO18547290",
    registration_number="J12/1234/2010",
    address="Str. Memorandumului 28, Cluj-Napoca, Cluj",
)


def set_up_company(session: Session, tid: uuid.UUID) -> None:
    tenant = directory.get(session, tid)
    assert tenant is not None
    tenancy.save_company_settings(session, tenant, SUPPLIER, actor="test")


def add_customer(session: Session, tid: uuid.UUID, **fields: Any) -> uuid.UUID:
    values: dict[str, Any] = {
        "name": "Client Exemplu SA",
        "cui": "14399840",
        "address": "Bd. Unirii 10",
        "city": "Sector 3",
        "county": "București",
        **fields,
    }
    account = crm.create_account(session, crm.Actor(tid=tid, name="test"), AccountCreate(**values))
    return account.id


class Sales:
    """JSON in, response out, under /v1/sales."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def call(self, method: str, path: str, json: Any = None, **headers: str) -> Any:
        h = {**self.headers, **{k.replace("_", "-"): v for k, v in headers.items()}}
        return self.client.request(method, "/v1/sales" + path, json=json, headers=h)

    def ok(self, method: str, path: str, json: Any = None, status: int = 200, **headers: str) -> Any:
        r = self.call(method, path, json, **headers)
        assert r.status_code == status, r.text
        return r.json()

    def issue(self, invoice_id: str) -> dict[str, Any]:
        issued: dict[str, Any] = self.ok("POST", f"/invoices/{invoice_id}/issue")
        xml = self.call("GET", f"/invoices/{invoice_id}/ubl").content
        assert official_failures(xml) == [], issued["number"]
        return issued


def relay(platform: Platform, tid: uuid.UUID, where: Any, consumer: EventConsumer) -> list[str]:
    """What the relay and ``genius consume`` do: each unpublished event of the tenant matching ``where``
    (a SQL condition on ``OutboxEvent``) to ``consumer``, once, then once more (a redelivery changes
    nothing: the consumer's inbox). The topics delivered, in order."""
    with platform.db.tenant_session(tid) as s:
        rows = s.scalars(
            select(OutboxEvent)
            .where(where, OutboxEvent.kind == "event", OutboxEvent.published_at.is_(None))
            .order_by(OutboxEvent.seq)
        ).all()
        envelopes = []
        for row in rows:
            row.published_at = row.occurred_at
            envelopes.append(
                Envelope(
                    id=row.id,
                    topic=row.topic,
                    tid=row.tid,
                    occurred_at=row.occurred_at,
                    correlation_id=row.correlation_id,
                    aggregate_id=row.aggregate_id,
                    data=row.data,
                ).model_dump(mode="json")
            )
    assert [consumer.handle(platform.db, e) for e in envelopes] == ["handled"] * len(envelopes)
    assert all(consumer.handle(platform.db, e) == "duplicate" for e in envelopes)
    return [e["topic"] for e in envelopes]


@dataclass
class FakeBnr:
    url: str
    state: fake_bnr_feed.State


@pytest.fixture
def fake_bnr(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBnr]:
    """The fake BNR feed on a free port, the platform's ``bnr_url`` pointed at it for this test."""
    state = fake_bnr_feed.State()
    with LiveServer(fake_bnr_feed.create_app(state), free_port()) as server:
        monkeypatch.setattr(
            platform, "settings", platform.settings.model_copy(update={"bnr_url": server.url})
        )
        yield FakeBnr(server.url, state)


@pytest.fixture
def customer_id(platform: Platform, tenant: Any) -> uuid.UUID:
    with platform.db.tenant_session(tenant.id) as s:
        set_up_company(s, tenant.id)
        return add_customer(s, tenant.id)


@pytest.fixture
def sales(client: TestClient, tenant: Any, customer_id: uuid.UUID) -> Sales:
    return Sales(client, tenant.headers)


@cache
def _stylesheet() -> Any:
    saxonche = pytest.importorskip("saxonche")
    xslt = shared_data("cius-ro", "xslt-1.0.9", "EN16931-CIUS_RO-UBL-validation.xslt")
    proc = saxonche.PySaxonProcessor(license=False)
    return proc, proc.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(xslt))


def official_failures(xml: bytes) -> list[tuple[str | None, str]]:
    """The failed assertions of ANAF's compiled CIUS-RO 1.0.9 schematron (saxonche); skips the test
    with the reason when the official folder or saxonche is absent."""
    proc, stylesheet = _stylesheet()
    report = etree.fromstring(
        stylesheet.transform_to_string(xdm_node=proc.parse_xml(xml_text=xml.decode())).encode()
    )
    return [
        (f.get("id"), " ".join("".join(f.itertext()).split()))
        for f in report.iter("{http://purl.oclc.org/dsdl/svrl}failed-assert")
    ]
