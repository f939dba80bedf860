"""Ledger → D406 model → XML → model; the sections of each report type; segmentation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from genius.compliance.saft.audit_file import NS_D406, NS_D406T
from genius.compliance.saft.build import from_ledger, from_xml, segment, to_xml
from genius.compliance.saft.rules import validate
from tests.compliance.saft import samples


def test_round_trip_every_kind() -> None:
    for ledger, kind in (
        (samples.month(), "L"),
        (samples.assets_year(), "A"),
        (samples.stock_request(), "C"),
    ):
        audit = from_ledger(ledger, kind, created=date(2026, 7, 1))
        for namespace in (NS_D406, NS_D406T):
            xml = to_xml(audit, namespace)
            assert etree.QName(etree.fromstring(xml)).namespace == namespace
            assert from_xml(xml) == audit


def test_month_derives_balances_and_control_totals() -> None:
    audit = from_ledger(samples.month(), "L", created=date(2026, 7, 1))
    header = audit.header
    assert header.header_comment == "L" and header.selection_criteria.period_start == 6
    assert (header.segment_index, header.total_segments_insequence) == (1, 1)
    assert audit.master_files is not None and audit.master_files.general_ledger_accounts is not None
    accounts = {a.account_id: a for a in audit.master_files.general_ledger_accounts.accounts}
    # cash: 850 opening + 1190 received
    assert accounts["5311"].opening_debit_balance == Decimal("850.00")
    assert accounts["5311"].closing_debit_balance == Decimal("2040.00")
    # suppliers: 50 credit + 119 credit
    assert (
        accounts["401"].closing_credit_balance == Decimal("169.00")
        and accounts["401"].closing_debit_balance is None
    )
    assert accounts["4111"].closing_debit_balance == Decimal("200.00")
    gl = audit.general_ledger_entries
    assert gl is not None and (gl.number_of_entries, gl.total_debit, gl.total_credit) == (
        3,
        Decimal("2499.00"),
        Decimal("2499.00"),
    )
    docs = audit.source_documents
    assert docs is not None and docs.sales_invoices is not None and docs.payments is not None
    (invoice,) = docs.sales_invoices.invoices
    assert (invoice.document_totals.net_total, invoice.document_totals.gross_total) == (
        Decimal(1000),
        Decimal(1190),
    )
    assert docs.sales_invoices.total_credit == Decimal(1000) and docs.sales_invoices.total_debit == 0
    assert docs.payments.total_credit == Decimal(1190)
    assert docs.movement_of_goods is None and audit.master_files.assets is None
    assert audit.master_files.physical_stock is None


def test_report_types_carry_their_sections() -> None:
    annual = from_ledger(samples.assets_year(), "A")
    assert annual.general_ledger_entries is None and annual.master_files is not None
    assert annual.master_files.assets is not None and annual.master_files.physical_stock is None
    (valuation,) = annual.master_files.assets.assets[0].valuations.valuations
    assert valuation.acquisition_and_production_costs_end == Decimal(6000)
    assert valuation.book_value_end == Decimal(3500)
    assert annual.source_documents is not None and annual.source_documents.asset_transactions is not None
    stock = from_ledger(samples.stock_request(), "C")
    assert stock.general_ledger_entries is None and stock.master_files is not None
    assert stock.master_files.physical_stock is not None and stock.master_files.assets is None
    criteria = stock.header.selection_criteria
    assert (criteria.selection_start_date, criteria.period_start) == (date(2026, 3, 1), None)
    moves = stock.source_documents.movement_of_goods  # type: ignore[union-attr]
    assert moves is not None and (
        moves.number_of_movement_lines,
        moves.total_quantity_received,
        moves.total_quantity_issued,
    ) == (2, Decimal(20), Decimal(50))


def test_periods_must_fit_the_report_type() -> None:
    with pytest.raises(ValueError, match="one month"):
        from_ledger(samples.stock_request(), "L")
    with pytest.raises(ValueError, match="quarter"):
        from_ledger(samples.month(), "T")
    with pytest.raises(ValueError, match="twelve"):
        from_ledger(samples.month(), "A")
    with pytest.raises(ValueError, match="unknown report type"):
        from_ledger(samples.month(), "X")


def test_small_report_is_one_segment() -> None:
    audit = from_ledger(samples.month(), "L")
    (only,) = segment(audit, 10_000_000)
    assert only == to_xml(audit)


def test_segmentation_with_a_tiny_limit() -> None:
    audit = from_ledger(samples.month(entries=60), "L")
    whole = to_xml(audit)
    limit = 8_000
    files = segment(audit, limit)
    assert len(whole) > limit and len(files) > 2
    total = len(files)
    transactions: list[str] = []
    debit = Decimal(0)
    for n, xml in enumerate(files, start=1):
        assert len(xml) <= limit
        assert validate(xml) == [], n  # each segment is a valid AuditFile on its own
        part = from_xml(xml)
        assert (part.header.segment_index, part.header.total_segments_insequence) == (n, total)
        assert (part.master_files is not None) == (n == 1)
        if part.general_ledger_entries:
            gl = part.general_ledger_entries
            ids = [t.transaction_id for j in gl.journals for t in j.transactions]
            assert gl.number_of_entries == len(ids)
            transactions += ids
            debit += gl.total_debit
    # every transaction exactly once, in order; the segments' totals add up to the whole
    assert audit.general_ledger_entries is not None
    assert transactions == [
        t.transaction_id for j in audit.general_ledger_entries.journals for t in j.transactions
    ]
    assert debit == audit.general_ledger_entries.total_debit
    kinds = [from_xml(x).source_documents for x in files]
    assert (
        sum(1 for d in kinds if d and d.sales_invoices) == 1
        and sum(1 for d in kinds if d and d.payments) == 1
    )


def test_a_record_larger_than_the_limit_is_an_error() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        segment(from_ledger(samples.month(entries=10), "L"), 4096)
