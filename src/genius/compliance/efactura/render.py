"""PDF (and HTML) rendering of an invoice with Romanian labels: Jinja2 template → WeasyPrint."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from genius.compliance.efactura.invoice import (
    INVOICE_TYPE_CODES,
    RO_COUNTY_CODES,
    Address,
    Invoice,
    VatCategory,
)

TEMPLATES = Path(__file__).parent / "templates"

VAT_CATEGORY_LABELS: dict[str, str] = {
    VatCategory.STANDARD: "Cota standard/redusă",
    VatCategory.ZERO: "Cota zero",
    VatCategory.EXEMPT: "Scutit",
    VatCategory.REVERSE_CHARGE: "Taxare inversă",
    VatCategory.INTRA_COMMUNITY: "Livrare intracomunitară scutită",
    VatCategory.EXPORT: "Export scutit",
    VatCategory.NOT_SUBJECT: "Neimpozabil",
    VatCategory.CANARY_ISLANDS: "Insulele Canare",
    VatCategory.CEUTA_MELILLA: "Ceuta și Melilla",
    VatCategory.SPLIT_PAYMENT: "Plată defalcată",
}


def format_amount(value: Decimal | None, places: int = 2) -> str:
    """Romanian number format: ``1234567.5`` → ``1.234.567,50`` (at least ``places`` decimals)."""
    if value is None:
        return ""
    exponent = value.as_tuple().exponent
    decimals = max(places, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_address(addr: Address | None) -> str:
    if addr is None:
        return ""
    county = RO_COUNTY_CODES.get(addr.county or "", addr.county) if addr.country == "RO" else addr.county
    parts = [
        addr.street,
        addr.additional_street,
        addr.line3,
        addr.postal_code,
        addr.city,
        county,
        addr.country,
    ]
    return ", ".join(p for p in parts if p)


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["amount"] = format_amount
    env.filters["address"] = format_address
    env.filters["qty"] = lambda v: format_amount(v, 0)
    return env


def render_html(invoice: Invoice, *, logo: str | None = None) -> str:
    """The invoice as an HTML page (totals computed where the document does not state them); ``logo``: the
    issuer's logo as a ``data:`` URI (the PDF renderer fetches nothing else), printed at the top."""
    if logo is not None and not logo.startswith("data:image/"):
        raise ValueError("the logo must be a data:image/… URI")
    inv = invoice.with_computed()
    title = "Notă de creditare" if inv.is_credit_note else INVOICE_TYPE_CODES.get(inv.type_code, "Factură")
    return (
        _env()
        .get_template("invoice.html.j2")
        .render(inv=inv, title=title, vat_labels=VAT_CATEGORY_LABELS, logo=logo)
    )


def render_pdf(invoice: Invoice) -> bytes:
    """The invoice as a PDF (WeasyPrint)."""
    from weasyprint import HTML

    pdf = HTML(string=render_html(invoice), base_url=str(TEMPLATES)).write_pdf()
    assert pdf is not None
    return bytes(pdf)


__all__ = ["format_address", "format_amount", "render_html", "render_pdf"]
