"""Ledgers for the SAF-T tests: a month with every L/T section, a year of assets, a stock report."""

from __future__ import annotations

from typing import Any

from genius.compliance.saft.ledger import Ledger

COMPANY = {
    "cui": "RO88888808",
    "name": "TEST SRL",
    "street": "Str. Exemplu nr. 1",
    "city": "Bucuresti",
    "postal_code": "010101",
    "region": "RO-B",
    "contact_first_name": "Ion",
    "contact_last_name": "Popescu",
    "telephone": "0700000000",
    "email": "test@example.com",
    "iban": "RO49AAAA1B31007593840000",
}


def month_data(entries: int = 3) -> dict[str, Any]:
    """June 2026: a sale, a purchase, a cash receipt, plus ``entries`` - 3 small cash sales."""
    data: dict[str, Any] = {
        "company": dict(COMPANY),
        "period_start": "2026-06-01",
        "period_end": "2026-06-30",
        "accounts": [
            {
                "id": "1012",
                "description": "Capital subscris varsat",
                "type": "Pasiv",
                "opening_balance": "-1000",
            },
            {"id": "4111", "description": "Clienti", "type": "Activ", "opening_balance": "200"},
            {"id": "401", "description": "Furnizori", "type": "Pasiv", "opening_balance": "-50"},
            {"id": "4426", "description": "TVA deductibila", "type": "Activ"},
            {"id": "4427", "description": "TVA colectata", "type": "Pasiv"},
            {"id": "5311", "description": "Casa in lei", "type": "Activ", "opening_balance": "850"},
            {"id": "604", "description": "Cheltuieli cu materiale nestocate", "type": "Activ"},
            {"id": "704", "description": "Venituri din servicii prestate", "type": "Pasiv"},
        ],
        "customers": [
            {
                "id": "C1",
                "registration_number": "14399840",
                "name": "CLIENT SRL",
                "city": "Cluj-Napoca",
                "account": "4111",
                "opening_balance": "200",
            }
        ],
        "suppliers": [
            {
                "id": "S1",
                "registration_number": "0099999909",
                "name": "FURNIZOR SRL",
                "city": "Iasi",
                "account": "401",
                "opening_balance": "-50",
            }
        ],
        "tax_codes": [
            {"code": "310309", "description": "TVA colectata 19%", "percentage": "19"},
            {"code": "301101", "description": "TVA deductibila 19%", "percentage": "19"},
        ],
        "units": [{"code": "H87", "description": "Bucata"}, {"code": "C62", "description": "Unitate"}],
        "products": [
            {"code": "SRV1", "description": "Consultanta", "goods_services_id": "02", "unit": "C62"}
        ],
        "journals": [
            {"id": "VJ", "description": "Jurnal de vanzari", "type": "VJ"},
            {"id": "CJ", "description": "Jurnal de cumparari", "type": "CJ"},
            {"id": "RC", "description": "Registru de casa", "type": "RC"},
        ],
        "entries": [
            {
                "id": "F1",
                "journal": "VJ",
                "date": "2026-06-05",
                "description": "Factura FV-1",
                "customer_id": "C1",
                "lines": [
                    {
                        "account": "4111",
                        "debit": "1190.00",
                        "customer_id": "C1",
                        "source_document_id": "FV-1",
                    },
                    {"account": "704", "credit": "1000.00"},
                    {"account": "4427", "credit": "190.00", "tax_code": "310309", "tax_amount": "190.00"},
                ],
            },
            {
                "id": "F2",
                "journal": "CJ",
                "date": "2026-06-10",
                "description": "Factura furnizor FF-7",
                "supplier_id": "S1",
                "lines": [
                    {"account": "604", "debit": "100.00"},
                    {"account": "4426", "debit": "19.00", "tax_code": "301101", "tax_amount": "19.00"},
                    {"account": "401", "credit": "119.00", "supplier_id": "S1"},
                ],
            },
            {
                "id": "P1",
                "journal": "RC",
                "date": "2026-06-20",
                "description": "Incasare FV-1",
                "customer_id": "C1",
                "lines": [
                    {"account": "5311", "debit": "1190.00"},
                    {"account": "4111", "credit": "1190.00", "customer_id": "C1"},
                ],
            },
        ],
        "sales_invoices": [
            {
                "number": "FV-1",
                "partner_id": "C1",
                "date": "2026-06-05",
                "account": "4111",
                "transaction_id": "F1",
                "lines": [
                    {
                        "account": "704",
                        "description": "Consultanta iunie",
                        "product_code": "SRV1",
                        "quantity": "10",
                        "unit": "C62",
                        "unit_price": "100",
                        "amount": "1000.00",
                        "tax_code": "310309",
                        "tax_percentage": "19",
                        "tax_amount": "190.00",
                    }
                ],
            }
        ],
        "purchase_invoices": [
            {
                "number": "FF-7",
                "partner_id": "S1",
                "date": "2026-06-10",
                "account": "401",
                "transaction_id": "F2",
                "lines": [
                    {
                        "account": "604",
                        "description": "Materiale",
                        "amount": "100.00",
                        "tax_code": "301101",
                        "tax_amount": "19.00",
                    }
                ],
            }
        ],
        "payments": [
            {
                "reference": "CH-1",
                "date": "2026-06-20",
                "description": "Incasare FV-1",
                "transaction_id": "P1",
                "lines": [
                    {
                        "account": "4111",
                        "customer_id": "C1",
                        "source_document_id": "FV-1",
                        "description": "Incasare",
                        "side": "C",
                        "amount": "1190.00",
                    }
                ],
            }
        ],
    }
    for n in range(entries - 3):
        data["entries"].append(
            {
                "id": f"X{n}",
                "journal": "RC",
                "date": "2026-06-25",
                "description": f"Vanzare numerar {n} " + "x" * 40,
                "lines": [{"account": "5311", "debit": "1.00"}, {"account": "704", "credit": "1.00"}],
            }
        )
    return data


def month(entries: int = 3) -> Ledger:
    return Ledger.model_validate(month_data(entries))


def assets_year() -> Ledger:
    return Ledger.model_validate(
        {
            "company": COMPANY,
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "accounts": [
                {"id": "2131", "description": "Echipamente", "type": "Activ", "opening_balance": "5000"}
            ],
            "assets": [
                {
                    "id": "MF-1",
                    "account": "2131",
                    "description": "Laptop",
                    "acquired": "2025-03-01",
                    "started_up": "2025-03-10",
                    "cost_begin": "5000",
                    "additions": "1000",
                    "book_value_begin": "4000",
                    "depreciation": "1500",
                    "accumulated_depreciation": "2500",
                    "life_years": "3",
                    "depreciation_method": "liniara",
                }
            ],
            "asset_transactions": [
                {
                    "id": "AT-1",
                    "asset_id": "MF-1",
                    "type": "10",
                    "date": "2026-05-01",
                    "cost": "1000",
                    "book_value": "1000",
                    "amount": "1000",
                    "description": "Modernizare",
                },
            ],
        }
    )


def stock_request() -> Ledger:
    return Ledger.model_validate(
        {
            "company": COMPANY,
            "period_start": "2026-03-01",
            "period_end": "2026-05-15",
            "accounts": [{"id": "371", "description": "Marfuri", "type": "Activ"}],
            "units": [{"code": "H87", "description": "Bucata"}],
            "products": [{"code": "P1", "description": "Surub", "commodity_code": "73181595"}],
            "stock": [
                {
                    "warehouse": "W1",
                    "product_code": "P1",
                    "account": "371",
                    "unit_price": "2",
                    "opening_quantity": "100",
                    "opening_value": "200",
                    "closing_quantity": "70",
                    "closing_value": "140",
                },
            ],
            "stock_movements": [
                {
                    "reference": "NIR-1",
                    "date": "2026-03-02",
                    "type": "10",
                    "lines": [{"account": "371", "product_code": "P1", "quantity": "20", "book_value": "40"}],
                },
                {
                    "reference": "BC-1",
                    "date": "2026-04-02",
                    "type": "20",
                    "lines": [
                        {"account": "371", "product_code": "P1", "quantity": "-50", "book_value": "100"}
                    ],
                },
            ],
        }
    )
