"""Compliance demo data (``genius demo``): the demo tenant connects its ANAF SPV account through the
local fake ANAF's OAuth (the real authorization-code flow, approved without a login page), so the
demo's e-Factura uploads reach the fake SPV. The fake keeps its tokens in memory, so this runs at every
start; with the real ANAF (``GENIUS_DEMO_FAKES=false`` or explicit ANAF URLs) it does nothing.

Two supplier invoices then arrive in the demo tenant's SPV inbox: the fake's control endpoint makes them
received messages of the tenant's CUI (as if the suppliers had uploaded them), and the inbox runs once
(``anaf.efactura.inbox``'s work), so they are downloaded, verified, archived and published like any
other; the sales consumer shows them as supplier invoices. ANAF's list never shows a message twice in
the inbox, and a tenant whose inbox holds messages already is left alone (the fake, in memory,
forgets them at a restart)."""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import httpx
import structlog

from genius.compliance.common import oauth
from genius.compliance.common.errors import OAuthError

if TYPE_CHECKING:
    from genius.core.platform import Platform

log = structlog.get_logger("genius.compliance.demo")
WAIT_SECONDS = 30.0  # the fake ANAF starts beside the demo; its first reply may take a few seconds


def uses_demo_fake(platform: Platform) -> bool:
    s = platform.settings
    return s.demo_fakes and s.anaf_oauth_base.startswith(f"http://127.0.0.1:{s.demo_fakes_port}/")


def seed_demo(platform: Platform, tid: uuid.UUID, *, wait: float = WAIT_SECONDS) -> bool:
    """Connect the tenant to the demo's fake SPV; True when connected."""
    if not uses_demo_fake(platform):
        return False
    deadline = time.monotonic() + wait
    while True:
        try:
            status = oauth.connect_without_browser(platform.db, platform.settings, tid)
        except OAuthError as exc:
            if exc.kind == "unavailable" and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            log.warning("demo_spv_not_connected", error=str(exc))
            return False
        log.info("demo_spv_connected", expires_at=status.get("expires_at"))
        seed_inbox(platform, tid)
        return True


# Suppliers the fake taxpayer registry knows (so their CRM accounts verify in the demo).
DEMO_SUPPLIERS = (
    (
        "29500004",
        "CONSTRUCTII DEFALCAT SRL",
        "Str. Exemplului 3",
        "Timișoara",
        "RO-TM",
        "FD-2026-0412",
        "Lucrări de amenajare birouri",
        Decimal("4200.00"),
    ),
    (
        "37110002",
        "SERVICII INCASARE SRL",
        "Bd. Independenței 12",
        "Iași",
        "RO-IS",
        "SI-000877",
        "Abonament mentenanță echipamente",
        Decimal("650.00"),
    ),
)


def supplier_invoice_xml(
    supplier: tuple[str, str, str, str, str, str, str, Decimal], buyer_cui: str, buyer_name: str, day: date
) -> bytes:
    """A CIUS-RO invoice from one of the demo suppliers to the tenant."""
    from genius.compliance.efactura.invoice import Address, Invoice, Item, LineItem, Party, Price
    from genius.compliance.efactura.service import document_xml

    cui, name, street, city, county, number, description, amount = supplier
    invoice = Invoice(
        number=number,
        issue_date=day,
        due_date=day + timedelta(days=30),
        seller=Party(name=name, vat_id=f"RO{cui}", address=Address(street=street, city=city, county=county)),
        buyer=Party(
            name=buyer_name,
            vat_id=f"RO{buyer_cui}",
            address=Address(street="Str. Demo 1", city="Cluj-Napoca", county="RO-CJ"),
        ),
        lines=[
            LineItem(
                id="1",
                quantity=Decimal("1"),
                unit_code="C62",
                price=Price(amount=amount),
                item=Item(name=description, vat_rate=Decimal("21")),
            )
        ],
    )
    return document_xml(invoice)


def seed_inbox(platform: Platform, tid: uuid.UUID) -> int:
    """Two supplier invoices waiting in the demo tenant's SPV inbox, fetched once. Returns how many."""
    from genius.compliance.efactura import service
    from genius.core.tenancy.service import company_profile

    with platform.db.tenant_session(tid) as session:
        profile = company_profile(session, tid)
        buyer_cui, buyer_name = "".join(c for c in (profile.cui or "") if c.isdigit()), profile.company_name
    ctx = service.context_for(platform)
    if not buyer_cui or service.inbox_has_messages(ctx, tid):
        return 0
    base = f"http://127.0.0.1:{platform.settings.demo_fakes_port}/fake-control/efactura/received"
    today = date.today()
    for n, supplier in enumerate(DEMO_SUPPLIERS):
        xml = supplier_invoice_xml(
            supplier, buyer_cui, buyer_name or "Demo SRL", today - timedelta(days=3 - n)
        )
        httpx.post(base, params={"cif": buyer_cui, "supplier_cif": supplier[0]}, content=xml, timeout=10.0)
    result = service.sync_inbox(ctx, tid)
    log.info("demo_spv_inbox", **result)
    return int(result["received"])
