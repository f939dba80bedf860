"""Every stored file is encrypted under its tenant's key.

One test runs every code path that stores a file (e-Factura archive, SAF-T ledger and segments,
pdf.render output, CRM attachment, CRM import) into one FileStorage, serves them back through their API
endpoints, then walks the storage: every object must carry the sealed header and open with the key of
the tenant named in its key, and with no other. The same paths run on S3 (the SSE-C fake). The session
hook in ``tests/conftest.py`` also walks the shared test storage (``.test-data/files``) at the end.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from fastapi import FastAPI
from fastapi.testclient import TestClient

from genius.compliance.efactura import archive
from genius.compliance.saft import service as saft
from genius.compliance.saft.ledger import Ledger
from genius.core.platform import Platform
from genius.core.storage import (
    FileStorage,
    S3Storage,
    StorageKeyError,
    TenantFiles,
    seal_plaintext,
    tenant_files_from_settings,
    tenant_sse_key,
)
from genius.vettify.attachments.api import get_storage
from genius.workers.ocr import tasks as ocr_tasks
from genius.workers.ocr.schemas import OcrRequest
from genius.workers.pdf_render import tasks as pdf_tasks
from tests.compliance.saft import samples
from tests.conftest import SECRET, TenantCtx, plaintext_files
from tests.vettify.fake_s3 import SseCMotoServer

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
CSV = b"name,email\nIon Popescu,ion@example.ro\n"
WRITERS = ("efactura/", "saft/", "pdf/", "crm/attachments/", "crm-imports/")


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("4242.xml", "<Invoice/>")
    return buf.getvalue()


ZIP = _zip()  # as ANAF sends it (unsigned here: the archive records the failed check and keeps it)


def owner(key: str) -> uuid.UUID:
    return next(uuid.UUID(part) for part in key.split("/") if len(part) == 36)


def store_everything(
    files: TenantFiles, platform: Platform, tid: uuid.UUID, monkeypatch: Any
) -> dict[str, Any]:
    """The service-level writers: e-Factura archive, SAF-T ledger + segments, pdf.render."""
    with platform.db.tenant_session(tid) as session:
        archive.store(session, files, tid, "4242", ZIP)
    ctx = saft.Context(db=platform.db, settings=platform.settings, storage=files)
    with platform.db.tenant_session(tid) as session:
        row, _ = saft.create(session, files, tid, Ledger.model_validate(samples.month_data()), "L")
        report_id = row.id
    built = saft.generate(ctx, tid, report_id)
    assert built["segments"], built
    monkeypatch.setattr(pdf_tasks, "tenant_files_from_settings", lambda settings: files)
    pdf = pdf_tasks.render.apply(kwargs={"html": "<p>Factura</p>", "tid": str(tid)}).get()
    return {"report_id": report_id, "segments": built["segments"], "pdf": pdf}


# --- FileStorage: every writer, then the API, then the walk -----------------------------------------
@pytest.fixture
def root(app: FastAPI, platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The platform's storage (API, tasks) and the attachment storage all in one tmp dir."""
    files_root = tmp_path / "files"
    monkeypatch.setattr(
        platform, "settings", platform.settings.model_copy(update={"storage_url": f"file://{files_root}"})
    )
    app.dependency_overrides[get_storage] = lambda: FileStorage(files_root)
    yield files_root
    app.dependency_overrides.pop(get_storage, None)


def test_every_writer_stores_sealed_files(
    client: TestClient,
    platform: Platform,
    tenant: TenantCtx,
    make_tenant: Any,
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tid = tenant.id
    files = tenant_files_from_settings(platform.settings)
    written = store_everything(files, platform, tid, monkeypatch)

    account = client.post("/v1/crm/accounts", json={"name": "Nor SRL"}, headers=tenant.headers)
    assert account.status_code == 201, account.text
    attached = client.post(
        f"/v1/crm/accounts/{account.json()['id']}/attachments",
        files={"file": ("contract.pdf", PDF, "application/pdf")},
        headers=tenant.headers,
    )
    assert attached.status_code == 201, attached.text
    imported = client.post(
        "/v1/crm/imports",
        files={"file": ("leads.csv", CSV, "text/csv")},
        data={"entity": "leads"},
        headers=tenant.headers,
    )
    assert imported.status_code == 201, imported.text

    # The API endpoints serve them back, decrypted.
    r = client.get("/v1/compliance/efactura/archive/4242", headers=tenant.headers)
    assert r.status_code == 200 and r.content == ZIP
    segment = written["segments"][0]
    r = client.get(f"/v1/compliance/saft/reports/{written['report_id']}/segments/1", headers=tenant.headers)
    assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == segment["sha256"]
    r = client.get(f"/v1/crm/attachments/{attached.json()['id']}/content", headers=tenant.headers)
    assert r.status_code == 200 and r.content == PDF
    # pdf.render's output and OCR's read of a stored object, under the tenant's key.
    assert written["pdf"]["key"].startswith(f"pdf/{tid}/")
    monkeypatch.setattr(ocr_tasks, "get_settings", lambda: platform.settings)
    assert ocr_tasks.load(OcrRequest(key=written["pdf"]["key"]), tid)[:5] == b"%PDF-"

    # The walk: every object sealed, and it opens with its tenant's key only.
    keys = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert {w for w in WRITERS if any(k.startswith(w) for k in keys)} == set(WRITERS), keys
    assert plaintext_files(root) == []
    stranger = make_tenant()
    raw = FileStorage(root)
    for key in keys:
        assert owner(key) == tid
        assert raw.get(key, sse_key=tenant_sse_key(SECRET, tid))
        with pytest.raises(StorageKeyError):
            raw.get(key)
        with pytest.raises(StorageKeyError):
            raw.get(key, sse_key=tenant_sse_key(SECRET, stranger.id))
    # Another tenant reaches none of it through the API.
    assert client.get("/v1/compliance/saft/reports", headers=stranger.headers).json()["items"] == []


def test_the_walk_finds_a_plaintext_object(tmp_path: Path) -> None:
    files = TenantFiles(FileStorage(tmp_path), SECRET)
    tid = uuid.uuid4()
    files.for_tenant(tid).put(f"saft/{tid}/r/ledger.json", b"{}")
    assert plaintext_files(tmp_path) == []
    files.storage.put(f"efactura/{tid}/1.zip", b"PK plain")  # what a forgotten key would do
    assert plaintext_files(tmp_path) == [f"efactura/{tid}/1.zip"]


def test_tenant_storage_stays_inside_its_tenant(tmp_path: Path) -> None:
    files = TenantFiles(FileStorage(tmp_path), SECRET)
    a, b = uuid.uuid4(), uuid.uuid4()
    files.for_tenant(a).put(f"pdf/{a}/x.pdf", PDF)
    with pytest.raises(ValueError, match="not under tenant"):
        files.for_tenant(b).get(f"pdf/{a}/x.pdf")
    with pytest.raises(ValueError, match="not under tenant"):
        files.for_tenant(b).put(f"pdf/{a}/x.pdf", b"overwrite")
    with pytest.raises(ValueError, match="not under tenant"):
        files.for_tenant(a).put("pdf/shared.pdf", PDF)
    assert files.for_tenant(a).exists(f"pdf/{a}/x.pdf") and files.for_tenant(a).get(f"pdf/{a}/x.pdf") == PDF
    files.for_tenant(a).delete(f"pdf/{a}/x.pdf")
    assert not files.for_tenant(a).exists(f"pdf/{a}/x.pdf")
    with pytest.raises(ValueError):
        TenantFiles(FileStorage(tmp_path), "")


def test_plaintext_from_an_older_version_is_refused_then_sealed(tmp_path: Path) -> None:
    """Reads never accept plain text; ``genius storage seal`` (run by ``genius demo``) seals it once."""
    tid = uuid.uuid4()
    old = tmp_path / "saft" / str(tid) / "r" / "ledger.json"
    old.parent.mkdir(parents=True)
    old.write_bytes(b'{"old": true}')
    (tmp_path / "pdf").mkdir()
    old_pdf = f"pdf/{uuid.uuid4().hex}"  # an old render: no tenant in its key, left alone and reported
    (tmp_path / old_pdf).write_bytes(PDF)
    files = TenantFiles(FileStorage(tmp_path), SECRET)
    with pytest.raises(StorageKeyError, match="genius storage seal"):
        files.for_tenant(tid).get(f"saft/{tid}/r/ledger.json")
    sealed, unowned = seal_plaintext(FileStorage(tmp_path), SECRET)
    assert sealed == [f"saft/{tid}/r/ledger.json"] and unowned == [old_pdf]
    assert files.for_tenant(tid).get(f"saft/{tid}/r/ledger.json") == b'{"old": true}'
    assert plaintext_files(tmp_path) == [old_pdf]
    assert seal_plaintext(FileStorage(tmp_path), SECRET) == ([], [old_pdf])  # idempotent


def test_storage_seal_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from genius.cli import app as cli

    tid = uuid.uuid4()
    old = tmp_path / "files" / "efactura" / str(tid) / "9.zip"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"PK old")
    monkeypatch.setenv("GENIUS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GENIUS_SECRET_KEY", SECRET)
    monkeypatch.delenv("GENIUS_STORAGE_URL", raising=False)
    result = CliRunner().invoke(cli, ["storage", "seal"])
    assert result.exit_code == 0, result.output
    assert "sealed 1 file(s)" in result.output
    assert TenantFiles(FileStorage(tmp_path / "files"), SECRET).for_tenant(tid).get(
        f"efactura/{tid}/9.zip"
    ) == (b"PK old")


# --- S3 (SSE-C) ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def s3_server() -> Iterator[SseCMotoServer]:
    server = SseCMotoServer()
    server.start()
    yield server
    server.stop()


def test_every_writer_sends_the_tenant_key_to_s3(
    s3_server: SseCMotoServer, platform: Platform, tenant: TenantCtx, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = boto3.client(
        "s3",
        endpoint_url=s3_server.url,
        region_name="eu-central-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(s3={"addressing_style": "path"}),
    )
    bucket = f"genius-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    store = S3Storage(bucket, "tenants", s3_server.url, client=client)
    files = TenantFiles(store, SECRET)
    written = store_everything(files, platform, tenant.id, monkeypatch)
    assert files.for_tenant(tenant.id).get(archive.storage_key(tenant.id, "4242")) == ZIP
    assert files.for_tenant(tenant.id).get(written["segments"][0]["key"])

    listed = client.list_objects_v2(Bucket=bucket)["Contents"]
    keys = sorted(o["Key"].removeprefix("tenants/") for o in listed)
    assert {w for w in WRITERS[:3] if any(k.startswith(w) for k in keys)} == set(WRITERS[:3]), keys
    md5 = s3_server.sse_c.object_keys
    for key in keys:
        assert f"/{bucket}/tenants/{key}" in md5, f"{key} was stored without an SSE-C key"
        assert owner(key) == tenant.id
        with pytest.raises(StorageKeyError):
            store.get(key)
        with pytest.raises(StorageKeyError):
            store.get(key, sse_key=tenant_sse_key(SECRET, uuid.uuid4()))


def test_a_task_s_tenant_comes_from_its_argument_or_header() -> None:
    from types import SimpleNamespace

    from genius.workers.context import task_tenant

    a, b = uuid.uuid4(), uuid.uuid4()

    def task(headers: dict[str, str] | None) -> Any:
        return SimpleNamespace(name="pdf.render", request=SimpleNamespace(headers=headers))

    assert task_tenant(task({"genius_tid": str(a)})) == a
    assert task_tenant(task(None), str(a)) == a
    assert task_tenant(task({"genius_tid": str(a)}), str(a)) == a
    with pytest.raises(ValueError, match="different tenants"):
        task_tenant(task({"genius_tid": str(a)}), str(b))
    with pytest.raises(ValueError, match="needs the tenant"):
        task_tenant(task({}))
    with pytest.raises(ValueError, match="invalid tenant id"):
        task_tenant(task(None), "acme")
