"""Which document field a validator finding names (``fields_of``), for the CIUS-RO rules. No database."""

from __future__ import annotations

import pytest

from genius.compliance.common.findings import Finding
from genius.compliance.efactura.rules.engine import all_rules
from genius.sales.service import fields_of

ROOT_RULES = {
    # names and contacts
    "BR-RO-L201": ["supplier"],
    "BR-RO-L1004": ["supplier"],
    "BR-RO-L203": ["customer"],
    "BR-RO-L1011": ["customer"],
    "BR-RO-065": ["supplier"],
    "BR-RO-120": ["customer"],
    # addresses: lengths, presence, county codes, Bucharest sectors
    "BR-RO-L151": ["supplier.address"],
    "BR-RO-L1003": ["supplier.address"],
    "BR-RO-L0201": ["supplier.address"],
    "BR-RO-081": ["supplier.address"],
    "BR-RO-091": ["supplier.address"],
    "BR-RO-100": ["supplier.address"],
    "BR-RO-110": ["supplier.address"],
    "BR-RO-L152": ["customer.address"],
    "BR-RO-L0502": ["customer.address"],
    "BR-RO-L1008": ["customer.address"],
    "BR-RO-082": ["customer.address"],
    "BR-RO-092": ["customer.address"],
    "BR-RO-101": ["customer.address"],
    "BR-RO-111": ["customer.address"],
    # the document's own fields
    "BR-RO-010": ["number"],
    "BR-RO-L155": ["number"],
    "BR-RO-030": ["currency"],
    "BR-RO-L156": ["corrects_id"],
}


@pytest.mark.parametrize("rule_id", sorted(ROOT_RULES))
def test_root_findings_name_the_field(rule_id: str) -> None:
    rule = all_rules()[rule_id]
    assert fields_of(Finding(rule_id, "fatal", "/Invoice", rule.message)) == ROOT_RULES[rule_id]


def test_located_findings_name_the_line_or_note() -> None:
    rules = all_rules()
    item_name = Finding("BR-RO-L1024", "fatal", "/Invoice/cac:InvoiceLine[2]", rules["BR-RO-L1024"].message)
    assert fields_of(item_name) == ["lines.1"]
    note = Finding("BR-RO-L302", "fatal", "/Invoice/cbc:Note[1]", rules["BR-RO-L302"].message)
    assert fields_of(note) == ["notes"]
    issue_date = Finding("BR-RO-DT001", "fatal", "/Invoice/cbc:IssueDate[1]", rules["BR-RO-DT001"].message)
    assert fields_of(issue_date)[0] == "issue_date"
