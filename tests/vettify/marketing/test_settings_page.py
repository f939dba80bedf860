"""The CRM settings page's Resend webhook card (tenant admins): whether a secret is set (its hint, never
the secret), set / replace it with inline errors (the API's format rule), remove it behind a
confirmation; every change audited through the same service; others get 403."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from genius.core.platform import Platform
from tests.core.test_admin_pages import login
from tests.vettify.sequences.test_pages import _csrf


def test_the_resend_secret_card(
    client: TestClient, tenant: Any, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    monkeypatch.setattr(
        platform, "settings", platform.settings.model_copy(update={"resend_webhook_secret": shared})
    )
    login(client, tenant.slug, tenant.admin_email)
    page = client.get("/crm/settings")
    assert page.status_code == 200 and "Setări CRM" in page.text
    assert "Secretul serverului" in page.text and shared[-4:] not in page.text
    assert f"/v1/crm/webhooks/resend/{tenant.id}" in page.text
    assert 'href="/crm/settings"' in page.text  # in the navigation
    csrf = _csrf(page.text)

    empty = client.post("/crm/settings/resend-secret", data={"csrf_token": csrf, "secret": " "})
    assert (
        empty.status_code == 422
        and 'id="f-secret-error"' in empty.text
        and 'aria-invalid="true"' in empty.text
    )
    for bad in ("parola", "whsec_!!nu-e-base64!!", "whsec_" + base64.b64encode(b"scurt").decode()):
        r = client.post("/crm/settings/resend-secret", data={"csrf_token": csrf, "secret": bad})
        assert r.status_code == 422 and "începe cu whsec_" in r.text, bad
        assert bad not in r.text  # a secret typed is never echoed back

    own = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    saved = client.post("/crm/settings/resend-secret", data={"csrf_token": csrf, "secret": own})
    assert saved.status_code == 200 and "Secret salvat" in saved.text
    assert "Secret propriu setat" in saved.text and "…" + own[-4:] in saved.text and own not in saved.text
    assert (
        client.get("/v1/crm/settings/resend-webhook-secret", headers=tenant.headers).json()["source"]
        == "tenant"
    )

    asked = client.post("/crm/settings/resend-secret/remove", data={"csrf_token": csrf})
    assert asked.status_code == 200 and "Eliminați secretul?" in asked.text
    assert (
        client.get("/v1/crm/settings/resend-webhook-secret", headers=tenant.headers).json()["source"]
        == "tenant"
    )
    removed = client.post("/crm/settings/resend-secret/remove", data={"csrf_token": csrf, "confirmed": "yes"})
    assert removed.status_code == 200 and "Secretul serverului" in removed.text
    again = client.post("/crm/settings/resend-secret/remove", data={"csrf_token": csrf, "confirmed": "yes"})
    assert "Nu exista niciun secret de eliminat." in again.text
    with platform.db.tenant_session(tenant.id) as s:
        actions = s.execute(
            text("SELECT action FROM core.audit_log WHERE action LIKE 'crm.webhook_secret.%' ORDER BY seq")
        ).scalars()
        assert list(actions) == ["crm.webhook_secret.saved", "crm.webhook_secret.removed"]


def test_only_tenant_admins(client: TestClient, make_tenant: Any) -> None:
    viewer = make_tenant(role="viewer")
    login(client, viewer.slug, viewer.admin_email)
    assert client.get("/crm/settings").status_code == 403
    page = client.get("/crm")
    assert 'href="/crm/settings"' not in page.text
    assert (
        client.post(
            "/crm/settings/resend-secret", data={"csrf_token": _csrf(page.text), "secret": "x"}
        ).status_code
        == 403
    )
