"""The compliance desk's tools: validating an uploaded (or pasted) e-Factura file, its findings placed on
the lines of the file, and the ANAF lookup by CUI against the fake ANAF registry."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from genius.compliance.fakes.app import FakeStates, create_fake_app
from genius.compliance.fakes.taxpayer import INACTIVE, VERIFIED
from genius.core.platform import Platform
from tests.compliance.conftest import SHARED_DATA, FakeAnaf
from tests.conftest import LiveServer, free_port
from tests.core.test_admin_pages import login

EXAMPLES = SHARED_DATA / "cius-ro" / "examples-ubl"


def _csrf(client: TestClient, url: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert m
    return m.group(1)


def _example() -> bytes:
    if not EXAMPLES.is_dir():
        pytest.skip(f"{EXAMPLES} is absent (ANAF's CIUS-RO examples, shared data)")
    return sorted(p for p in EXAMPLES.iterdir() if p.suffix.lower() == ".xml")[0].read_bytes()


def test_validate_an_uploaded_file_line_by_line(client: TestClient, tenant: Any) -> None:
    login(client, tenant.slug, tenant.admin_email)
    page = client.get("/sales/efactura/validate")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    csrf = _csrf(client, "/sales/efactura/validate")

    empty = client.post("/sales/efactura/validate", data={"csrf_token": csrf})
    assert empty.status_code == 422 and 'id="f-file-error"' in empty.text

    good = _example()
    ok = client.post(
        "/sales/efactura/validate",
        data={"csrf_token": csrf},
        files={"file": ("factura.xml", good, "application/xml")},
    )
    assert ok.status_code == 200 and "factura.xml" in ok.text
    fatal_rows = re.findall(r'<span class="badge badge-err">(Eroare|Error)</span>', ok.text)

    # Break two rules: the supplier's county must be an ISO 3166-2:RO code (CIUS-RO, reported on the
    # document), and the first line loses its item name (BR-25, reported on that line of the file).
    root = etree.fromstring(good)
    subentity = root.xpath("//*[local-name()='AccountingSupplierParty']//*[local-name()='CountrySubentity']")[
        0
    ]
    subentity.text = "RO-XX"
    item_name = root.xpath("//*[local-name()='Item']/*[local-name()='Name']")[0]
    line_element = item_name.getparent().getparent()
    item_name.getparent().remove(item_name)
    broken = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    opening = f"<cac:{etree.QName(line_element).localname}>"
    line = next(n for n, text in enumerate(broken.decode().splitlines(), 1) if text.strip() == opening)
    bad = client.post(
        "/sales/efactura/validate",
        data={"csrf_token": csrf},
        files={"file": ("gresit.xml", broken, "application/xml")},
    )
    assert bad.status_code == 200
    assert (
        len(re.findall(r'<span class="badge badge-err">(Eroare|Error)</span>', bad.text))
        >= len(fatal_rows) + 2
    )
    assert re.search(rf'<td class="num nowrap">{line}</td>\s*<td class="nowrap"><code>BR-25</code>', bad.text)
    assert "<code>BR-RO-110</code>" in bad.text and "&lt;cac:" in bad.text  # the file's line is shown

    pasted = client.post("/sales/efactura/validate", data={"csrf_token": csrf, "xml": "<Invoice>"})
    assert pasted.status_code == 200 and "<code>XML</code>" in pasted.text
    assert client.post("/sales/efactura/validate", data={"xml": "<x/>"}).status_code in (400, 403)


@pytest.fixture
def fake_anaf() -> Iterator[FakeAnaf]:
    states = FakeStates()
    with LiveServer(create_fake_app(states), free_port()) as server:
        yield FakeAnaf(server.url, states)


def test_anaf_lookup(
    client: TestClient, tenant: Any, platform: Platform, fake_anaf: FakeAnaf, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(platform, "settings", fake_anaf.settings(platform.settings))
    login(client, tenant.slug, tenant.admin_email)
    assert client.get("/sales/anaf").status_code == 200
    invalid = client.get("/sales/anaf", params={"cui": "RO14399841"})
    assert invalid.status_code == 422 and 'id="f-cui-error"' in invalid.text
    found = client.get("/sales/anaf", params={"cui": f"RO{VERIFIED}"})
    assert found.status_code == 200, found.text
    assert re.search("Plătitor de TVA|VAT payer", found.text)
    assert re.search("În registrul e-Factura|In the e-Factura registry", found.text)
    inactive = client.get("/sales/anaf", params={"cui": str(INACTIVE)})
    assert re.search("Contribuabil inactiv|Inactive taxpayer", inactive.text)
    missing = client.get("/sales/anaf", params={"cui": "RO 18547290"})
    assert missing.status_code == 200 and 'id="company-h"' in missing.text
