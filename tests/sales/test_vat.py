"""Romanian VAT as dated data, and totals rounded per category as EN 16931's BR-CO rules want."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from genius.sales import vat
from genius.sales.vat import LineInput, RateClass, VatCategory


@pytest.mark.parametrize(
    ("on", "standard", "reduced", "reduced_low"),
    [
        (date(2024, 1, 1), 19, 9, 5),
        (date(2025, 7, 31), 19, 9, 5),
        (date(2025, 8, 1), 21, 11, 11),
        (date(2026, 12, 3), 21, 11, 11),
    ],
)
def test_rates_by_date(on: date, standard: int, reduced: int, reduced_low: int) -> None:
    s = VatCategory.STANDARD
    assert vat.rate_for(s, RateClass.STANDARD, on) == standard
    assert vat.rate_for(s, RateClass.REDUCED, on) == reduced
    assert vat.rate_for(s, RateClass.REDUCED_LOW, on) == reduced_low
    assert "141/2025" in vat.period_for(date(2025, 8, 1)).source


def test_no_rates_before_the_table() -> None:
    with pytest.raises(ValueError, match="no Romanian VAT rates"):
        vat.period_for(date(2010, 1, 1))


def test_categories_and_exemption_reasons() -> None:
    on = date(2026, 1, 1)
    for category in (
        VatCategory.ZERO,
        VatCategory.EXEMPT,
        VatCategory.REVERSE_CHARGE,
        VatCategory.INTRA_COMMUNITY,
        VatCategory.EXPORT,
    ):
        assert vat.rate_for(category, RateClass.STANDARD, on) == 0
    assert vat.rate_for(VatCategory.NOT_SUBJECT, RateClass.STANDARD, on) is None
    assert vat.exemption(VatCategory.STANDARD) is None and vat.exemption(VatCategory.ZERO) is None
    for category in (
        VatCategory.EXEMPT,
        VatCategory.REVERSE_CHARGE,
        VatCategory.INTRA_COMMUNITY,
        VatCategory.EXPORT,
        VatCategory.NOT_SUBJECT,
    ):
        reason = vat.exemption(category)
        assert reason is not None and reason.reason
    assert vat.exemption(VatCategory.REVERSE_CHARGE).code == "VATEX-EU-AE"  # type: ignore[union-attr]
    assert vat.exemption(VatCategory.INTRA_COMMUNITY).code == "VATEX-EU-IC"  # type: ignore[union-attr]


def line(
    qty: str,
    price: str,
    rate: str | None = "21",
    discount: str = "0",
    cat: VatCategory = VatCategory.STANDARD,
) -> LineInput:
    return LineInput(
        Decimal(qty), Decimal(price), Decimal(discount), cat, None if rate is None else Decimal(rate)
    )


def test_line_net_is_rounded_half_up_after_the_discount() -> None:
    assert vat.line_net(Decimal("2.5"), Decimal("12.345")) == Decimal("30.86")  # 30.8625
    assert vat.line_net(Decimal("3"), Decimal("33.33"), Decimal("0.005")) == Decimal("99.99")  # 99.985
    assert vat.line_net(Decimal("1"), Decimal("0.005")) == Decimal("0.01")


def test_vat_is_computed_on_the_category_base_not_summed_per_line() -> None:
    # 3 lines of 0.35 at 21 %: per line 0.0735 → 0.07 (sum 0.21); on the base 1.05 → 0.2205 → 0.22
    result = vat.totals([line("1", "0.35")] * 3)
    assert result.lines == (Decimal("0.35"),) * 3
    [part] = result.breakdown
    assert (part.base, part.vat) == (Decimal("1.05"), Decimal("0.22"))
    assert (result.net, result.vat, result.gross) == (Decimal("1.05"), Decimal("0.22"), Decimal("1.27"))


def test_breakdown_per_category_and_rate() -> None:
    result = vat.totals(
        [
            line("10", "150", discount="100"),
            line("3", "33.33", rate="11"),
            line("2.5", "12.345", rate="11"),
            line("1", "1000", rate="0", cat=VatCategory.REVERSE_CHARGE),
            line("1", "50", rate=None, cat=VatCategory.NOT_SUBJECT),
        ]
    )
    parts = {(p.category, p.rate): (p.base, p.vat) for p in result.breakdown}
    assert parts == {
        (VatCategory.STANDARD, Decimal("21")): (Decimal("1400.00"), Decimal("294.00")),
        (VatCategory.STANDARD, Decimal("11")): (Decimal("130.85"), Decimal("14.39")),
        (VatCategory.REVERSE_CHARGE, Decimal("0")): (Decimal("1000.00"), Decimal("0.00")),
        (VatCategory.NOT_SUBJECT, None): (Decimal("50.00"), Decimal("0.00")),
    }
    assert result.net == Decimal("2580.85") and result.vat == Decimal("308.39")
    assert result.gross == result.net + result.vat
