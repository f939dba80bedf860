"""Queue ``pdf.render``: HTML or a named template to PDF with WeasyPrint, stored through the storage
interface under ``pdf/<tid>/…``, encrypted with the tenant's key; the task returns the object's key.

The tenant is the ``tid`` argument or the ``genius_tid`` header (``workers.context.task_tenant``)."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

from celery import Task
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from genius.config import get_settings
from genius.core.storage import tenant_files_from_settings
from genius.workers.celery_app import celery_app
from genius.workers.context import task_tenant

TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), undefined=StrictUndefined
)


def render_html(html: str | None, template: str | None, context: dict[str, Any]) -> str:
    if bool(html) == bool(template):
        raise ValueError("give exactly one of html or template")
    if template:
        if template not in {p.stem for p in TEMPLATES.glob("*.html")}:
            raise ValueError(f"unknown template {template!r}")
        return _env.get_template(f"{template}.html").render(**context)
    return str(html)


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy import: only in the processes that render
    from weasyprint.urls import URLFetcher

    # base_url=None and a fetcher allowed ``data:`` URIs only (inline images, QR codes): a document can
    # neither read local files nor make the worker fetch a URL; other resources are left out.
    fetcher = URLFetcher(allowed_protocols=["data"], allow_redirects=False)
    pdf = HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
    assert pdf is not None
    return bytes(pdf)


@celery_app.task(name="pdf.render", bind=True, acks_late=True, max_retries=2)
def render(
    self: Task,
    html: str | None = None,
    template: str | None = None,
    context: dict[str, Any] | None = None,
    key: str | None = None,
    tid: str | None = None,
) -> dict[str, Any]:
    """Render and store as ``pdf/<tid>/<key>``; the same ``key`` always names the same document
    (idempotent)."""
    tenant = task_tenant(self, tid)
    document = render_html(html, template, context or {})
    pdf = render_pdf(document)
    object_key = f"pdf/{tenant}/{key or uuid.uuid4().hex + '.pdf'}"
    tenant_files_from_settings(get_settings()).for_tenant(tenant).put(object_key, pdf, "application/pdf")
    return {"key": object_key, "size": len(pdf), "sha256": hashlib.sha256(pdf).hexdigest()}


def health() -> str:
    """Deep check: the engine renders a one-line document."""
    pdf = render_pdf("<p>health</p>")
    return f"weasyprint rendered {len(pdf)} bytes"
