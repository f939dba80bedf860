"""The EN 16931 invoice model: Romanian addresses, computed line amounts, VAT breakdown and totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from genius.compliance.efactura.invoice import (
    Address,
    AllowanceCharge,
    Contact,
    DocumentReference,
    Identifier,
    Invoice,
    Item,
    LineAllowanceCharge,
    LineItem,
    Party,
    PayeeAccount,
    PaymentMeans,
    Price,
    VatCategory,
    VatExemption,
    bucharest_sector,
    ro_county_code,
    round2,
)


def seller() -> Party:
    return Party(
        name="Genius Software SRL",
        vat_id="RO18547290",
        legal_id=Identifier(value="J12/1234/2010"),
        address=Address.romanian("Str. Memorandumului 28", "Cluj-Napoca", "Cluj", "400114"),
        contact=Contact(name="Ana Pop", phone="0740123456", email="facturi@genius.ro"),
    )


def buyer() -> Party:
    return Party(
        name="Client Exemplu SA",
        vat_id="RO14399840",
        legal_id=Identifier(value="J40/4567/2001"),
        address=Address.romanian("Bd. Unirii 10", "Sector 3", "București", "030167"),
    )


def line(
    n: int, name: str, qty: str, price: str, rate: str = "21", unit: str = "H87", **kw: object
) -> LineItem:
    return LineItem(
        id=str(n),
        quantity=Decimal(qty),
        unit_code=unit,
        price=Price(amount=Decimal(price)),
        item=Item(name=name, vat_category=VatCategory.STANDARD, vat_rate=Decimal(rate)),
        **kw,  # type: ignore[arg-type]
    )


def ro_b2b_invoice() -> Invoice:
    """Two VAT rates (21 % and 11 %) and a 100 RON loyalty discount on the 21 % goods."""
    return Invoice(
        number="GEN-2025-0042",
        issue_date=date(2025, 9, 15),
        due_date=date(2025, 10, 15),
        seller=seller(),
        buyer=buyer(),
        order_reference="PO-778",
        notes=["Vă mulțumim!"],
        payment_means=[
            PaymentMeans(code="30", accounts=[PayeeAccount(iban="RO49AAAA1B31007593840000", bic="BTRLRO22")])
        ],
        lines=[
            line(1, "Licență Genius ERP", "10", "150.00"),
            line(2, "Carte tehnică", "3", "33.33", rate="11"),
            line(3, "Cafea boabe", "2.5", "12.345", rate="11", unit="KGM"),
        ],
        allowances_charges=[
            AllowanceCharge(
                amount=Decimal("100.00"),
                reason="Discount fidelitate",
                reason_code="95",
                vat_category=VatCategory.STANDARD,
                vat_rate=Decimal("21"),
            )
        ],
    )


def eur_invoice() -> Invoice:
    """An invoice in EUR whose VAT is also stated in RON (BT-6 + BT-111)."""
    return Invoice(
        number="GEN-EUR-7",
        issue_date=date(2025, 9, 20),
        due_date=date(2025, 10, 20),
        currency="EUR",
        tax_currency="RON",
        tax_currency_rate=Decimal("4.9750"),
        seller=seller(),
        buyer=buyer(),
        lines=[line(1, "Consultanță", "8", "125.00", unit="HUR")],
    )


def credit_note() -> Invoice:
    return Invoice(
        number="GEN-CN-3",
        issue_date=date(2025, 9, 30),
        due_date=date(2025, 10, 30),
        type_code="381",
        seller=seller(),
        buyer=buyer(),
        preceding_invoices=[DocumentReference(id="GEN-2025-0042", issue_date=date(2025, 9, 15))],
        payment_means=[PaymentMeans(code="30", accounts=[PayeeAccount(iban="RO49AAAA1B31007593840000")])],
        lines=[line(1, "Retur licență", "2", "150.00")],
    )


def test_romanian_address_normalises_county_and_bucharest_sector() -> None:
    assert seller().address.county == "RO-CJ"
    assert buyer().address.county == "RO-B"
    assert buyer().address.city == "SECTOR3"
    assert ro_county_code("RO-CJ") == ro_county_code("cj") == ro_county_code("Cluj") == "RO-CJ"
    assert ro_county_code("Iași") == ro_county_code("IASI") == "RO-IS"
    assert ro_county_code("Bucuresti") == "RO-B"
    assert ro_county_code("Bavaria") is None
    assert bucharest_sector("sector 6") == "SECTOR6"
    assert bucharest_sector("Sector 7") is None
    with pytest.raises(ValueError, match="sector"):
        Address.romanian("Str. X 1", "București", "RO-B")
    with pytest.raises(ValueError, match="county"):
        Address.romanian("Str. X 1", "Oraș", "Atlantida")


def test_party_cui_strips_the_ro_prefix() -> None:
    assert seller().cui == "18547290"
    assert Party(name="PFA", tax_registration_id="1234567").cui == "1234567"
    assert Party(name="Fără").cui is None


def test_round2_is_half_up() -> None:
    assert round2(Decimal("0.125")) == Decimal("0.13")
    assert round2(Decimal("-0.125")) == Decimal("-0.13")
    assert round2(Decimal("14.3935")) == Decimal("14.39")


def test_line_net_amount_uses_base_quantity_and_line_allowances() -> None:
    ln = line(1, "Șuruburi", "250", "12.50", unit="H87")
    ln = ln.model_copy(
        update={
            "price": Price(amount=Decimal("12.50"), base_quantity=Decimal("100"), base_quantity_unit="H87"),
            "allowances_charges": [
                LineAllowanceCharge(amount=Decimal("2.00"), reason="Reducere"),
                LineAllowanceCharge(is_charge=True, amount=Decimal("0.505"), reason="Ambalaj"),
            ],
        }
    )
    # 250 * 12.50 / 100 = 31.25; - 2.00 + 0.505 = 29.755 → 29.76
    assert ln.compute_net_amount() == Decimal("29.76")
    assert ln.effective_net_amount() == Decimal("29.76")
    assert ln.model_copy(update={"net_amount": Decimal("29.75")}).effective_net_amount() == Decimal("29.75")


def test_two_vat_rates_with_a_document_allowance() -> None:
    inv = ro_b2b_invoice()
    breakdown = {(b.category, b.rate): b for b in inv.compute_vat_breakdown()}
    s21 = breakdown[(VatCategory.STANDARD, Decimal("21"))]
    s11 = breakdown[(VatCategory.STANDARD, Decimal("11"))]
    assert (s21.taxable_amount, s21.tax_amount) == (Decimal("1400.00"), Decimal("294.00"))
    # 99.99 + 30.86 (2.5 * 12.345 = 30.8625) = 130.85; 11 % = 14.3935 → 14.39
    assert (s11.taxable_amount, s11.tax_amount) == (Decimal("130.85"), Decimal("14.39"))
    totals = inv.compute_totals()
    assert totals.line_total == Decimal("1630.85")
    assert totals.allowance_total == Decimal("100.00")
    assert totals.charge_total is None
    assert totals.tax_exclusive == Decimal("1530.85")
    assert totals.vat_total == Decimal("308.39")
    assert totals.tax_inclusive == Decimal("1839.24")
    assert totals.payable == Decimal("1839.24")


def test_prepaid_and_rounding_enter_the_amount_due() -> None:
    inv = ro_b2b_invoice().model_copy(
        update={"prepaid_amount": Decimal("500.00"), "rounding_amount": Decimal("0.76")}
    )
    assert inv.compute_totals().payable == Decimal("1340.00")


def test_exempt_and_reverse_charge_have_no_vat_and_keep_their_reasons() -> None:
    inv = ro_b2b_invoice().model_copy(
        update={
            "allowances_charges": [],
            "lines": [
                LineItem(
                    id="1",
                    quantity=Decimal("1"),
                    price=Price(amount=Decimal("1000")),
                    item=Item(name="Curs", vat_category=VatCategory.EXEMPT, vat_rate=Decimal("0")),
                ),
                LineItem(
                    id="2",
                    quantity=Decimal("1"),
                    price=Price(amount=Decimal("500")),
                    item=Item(name="Deșeuri", vat_category=VatCategory.REVERSE_CHARGE, vat_rate=Decimal("0")),
                ),
                LineItem(
                    id="3",
                    quantity=Decimal("1"),
                    price=Price(amount=Decimal("20")),
                    item=Item(name="Taxă timbru", vat_category=VatCategory.NOT_SUBJECT),
                ),
            ],
            "vat_exemptions": [
                VatExemption(category=VatCategory.EXEMPT, reason_code="VATEX-EU-132"),
                VatExemption(category=VatCategory.REVERSE_CHARGE, reason="Taxare inversă art. 331"),
            ],
        }
    )
    breakdown = {b.category: b for b in inv.compute_vat_breakdown()}
    assert breakdown[VatCategory.EXEMPT].tax_amount == Decimal("0")
    assert breakdown[VatCategory.EXEMPT].exemption_reason_code == "VATEX-EU-132"
    assert breakdown[VatCategory.REVERSE_CHARGE].exemption_reason == "Taxare inversă art. 331"
    assert breakdown[VatCategory.NOT_SUBJECT].rate is None
    assert inv.compute_totals().payable == Decimal("1520.00")


def test_eur_invoice_gets_the_ron_vat_total() -> None:
    inv = eur_invoice().with_computed()
    assert inv.totals is not None
    assert inv.totals.vat_total == Decimal("210.00")
    assert inv.vat_total_in_tax_currency == Decimal("1044.75")  # 210.00 * 4.9750


def test_with_computed_keeps_stated_values_unless_overwritten() -> None:
    inv = ro_b2b_invoice().with_computed()
    assert inv.totals is not None and inv.vat_breakdown is not None
    assert [ln.net_amount for ln in inv.lines] == [Decimal("1500.00"), Decimal("99.99"), Decimal("30.86")]
    stated = inv.model_copy(update={"totals": inv.totals.model_copy(update={"payable": Decimal("1")})})
    assert stated.with_computed().totals.payable == Decimal("1")  # type: ignore[union-attr]
    assert stated.with_computed(overwrite=True).totals.payable == Decimal("1839.24")  # type: ignore[union-attr]


def test_credit_note_kind_follows_the_type_code() -> None:
    assert credit_note().is_credit_note
    assert not ro_b2b_invoice().is_credit_note
    assert ro_b2b_invoice().model_copy(update={"kind": "credit_note"}).is_credit_note
