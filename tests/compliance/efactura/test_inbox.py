"""The SPV inbox against the fake ANAF over real HTTP: the paginated list (filter P), ``descarcare`` once
per message, ANAF's signature verified (a failure flagged, never trusted), ZIP and XML archived under
the tenant's key, ``anaf.efactura.received`` published once; fetched twice or by concurrent runs, a
message is stored once."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import Connection, text

from genius.compliance.demo import DEMO_SUPPLIERS, supplier_invoice_xml
from genius.compliance.efactura import inbox, service
from genius.compliance.efactura.service import Context
from genius.config import Settings
from genius.core.directory import repository as directory
from genius.core.kit.ratelimit import RateLimiter
from genius.core.platform import Platform
from genius.core.storage import FileStorage, TenantFiles, is_sealed
from genius.core.tenancy import service as tenancy
from genius.core.tenancy.schemas import TenantSettingsIn
from tests.compliance.conftest import FakeAnaf
from tests.compliance.efactura.test_client import as_tenant, connect, events, fake_settings
from tests.conftest import SECRET, TenantCtx

BUYER = "18547290"
CONTRACTS = Path(__file__).resolve().parents[3] / "contracts" / "events"


def set_company(platform: Platform, tid: uuid.UUID, cui: str = f"RO{BUYER}") -> None:
    with platform.db.tenant_session(tid) as s:
        tenant = directory.get(s, tid)
        assert tenant is not None
        settings = TenantSettingsIn(
            company_name="Cumpărător Test SRL", cui=cui, registration_number="J12/1/2010", address="Cluj"
        )
        tenancy.save_company_settings(s, tenant, settings, actor="test")


def make_ctx(platform: Platform, fake: FakeAnaf, settings: Settings, files: Path) -> Context:
    return Context(
        db=platform.db,
        settings=fake_settings(fake, settings),
        storage=TenantFiles(FileStorage(files), SECRET),
        limiter=RateLimiter(platform.redis, prefix=f"test:{uuid.uuid4().hex}:"),
        timeout=5.0,
        sleep=lambda s: None,
    )


@pytest.fixture
def ctx(
    fake_anaf: FakeAnaf, settings: Settings, platform: Platform, tenant: TenantCtx, tmp_path: Path
) -> Context:
    c = make_ctx(platform, fake_anaf, settings, tmp_path / "files")
    set_company(platform, tenant.id)
    connect(c, tenant.id)
    return c


def receive(fake: FakeAnaf, n: int, **kw: Any) -> list[str]:
    """``n`` supplier invoices arriving in the buyer's SPV; their download ids."""
    ids = []
    for i in range(n):
        supplier = DEMO_SUPPLIERS[i % 2]
        number = f"{supplier[5]}-{i}"
        xml = supplier_invoice_xml(
            (*supplier[:5], number, *supplier[6:]), BUYER, "Cumpărător", date(2026, 11, 20)
        )
        ids.append(fake.states.efactura.receive(xml, BUYER, supplier[0], **kw).id_descarcare)
    return ids


def downloads(fake: FakeAnaf) -> list[str]:
    return [q["id"] for _, path, q in fake.states.efactura.requests if path.endswith("/descarcare")]


def inbox_rows(db: Connection, tid: uuid.UUID) -> list[Any]:
    as_tenant(db, tid)
    return db.execute(
        text("SELECT * FROM compliance.efactura_inbox WHERE tid = :t ORDER BY id_descarcare"), {"t": tid}
    ).all()


def test_received_invoices_are_paged_downloaded_verified_archived_and_published_once(
    ctx: Context, fake_anaf: FakeAnaf, tenant: TenantCtx, db: Connection, tmp_path: Path
) -> None:
    fake_anaf.states.efactura.page_size = 2  # three messages: two pages
    ids = receive(fake_anaf, 3)
    # an invoice the tenant *sent* is not part of its inbox
    fake_anaf.states.efactura.receive(b"<Invoice/>", "99999999", BUYER)

    result = service.sync_inbox(ctx, tenant.id)
    assert result == {"listed": 3, "new": 3, "received": 3, "failed": 0, "skipped": None}
    lists = [q for _, path, q in fake_anaf.states.efactura.requests if path.endswith("PaginatieFactura")]
    assert [(q["filtru"], q["pagina"], q["cif"]) for q in lists] == [("P", "1", BUYER), ("P", "2", BUYER)]
    assert sorted(downloads(fake_anaf)) == sorted(ids)

    published = events(db, tenant.id, "anaf.efactura.received")
    assert sorted(e["id_descarcare"] for e in published) == sorted(ids)
    contract = json.loads((CONTRACTS / "anaf.efactura.received.v1.json").read_text())["data"]
    for e in published:  # the published payloads match the committed contract
        jsonschema.validate({k: v for k, v in e.items() if k != "_correlation_id"}, contract)
    first = next(e for e in published if e["id_descarcare"] == ids[0])
    assert first["supplier_cui"] == "29500004" and first["supplier_name"] == "CONSTRUCTII DEFALCAT SRL"
    assert first["number"] == "FD-2026-0412-0" and first["issue_date"] == "2026-11-20"
    assert first["currency"] == "RON" and first["cif"] == BUYER and first["kind"] == "invoice"
    assert Decimal(first["tax_exclusive"]) == Decimal("4200.00")
    assert Decimal(first["vat_total"]) == Decimal("882.00")
    assert Decimal(first["payable"]) == Decimal("5082.00")
    assert first["signature_ok"] is True  # the fake's certificate, not pinned (no certs_dir)

    rows = inbox_rows(db, tenant.id)
    assert [r.state for r in rows] == ["received"] * 3
    for row in rows:  # ZIP and XML archived, sealed under the tenant's key
        for key in (row.zip_key, row.xml_key):
            assert str(tenant.id) in key
            assert is_sealed(tmp_path / "files" / key)
    xml, zipped = inbox.received_document(ctx, tenant.id, ids[1]) or (b"", b"")
    assert b"FD-2026-0412" not in xml and b"SI-000877-1" in xml and zipped[:2] == b"PK"

    # Fetched again: ANAF lists the same messages; nothing is downloaded or published twice.
    again = service.sync_inbox(ctx, tenant.id)
    assert again == {"listed": 3, "new": 0, "received": 0, "failed": 0, "skipped": None}
    assert len(downloads(fake_anaf)) == 3
    assert len(events(db, tenant.id, "anaf.efactura.received")) == 3
    assert len(inbox_rows(db, tenant.id)) == 3


def test_a_signature_that_fails_is_flagged_not_trusted(
    ctx: Context, fake_anaf: FakeAnaf, tenant: TenantCtx, db: Connection
) -> None:
    [bad] = receive(fake_anaf, 1, tampered=True)
    service.sync_inbox(ctx, tenant.id)
    [event] = events(db, tenant.id, "anaf.efactura.received")
    assert event["id_descarcare"] == bad
    assert event["signature_ok"] is False and event["signature_problems"]
    [row] = inbox_rows(db, tenant.id)
    assert row.signature_ok is False and row.state == "received"


def test_a_failed_download_is_retried_by_the_next_run_and_counted(
    ctx: Context, fake_anaf: FakeAnaf, tenant: TenantCtx, db: Connection
) -> None:
    [mid] = receive(fake_anaf, 1)
    message = next(m for m in fake_anaf.states.efactura.messages.values() if m.id_descarcare == mid)
    message.downloads[date.today().isoformat()] = 10  # ANAF's 10 downloads of the day are used
    result = service.sync_inbox(ctx, tenant.id)
    assert result["failed"] == 1 and result["received"] == 0
    [row] = inbox_rows(db, tenant.id)
    assert row.state == "listed" and row.attempts == 1 and "10 descarcari" in row.error
    assert events(db, tenant.id, "anaf.efactura.received") == []
    message.downloads.clear()  # the next day
    assert service.sync_inbox(ctx, tenant.id)["received"] == 1
    [row] = inbox_rows(db, tenant.id)
    assert row.state == "received" and row.attempts == 2 and row.error is None


def test_a_tenant_without_an_spv_connection_is_skipped(
    fake_anaf: FakeAnaf, settings: Settings, platform: Platform, make_tenant: Any, tmp_path: Path
) -> None:
    other = make_tenant()
    c = make_ctx(platform, fake_anaf, settings, tmp_path)
    assert service.sync_inbox(c, other.id)["skipped"]
    assert fake_anaf.states.efactura.requests == []


@pytest.fixture
def committed_ctx(
    fake_anaf: FakeAnaf, settings: Settings, platform: Platform, committed_tenant: TenantCtx, tmp_path: Path
) -> Iterator[Context]:
    c = make_ctx(platform, fake_anaf, settings, tmp_path / "files")
    set_company(platform, committed_tenant.id)
    connect(c, committed_tenant.id)
    yield c
    with platform.db.tenant_session(committed_tenant.id) as s:
        for table in (
            "compliance.efactura_inbox",
            "compliance.efactura_archive",
            "compliance.efactura_oauth_tokens",
        ):
            s.execute(text(f"DELETE FROM {table} WHERE tid = :t"), {"t": committed_tenant.id})


def test_concurrent_runs_store_and_publish_each_message_once(
    committed_ctx: Context, fake_anaf: FakeAnaf, committed_tenant: TenantCtx, platform: Platform
) -> None:
    ids = receive(fake_anaf, 6)
    barrier = threading.Barrier(3)
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(service.sync_inbox(committed_ctx, committed_tenant.id))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r["new"] for r in results) == 6  # each listed message recorded by one run
    assert sum(r["received"] for r in results) == 6
    assert sorted(downloads(fake_anaf)) == sorted(ids)  # each downloaded once
    with platform.db.tenant_session(committed_tenant.id) as s:
        published = (
            s.execute(
                text("SELECT data->>'id_descarcare' FROM core.outbox WHERE tid = :t AND topic = :topic"),
                {"t": committed_tenant.id, "topic": "anaf.efactura.received"},
            )
            .scalars()
            .all()
        )
        stored = s.execute(
            text("SELECT count(*) FROM compliance.efactura_inbox WHERE tid = :t"), {"t": committed_tenant.id}
        ).scalar()
    assert sorted(published) == sorted(ids) and stored == 6
