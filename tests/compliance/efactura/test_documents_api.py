"""The e-Factura document endpoints: validate an XML, generate XML/PDF from the JSON model."""

from __future__ import annotations

from fastapi.testclient import TestClient

from genius.compliance.efactura.ubl import to_ubl_xml
from tests.compliance.efactura.test_model import credit_note, ro_b2b_invoice
from tests.conftest import TenantCtx

BASE = "/v1/compliance/efactura"


def test_validate_a_generated_invoice_and_a_broken_one(client: TestClient, tenant: TenantCtx) -> None:
    headers = {**tenant.headers, "Content-Type": "application/xml"}
    ok = client.post(f"{BASE}/validate", content=to_ubl_xml(ro_b2b_invoice()), headers=headers)
    assert ok.status_code == 200, ok.text
    assert ok.json()["valid"] is True, ok.json()["findings"]

    broken = client.post(f"{BASE}/validate", content=b"<Invoice><unclosed></Invoice>", headers=headers)
    assert broken.status_code == 200
    body = broken.json()
    assert body["valid"] is False and body["fatal"] >= 1
    assert {"rule", "severity", "location", "message"} <= set(body["findings"][0])

    # a total that does not add up: a rule names it
    xml = to_ubl_xml(ro_b2b_invoice()).replace(
        b'<cbc:PayableAmount currencyID="RON">1839.24', b'<cbc:PayableAmount currencyID="RON">1900.00'
    )
    wrong = client.post(f"{BASE}/validate", content=xml, headers=headers).json()
    assert wrong["valid"] is False
    assert any(f["rule"].startswith("BR-CO-") for f in wrong["findings"]), wrong["findings"]


def test_validate_bad_requests_are_4xx(client: TestClient, tenant: TenantCtx) -> None:
    headers = {**tenant.headers, "Content-Type": "application/xml"}
    assert client.post(f"{BASE}/validate", content=b"  ", headers=headers).status_code == 400
    assert (
        client.post(f"{BASE}/validate", content=b"<a/>" * (3 * 1024 * 1024), headers=headers).status_code
        == 413
    )
    assert client.post(f"{BASE}/validate", content=b"<a/>").status_code == 401


def test_generate_xml_json_and_pdf(client: TestClient, tenant: TenantCtx) -> None:
    payload = credit_note().model_dump(mode="json")
    out = client.post(f"{BASE}/documents", json=payload, headers=tenant.headers)
    assert out.status_code == 200, out.text
    assert "<CreditNote" in out.json()["xml"]
    assert out.json()["validation"]["valid"] is True, out.json()["validation"]["findings"]

    xml = client.post(f"{BASE}/documents", params={"format": "xml"}, json=payload, headers=tenant.headers)
    assert xml.headers["content-type"].startswith("application/xml")
    assert xml.headers["x-validation-fatal"] == "0"

    pdf = client.post(f"{BASE}/documents", params={"format": "pdf"}, json=payload, headers=tenant.headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_generate_rejects_bad_fields_with_problem_details(client: TestClient, tenant: TenantCtx) -> None:
    payload = ro_b2b_invoice().model_dump(mode="json")
    payload["issue_date"] = "2025-13-45"
    del payload["seller"]
    bad = client.post(f"{BASE}/documents", json=payload, headers=tenant.headers)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    fields = str(bad.json())
    assert "issue_date" in fields and "seller" in fields


def test_control_characters_are_a_422_not_a_500(client: TestClient, tenant: TenantCtx) -> None:
    payload = ro_b2b_invoice().model_dump(mode="json")
    payload["buyer"]["name"] = "Client\b SA"
    # the PDF can show them; XML cannot carry them
    pdf = client.post(f"{BASE}/documents", params={"format": "pdf"}, json=payload, headers=tenant.headers)
    assert pdf.status_code == 200
    for output in ("json", "xml"):
        bad = client.post(
            f"{BASE}/documents", params={"format": output}, json=payload, headers=tenant.headers
        )
        assert bad.status_code == 422, (output, bad.text)


def test_control_characters_anywhere_are_a_422(client: TestClient, tenant: TenantCtx) -> None:
    """The safety net: a text that lxml cannot write is the caller's error (schemathesis found these)."""
    payload = {"codDeclarant": "\u001f", "declPostAvarie": False, "stergere": {"uit": ""}}
    reply = client.post("/v1/compliance/etransport/declarations", json=payload, headers=tenant.headers)
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")


def test_amounts_too_large_for_cents_are_a_422(client: TestClient, tenant: TenantCtx) -> None:
    """schemathesis: a rounding amount of 1e26 cannot be rounded to cents (decimal.InvalidOperation)."""
    payload = {
        "buyer": {"name": ""},
        "issue_date": "2000-01-01",
        "number": "exp",
        "seller": {"name": "exp"},
        "rounding_amount": 1e26,
    }
    for output in ("json", "xml", "pdf"):
        reply = client.post(
            f"{BASE}/documents", params={"format": output}, json=payload, headers=tenant.headers
        )
        assert reply.status_code == 422, (output, reply.text)
        assert reply.json()["type"].endswith("unrepresentable-invoice")
