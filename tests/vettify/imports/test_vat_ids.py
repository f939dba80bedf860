"""An accounts CSV with an EU VAT id column: recognised by its Romanian and English headers ("Cod TVA",
"VAT ID", "cod TVA intracomunitar"…), each value checked as the API checks it (python-stdnum's
``stdnum.eu.vat``: the member state's format and check digits; a Romanian one belongs in the CUI), a bad
one a row error with its reason, never a 5xx; the account's country is the VAT id's, as the API requires."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import Connection

from genius.vettify.imports import parsing
from tests.vettify.imports.conftest import Imports, tenant_rows


@pytest.mark.parametrize(
    "header", ["Cod TVA", "VAT", "VAT ID", "cod TVA intracomunitar", "Cod intracomunitar", "EU VAT number"]
)
def test_vat_id_headers_map_to_the_accounts_vat_id(header: str) -> None:
    fields = ["name", "cui", "vat_id", "city"]
    mapping = parsing.suggest_mapping(["Denumire", "CUI", header, "Oraș"], fields, "accounts")
    assert mapping == {"Denumire": "name", "CUI": "cui", header: "vat_id", "Oraș": "city"}
    # a lead has no VAT id: there "cod TVA" still names the CUI (RO18547290)
    lead_fields = ["company_name", "cui"]
    assert parsing.suggest_mapping(["Cod TVA"], lead_fields, "leads") == {"Cod TVA": "cui"}


def test_imported_accounts_keep_valid_vat_ids_and_refuse_bad_ones_with_their_reason(
    imports: Imports, tenant: Any, db: Connection
) -> None:
    data = (
        "Denumire;Cod TVA intracomunitar;Oraș\n"
        "Muster Handel GmbH;de 136.695.976;Berlin\n"
        "Elliniki AE;EL094259216;Atena\n"
        "Cifră greșită GmbH;DE136695977;München\n"
        "Firmă română SRL;RO18547290;Cluj-Napoca\n"
        "Fără cod SRL;;Brașov\n"
    ).encode()
    job = imports.import_file(data, "create", entity="accounts")
    assert job["mapping"]["Cod TVA intracomunitar"] == "vat_id"
    assert (job["created"], job["rejected"]) == (3, 2)
    rows = tenant_rows(db, tenant.id, "SELECT name, vat_id, country FROM crm.accounts ORDER BY name")
    assert [tuple(r) for r in rows] == [
        ("Elliniki AE", "EL094259216", "GR"),  # Greece's VAT prefix is EL, its country GR
        ("Fără cod SRL", None, "RO"),
        ("Muster Handel GmbH", "DE136695976", "DE"),
    ]
    r = imports.call("GET", f"/imports/{job['id']}/errors.csv")
    assert r.status_code == 200
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    by_row = {int(line[0]): line[1] for line in table[1:]}
    assert sorted(by_row) == [4, 5]
    assert by_row[4].startswith("vat_id: is not a valid EU VAT id") and "checksum" in by_row[4]
    assert by_row[5].startswith("vat_id: is Romanian") and "CUI" in by_row[5]


def test_an_update_import_sets_the_vat_id_and_its_country(
    imports: Imports, tenant: Any, db: Connection
) -> None:
    first = imports.import_file(b"Denumire;E-mail\nMuster Handel GmbH;office@muster.de\n", entity="accounts")
    assert first["created"] == 1
    again = imports.import_file(
        b"Denumire;E-mail;VAT ID\nMuster Handel GmbH;office@muster.de;ATU13585627\n",
        "update",
        entity="accounts",
    )
    assert (again["created"], again["updated"], again["rejected"]) == (0, 1, 0)
    rows = tenant_rows(db, tenant.id, "SELECT vat_id, country FROM crm.accounts WHERE deleted_at IS NULL")
    assert [tuple(r) for r in rows] == [("ATU13585627", "AT")]


def test_the_vat_id_matches_an_existing_account_and_a_row_above(
    imports: Imports, tenant: Any, db: Connection
) -> None:
    """A foreign company has no CUI: its EU VAT id is what says it is already in the CRM (written in
    any form stdnum accepts), and a second row with it in the same file is the same company."""
    first = imports.import_file(b"Denumire;Cod TVA\nMuster Handel GmbH;DE136695976\n", entity="accounts")
    assert first["created"] == 1
    data = (
        "Denumire;Cod TVA;Oraș\n"
        "Muster Handel GmbH & Co;de 136 695 976;Berlin\n"  # the same company, another spelling of its id
        "Elliniki AE;EL094259216;Atena\n"
        "Elliniki A.E.;el094259216;Pireu\n"  # the row above again
    ).encode()
    skipped = imports.import_file(data, "skip", entity="accounts")
    assert (skipped["created"], skipped["skipped"], skipped["rejected"]) == (1, 2, 0)
    updated = imports.import_file(data, "update", entity="accounts")
    assert (updated["created"], updated["updated"], updated["skipped"]) == (0, 2, 1)
    rows = tenant_rows(
        db, tenant.id, "SELECT name, vat_id, city FROM crm.accounts WHERE deleted_at IS NULL ORDER BY vat_id"
    )
    assert [tuple(r) for r in rows] == [
        ("Muster Handel GmbH & Co", "DE136695976", "Berlin"),
        ("Elliniki AE", "EL094259216", "Atena"),
    ]
