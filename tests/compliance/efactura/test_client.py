"""e-Factura end to end against the fake ANAF over real HTTP: OAuth, upload → poll → download →
archive, rejections, the idempotency guard on timeouts, 429, 401 and the firewall page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, text

from genius.compliance.common.errors import AnafApiError
from genius.compliance.common.oauth import OAuthClient, TokenStore
from genius.compliance.efactura import archive, service
from genius.compliance.efactura.client import EFacturaClient
from genius.compliance.efactura.service import Context
from genius.config import Settings
from genius.core.db.session import SET_TENANT
from genius.core.kit.ratelimit import RateLimiter
from genius.core.platform import Platform
from genius.core.storage import FileStorage, TenantFiles, is_sealed
from tests.compliance.conftest import FakeAnaf
from tests.conftest import SECRET, TenantCtx

CIF = "12345678"


def invoice(number: str = "F-1", marker: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">\n'
        f"  <cbc:ID>{number}</cbc:ID>\n  <cbc:Note>{marker}</cbc:Note>\n</Invoice>\n"
    ).encode()


def fake_settings(fake: FakeAnaf, settings: Settings) -> Settings:
    return fake.settings(
        settings,
        anaf_client_id=fake.states.efactura.client_id,
        anaf_client_secret=fake.states.efactura.client_secret,
        anaf_redirect_uri="http://127.0.0.1:9/v1/compliance/efactura/oauth/callback",
        anaf_env="test",
    )


def connect(ctx: Context, tid: uuid.UUID) -> None:
    """The OAuth dance with the fake: authorize (auto-approved) → code → tokens, stored encrypted."""
    from genius.compliance.common.oauth import authorize_url, make_state

    url = authorize_url(ctx.settings, make_state(ctx.settings, tid))
    redirect = httpx.get(url, follow_redirects=False)
    assert redirect.status_code == 302
    code = httpx.URL(redirect.headers["location"]).params["code"]
    tokens = OAuthClient(ctx.settings).exchange_code(code)
    with ctx.db.tenant_session(tid) as session:
        TokenStore(ctx.settings).save(session, tid, tokens)


@dataclass
class Env:
    ctx: Context
    tid: uuid.UUID
    fake: FakeAnaf
    sleeps: list[float]

    @property
    def state(self) -> Any:
        return self.fake.states.efactura

    def client(self) -> EFacturaClient:
        return self.ctx.client(self.tid)


@pytest.fixture
def env(
    fake_anaf: FakeAnaf, settings: Settings, platform: Platform, tenant: TenantCtx, tmp_path: Path
) -> Iterator[Env]:
    sleeps: list[float] = []
    ctx = Context(
        db=platform.db,
        settings=fake_settings(fake_anaf, settings),
        storage=TenantFiles(FileStorage(tmp_path / "files"), SECRET),
        limiter=RateLimiter(platform.redis, prefix=f"test:{uuid.uuid4().hex}:"),
        timeout=5.0,
        sleep=sleeps.append,
    )
    connect(ctx, tenant.id)
    yield Env(ctx, tenant.id, fake_anaf, sleeps)


def as_tenant(db: Connection, tid: uuid.UUID) -> None:
    db.execute(SET_TENANT, {"tid": str(tid), "whid": ""})


def events(db: Connection, tid: uuid.UUID, topic: str) -> list[dict[str, Any]]:
    as_tenant(db, tid)
    rows = db.execute(
        text("SELECT data, correlation_id FROM core.outbox WHERE tid = :t AND topic = :topic ORDER BY seq"),
        {"t": tid, "topic": topic},
    ).all()
    return [{**r[0], "_correlation_id": r[1]} for r in rows]


def submit(env: Env, xml: bytes, **kw: Any) -> uuid.UUID:
    with env.ctx.db.tenant_session(env.tid) as session:
        sub, created = service.submit(session, env.tid, xml, CIF, **kw)
        assert created
        return sub.id


def test_tokens_are_stored_encrypted(env: Env, db: Connection) -> None:
    as_tenant(db, env.tid)
    raw = db.execute(
        text("SELECT access_token FROM compliance.efactura_oauth_tokens WHERE tid = :t"), {"t": env.tid}
    ).scalar()
    assert raw is not None
    assert not any(token.encode() in bytes(raw) for token in env.state.access_tokens)


def test_upload_poll_accept_download_archive(env: Env, db: Connection) -> None:
    sid = submit(env, invoice("F-100"), correlation_id="corr-100")
    result = service.upload(env.ctx, env.tid, sid)
    assert result["state"] == "uploaded" and result["index_incarcare"]
    assert [m.index for m in env.state.uploads] == [result["index_incarcare"]]
    # the real query string
    method, path, params = env.state.requests[0]
    assert (method, path) == ("POST", "/test/FCTEL/rest/upload")
    assert params == {"standard": "UBL", "cif": CIF}

    result = service.follow(env.ctx, env.tid, sid, initial=0.5)
    assert result["state"] == "ok" and result["id_descarcare"]
    assert env.sleeps == [0.5]  # one "in prelucrare", then ok

    row, data = service.download(env.ctx, env.tid, result["id_descarcare"])
    # no certificate folder: verified with the embedded certificate, reported as not pinned
    assert row.signature_ok and not row.signature_detail["pinned"]
    assert any("issuer not pinned" in n for n in row.signature_detail["notes"])
    assert row.invoice_id == "F-100" and row.kind == "invoice"
    key = archive.storage_key(env.tid, row.id_descarcare)
    assert env.ctx.storage.for_tenant(env.tid).get(key) == data
    assert is_sealed(env.ctx.storage.storage.root / key)  # encrypted with the tenant's key
    # second access comes from the archive, not from ANAF
    downloads = sum(1 for r in env.state.requests if r[1].endswith("/descarcare"))
    row2, data2 = service.download(env.ctx, env.tid, result["id_descarcare"])
    assert data2 == data and row2.download_count == 1
    assert sum(1 for r in env.state.requests if r[1].endswith("/descarcare")) == downloads

    submitted = events(db, env.tid, "anaf.efactura.submitted")
    accepted = events(db, env.tid, "anaf.efactura.accepted")
    assert len(submitted) == 1 and len(accepted) == 1
    assert submitted[0]["_correlation_id"] == accepted[0]["_correlation_id"] == "corr-100"


def test_pinned_fake_certificate(env: Env, tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    certs.mkdir()
    (certs / "fake.cer").write_bytes(env.state.cert_pem)
    env.ctx.certs_dir = certs
    sid = submit(env, invoice("F-101"))
    service.upload(env.ctx, env.tid, sid)
    result = service.follow(env.ctx, env.tid, sid, initial=0.1)
    row, _ = service.download(env.ctx, env.tid, result["id_descarcare"])
    assert row.signature_ok and row.signature_detail["pinned"]


def test_rejected_with_anaf_messages(env: Env, db: Connection) -> None:
    sid = submit(env, invoice("F-200", "FAKE-REJECT"))
    service.upload(env.ctx, env.tid, sid)
    result = service.follow(env.ctx, env.tid, sid, initial=0.1)
    assert result["state"] == "nok"
    assert "R6.1" in result["errors"][0]
    (rejected,) = events(db, env.tid, "anaf.efactura.rejected")
    assert rejected["stage"] == "processing" and "R6.1" in rejected["messages"][0]
    # the error report ZIP was archived on the way
    with env.ctx.db.tenant_session(env.tid) as session:
        row = archive.get(session, env.tid, result["id_descarcare"])
        assert row is not None and row.kind == "error_report"


def test_b2c_invoice_goes_to_uploadb2c_with_the_same_parameters(env: Env, db: Connection) -> None:
    sid = submit(env, invoice("F-150"), b2c=True)
    result = service.upload(env.ctx, env.tid, sid)
    assert result["state"] == "uploaded" and result["b2c"] is True
    (message,) = env.state.uploads
    assert message.endpoint == "uploadb2c" and message.index == result["index_incarcare"]
    method, path, params = env.state.requests[0]
    assert (method, path) == ("POST", "/test/FCTEL/rest/uploadb2c")
    assert params == {"standard": "UBL", "cif": CIF}
    # the reply is read like upload's, and the message is followed the same way
    assert service.follow(env.ctx, env.tid, sid, initial=0.0)["state"] == "ok"
    (submitted,) = events(db, env.tid, "anaf.efactura.submitted")
    assert submitted["index_incarcare"] == result["index_incarcare"]


def test_b2c_is_part_of_the_default_idempotency_key(env: Env) -> None:
    business = submit(env, invoice("F-151"))
    with env.ctx.db.tenant_session(env.tid) as session:
        again, created = service.submit(session, env.tid, invoice("F-151"), CIF)
        assert not created and again.id == business and again.b2c is False
        person, created = service.submit(session, env.tid, invoice("F-151"), CIF, b2c=True)
        assert created and person.b2c is True


def test_b2c_upload_timeout_reconciles_without_a_second_upload(env: Env) -> None:
    env.ctx.timeout = 0.5
    env.state.slow_seconds = 1.5
    env.state.faults.append("slow")
    sid = submit(env, invoice("F-152"), b2c=True)
    assert service.upload(env.ctx, env.tid, sid)["state"] == "unknown"
    second = service.upload(env.ctx, env.tid, sid)
    assert second["state"] == "uploaded" and second["index_incarcare"] == env.state.uploads[0].index
    assert [m.endpoint for m in env.state.uploads] == ["uploadb2c"]


def test_the_fake_refuses_uploadb2c_like_upload(env: Env) -> None:
    """The fake's uploadb2c checks its parameters as ANAF documents them (standard, numeric cif, DA)."""
    client = env.client()
    not_numeric = client.upload(invoice("F-153"), "RO123", b2c=True)
    assert not not_numeric.ok and "nu este un numar" in not_numeric.errors[0]
    not_an_invoice = client.upload(b"<NotAnInvoice/>", CIF, b2c=True)
    assert not not_an_invoice.ok and "nu este valid" in not_an_invoice.errors[0]
    assert [path for _, path, _ in env.state.requests] == ["/test/FCTEL/rest/uploadb2c"] * 2
    assert env.state.uploads == []


def test_refused_at_upload(env: Env, db: Connection) -> None:
    sid = submit(env, b"<NotAnInvoice/>")
    result = service.upload(env.ctx, env.tid, sid)
    assert result["state"] == "xml_errors"
    assert "nu este valid" in result["errors"][0]
    (rejected,) = events(db, env.tid, "anaf.efactura.rejected")
    assert rejected["stage"] == "upload"
    assert env.state.uploads == []


def test_timeout_then_retry_uploads_exactly_once(env: Env, db: Connection) -> None:
    env.ctx.timeout = 0.5
    env.state.slow_seconds = 1.5
    env.state.faults.append("slow")
    sid = submit(env, invoice("F-300"))
    first = service.upload(env.ctx, env.tid, sid)
    assert first["state"] == "unknown"
    assert len(env.state.uploads) == 1  # ANAF got it; we do not know

    second = service.upload(env.ctx, env.tid, sid)  # the retry reconciles instead of uploading
    assert second["state"] == "uploaded"
    assert second["index_incarcare"] == env.state.uploads[0].index
    assert len(env.state.uploads) == 1
    assert any(r[1].endswith("/listaMesajeFactura") for r in env.state.requests)
    assert len(events(db, env.tid, "anaf.efactura.submitted")) == 1

    # the same XML again: the same submission, never a second upload
    with env.ctx.db.tenant_session(env.tid) as session:
        again, created = service.submit(session, env.tid, invoice("F-300"), CIF)
    assert not created and again.id == sid
    assert service.upload(env.ctx, env.tid, sid)["state"] == "uploaded"
    assert len(env.state.uploads) == 1


def test_timeout_not_listed_stays_unknown_until_grace(env: Env) -> None:
    sid = submit(env, invoice("F-301"))
    with env.ctx.db.tenant_session(env.tid) as session:
        sub = service.get_submission(session, env.tid, sid)
        sub.state, sub.upload_started_at = "unknown", datetime.now(UTC)
    assert service.upload(env.ctx, env.tid, sid)["state"] == "unknown"
    assert env.state.uploads == []
    with env.ctx.db.tenant_session(env.tid) as session:
        sub = service.get_submission(session, env.tid, sid)
        sub.upload_started_at = datetime.now(UTC) - timedelta(hours=3)
    assert service.upload(env.ctx, env.tid, sid)["state"] == "uploaded"
    assert len(env.state.uploads) == 1


def test_429_is_honoured(env: Env) -> None:
    env.state.faults.extend(["429"])
    sid = submit(env, invoice("F-400"))
    assert service.upload(env.ctx, env.tid, sid)["state"] == "uploaded"
    assert env.sleeps == [1.0]  # Retry-After: 1
    assert len(env.state.uploads) == 1


def test_local_limit_per_message(env: Env) -> None:
    client = env.client()
    sid = submit(env, invoice("F-401"))
    index = service.upload(env.ctx, env.tid, sid)["index_incarcare"]
    for _ in range(100):
        client.status(index)
    with pytest.raises(AnafApiError) as err:
        client.status(index)
    assert err.value.kind == "limit"


def test_401_refreshes_the_token(env: Env) -> None:
    env.state.expire_tokens()
    sid = submit(env, invoice("F-500"))
    assert service.upload(env.ctx, env.tid, sid)["state"] == "uploaded"
    assert env.state.token_requests[-1]["grant_type"] == "refresh_token"
    assert env.state.token_requests[-1]["token_content_type"] == "jwt"


def test_firewall_page_and_server_error_are_typed_and_safe_to_retry(env: Env) -> None:
    env.state.faults.extend(["html", "500"])
    sid = submit(env, invoice("F-600"))
    with pytest.raises(AnafApiError) as err:
        service.upload(env.ctx, env.tid, sid)
    assert err.value.kind == "firewall"
    with env.ctx.db.tenant_session(env.tid) as session:
        assert service.get_submission(session, env.tid, sid).state == "pending"
    with pytest.raises(AnafApiError) as err:
        service.upload(env.ctx, env.tid, sid)
    assert err.value.kind == "server"
    assert service.upload(env.ctx, env.tid, sid)["state"] == "uploaded"
    assert len(env.state.uploads) == 1


def test_lists_and_pagination(env: Env) -> None:
    env.state.page_size = 2
    for n in range(5):
        service.upload(env.ctx, env.tid, submit(env, invoice(f"F-70{n}")))
    client = env.client()
    simple = client.messages(1, CIF)
    assert len(simple.messages) == 5 and all(m.kind == "sent" for m in simple.messages)
    now = datetime.now(UTC)
    page = client.messages_page(now - timedelta(hours=1), now + timedelta(seconds=1), CIF, 1)
    assert page.pages == 3 and page.total == 5 and len(page.messages) == 2
    everything = list(client.all_messages(now - timedelta(hours=1), now + timedelta(seconds=1), CIF))
    assert len({m.id for m in everything}) == 5
    empty = client.messages(1, "99999999")
    assert empty.messages == [] and empty.note


def test_download_limit_like_anaf(env: Env) -> None:
    sid = submit(env, invoice("F-800"))
    service.upload(env.ctx, env.tid, sid)
    result = service.follow(env.ctx, env.tid, sid, initial=0.1)
    client = EFacturaClient(env.ctx.settings, lambda refresh: next(iter(env.state.access_tokens)))
    for _ in range(10):
        client.download(result["id_descarcare"])
    with pytest.raises(AnafApiError) as err:
        client.download(result["id_descarcare"])
    assert err.value.kind == "limit" and "10 descarcari" in err.value.error.message


def test_not_connected_fails_the_submission(
    fake_anaf: FakeAnaf, settings: Settings, platform: Platform, make_tenant: Any, tmp_path: Path
) -> None:
    other = make_tenant()
    ctx = Context(
        db=platform.db,
        settings=fake_settings(fake_anaf, settings),
        storage=TenantFiles(FileStorage(tmp_path), SECRET),
    )
    with ctx.db.tenant_session(other.id) as session:
        sub, _ = service.submit(session, other.id, invoice(), CIF)
    from genius.compliance.common.errors import OAuthError

    with pytest.raises(OAuthError):
        service.upload(ctx, other.id, sub.id)
    with ctx.db.tenant_session(other.id) as session:
        assert service.get_submission(session, other.id, sub.id).state == "failed"
