"""Queue ``ocr``: ``ocr.extract`` reads an image or a PDF (a storage object or inline base64) with
Tesseract 5 and returns its text, with every word's confidence and box, page by page. A storage object
is one of the tenant's files (``tid`` argument or ``genius_tid`` header), read with the tenant's key.

Bad input (not an image or PDF, too large, an unknown language) raises ``InvalidInput``, a
``ValueError``: a permanent failure, never retried.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

from celery import Task
from pydantic import ValidationError

from genius.config import get_settings
from genius.core.storage import StorageKeyError, tenant_files_from_settings
from genius.workers.celery_app import celery_app
from genius.workers.context import task_tenant
from genius.workers.ocr import engine
from genius.workers.ocr.engine import InvalidInput
from genius.workers.ocr.schemas import MAX_BYTES, OcrRequest

__all__ = ["InvalidInput", "extract", "health"]


def parse(kwargs: dict[str, Any]) -> OcrRequest:
    try:
        return OcrRequest.model_validate(kwargs)
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'request'}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"invalid OCR request: {fields}") from None


def load(request: OcrRequest, tid: uuid.UUID | None = None) -> bytes:
    if request.data_b64 is not None:
        try:
            return base64.b64decode("".join(request.data_b64.split()), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("data_b64 is not valid base64") from None
    assert request.key is not None
    if tid is None:
        raise InvalidInput("reading a stored object needs the tenant (tid argument or genius_tid header)")
    storage = tenant_files_from_settings(get_settings()).for_tenant(tid)
    try:
        if not storage.exists(request.key):
            raise InvalidInput(f"no stored object {request.key!r}")
        data = storage.get(request.key)
    except (ValueError, StorageKeyError) as exc:  # an invalid key, another tenant's, a wrong key
        raise InvalidInput(str(exc)) from None
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"{request.key!r} is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data


@celery_app.task(name="ocr.extract", bind=True, acks_late=True)
def extract(
    self: Task,
    key: str | None = None,
    data_b64: str | None = None,
    lang: str = "ron+eng",
    dpi: int = 300,
    psm: int | None = None,
    tid: str | None = None,
) -> dict[str, Any]:
    """OCR one image or PDF: ``{"text", "lang", "kind", "pages": [{"page", "width", "height", "text",
    "words": [{"text", "confidence", "box": {"left", "top", "width", "height"}}]}], "mean_confidence"}``.
    """
    request = parse({"key": key, "data_b64": data_b64, "lang": lang, "dpi": dpi, "psm": psm})
    tenant = None
    if request.key is not None:
        try:
            tenant = task_tenant(self, tid)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    result = engine.ocr(load(request, tenant), lang=request.lang, dpi=request.dpi, psm=request.psm)
    return result.model_dump(mode="json")


def health() -> str:
    """Deep check: the tesseract binary runs, is version 5 and has the ``ron`` and ``eng`` data."""
    version = engine.tesseract_version()
    if version.split(".")[0] != "5":
        raise RuntimeError(f"tesseract {version} found, version 5 required")
    missing = sorted(set(engine.REQUIRED_LANGS) - engine.installed_languages())
    if missing:
        raise RuntimeError(f"tesseract language data missing: {', '.join(missing)} ({engine.INSTALL_HINT})")
    return f"tesseract {version}, languages {'+'.join(engine.REQUIRED_LANGS)}"
