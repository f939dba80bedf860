"""The catalogue's pages: each product's tariff code (NC/CN) and unit weight set from its form, errors
beside their fields, whether ANAF lists the code as goods of high fiscal risk (the list e-Transport uses)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi.testclient import TestClient

from genius.sales.product_pages import tariff_code_of, unit_weight_of
from tests.conftest import TenantCtx
from tests.core.test_admin_pages import login
from tests.sales.conftest import Sales


def _csrf(text: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert m
    return m.group(1)


def _version(text: str) -> str:
    m = re.search(r'name="version" value="(\d+)"', text)
    assert m
    return m.group(1)


def test_tariff_code_and_weight_parsing() -> None:
    assert tariff_code_of("2710 19 43") == ("27101943", None)
    assert tariff_code_of("2710.19.43") == ("27101943", None)
    assert tariff_code_of("  ") == (None, None)
    assert tariff_code_of("2710")[0] is None and tariff_code_of("2710")[1]
    assert tariff_code_of("27AB1943")[0] is None and tariff_code_of("27AB1943")[1]
    assert unit_weight_of("0,75")[0] is not None and str(unit_weight_of("0,75")[0]) == "0.75"
    assert unit_weight_of("")[0] is None and unit_weight_of("")[1] is None
    for bad in ("0", "-1", "abc", "NaN", "Infinity", "1.2345", "1e12"):
        assert unit_weight_of(bad)[0] is None and unit_weight_of(bad)[1], bad


def test_the_product_form_sets_the_tariff_code_and_shows_its_risk(
    client: TestClient, tenant: TenantCtx, sales: Sales
) -> None:
    created = sales.ok(
        "POST", "/products", {"code": "ULEI-1L", "name": "Ulei de floarea-soarelui 1 l", "price": "9.50"}, 201
    )
    pid = created["id"]
    login(client, tenant.slug, tenant.admin_email)
    listing = client.get("/sales/products")
    assert listing.status_code == 200 and f"/sales/products/{pid}" in listing.text
    page = client.get(f"/sales/products/{pid}")
    assert page.status_code == 200 and 'name="cod_tarifar"' in page.text
    csrf, version = _csrf(page.text), _version(page.text)

    short = client.post(
        f"/sales/products/{pid}", data={"csrf_token": csrf, "version": version, "cod_tarifar": "2710"}
    )
    assert short.status_code == 422 and 'id="f-cod_tarifar-error"' in short.text
    assert 'value="2710"' in short.text  # what was typed stays in the field
    heavy = client.post(
        f"/sales/products/{pid}",
        data={"csrf_token": csrf, "version": version, "cod_tarifar": "15121191", "unit_weight_kg": "-3"},
    )
    assert heavy.status_code == 422 and 'id="f-unit_weight_kg-error"' in heavy.text
    assert sales.ok("GET", f"/products/{pid}")["cod_tarifar"] is None  # nothing saved

    saved = client.post(
        f"/sales/products/{pid}",
        data={"csrf_token": csrf, "version": version, "cod_tarifar": "1512 11 91", "unit_weight_kg": "0,845"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    api = sales.ok("GET", f"/products/{pid}")
    assert api["cod_tarifar"] == "15121191" and api["unit_weight_kg"] == "0.845"
    shown = client.get(f"/sales/products/{pid}")
    assert "badge-warn" in shown.text  # CN 1512 (sunflower oil) is on ANAF's high fiscal risk list
    assert "badge-warn" in client.get("/sales/products").text

    stale = client.post(  # the form read at the first version: someone saved since
        f"/sales/products/{pid}", data={"csrf_token": csrf, "version": version, "cod_tarifar": "85171300"}
    )
    assert stale.status_code == 409 and sales.ok("GET", f"/products/{pid}")["cod_tarifar"] == "15121191"

    version = _version(shown.text)
    safe = client.post(
        f"/sales/products/{pid}",
        data={"csrf_token": csrf, "version": version, "cod_tarifar": "85171300", "unit_weight_kg": ""},
        follow_redirects=False,
    )
    assert safe.status_code == 303
    api = sales.ok("GET", f"/products/{pid}")
    assert api["cod_tarifar"] == "85171300" and api["unit_weight_kg"] is None  # cleared
    assert "badge-warn" not in client.get(f"/sales/products/{pid}").text  # phones: not high risk
    cleared = client.post(
        f"/sales/products/{pid}",
        data={"csrf_token": csrf, "version": _version(client.get(f"/sales/products/{pid}").text)},
        follow_redirects=False,
    )
    assert cleared.status_code == 303 and sales.ok("GET", f"/products/{pid}")["cod_tarifar"] is None
    assert client.get(f"/sales/products/{uuid.uuid4()}").status_code == 404


def test_odd_form_input_is_never_a_server_error(client: TestClient, tenant: TenantCtx, sales: Sales) -> None:
    pid = sales.ok("POST", "/products", {"code": "X1", "name": "X", "price": "1"}, 201)["id"]
    login(client, tenant.slug, tenant.admin_email)
    csrf = _csrf(client.get(f"/sales/products/{pid}").text)
    odd: list[dict[str, Any]] = [
        {"version": "abc"},
        {"version": "1", "cod_tarifar": "\x00" * 10},
        {"version": "1", "unit_weight_kg": "9" * 40},
        {"version": "1", "cod_tarifar": "٢٧١٠١٩٤٣"},  # Arabic-Indic digits: str.isdigit, not CN digits
        {},
    ]
    for data in odd:
        r = client.post(f"/sales/products/{pid}", data={"csrf_token": csrf, **data})
        assert r.status_code in (303, 409, 422), (data, r.status_code)
