"""A company outside Romania on a CRM account: its EU VAT id (country prefix and number), checked with
python-stdnum's ``stdnum.eu.vat``, its country the account's, through the API and on Account 360."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.vettify.conftest import Crm
from tests.vettify.test_account_pages import _csrf, login

DE_VAT = "DE136695976"


def _field_errors(r: Any) -> list[str]:
    return [e["field"] for e in r.json()["errors"]]


def test_an_account_keeps_a_foreign_vat_id_of_its_country(crm: Crm) -> None:
    acc = crm.create(
        "accounts", name="Muster Handel GmbH", vat_id="de 136-695.976", country="DE", city="Berlin"
    )
    assert acc["vat_id"] == DE_VAT and acc["country"] == "DE" and acc["cui"] is None
    greek = crm.create("accounts", name="Elliniki AE", vat_id="EL094259216", country="GR")
    assert greek["vat_id"] == "EL094259216"  # Greece's VAT prefix is EL, its country GR

    for bad in ("DE136695977", "DE12", "RO18547290", "XX123456789"):
        r = crm.call("POST", "/accounts", {"name": "Bad GmbH", "vat_id": bad, "country": "DE"})
        assert r.status_code == 422 and _field_errors(r) == ["vat_id"], (bad, r.text)
    romanian = crm.call("POST", "/accounts", {"name": "Bad SRL", "vat_id": "RO18547290", "country": "RO"})
    assert "identified by its CUI" in romanian.json()["errors"][0]["message"]
    # the VAT id is of the account's country: a German VAT id on a Romanian (default) account is refused
    elsewhere = crm.call("POST", "/accounts", {"name": "Muster GmbH", "vat_id": DE_VAT})
    assert elsewhere.status_code == 422 and _field_errors(elsewhere) == ["vat_id"]
    assert "set the country to DE" in elsewhere.json()["errors"][0]["message"]

    # PATCH: the pair stays consistent whichever of the two changes
    path = f"/accounts/{acc['id']}"
    moved = crm.call("PATCH", path, {"country": "AT"}, if_match='"1"')
    assert moved.status_code == 422 and _field_errors(moved) == ["vat_id"]
    both = crm.call("PATCH", path, {"country": "AT", "vat_id": "ATU13585627"}, if_match='"1"')
    assert both.status_code == 200 and both.json()["vat_id"] == "ATU13585627"
    cleared = crm.call("PATCH", path, {"vat_id": None}, if_match='"2"')
    assert cleared.status_code == 200 and cleared.json()["vat_id"] is None


def test_the_vat_id_is_shown_and_edited_on_account_360(client: TestClient, tenant: Any, crm: Crm) -> None:
    acc = crm.create("accounts", name="Muster Handel GmbH", city="Wien")
    login(client, tenant)
    url = f"/crm/accounts/{acc['id']}"
    page = client.get(url)
    assert f'action="{url}/vat-id"' in page.text and 'name="vat_id"' in page.text
    csrf = _csrf(page.text)

    bad = client.post(f"{url}/vat-id", data={"csrf_token": csrf, "vat_id": "ATU13585628", "version": "1"})
    assert bad.status_code == 422 and 'id="f-vat_id-error"' in bad.text and 'value="ATU13585628"' in bad.text
    saved = client.post(
        f"{url}/vat-id",
        data={"csrf_token": csrf, "vat_id": "ATU 135 856 27", "version": "1"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    got = crm.call("GET", f"/accounts/{acc['id']}").json()
    assert (got["vat_id"], got["country"]) == ("ATU13585627", "AT")  # the country follows the VAT id
    assert "<code>ATU13585627</code>" in client.get(url).text
    stale = client.post(f"{url}/vat-id", data={"csrf_token": csrf, "vat_id": "", "version": "1"})
    assert stale.status_code == 409  # the account changed since the form was shown
    removed = client.post(
        f"{url}/vat-id", data={"csrf_token": csrf, "vat_id": "", "version": "2"}, follow_redirects=False
    )
    assert removed.status_code == 303 and crm.call("GET", f"/accounts/{acc['id']}").json()["vat_id"] is None
    # a company with a CUI is identified by it: no VAT id form
    ro = crm.create("accounts", name="Exemplu SRL", cui="18547290")
    assert "/vat-id" not in client.get(f"/crm/accounts/{ro['id']}").text
