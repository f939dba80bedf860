"""Object storage behind one small interface: the filesystem in the embedded mode; any
S3-compatible store in production (GENIUS_STORAGE_URL=s3://bucket/prefix, boto3 when installed).

Customer-provided keys (SSE-C): every call may pass ``sse_key`` (32 bytes). S3Storage hands it to the
server (``SSECustomerAlgorithm=AES256`` + ``SSECustomerKey``), which encrypts the object with it and
refuses to return it without the same key. FileStorage does the same locally with AES-256-GCM, so
the embedded mode keeps tenant files encrypted at rest and fails alike on a missing or wrong key.
The key itself is never stored: ``tenant_sse_key`` derives it from GENIUS_SECRET_KEY and the tenant id.

Every tenant's file is stored that way. Callers do not handle keys: ``TenantFiles.for_tenant(tid)``
returns a ``TenantStorage`` whose put/get/exists/delete always pass the tenant's key and which refuses
object keys outside the tenant (the tenant id must be one segment of the key). Files written in plain
text by an older version are refused on read (``StorageKeyError``); ``seal_plaintext`` (``genius
storage seal``, also run by ``genius demo`` at start) seals them once under their tenant's key.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from genius.config import Settings
from genius.core.kit.crypto import derive_key

log = structlog.get_logger("genius.storage")

KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,500}$")
SSE_KEY_BYTES = 32
# FileStorage's encrypted-object format: magic, 12-byte nonce, AES-GCM ciphertext + tag.
_SEALED = b"GSSEC1\n"
_NONCE = 12


class StorageKeyError(Exception):
    """The object is encrypted with a customer key and the key given is missing or wrong (or vice versa)."""


class Storage(Protocol):
    def put(
        self,
        key: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        *,
        sse_key: bytes | None = None,
    ) -> str: ...
    def get(self, key: str, *, sse_key: bytes | None = None) -> bytes: ...
    def exists(self, key: str, *, sse_key: bytes | None = None) -> bool: ...
    def delete(self, key: str, *, sse_key: bytes | None = None) -> None: ...


def tenant_sse_key(secret_key: str, tid: uuid.UUID) -> bytes:
    """The tenant's 32-byte storage key: HKDF-SHA256 of the platform secret, bound to the tenant id."""
    return derive_key(secret_key, f"genius-storage-sse-c/{tid}")


def _check(key: str) -> str:
    if not KEY_RE.match(key) or ".." in key.split("/"):
        raise ValueError(f"invalid storage key {key!r}")
    return key


def _check_sse(sse_key: bytes | None) -> bytes | None:
    if sse_key is not None and len(sse_key) != SSE_KEY_BYTES:
        raise ValueError(f"an SSE-C key has {SSE_KEY_BYTES} bytes")
    return sse_key


class FileStorage:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def put(
        self,
        key: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        *,
        sse_key: bytes | None = None,
    ) -> str:
        path = self.root / _check(key)
        customer_key = _check_sse(sse_key)
        if customer_key is not None:
            nonce = os.urandom(_NONCE)
            # The object key is authenticated too: a sealed file moved to another key will not open.
            data = _SEALED + nonce + AESGCM(customer_key).encrypt(nonce, data, key.encode())
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # readers never see half a file
        return key

    def get(self, key: str, *, sse_key: bytes | None = None) -> bytes:
        raw = (self.root / _check(key)).read_bytes()
        sealed = raw.startswith(_SEALED)
        customer_key = _check_sse(sse_key)
        if customer_key is None:
            if sealed:
                raise StorageKeyError(f"{key} is encrypted with a customer key; none was given")
            return raw
        if not sealed:
            raise StorageKeyError(
                f"{key} is stored in plain text (written by an older version?): `genius storage seal` "
                "encrypts such files under their tenant's key"
            )
        body = raw[len(_SEALED) :]
        try:
            return AESGCM(customer_key).decrypt(body[:_NONCE], body[_NONCE:], key.encode())
        except InvalidTag:
            raise StorageKeyError(f"{key}: wrong customer key (or the file was altered)") from None

    def exists(self, key: str, *, sse_key: bytes | None = None) -> bool:
        return (self.root / _check(key)).exists()

    def delete(self, key: str, *, sse_key: bytes | None = None) -> None:
        (self.root / _check(key)).unlink(missing_ok=True)


class S3Storage:
    def __init__(self, bucket: str, prefix: str, endpoint_url: str | None, client: Any | None = None) -> None:
        if client is None:
            import boto3  # optional dependency of production deployments

            client = boto3.client("s3", endpoint_url=endpoint_url)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{_check(key)}" if self.prefix else _check(key)

    @staticmethod
    def _sse(sse_key: bytes | None) -> dict[str, str]:
        # botocore base64-encodes the key and adds its MD5 header itself.
        if _check_sse(sse_key) is None:
            return {}
        return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": sse_key}  # type: ignore[dict-item]

    def _error(self, exc: Exception, key: str) -> Exception:
        from botocore.exceptions import ClientError

        if isinstance(exc, ClientError):
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = exc.response.get("Error", {}).get("Code", "")
            # S3 answers 400 InvalidRequest without the object's key and 403 with a wrong one.
            if status in (400, 403) and code in ("InvalidRequest", "AccessDenied", "400", "403"):
                return StorageKeyError(f"{key}: customer key missing or wrong ({code})")
            if code in ("NoSuchKey", "404"):
                return FileNotFoundError(key)
        return exc

    def put(
        self,
        key: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        *,
        sse_key: bytes | None = None,
    ) -> str:
        self.client.put_object(
            Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type, **self._sse(sse_key)
        )
        return key

    def get(self, key: str, *, sse_key: bytes | None = None) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key), **self._sse(sse_key))
        except Exception as exc:
            raise self._error(exc, key) from exc
        return bytes(response["Body"].read())

    def exists(self, key: str, *, sse_key: bytes | None = None) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key), **self._sse(sse_key))
            return True
        except Exception:
            return False

    def delete(self, key: str, *, sse_key: bytes | None = None) -> None:
        # DeleteObject takes no SSE-C parameters; with a key, a HEAD with it first proves the caller
        # holds the object's key, so one tenant's key cannot remove another's object.
        if sse_key is not None:
            try:
                self.client.head_object(Bucket=self.bucket, Key=self._key(key), **self._sse(sse_key))
            except Exception as exc:
                error = self._error(exc, key)
                if isinstance(error, FileNotFoundError):
                    return
                raise error from exc
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))


def storage_from_settings(settings: Settings) -> Storage:
    url = settings.storage_url
    if not url:
        return FileStorage(Path(settings.data_dir) / "files")
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return FileStorage(Path(parsed.path))
    if parsed.scheme == "s3":
        return S3Storage(parsed.netloc, parsed.path, settings.s3_endpoint_url)
    raise ValueError(f"unsupported GENIUS_STORAGE_URL scheme {parsed.scheme!r}")


def is_sealed(path: Path) -> bool:
    """Whether a FileStorage file is encrypted with a customer key (starts with the sealed header)."""
    with path.open("rb") as fh:
        return fh.read(len(_SEALED)) == _SEALED


class TenantStorage:
    """One tenant's view of the store: every call carries the tenant's key, and an object key must name
    the tenant (its id is one segment of the key), so a caller cannot write into another tenant's files."""

    def __init__(self, storage: Storage, tid: uuid.UUID, sse_key: bytes) -> None:
        self.storage = storage
        self.tid = tid
        self._sse_key = _check_sse(sse_key)

    def _own(self, key: str) -> str:
        if str(self.tid) not in _check(key).split("/"):
            raise ValueError(f"storage key {key!r} is not under tenant {self.tid}")
        return key

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        return self.storage.put(self._own(key), data, content_type, sse_key=self._sse_key)

    def get(self, key: str) -> bytes:
        return self.storage.get(self._own(key), sse_key=self._sse_key)

    def exists(self, key: str) -> bool:
        return self.storage.exists(self._own(key), sse_key=self._sse_key)

    def delete(self, key: str) -> None:
        self.storage.delete(self._own(key), sse_key=self._sse_key)


class TenantFiles:
    """The store plus the platform secret: ``for_tenant(tid)`` is how code reads and writes files."""

    def __init__(self, storage: Storage, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("tenant files need the platform secret (GENIUS_SECRET_KEY)")
        self.storage = storage
        self._secret_key = secret_key

    def for_tenant(self, tid: uuid.UUID | str) -> TenantStorage:
        tid = uuid.UUID(str(tid))
        return TenantStorage(self.storage, tid, tenant_sse_key(self._secret_key, tid))


def tenant_files_from_settings(settings: Settings) -> TenantFiles:
    if not settings.secret_key:
        from genius.embedded import ensure_secret_key  # the embedded mode's generated secret

        ensure_secret_key(settings)
    assert settings.secret_key
    return TenantFiles(storage_from_settings(settings), settings.secret_key)


def _owner(key: str) -> uuid.UUID | None:
    """The tenant of an object key: its first segment that is a UUID (``efactura/<tid>/…``)."""
    for part in key.split("/"):
        try:
            tid = uuid.UUID(part)
        except ValueError:
            continue
        if str(tid) == part:  # the canonical form only: a 32-digit file name is no tenant
            return tid
    return None


def seal_plaintext(storage: FileStorage, secret_key: str) -> tuple[list[str], list[str]]:
    """Encrypt, under its tenant's key, every plain file an older version left in a FileStorage.

    Returns (sealed keys, plain keys left alone because no tenant id is in their key). Safe to repeat
    and to interrupt: each file is replaced atomically, sealed files are skipped."""
    sealed: list[str] = []
    unowned: list[str] = []
    if not storage.root.is_dir():
        return sealed, unowned
    for path in sorted(storage.root.rglob("*")):
        if not path.is_file() or path.name.endswith(".part") or is_sealed(path):
            continue
        key = path.relative_to(storage.root).as_posix()
        tid = _owner(key) if KEY_RE.match(key) else None
        if tid is None:
            unowned.append(key)
            continue
        storage.put(key, path.read_bytes(), sse_key=tenant_sse_key(secret_key, tid))
        sealed.append(key)
    if sealed or unowned:
        log.warning("storage_plaintext_sealed", sealed=len(sealed), unowned=unowned[:20])
    return sealed, unowned
