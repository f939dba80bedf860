"""Invoices issued per second: `uv run python -m bench --suite sales [--quick]`.

The product path, one transaction per invoice as ``POST /v1/sales/invoices/{id}/issue`` runs it: the
draft locked, its number taken under the series lock (gapless), its CIUS-RO UBL generated and validated
by our validator (EN 16931 + the national BR-RO rules; the UBL 2.1 XSD too when the schemas are found),
its SPV upload and its PDF queued as outbox rows (the PDF's carries the document's id and version only:
no HTML is built while issuing), ``sales.invoice.issued`` published, then committed.

In the same run, on the same XML: raw XSD validation of each document (lxml, the schema compiled once)
as the baseline, when ANAF's UBL 2.1 schemas are in ``$GENIUS_EFACTURA_XSD_DIR`` or ``../shared/data``.
And the PDF rate, asynchronous to issuing: ``pdf.render.sales_document`` as the ``pdf.render`` worker runs
it (the HTML built from the issued document, rendered by WeasyPrint, stored under the tenant's key).
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

from bench.crm_import import new_tenant
from genius.compliance.efactura import service as efactura
from genius.core.directory import repository as directory
from genius.core.storage import tenant_files_from_settings
from genius.core.tenancy import service as tenancy
from genius.core.tenancy.schemas import TenantSettingsIn
from genius.sales import service
from genius.sales.schemas import InvoiceCreate, LineIn
from genius.sales.tasks import render_issued_pdf
from genius.vettify import service as crm
from genius.vettify.schemas import AccountCreate

SHARED_XSD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ubl21-xsd"
LINES = [
    ("Servicii de implementare ERP", "12", "HUR", "350.00"),
    ("Licență anuală GeniusERP", "5", "C62", "1200.00"),
    ("Instruire utilizatori", "2", "DAY", "900.00"),
]


def _tenant(platform: Any) -> uuid.UUID:
    tid, _token = new_tenant(platform)
    return tid


def _drafts(platform: Any, tid: uuid.UUID, n: int) -> list[uuid.UUID]:
    actor = service.Actor(tid=tid, name="bench")
    with platform.db.tenant_session(tid) as s:
        tenant = directory.get(s, tid)
        assert tenant is not None
        tenancy.save_company_settings(
            s,
            tenant,
            TenantSettingsIn(
                company_name="Genius Software SRL",
                cui="RO18547290",
                registration_number="J12/1234/2010",
                address="Str. Memorandumului 28, Cluj-Napoca, Cluj",
            ),
            actor="bench",
        )
        customer = crm.create_account(
            s,
            crm.Actor(tid=tid, name="bench"),
            AccountCreate(
                name="Client Exemplu SA",
                cui="14399840",
                address="Bd. Unirii 10",
                city="Sector 3",
                county="București",
            ),
        )
        ids = []
        for _ in range(n):
            lines = [LineIn(description=d, quantity=q, unit_code=u, unit_price=p) for d, q, u, p in LINES]
            body = InvoiceCreate(type="invoice", customer_id=customer.id, lines=lines)
            ids.append(service.create_document(s, actor, body).id)
    return ids


def _xsd_dir() -> Path | None:
    given = os.environ.get("GENIUS_EFACTURA_XSD_DIR")
    if given and Path(given).is_dir():
        return Path(given)
    return SHARED_XSD if SHARED_XSD.is_dir() else None


def run(started: Any, quick: bool) -> None:
    from genius.compliance.efactura.xsd import validate_xsd
    from genius.workers.pdf_render.tasks import render_pdf

    platform = started.platform
    n = 100 if quick else 500
    xsd_dir = _xsd_dir()
    if xsd_dir is not None:
        os.environ["GENIUS_EFACTURA_XSD_DIR"] = str(xsd_dir)  # the product validates against it too
    tid = _tenant(platform)
    drafts = _drafts(platform, tid, n)
    actor = service.Actor(tid=tid, name="bench")
    xmls: list[bytes] = []
    t0 = time.perf_counter()
    for draft_id in drafts:
        with platform.db.tenant_session(tid) as s:  # one transaction per invoice, as the API's
            doc = service.issue(s, actor, draft_id, None)
            assert doc.ubl_xml is not None
            xmls.append(doc.ubl_xml.encode())
    issue_s = time.perf_counter() - t0
    numbers = sorted(int(x.split(b"<cbc:ID>GEN-", 1)[1].split(b"<", 1)[0].rsplit(b"-", 1)[1]) for x in xmls)
    assert numbers == list(range(1, n + 1)), "numbers must be consecutive"
    issued_rate = n / issue_s
    print(
        f"sales issue        {issued_rate:8.1f} invoices/s  ({n} invoices of {len(LINES)} lines, "
        f"{issue_s * 1000 / n:.1f} ms each: numbered, UBL generated and validated"
        f"{' incl. XSD' if xsd_dir else ' (no XSD found: rules only)'}, upload and PDF (id only) queued, "
        "committed)"
    )
    if xsd_dir is not None:
        validate_xsd(xmls[0], xsd_dir)  # compile the schema once, outside the timing
        t0 = time.perf_counter()
        for xml in xmls:
            assert validate_xsd(xml, xsd_dir) == []
        xsd_s = time.perf_counter() - t0
        xsd_rate = n / xsd_s
        print(
            f"  baseline: raw XSD {xsd_rate:8.1f} documents/s  (lxml, UBL 2.1 schema compiled once); "
            f"ratio issue/XSD = {issued_rate / xsd_rate:.2f}"
        )
    else:
        print("  baseline: raw XSD skipped (no UBL 2.1 schemas: set GENIUS_EFACTURA_XSD_DIR)")
    pdfs = min(len(xmls), 10 if quick else 40)
    files = tenant_files_from_settings(platform.settings)
    render_pdf(efactura.document_html(xmls[0]))  # WeasyPrint's first run loads its fonts
    t0 = time.perf_counter()
    size = 0
    for draft_id in drafts[:pdfs]:
        with platform.db.tenant_session(tid) as s:
            version = service.get_document(s, draft_id).version
        done = render_issued_pdf(platform.db, files, tid, draft_id, version)
        assert done["rendered"] is True
        size += done["size"]
    pdf_s = time.perf_counter() - t0
    print(
        f"  PDF render        {pdfs / pdf_s:8.1f} PDFs/s  (pdf.render.sales_document: HTML from the issued "
        f"document, WeasyPrint, stored; {size / pdfs / 1024:.0f} KB each; asynchronous to issuing)"
    )
