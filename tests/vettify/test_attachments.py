"""CRM attachments: upload, list, download, delete; size limit; sniffing; names; isolation; SSE-C storage."""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
import zipfile
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from fastapi import FastAPI
from sqlalchemy import select

from genius.core.audit.models import AuditEntry
from genius.core.platform import Platform
from genius.core.storage import FileStorage, S3Storage, Storage, StorageKeyError, tenant_sse_key
from genius.vettify.attachments import files
from genius.vettify.attachments.api import get_storage
from tests.conftest import SECRET
from tests.vettify.conftest import Crm
from tests.vettify.fake_s3 import SseCMotoServer

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run"
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56


def _zip(**members: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, text in members.items():
            archive.writestr(name.replace("__", "/"), text)
    return buf.getvalue()


@pytest.fixture
def storage_dir(app: FastAPI, tmp_path: Path) -> Iterator[Path]:
    """Attachments go to a FileStorage under the test's tmp dir (the embedded mode's store)."""
    root = tmp_path / "files"
    app.dependency_overrides[get_storage] = lambda: FileStorage(root)
    yield root
    app.dependency_overrides.pop(get_storage, None)


def upload(
    crm: Crm,
    parent: str,
    parent_id: str,
    data: bytes,
    name: str = "file.pdf",
    declared: str = "application/pdf",
    headers: dict[str, str] | None = None,
) -> Any:
    return crm.client.post(
        f"/v1/crm/{parent}/{parent_id}/attachments",
        files={"file": (name, data, declared)},
        headers=headers or crm.headers,
    )


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- round trip -----------------------------------------------------------------------------------
def test_upload_list_download_delete(crm: Crm, storage_dir: Path, platform: Platform, tenant: Any) -> None:
    account = crm.create("accounts", name="Atașamente SRL")
    r = upload(crm, "accounts", account["id"], PDF, name="Ofertă finală Brașov.pdf")
    assert r.status_code == 201, r.text
    meta = r.json()
    assert meta["filename"] == "Ofertă finală Brașov.pdf"
    assert meta["content_type"] == "application/pdf"
    assert meta["declared_type"] == "application/pdf"
    assert meta["size"] == len(PDF)
    assert meta["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert meta["entity_type"] == "account" and meta["entity_id"] == account["id"]
    assert meta["uploaded_by"] == tenant.admin_email
    assert r.headers["location"] == f"/v1/crm/attachments/{meta['id']}"

    listed = crm.call("GET", f"/accounts/{account['id']}/attachments").json()["items"]
    assert [a["id"] for a in listed] == [meta["id"]]
    got = crm.call("GET", f"/attachments/{meta['id']}")
    assert got.status_code == 200 and got.json() == meta

    content = crm.call("GET", f"/attachments/{meta['id']}/content")
    assert content.status_code == 200
    assert content.content == PDF
    assert content.headers["content-type"] == "application/pdf"
    assert content.headers["x-content-type-options"] == "nosniff"
    disposition = content.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert 'filename="Oferta finala Brasov.pdf"' in disposition
    assert "filename*=UTF-8''Ofert%C4%83%20final%C4%83%20Bra%C8%99ov.pdf" in disposition
    etag = content.headers["etag"]
    assert crm.call("GET", f"/attachments/{meta['id']}/content", if_none_match=etag).status_code == 304

    # At rest the file is sealed with the tenant's key: unreadable without it, readable with it.
    [path] = stored_files(storage_dir)
    assert PDF not in path.read_bytes()
    store = FileStorage(storage_dir)
    key = f"crm/attachments/{tenant.id}/{meta['id']}"
    with pytest.raises(StorageKeyError):
        store.get(key)
    with pytest.raises(StorageKeyError):
        store.get(key, sse_key=tenant_sse_key(SECRET, uuid.uuid4()))
    assert store.get(key, sse_key=tenant_sse_key(SECRET, tenant.id)) == PDF

    deleted = crm.call("DELETE", f"/attachments/{meta['id']}")
    assert deleted.status_code == 204
    assert crm.call("GET", f"/attachments/{meta['id']}").status_code == 404
    assert crm.call("GET", f"/attachments/{meta['id']}/content").status_code == 404
    assert crm.call("GET", f"/accounts/{account['id']}/attachments").json()["items"] == []
    assert crm.call("DELETE", f"/attachments/{meta['id']}").status_code == 404
    with platform.db.tenant_session(tenant.id) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "crm.attachment.deleted")).one()
    assert entry.target == f"crm.attachment:{meta['id']}"
    assert entry.actor == tenant.admin_email
    assert entry.data["sha256"] == meta["sha256"] and entry.data["filename"] == meta["filename"]


@pytest.mark.parametrize("parent", ["contacts", "leads", "opportunities"])
def test_every_parent_type_takes_attachments(crm: Crm, storage_dir: Path, parent: str) -> None:
    account = crm.create("accounts", name="Părinte SRL")
    record = {
        "contacts": lambda: crm.create("contacts", first_name="Ana", account_id=account["id"]),
        "leads": lambda: crm.create("leads", company_name="Lead SRL"),
        "opportunities": lambda: crm.create("opportunities", name="Ofertă", account_id=account["id"]),
    }[parent]()
    r = upload(crm, parent, record["id"], PNG, name="poză.png", declared="image/png")
    assert r.status_code == 201, r.text
    assert r.json()["entity_type"] == parent.removesuffix("s").replace("opportunitie", "opportunity")
    items = crm.call("GET", f"/{parent}/{record['id']}/attachments").json()["items"]
    assert len(items) == 1
    # The same id under another parent type is not this record.
    other = "accounts" if parent != "accounts" else "leads"
    assert crm.call("GET", f"/{other}/{record['id']}/attachments").status_code == 404


# --- size limit -----------------------------------------------------------------------------------
def test_over_10_mb_is_413_and_nothing_is_stored(crm: Crm, storage_dir: Path, platform: Platform) -> None:
    limit = platform.settings.crm_attachment_max_bytes
    assert limit == 10 * 1024 * 1024
    account = crm.create("accounts", name="Mare SRL")
    at_limit = upload(crm, "accounts", account["id"], PDF + b"\0" * (limit - len(PDF)))
    assert at_limit.status_code == 201, at_limit.text
    for body in (PDF + b"\0" * (limit + 1 - len(PDF)), PDF + b"\0" * (limit + 2 * 1024 * 1024)):
        r = upload(crm, "accounts", account["id"], body)
        assert r.status_code == 413, r.text
        assert r.headers["content-type"] == "application/problem+json"
        problem = r.json()
        assert problem["max_bytes"] == limit
        assert problem["errors"][0]["field"] == "file"
    assert len(crm.call("GET", f"/accounts/{account['id']}/attachments").json()["items"]) == 1
    assert len(stored_files(storage_dir)) == 1


def test_size_limit_is_enforced_while_the_body_streams(
    app: FastAPI, crm: Crm, storage_dir: Path, tenant: Any
) -> None:
    """Without Content-Length, the body arrives in 1 MB chunks: the 413 comes once the limit is passed,
    and the rest of a 40 MB body is never asked for."""
    account = crm.create("accounts", name="Flux SRL")
    boundary = "genius-boundary-7"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="mare.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    chunk = b"\0" * (1024 * 1024)
    chunks = 40
    asked = 0

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        if asked == 1:
            return {"type": "http.request", "body": head + PDF, "more_body": True}
        if asked <= chunks + 1:
            return {"type": "http.request", "body": chunk, "more_body": True}
        return {"type": "http.request", "body": f"\r\n--{boundary}--\r\n".encode(), "more_body": False}

    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    path = f"/v1/crm/accounts/{account['id']}/attachments"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", f"Bearer {tenant.token}".encode()),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert asked <= 12  # the head, 10 chunks of 1 MB within the limit, and the chunk that crossed it
    assert stored_files(storage_dir) == []


# --- content type ---------------------------------------------------------------------------------
def test_sniffed_type_beats_the_declared_one(crm: Crm, storage_dir: Path) -> None:
    account = crm.create("accounts", name="Tip SRL")
    r = upload(crm, "accounts", account["id"], PNG, name="scan.pdf", declared="application/pdf")
    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == "image/png"
    assert r.json()["declared_type"] == "application/pdf"
    content = crm.call("GET", f"/attachments/{r.json()['id']}/content")
    assert content.headers["content-type"] == "image/png"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        (
            "contract.docx",
            _zip(**{"[Content_Types].xml": "<Types/>", "word__document.xml": "<w/>"}),
            "wordprocessingml",
        ),
        (
            "buget.xlsx",
            _zip(**{"[Content_Types].xml": "<Types/>", "xl__workbook.xml": "<w/>"}),
            "spreadsheetml",
        ),
        ("arhiva.zip", _zip(**{"a.txt": "salut"}), "application/zip"),
        ("clienti.csv", "nume;oraș\nIon;Iași\n".encode(), "text/csv"),
        ("note.txt", "Şedinţă la Timişoara".encode("cp1250"), "text/plain"),
        ("factura.xml", b'<?xml version="1.0" encoding="UTF-8"?><Invoice/>', "application/xml"),
    ],
)
def test_documents_are_accepted_as_what_they_are(
    crm: Crm, storage_dir: Path, name: str, data: bytes, expected: str
) -> None:
    account = crm.create("accounts", name="Documente SRL")
    r = upload(crm, "accounts", account["id"], data, name=name, declared="application/octet-stream")
    assert r.status_code == 201, r.text
    assert expected in r.json()["content_type"]


@pytest.mark.parametrize(
    ("name", "data", "declared"),
    [
        ("factura.pdf", EXE, "application/pdf"),  # a Windows executable posing as a PDF
        ("factura.pdf", ELF, "application/pdf"),
        ("raport.txt", b"#!/bin/sh\nrm -rf ~\n", "text/plain"),
        ("pagina.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "application/pdf"),
        ("logo.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "image/png"),
        ("oferta.exe", PDF, "application/pdf"),  # the bytes are fine, the name would run
        ("oferta.pdf.js", b"var x = 1;", "application/pdf"),
        ("arhiva.zip", _zip(**{"docs__run.bat": "@echo off"}), "application/zip"),
        ("date.bin", bytes(range(256)) * 4, "application/octet-stream"),
    ],
)
def test_refused_content_is_415_and_nothing_is_stored(
    crm: Crm, storage_dir: Path, name: str, data: bytes, declared: str
) -> None:
    account = crm.create("accounts", name="Refuz SRL")
    r = upload(crm, "accounts", account["id"], data, name=name, declared=declared)
    assert r.status_code == 415, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "file"
    assert "application/pdf" in r.json()["allowed_types"]
    assert crm.call("GET", f"/accounts/{account['id']}/attachments").json()["items"] == []
    assert stored_files(storage_dir) == []


def test_executable_sniffed_as_such() -> None:
    assert files.sniff(EXE, "factura.pdf").content_type == "application/x-executable"
    with pytest.raises(files.Refused) as refused:
        files.check(EXE, "factura.pdf")
    assert refused.value.sniffed == "application/x-executable"


# --- file names -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ion\\Desktop\\Ofertă.pdf", "Ofertă.pdf"),
        ("/var/www/../../root/.ssh/id_rsa", "id_rsa"),
        ("Contract vânzare-cumpărare ȘȚĂÎÂ șțăîâ.pdf", "Contract vânzare-cumpărare ȘȚĂÎÂ șțăîâ.pdf"),
        ("Sa\u0306pta\u0306ma\u0302na.pdf", "Săptămâna.pdf"),  # decomposed input, NFC output
        ("factura\u202efdp.exe", "facturafdp.exe"),  # right-to-left override dropped
        ("a\x00b\x1f\x7fc.pdf", "abc.pdf"),
        ('a<b>:"c|d?*.pdf', "a_b___c_d__.pdf"),
        ("  .ascuns.pdf. ", "ascuns.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("lpt1", "_lpt1"),
        ("nul.txt", "_nul.txt"),
        ("tab\tand\nnewline.pdf", "tabandnewline.pdf"),
        ("two   spaces.pdf", "two spaces.pdf"),
        ("", "attachment"),
        ("...", "attachment"),
        ("/", "attachment"),
    ],
)
def test_sanitise_filename(raw: str, clean: str) -> None:
    assert files.sanitise_filename(raw) == clean


def test_long_names_are_cut_to_255_bytes_keeping_the_extension() -> None:
    name = files.sanitise_filename("ș" * 300 + ".pdf")
    assert len(name.encode()) <= 255
    assert name.endswith(".pdf") and name.startswith("șșș")


def test_content_disposition_is_rfc_6266() -> None:
    header = files.content_disposition('Ofertă "finală" 100%.pdf')
    assert header == (
        'attachment; filename="Oferta _finala_ 100_.pdf"; '
        "filename*=UTF-8''Ofert%C4%83%20%22final%C4%83%22%20100%25.pdf"
    )


def test_malicious_names_are_sanitised_through_the_api(crm: Crm, storage_dir: Path) -> None:
    account = crm.create("accounts", name="Nume SRL")
    r = upload(crm, "accounts", account["id"], PDF, name="../../secret/Ofertă\u202e<x>.pdf")
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == "Ofertă_x_.pdf"
    disposition = crm.call("GET", f"/attachments/{r.json()['id']}/content").headers["content-disposition"]
    assert "filename*=UTF-8''Ofert%C4%83_x_.pdf" in disposition
    assert "/" not in disposition.split("filename=")[1].split(";")[0]


# --- isolation and access -------------------------------------------------------------------------
def test_another_tenant_gets_404(crm: Crm, storage_dir: Path, make_tenant: Any) -> None:
    account = crm.create("accounts", name="Secret SRL")
    meta = upload(crm, "accounts", account["id"], PDF).json()
    other = make_tenant()
    h = other.headers
    c = crm.client
    assert c.get(f"/v1/crm/attachments/{meta['id']}", headers=h).status_code == 404
    assert c.get(f"/v1/crm/attachments/{meta['id']}/content", headers=h).status_code == 404
    assert c.get(f"/v1/crm/accounts/{account['id']}/attachments", headers=h).status_code == 404
    assert upload(crm, "accounts", account["id"], PDF, headers=h).status_code == 404
    assert c.delete(f"/v1/crm/attachments/{meta['id']}", headers=h).status_code == 404
    # Still there for its owner.
    assert crm.call("GET", f"/attachments/{meta['id']}/content").content == PDF


def test_scopes(crm: Crm, storage_dir: Path, tenant: Any) -> None:
    account = crm.create("accounts", name="Roluri SRL")
    meta = upload(crm, "accounts", account["id"], PDF).json()
    c = crm.client
    assert c.get(f"/v1/crm/attachments/{meta['id']}").status_code == 401
    assert c.get(f"/v1/crm/attachments/{meta['id']}/content").status_code == 401

    # Users of the same tenant: a viewer reads but cannot upload; sales cannot delete; ops has no CRM.
    viewer, sales, ops = (_user(c, tenant, role) for role in ("viewer", "sales", "ops"))
    assert c.get(f"/v1/crm/attachments/{meta['id']}/content", headers=viewer).status_code == 200
    r = upload(crm, "accounts", account["id"], PDF, headers=viewer)
    assert r.status_code == 403 and r.json()["required_scopes"] == ["crm:write"]
    r = c.delete(f"/v1/crm/attachments/{meta['id']}", headers=sales)
    assert r.status_code == 403 and r.json()["required_scopes"] == ["crm:admin"]
    assert c.get(f"/v1/crm/accounts/{account['id']}/attachments", headers=ops).status_code == 403
    assert c.get(f"/v1/crm/attachments/{meta['id']}", headers=ops).status_code == 403
    assert c.get(f"/v1/crm/attachments/{meta['id']}/content", headers=ops).status_code == 403
    assert crm.call("GET", f"/attachments/{meta['id']}").status_code == 200


def _user(client: Any, tenant: Any, role: str) -> dict[str, str]:
    """A user with ``role`` in the tenant, and headers with a token from the password grant."""
    email = f"{role}-{uuid.uuid4().hex[:6]}@example.com"
    password = "correct-horse-battery-staple"
    body = {"email": email, "role": role, "password": password}
    assert client.post("/v1/users", json=body, headers=tenant.headers).status_code == 201
    token = client.post(
        "/v1/auth/token",
        data={"grant_type": "password", "tenant": tenant.slug, "username": email, "password": password},
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_bad_uploads_are_4xx(crm: Crm, storage_dir: Path) -> None:
    account = crm.create("accounts", name="Greșit SRL")
    path = f"/v1/crm/accounts/{account['id']}/attachments"
    c, h = crm.client, crm.headers
    assert (
        c.post(
            f"/v1/crm/accounts/{uuid.uuid4()}/attachments", files={"file": ("a.pdf", PDF)}, headers=h
        ).status_code
        == 404
    )
    assert (
        c.post(
            f"/v1/crm/campaigns/{uuid.uuid4()}/attachments", files={"file": ("a.pdf", PDF)}, headers=h
        ).status_code
        == 422
    )
    r = c.post(path, files={"document": ("a.pdf", PDF)}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    r = c.post(path, json={"file": "x"}, headers=h)
    assert r.status_code == 415 and r.headers["content-type"] == "application/problem+json"
    r = c.post(path, files={"file": ("gol.pdf", b"")}, headers=h)
    assert r.status_code == 422 and "empty" in r.json()["errors"][0]["message"]
    r = c.post(path, files=[("file", ("a.pdf", PDF)), ("file", ("b.pdf", PDF))], headers=h)
    assert r.status_code == 422
    r = c.post(
        path, content=b"--x\r\ngarbage", headers={**h, "content-type": "multipart/form-data; boundary=x"}
    )
    assert r.status_code in (400, 422)
    assert crm.call("GET", f"/accounts/{account['id']}/attachments").json()["items"] == []
    assert stored_files(storage_dir) == []


# --- S3 with SSE-C --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def s3_server() -> Iterator[SseCMotoServer]:
    server = SseCMotoServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3(s3_server: SseCMotoServer) -> Iterator[tuple[Any, S3Storage]]:
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
    yield client, S3Storage(bucket, "tenants", s3_server.url, client=client)


def test_s3_sse_c_object_cannot_be_read_without_its_key(
    s3: tuple[Any, S3Storage], s3_server: SseCMotoServer
) -> None:
    client, store = s3
    tid = uuid.uuid4()
    key = tenant_sse_key(SECRET, tid)
    assert len(key) == 32 and key != tenant_sse_key(SECRET, uuid.uuid4())
    assert key == tenant_sse_key(SECRET, tid)  # derived, never stored
    store.put("crm/attachments/x/1", PDF, "application/pdf", sse_key=key)
    put = [
        r for r in s3_server.sse_c.requests_seen if r[0] == "PUT" and r[1].endswith("/crm/attachments/x/1")
    ]
    assert put and put[-1][2], "the PUT carried the SSE-C headers"

    with pytest.raises(ClientError) as raw:
        client.get_object(Bucket=store.bucket, Key="tenants/crm/attachments/x/1")
    assert raw.value.response["Error"]["Code"] == "InvalidRequest"
    with pytest.raises(StorageKeyError):
        store.get("crm/attachments/x/1")
    with pytest.raises(StorageKeyError):
        store.get("crm/attachments/x/1", sse_key=tenant_sse_key(SECRET, uuid.uuid4()))
    assert not store.exists("crm/attachments/x/1")  # HEAD without the key is refused too
    assert store.exists("crm/attachments/x/1", sse_key=key)
    assert store.get("crm/attachments/x/1", sse_key=key) == PDF

    # Another tenant's key cannot delete it; the owner's can.
    with pytest.raises(StorageKeyError):
        store.delete("crm/attachments/x/1", sse_key=tenant_sse_key(SECRET, uuid.uuid4()))
    assert store.exists("crm/attachments/x/1", sse_key=key)
    store.delete("crm/attachments/x/1", sse_key=key)
    assert not store.exists("crm/attachments/x/1", sse_key=key)
    store.delete("crm/attachments/x/1", sse_key=key)  # idempotent


def test_api_round_trip_on_s3(
    app: FastAPI, crm: Crm, tenant: Any, s3: tuple[Any, S3Storage], s3_server: SseCMotoServer
) -> None:
    client, store = s3
    app.dependency_overrides[get_storage] = lambda: store
    try:
        account = crm.create("accounts", name="Nor SRL")
        meta = upload(crm, "accounts", account["id"], PDF, name="contract.pdf").json()
        object_key = f"tenants/crm/attachments/{tenant.id}/{meta['id']}"
        with pytest.raises(ClientError):
            client.get_object(Bucket=store.bucket, Key=object_key)
        body = client.get_object(
            Bucket=store.bucket,
            Key=object_key,
            SSECustomerAlgorithm="AES256",
            SSECustomerKey=tenant_sse_key(SECRET, tenant.id),
        )["Body"].read()
        assert body == PDF
        r = crm.call("GET", f"/attachments/{meta['id']}/content")
        assert r.status_code == 200 and r.content == PDF
    finally:
        app.dependency_overrides.pop(get_storage, None)


def test_file_storage_without_key_stays_plain(tmp_path: Path) -> None:
    """The bare primitive without a key stores plain bytes (callers go through TenantFiles, which always
    passes the tenant key; tests/core/test_storage_sealed.py walks what they store)."""
    store: Storage = FileStorage(tmp_path)
    store.put("a/b.txt", b"plain")
    assert (tmp_path / "a" / "b.txt").read_bytes() == b"plain"
    assert store.get("a/b.txt") == b"plain"
    with pytest.raises(StorageKeyError):
        store.get("a/b.txt", sse_key=b"k" * 32)
    with pytest.raises(ValueError):
        store.put("a/c.txt", b"x", sse_key=b"short")
    store.delete("a/b.txt")
    assert not store.exists("a/b.txt")


def test_openapi_documents_the_multipart_upload(crm: Crm) -> None:
    spec = crm.client.get("/openapi.json").json()
    post = spec["paths"]["/v1/crm/{parent}/{parent_id}/attachments"]["post"]
    schema = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"] and schema["properties"]["file"]["format"] == "binary"
    assert {"413", "415"} <= set(post["responses"])
    assert "/v1/crm/attachments/{attachment_id}/content" in spec["paths"]
    assert "/v1/crm/campaigns/{campaign_id}" in spec["paths"]
