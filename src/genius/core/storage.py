"""Object storage behind one small interface: the filesystem in the embedded mode; any
S3-compatible store in production (GENIUS_STORAGE_URL=s3://bucket/prefix, boto3 when installed)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from genius.config import Settings

KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,500}$")


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> str: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...


def _check(key: str) -> str:
    if not KEY_RE.match(key) or ".." in key.split("/"):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class FileStorage:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        path = self.root / _check(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # readers never see half a file
        return key

    def get(self, key: str) -> bytes:
        return (self.root / _check(key)).read_bytes()

    def exists(self, key: str) -> bool:
        return (self.root / _check(key)).exists()


class S3Storage:
    def __init__(self, bucket: str, prefix: str, endpoint_url: str | None) -> None:
        import boto3  # optional dependency of production deployments

        self.client = boto3.client("s3", endpoint_url=endpoint_url)
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{_check(key)}" if self.prefix else _check(key)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> str:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)
        return key

    def get(self, key: str) -> bytes:
        return bytes(self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read())

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except Exception:
            return False


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
