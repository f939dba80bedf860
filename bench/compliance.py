"""e-Factura benchmark: invoices generated plus validated per second, next to raw lxml XSD validation.

    uv run --frozen python -m bench --suite compliance [--quick]

Figures (each on the same XML, in the same run):
  generate          typed model -> UBL 2.1 XML (CIUS-RO)
  validate          our validator: well-formedness, UBL XSD, EN 16931 + CIUS-RO rules
  generate+validate the two together (the figure the issue asks for)
  raw XSD           lxml.etree.XMLSchema.validate on the already-parsed document (the baseline)
  official XSLT     the compiled CIUS-RO schematron under saxonche (for scale), when available

The UBL XSDs and the official XSLT are read in place from ../shared/data (GENIUS_BENCH_SHARED_DATA
overrides); without them the XSD-dependent figures are skipped with a reason.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from genius.compliance.efactura.invoice import (
    Address,
    AllowanceCharge,
    Contact,
    Identifier,
    Invoice,
    Item,
    LineItem,
    Party,
    PayeeAccount,
    PaymentMeans,
    Price,
    VatCategory,
)
from genius.compliance.efactura.ubl import to_ubl_xml

SHARED = Path(
    os.environ.get("GENIUS_BENCH_SHARED_DATA")
    or Path(__file__).resolve().parents[1].parent / "shared" / "data"
)


def sample_invoice(n: int, lines: int = 10) -> Invoice:
    """A realistic B2B invoice: Cluj seller, Bucharest buyer, two VAT rates, a document discount."""
    seller = Party(
        name="Genius Software SRL",
        vat_id="RO18547290",
        legal_id=Identifier(value="J12/1234/2010"),
        address=Address.romanian("Str. Memorandumului 28", "Cluj-Napoca", "Cluj", "400114"),
        contact=Contact(name="Ana Pop", phone="0740123456", email="facturi@genius.ro"),
    )
    buyer = Party(
        name="Client Exemplu SA",
        vat_id="RO14399840",
        legal_id=Identifier(value="J40/4567/2001"),
        address=Address.romanian("Bd. Unirii 10", "Sector 3", "București", "030167"),
    )
    return Invoice(
        number=f"BENCH-{n:06d}",
        issue_date=date(2026, 11, 2),
        due_date=date(2026, 12, 2),
        seller=seller,
        buyer=buyer,
        payment_means=[PaymentMeans(code="30", accounts=[PayeeAccount(iban="RO49AAAA1B31007593840000")])],
        lines=[
            LineItem(
                id=str(i + 1),
                quantity=Decimal(1 + i % 7),
                unit_code="H87",
                price=Price(amount=Decimal("12.50") + i),
                item=Item(
                    name=f"Articol {i + 1}",
                    vat_category=VatCategory.STANDARD,
                    vat_rate=Decimal("21" if i % 3 else "11"),
                ),
            )
            for i in range(lines)
        ],
        allowances_charges=[
            AllowanceCharge(
                amount=Decimal("5.00"),
                reason="Discount",
                reason_code="95",
                vat_category=VatCategory.STANDARD,
                vat_rate=Decimal("21"),
            )
        ],
    )


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s"


def _timed(fn: Callable[[int], Any], n: int) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        fn(i)
    return time.perf_counter() - t0


def _validator(xsd_dir: Path | None) -> Callable[[bytes], list[Any]]:
    """Our full validator (XSD when the schemas are there, plus our rules)."""
    from genius.compliance.efactura.validate import validate

    return lambda xml: validate(xml, xsd_dir=xsd_dir)


def run(quick: bool = False) -> None:
    n = 100 if quick else 500
    invoices = [sample_invoice(i) for i in range(n)]
    xmls = [to_ubl_xml(inv) for inv in invoices]
    print(f"e-Factura   {n} invoices of 10 lines, {len(xmls[0]):,} bytes each")

    t_gen = _timed(lambda i: to_ubl_xml(invoices[i]), n)
    print(f"efactura    generated {_rate(n, t_gen):>10}   (model -> UBL XML)")

    xsd_dir = SHARED / "ubl21-xsd"
    if not xsd_dir.is_dir():
        print(f"efactura    XSD figures skipped: {xsd_dir} is absent")
        xsd_dir_opt: Path | None = None
    else:
        xsd_dir_opt = xsd_dir
    validate = _validator(xsd_dir_opt)
    findings = validate(xmls[0])
    fatal = [f for f in findings if f.severity == "fatal"]
    print(f"efactura    sample invoice: {len(findings)} findings ({len(fatal)} fatal)")
    for f in fatal[:5]:
        print(f"              {f.rule} {f.location}: {f.message}")

    t_val = _timed(lambda i: validate(xmls[i]), n)
    t_both = _timed(lambda i: validate(to_ubl_xml(invoices[i])), n)
    print(f"efactura    validated {_rate(n, t_val):>10}   (XML -> findings: XSD + EN 16931 + CIUS-RO rules)")
    print(f"efactura    generated+validated {_rate(n, t_both):>10}")

    if xsd_dir_opt is not None:
        from genius.compliance.efactura.xsd import load_schema

        schema = load_schema(xsd_dir_opt, "Invoice")
        docs = [etree.fromstring(x) for x in xmls]
        t_raw = _timed(lambda i: schema.validate(docs[i]), n)
        t_raw_parse = _timed(lambda i: schema.validate(etree.fromstring(xmls[i])), n)
        print(f"baseline    raw lxml XSD validate {_rate(n, t_raw):>10}   (parsed tree)")
        print(f"baseline    raw lxml parse+XSD    {_rate(n, t_raw_parse):>10}   (same bytes)")

    xslt_dir = SHARED / "cius-ro" / "xslt-1.0.9"
    if xslt_dir.is_dir():
        try:
            from genius.compliance.efactura.official import find_official_xslt, run_official
        except ImportError as exc:
            print(f"official    skipped: {exc}")
            return
        xslt = find_official_xslt(xslt_dir)
        if xslt is None:
            print(f"official    skipped: no CIUS-RO UBL XSLT found in {xslt_dir}")
            return
        run_official(xmls[0], xslt)  # compile once, outside the timing
        m = max(10, n // 10)
        t_off = _timed(lambda i: run_official(xmls[i], xslt), m)
        print(f"official    CIUS-RO XSLT (saxonche) {_rate(m, t_off):>10}   (for scale)")
