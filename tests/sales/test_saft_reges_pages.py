"""The compliance desk's SAF-T (D406) page: a report requested for a period from an uploaded ledger (its
build started as a long job, in the page's transaction), inline errors for what cannot be built, the
report's state, findings and files once the worker built it; and the REGES page: the messages with their
state and receipt, and the check of a pasted or uploaded message."""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from genius.compliance.reges import service as reges_service
from genius.compliance.reges import tasks as reges_tasks
from genius.compliance.saft import service as saft
from genius.compliance.saft import tasks as saft_tasks
from genius.config import Settings
from genius.core.events.models import OutboxEvent
from genius.core.platform import Platform
from genius.core.storage import tenant_files_from_settings
from tests.compliance.conftest import FakeAnaf, fake_anaf
from tests.compliance.reges.conftest import BAD_CNP, salariat
from tests.compliance.saft import samples
from tests.conftest import TenantCtx
from tests.core.test_admin_pages import login

__all__ = ["fake_anaf"]  # the fake ANAF/REGES server fixture, shared with the compliance tests


def _csrf(client: TestClient, url: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert m
    return m.group(1)


@pytest.fixture
def builder(platform: Platform, settings: Settings) -> Iterator[saft.Context]:
    """What the ``anaf.saft`` worker runs with, on the test's transaction."""
    ctx = saft.Context(db=platform.db, settings=settings, storage=tenant_files_from_settings(settings))
    saft_tasks.use_context(ctx)
    yield ctx
    saft_tasks.use_context(None)


def _tasks(platform: Platform, tid: uuid.UUID) -> list[str]:
    """The tenant's queued tasks (outbox rows of kind task), by name."""
    with platform.db.tenant_session(tid) as s:
        return list(
            s.scalars(select(OutboxEvent.topic).where(OutboxEvent.tid == tid, OutboxEvent.kind == "task"))
        )


def _request(client: TestClient, csrf: str, ledger: bytes | None, **fields: str) -> Any:
    form = {"csrf_token": csrf, "kind": "L", "year": "2026", "month": "6", "quarter": "2", **fields}
    files = {"ledger": ("ledger.json", ledger, "application/json")} if ledger is not None else None
    return client.post("/sales/saft", data=form, files=files, follow_redirects=False)


def test_a_report_requested_from_the_page_is_built_and_its_file_downloaded(
    client: TestClient, tenant: TenantCtx, platform: Platform, builder: saft.Context
) -> None:
    login(client, tenant.slug, tenant.admin_email)
    page = client.get("/sales/saft")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert 'href="/sales/saft"' in page.text  # the nav entry
    csrf = _csrf(client, "/sales/saft")
    ledger = json.dumps(samples.month_data()).encode()

    r = _request(client, csrf, ledger)
    assert r.status_code == 303, r.text
    report_id = uuid.UUID(r.headers["location"].rsplit("/", 1)[-1])
    # the build is a long job: its task is an outbox row of the page's transaction
    assert _tasks(platform, tenant.id) == ["anaf.saft.generate"]
    queued = client.get(f"/sales/saft/{report_id}")
    assert queued.status_code == 200 and "01.06.2026" in queued.text and "30.06.2026" in queued.text

    again = _request(client, csrf, ledger)  # the same ledger and period: the same report, no second build
    assert again.status_code == 303 and again.headers["location"].endswith(str(report_id))
    assert _tasks(platform, tenant.id) == ["anaf.saft.generate"]

    result = saft_tasks.generate.apply(args=[str(tenant.id), str(report_id)]).get()
    assert result["status"] == "ready"
    done = client.get(f"/sales/saft/{report_id}")
    name = result["segments"][0]["key"].rsplit("/", 1)[-1]
    assert done.status_code == 200 and name in done.text
    listing = client.get("/sales/saft")
    assert f"/sales/saft/{report_id}" in listing.text
    xml = client.get(f"/sales/saft/{report_id}/segments/1")
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    assert f'filename="{name}"' in xml.headers["content-disposition"]
    assert b"<AuditFile" in xml.content
    assert saft.check(xml.content) == [] or not any(f.severity == "fatal" for f in saft.check(xml.content))
    assert client.get(f"/sales/saft/{report_id}/segments/2").status_code == 404
    assert client.get(f"/sales/saft/{uuid.uuid4()}").status_code == 404


def test_what_cannot_be_built_is_refused_beside_its_field(
    client: TestClient, tenant: TenantCtx, platform: Platform
) -> None:
    login(client, tenant.slug, tenant.admin_email)
    csrf = _csrf(client, "/sales/saft")
    ledger = json.dumps(samples.month_data()).encode()

    missing = _request(client, csrf, None)
    assert missing.status_code == 422 and 'id="f-ledger-error"' in missing.text
    other_month = _request(client, csrf, ledger, month="7")
    assert other_month.status_code == 422 and 'id="f-ledger-error"' in other_month.text
    assert "01.07.2026" in other_month.text  # the chosen period, named in the error
    quarter = _request(client, csrf, ledger, kind="T")  # a month's ledger is not the 2nd quarter
    assert quarter.status_code == 422 and 'id="f-ledger-error"' in quarter.text
    not_json = _request(client, csrf, b"{not json")
    assert not_json.status_code == 422 and 'id="f-ledger-error"' in not_json.text
    data = samples.month_data()
    data["entries"][0]["journal"] = "NOPE"
    bad = _request(client, csrf, json.dumps(data).encode())
    assert bad.status_code == 422 and 'id="f-ledger-error"' in bad.text
    year = _request(client, csrf, ledger, year="1999")
    assert year.status_code == 422 and 'id="f-year-error"' in year.text
    kind = _request(client, csrf, ledger, kind="Z")
    assert kind.status_code == 422 and 'id="f-kind-error"' in kind.text
    month = _request(client, csrf, ledger, month="13")
    assert month.status_code == 422 and 'id="f-month-error"' in month.text
    assert _tasks(platform, tenant.id) == []
    assert "/sales/saft/" not in client.get("/sales/saft").text  # nothing recorded


def test_reading_takes_sales_read_and_requesting_sales_write(
    client: TestClient, tenant: TenantCtx, make_tenant: Any
) -> None:
    assert client.get("/sales/saft", follow_redirects=False).status_code in (302, 303, 401)
    other = make_tenant()
    login(client, tenant.slug, tenant.admin_email)
    csrf = _csrf(client, "/sales/saft")
    r = _request(client, csrf, json.dumps(samples.month_data()).encode())
    report = r.headers["location"]
    login(client, other.slug, other.admin_email)
    assert client.get(report).status_code == 404  # another tenant's report
    assert client.get(report + "/segments/1").status_code == 404


def test_the_reges_page_checks_a_message_and_lists_the_submissions(
    client: TestClient, tenant: TenantCtx
) -> None:
    login(client, tenant.slug, tenant.admin_email)
    empty = client.get("/sales/reges")
    assert empty.status_code == 200 and "/sales/reges?state=failed" in empty.text
    csrf = _csrf(client, "/sales/reges")

    good = client.post("/sales/reges", data={"csrf_token": csrf, "message": json.dumps(salariat())})
    assert good.status_code == 200 and "badge-ok" in good.text
    bad = client.post(
        "/sales/reges",
        data={"csrf_token": csrf},
        files={"file": ("salariat.json", json.dumps(salariat(cnp=BAD_CNP)).encode(), "application/json")},
    )
    assert bad.status_code == 200 and "salariat.json" in bad.text and "badge-err" in bad.text
    assert "CNP" in bad.text
    broken = client.post("/sales/reges", data={"csrf_token": csrf, "message": "<Message"})
    assert broken.status_code == 200 and "REGES-PARSE" in broken.text
    nothing = client.post("/sales/reges", data={"csrf_token": csrf})
    assert nothing.status_code == 422 and 'id="f-file-error"' in nothing.text

    # a submission made through the API shows with its state
    r = client.post("/v1/compliance/reges/submissions?submit=false", json=salariat(), headers=tenant.headers)
    assert r.status_code == 202, r.text
    listing = client.get("/sales/reges")
    assert "InregistrareSalariat" in listing.text
    assert "InregistrareSalariat" in client.get("/sales/reges?state=pending").text
    assert "InregistrareSalariat" not in client.get("/sales/reges?state=failed").text


def test_the_reges_findings_are_shown_in_the_users_language(client: TestClient, tenant: TenantCtx) -> None:
    """Compliance gives each finding a stable code and params; the page translates the code's template
    (Romanian by default, English when chosen) and keeps the raw message for a finding without one."""
    login(client, tenant.slug, tenant.admin_email)
    csrf = _csrf(client, "/sales/reges")
    bad = json.dumps(salariat(cnp=BAD_CNP))
    ro = client.post("/sales/reges", data={"csrf_token": csrf, "message": bad})
    assert ro.status_code == 200 and "REGES-CNP" in ro.text
    assert "nu este un CNP valid (13 cifre: sex/secol, data nașterii, județ, cifră de control)" in ro.text
    assert "is not a valid CNP" not in ro.text
    parse = client.post("/sales/reges", data={"csrf_token": csrf, "message": "neither"})
    assert "nici JSON, nici XML" in parse.text
    missing = salariat()
    del missing["info"]["cnp"]
    model = client.post("/sales/reges", data={"csrf_token": csrf, "message": json.dumps(missing)})
    assert "REGES-MODEL" in model.text and "Câmp obligatoriu" in model.text

    en = client.post("/sales/reges?lang=en", data={"csrf_token": csrf, "message": bad})
    assert en.status_code == 200
    assert "is not a valid CNP (13 digits: sex/century, birth date, county, checksum)" in en.text
    assert "nu este un CNP valid" not in en.text
    assert (
        "Field required"
        in client.post("/sales/reges", data={"csrf_token": csrf, "message": json.dumps(missing)}).text
    )


def test_finding_text_falls_back_to_the_message() -> None:
    from genius.compliance.reges import service as reges
    from genius.sales.finding_text import finding_text
    from genius.web.i18n import set_locale

    set_locale("ro")
    coded = {"code": "reges.cnp.invalid", "params": {"value": "'1'"}, "message": "'1' is not a valid CNP"}
    assert finding_text(coded, reges.FINDING_TEMPLATES).startswith("'1' nu este un CNP valid")
    xsd = {"rule": "XSD", "message": "Element 'x': This element is not expected."}
    assert finding_text(xsd, reges.FINDING_TEMPLATES) == xsd["message"]  # no code: as it came
    unknown = {"code": "reges.gone", "params": {}, "message": "an old finding"}
    assert finding_text(unknown, reges.FINDING_TEMPLATES) == "an old finding"
    misfit = {"code": "reges.cnp.invalid", "params": {}, "message": "stored without its params"}
    assert finding_text(misfit, reges.FINDING_TEMPLATES) == "stored without its params"


def test_the_saft_report_findings_are_shown_in_the_users_language(
    client: TestClient, tenant: TenantCtx, builder: saft.Context
) -> None:
    login(client, tenant.slug, tenant.admin_email)
    data = samples.month_data()
    data["customers"][0]["registration_number"] = "14399841"  # a Romanian CUI with a wrong check digit
    r = _request(client, _csrf(client, "/sales/saft"), json.dumps(data).encode())
    assert r.status_code == 303, r.text
    report_id = r.headers["location"].rsplit("/", 1)[-1]
    result = saft_tasks.generate.apply(args=[str(tenant.id), report_id]).get()
    assert result["status"] == "ready" and result["warning_count"] >= 1
    stored = next(f for f in result["findings"] if f["rule"] == "SAFT-CUI-PARTNER")
    assert stored["code"] == "saft.cui.partner" and stored["params"] == {"value": "'14399841'"}
    ro = client.get(f"/sales/saft/{report_id}")
    assert "SAFT-CUI-PARTNER" in ro.text and "CUI-ul partenerului" in ro.text
    assert "nu este valid (cifra de control)" in ro.text and "is not valid (check digit)" not in ro.text
    en = client.get(f"/sales/saft/{report_id}?lang=en")
    assert "the partner&#39;s CUI" in en.text and "is not valid (check digit)" in en.text
    assert "CUI-ul partenerului" not in en.text


def _shifted(ledger: dict[str, Any], years: int) -> bytes:
    """The ledger with every date moved by ``years`` (so a test's year is relative to today)."""
    text = json.dumps(ledger)
    return re.sub(r'"(20\d\d)-', lambda m: f'"{int(m[1]) + years}-', text).encode()


def test_annual_and_on_request_reports_are_requested_from_the_page(
    client: TestClient, tenant: TenantCtx, platform: Platform, builder: saft.Context
) -> None:
    """A (fixed assets, a closed financial year) and C (stocks, the range ANAF asked for) go the same
    way as the monthly report: recorded, their build an outbox task of the page's transaction."""
    login(client, tenant.slug, tenant.admin_email)
    page = client.get("/sales/saft")
    assert 'value="A"' in page.text and 'value="C"' in page.text and 'id="f-start"' in page.text
    csrf = _csrf(client, "/sales/saft")
    last_year = date.today().year - 1
    assets = _shifted(samples.assets_year().model_dump(mode="json"), last_year - 2026)  # last year's

    annual = _request(client, csrf, assets, kind="A", year=str(last_year))
    assert annual.status_code == 303, annual.text
    annual_id = annual.headers["location"].rsplit("/", 1)[-1]
    stock = samples.stock_request().model_dump(mode="json")  # 01.03.2026 - 15.05.2026
    on_request = _request(
        client, csrf, json.dumps(stock).encode(), kind="C", start="2026-03-01", end="15.05.2026"
    )
    assert on_request.status_code == 303, on_request.text
    request_id = on_request.headers["location"].rsplit("/", 1)[-1]
    assert _tasks(platform, tenant.id) == ["anaf.saft.generate", "anaf.saft.generate"]

    for report_id, kind, label in (
        (annual_id, "A", "Anual (mijloace fixe)"),
        (request_id, "C", "La cerere (stocuri)"),
    ):
        result = saft_tasks.generate.apply(args=[str(tenant.id), report_id]).get()
        assert result["status"] == "ready" and result["kind"] == kind, result
        shown = client.get(f"/sales/saft/{report_id}")
        assert label in shown.text and "_1of1.xml" in shown.text
        xml = client.get(f"/sales/saft/{report_id}/segments/1")
        assert f"<HeaderComment>{kind}</HeaderComment>".encode() in xml.content
    assert "Anual (mijloace fixe)" in client.get("/sales/saft").text


def test_a_period_not_ended_or_a_year_not_closed_is_refused_beside_its_field(
    client: TestClient, tenant: TenantCtx, platform: Platform
) -> None:
    login(client, tenant.slug, tenant.admin_email)
    csrf = _csrf(client, "/sales/saft")
    today = date.today()
    this_year = _shifted(samples.assets_year().model_dump(mode="json"), today.year - 2026)
    open_year = _request(client, csrf, this_year, kind="A", year=str(today.year))
    assert open_year.status_code == 422 and 'id="f-year-error"' in open_year.text
    assert "nu este încheiat" in open_year.text
    other_year = _request(client, csrf, this_year, kind="A", year=str(today.year - 1))
    assert other_year.status_code == 422 and 'id="f-ledger-error"' in other_year.text
    future = _request(client, csrf, this_year, kind="A", year=str(today.year + 1))
    assert future.status_code == 422 and 'id="f-year-error"' in future.text

    ledger = json.dumps(samples.month_data()).encode()
    this_month = _request(client, csrf, ledger, kind="L", year=str(today.year), month=str(today.month))
    assert this_month.status_code == 422 and 'id="f-month-error"' in this_month.text
    quarter = (today.month - 1) // 3 + 1
    this_quarter = _request(client, csrf, ledger, kind="T", year=str(today.year), quarter=str(quarter))
    assert this_quarter.status_code == 422 and 'id="f-quarter-error"' in this_quarter.text

    stock = json.dumps(samples.stock_request().model_dump(mode="json")).encode()
    tomorrow = date.fromordinal(today.toordinal() + 1).isoformat()
    ahead = _request(client, csrf, stock, kind="C", start="2026-03-01", end=tomorrow)
    assert ahead.status_code == 422 and 'id="f-end-error"' in ahead.text
    backwards = _request(client, csrf, stock, kind="C", start="2026-05-15", end="2026-03-01")
    assert backwards.status_code == 422 and 'id="f-end-error"' in backwards.text
    no_start = _request(client, csrf, stock, kind="C", start="", end="2026-05-15")
    assert no_start.status_code == 422 and 'id="f-start-error"' in no_start.text
    other_range = _request(client, csrf, stock, kind="C", start="2026-03-01", end="2026-05-31")
    assert other_range.status_code == 422 and 'id="f-ledger-error"' in other_range.text
    assert _tasks(platform, tenant.id) == []


@pytest.fixture
def reges_worker(
    fake_anaf: FakeAnaf, settings: Settings, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeAnaf]:
    """The ``reges`` worker's tasks on the fake REGES (run eagerly by the test); the page's "Check now"
    reads the same fake."""
    ctx = reges_service.Context(
        db=platform.db, settings=fake_anaf.settings(settings), http=httpx.Client(timeout=5.0), timeout=5.0
    )
    monkeypatch.setattr(platform, "settings", fake_anaf.settings(platform.settings))
    monkeypatch.setattr(reges_tasks.result, "apply_async", lambda args, countdown=None: None)
    reges_tasks.use_context(ctx)
    yield fake_anaf
    reges_tasks.use_context(None)


def _send_form(page: str) -> dict[str, str]:
    """The "Send to REGES" form's fields, as the checked page rendered them."""
    form = re.search(r'<form method="post" action="/sales/reges/send".*?</form>', page, re.S)
    assert form, "no send form"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))
    return {k: html.unescape(v) for k, v in fields.items()}


def test_a_checked_message_is_sent_to_reges_once_and_its_receipt_and_result_come_back(
    client: TestClient, tenant: TenantCtx, platform: Platform, reges_worker: FakeAnaf
) -> None:
    login(client, tenant.slug, tenant.admin_email)
    csrf = _csrf(client, "/sales/reges")
    checked = client.post("/sales/reges", data={"csrf_token": csrf, "message": json.dumps(salariat())})
    assert checked.status_code == 200 and "Trimite la REGES" in checked.text
    assert 'data-confirm="Trimiteți InregistrareSalariat la REGES?' in checked.text
    form = _send_form(checked.text)
    assert json.loads(form["message"])["$type"] == "salariat"

    sent = client.post("/sales/reges/send", data=form, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    submission_id = location.rsplit("/", 1)[-1]
    # the send is an outbox task of the page's transaction; a double click finds the first submission
    again = client.post("/sales/reges/send", data=form, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == location
    assert _tasks(platform, tenant.id) == ["reges.submit"]
    queued = client.get(location)
    assert queued.status_code == 200 and "În așteptare" in queued.text
    assert 'hx-trigger="every 5s"' in queued.text  # it reloads itself until REGES answers
    assert "InregistrareSalariat" in client.get("/sales/reges").text

    tid = str(tenant.id)
    out = reges_tasks.submit.apply(args=[tid, submission_id]).get()
    assert out["state"] == "submitted" and out["receipt_id"]
    assert len(reges_worker.states.reges.submissions) == 1
    submitted = client.get(location)
    assert out["receipt_id"] in submitted.text and "/refresh" in submitted.text
    # "Check now": REGES is still processing it, then it answers
    csrf = _csrf(client, location)
    first = client.post(f"{location}/refresh", data={"csrf_token": csrf}, follow_redirects=False)
    assert first.status_code == 303
    client.post(f"{location}/refresh", data={"csrf_token": csrf})
    done = client.get(location)
    assert "Înregistrat" in done.text and "SUCCES" in done.text and 'hx-trigger="every 5s"' not in done.text
    assert reges_tasks.submit.apply(args=[tid, submission_id]).get()["state"] == "succeeded"
    assert len(reges_worker.states.reges.submissions) == 1  # a redelivered task sends nothing


def test_sending_takes_compliance_write_and_a_broken_message_is_refused(
    client: TestClient, tenant: TenantCtx, platform: Platform, make_tenant: Any
) -> None:
    login(client, tenant.slug, tenant.admin_email)
    csrf = _csrf(client, "/sales/reges")
    bad = client.post("/sales/reges", data={"csrf_token": csrf, "message": json.dumps(salariat(cnp=BAD_CNP))})
    assert "/sales/reges/send" not in bad.text  # a message with errors is not offered
    refused = client.post(
        "/sales/reges/send", data={"csrf_token": csrf, "message": json.dumps(salariat(cnp=BAD_CNP))}
    )
    assert (
        refused.status_code == 422 and "REGES-CNP" in refused.text and "nu este un CNP valid" in refused.text
    )
    empty = client.post("/sales/reges/send", data={"csrf_token": csrf, "message": ""})
    assert empty.status_code == 422 and 'id="f-file-error"' in empty.text
    assert _tasks(platform, tenant.id) == []
    assert client.get(f"/sales/reges/{uuid.uuid4()}").status_code == 404

    sales = make_tenant(role="sales")  # compliance:read, not compliance:write
    login(client, sales.slug, sales.admin_email)
    csrf = _csrf(client, "/sales/reges")
    checked = client.post("/sales/reges", data={"csrf_token": csrf, "message": json.dumps(salariat())})
    assert checked.status_code == 200 and "/sales/reges/send" not in checked.text
    assert "compliance:write" in checked.text
    forbidden = client.post("/sales/reges/send", data={"csrf_token": csrf, "message": json.dumps(salariat())})
    assert forbidden.status_code == 403
    assert _tasks(platform, sales.id) == []


def test_a_ledger_that_does_not_parse_is_explained_in_the_users_language(
    client: TestClient, tenant: TenantCtx
) -> None:
    login(client, tenant.slug, tenant.admin_email)
    csrf = _csrf(client, "/sales/saft")
    data = samples.month_data()
    del data["company"]
    ro = _request(client, csrf, json.dumps(data).encode())
    assert ro.status_code == 422 and 'id="f-ledger-error"' in ro.text
    assert "company: Câmp obligatoriu" in ro.text and "Field required" not in ro.text
    form = {"csrf_token": csrf, "kind": "L", "year": "2026", "month": "6"}
    files = {"ledger": ("ledger.json", json.dumps(data).encode(), "application/json")}
    en = client.post("/sales/saft?lang=en", data=form, files=files)
    assert en.status_code == 422 and "company: Field required" in en.text


def test_an_uploaded_xml_message_is_sent_once(
    client: TestClient, tenant: TenantCtx, platform: Platform
) -> None:
    """An uploaded XML message (as REGES's XSD writes it) is carried to the send form and recorded once."""
    login(client, tenant.slug, tenant.admin_email)
    xml = client.post("/v1/compliance/reges/validate", json=salariat(), headers=tenant.headers).json()["xml"]
    csrf = _csrf(client, "/sales/reges")
    checked = client.post(
        "/sales/reges",
        data={"csrf_token": csrf},
        files={"file": ("salariat.xml", xml.encode(), "application/xml")},
    )
    assert checked.status_code == 200 and "salariat.xml" in checked.text
    form = _send_form(checked.text)
    assert form["message"] == xml
    first = client.post("/sales/reges/send", data=form, follow_redirects=False)
    assert first.status_code == 303, first.text
    again = client.post("/sales/reges/send", data=form, follow_redirects=False)
    assert again.headers["location"] == first.headers["location"]
    assert _tasks(platform, tenant.id) == ["reges.submit"]
    assert "Salariat" in client.get(first.headers["location"]).text
