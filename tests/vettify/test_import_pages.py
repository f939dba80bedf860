"""The CSV import wizard's pages (/crm/imports): every step through the same services as the API, the
run through the outbox and the etl.sync task (eagerly, as tests/vettify/imports do), 4xx inline errors,
scopes and tenants."""

from __future__ import annotations

import csv
import io
import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from genius.core.platform import Platform
from genius.vettify.imports import runner, service
from genius.vettify.pages import imports as pages
from tests.conftest import PASSWORD
from tests.vettify.imports import samples
from tests.vettify.imports.conftest import Imports, worker  # noqa: F401 (the worker fixture)

BAD_ROWS = (
    "Prenume;Nume;Email;Telefon;Firma;CUI;Oraș\n"
    "Ana;Popescu;ana@exemplu.ro;0722 123 456;Alfa SRL;RO18547290;Brașov\n"
    "Ștefan;Țurcanu;stefan@exemplu.ro;;Beta SA;;Timișoara\n"
    "Maria;Pop;nu-e-email;;;;Iași\n"
    "Ion;Ionescu;ion@exemplu.ro;;Gama SRL;RO123;Cluj-Napoca\n"
    "Elena;Vasile;elena@exemplu.ro;0744 555 666;;;Constanța\n"
).encode()


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'"X-CSRF-Token": "([^"]+)"', html)
    assert m, html[:2000]
    return m.group(1)


def login(client: TestClient, tenant: Any) -> None:
    client.cookies.clear()
    form = client.get("/login")
    r = client.post(
        "/login",
        data={
            "tenant": tenant.slug,
            "email": tenant.admin_email,
            "password": PASSWORD,
            "csrf_token": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def page_csrf(client: TestClient, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, r.text
    return csrf_of(r.text)


def upload(client: TestClient, data: bytes, filename: str = "clienti.csv", entity: str = "leads") -> Any:
    token = page_csrf(client, "/crm/imports/new")
    return client.post(
        "/crm/imports",
        data={"entity": entity, "csrf_token": token},
        files={"file": (filename, data, "text/csv")},
        follow_redirects=False,
    )


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def admin(client: TestClient, tenant: Any, worker: None) -> Imports:  # noqa: F811
    login(client, tenant)
    return Imports(client, tenant.headers, tenant.id)


def test_the_wizard_end_to_end(client: TestClient, admin: Imports) -> None:
    empty = client.get("/crm/imports")
    assert empty.status_code == 200 and 'href="/crm/imports/new"' in empty.text
    assert "empty" in empty.text

    r = upload(client, BAD_ROWS)
    assert r.status_code == 303, r.text
    location = r.headers["location"]
    m = re.fullmatch(r"/crm/imports/([0-9a-f-]{36})\?step=preview", location)
    assert m, location
    iid = m.group(1)

    # Preview: the detected encoding and separator, the first rows, with their diacritics.
    preview = client.get(location)
    assert preview.status_code == 200
    body = text_of(preview.text)
    assert "UTF-8" in body and ("Semicolon" in body or "Punct și virgulă" in body)
    assert 'value="semicolon" selected' in preview.text and 'value="utf-8" selected' in preview.text
    assert "Ștefan" in preview.text and "Timișoara" in preview.text and 'aria-current="step"' in preview.text

    # A wrong separator is explained (one column), then the right one is chosen again.
    token = csrf_of(preview.text)
    r = client.post(
        f"/crm/imports/{iid}/preview",
        data={"encoding": "utf-8", "separator": "comma", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    one_column = client.get(location)
    assert "alert-warn" in one_column.text and 'value="comma" selected' in one_column.text
    r = client.post(
        f"/crm/imports/{iid}/preview",
        data={"encoding": "cp1250", "separator": "semicolon", "csrf_token": token},
        follow_redirects=False,
    )
    # "ș" in UTF-8 holds a byte Windows-1250 leaves undefined: the wrong encoding is explained inline.
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text and "error-summary" in r.text
    r = client.post(
        f"/crm/imports/{iid}/preview",
        data={"encoding": "utf-8", "separator": "semicolon", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "Ștefan" in client.get(location).text

    # Map: the suggestions are preselected; a field chosen twice is refused inline (422).
    mapping = client.get(f"/crm/imports/{iid}?step=map")
    assert mapping.status_code == 200
    chosen = r'<select id="f-(col-\d+)"[\s\S]*?<option value="([a-z_]+)" selected'
    selects = dict(re.findall(chosen, mapping.text))
    assert selects["col-2"] == "email" and selects["col-0"] == "first_name" and selects["col-5"] == "cui"
    form = {f"col-{i}": "" for i in range(7)} | selects | {"csrf_token": csrf_of(mapping.text)}
    bad = client.post(f"/crm/imports/{iid}/mapping", data=form | {"col-1": "email"}, follow_redirects=False)
    assert bad.status_code == 422 and "error-summary" in bad.text and 'aria-invalid="true"' in bad.text
    nothing = client.post(
        f"/crm/imports/{iid}/mapping",
        data={f"col-{i}": "" for i in range(7)} | {"col-3": "phone", "csrf_token": form["csrf_token"]},
        follow_redirects=False,
    )
    assert nothing.status_code == 422 and "error-summary" in nothing.text
    r = client.post(
        f"/crm/imports/{iid}/mapping", data=form | {"save_as": "Export Excel"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].endswith("?step=duplicates")

    # The saved mapping is offered on the next visit of the mapping step.
    again = client.get(f"/crm/imports/{iid}?step=map")
    assert "Export Excel" in again.text and f"/crm/imports/{iid}/mapping/apply" in again.text
    saved_id = re.search(r'<option value="([0-9a-f-]{36})"', again.text)
    assert saved_id
    r = client.post(
        f"/crm/imports/{iid}/mapping/apply",
        data={"mapping_id": saved_id.group(1), "csrf_token": csrf_of(again.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303

    # Duplicates: the service's three policies, each explained.
    dups = client.get(f"/crm/imports/{iid}?step=duplicates")
    assert dups.text.count('name="on_duplicate"') == 3
    assert "E-mail, Telefon sau CUI" in dups.text and "CUI deja folosit" not in dups.text  # leads' keys
    bad = client.post(
        f"/crm/imports/{iid}/duplicates",
        data={"on_duplicate": "merge", "csrf_token": csrf_of(dups.text)},
        follow_redirects=False,
    )
    assert bad.status_code == 422
    r = client.post(
        f"/crm/imports/{iid}/duplicates",
        data={"on_duplicate": "skip", "csrf_token": csrf_of(dups.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("?step=validate")

    # Dry run: counts and the bad rows, row by row; nothing written yet.
    check = client.get(f"/crm/imports/{iid}?step=validate")
    assert check.status_code == 200
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td class="reason">([^<]*)</td>', check.text)
    assert [int(n) for n, _ in rows] == [4, 5]
    assert "E-mail" in rows[0][1] and "CUI" in rows[1][1]
    assert admin.call("GET", "/leads").json()["items"] == []

    # Run: queued through the outbox; the progress fragment polls until the task has run.
    r = client.post(
        f"/crm/imports/{iid}/start", data={"csrf_token": csrf_of(check.text)}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].endswith("?step=run")
    running = client.get(r.headers["location"])
    assert running.status_code == 200 and "<progress" in running.text
    assert 'hx-trigger="every 1s"' in running.text
    fragment = client.get(f"/crm/imports/{iid}/progress", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'hx-trigger="every 1s"' in fragment.text
    admin.run_queued()
    done = client.get(f"/crm/imports/{iid}/progress", headers={"HX-Request": "true"})
    assert done.status_code == 200 and "hx-trigger" not in done.text.split('hx-swap-oob="true"')[0]
    assert done.headers["HX-Replace-Url"] == f"/crm/imports/{iid}?step=done"
    counts = dict(re.findall(r'data-count="(\w+)">([\d.]+)<', done.text))
    assert counts == {"created": "3", "updated": "0", "skipped": "0", "failed": "2"}
    assert f"/crm/imports/{iid}/errors.csv" in done.text

    # Coming back: the import's page opens on its result; the run step redirects there.
    assert (
        client.get(f"/crm/imports/{iid}?step=map", follow_redirects=False)
        .headers["location"]
        .endswith("?step=done")
    )
    result = client.get(f"/crm/imports/{iid}")
    assert result.status_code == 200 and 'data-count="failed">2<' in result.text

    report = client.get(f"/crm/imports/{iid}/errors.csv")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    assert "attachment" in report.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:3] == ["row", "reason", "Prenume"]
    assert [line[0] for line in table[1:]] == ["4", "5"] and table[1][4] == "nu-e-email"

    listed = client.get("/crm/imports")
    assert "clienti.csv" in listed.text and "badge-ok" in listed.text


def test_running_import_is_resumable_from_the_list(
    client: TestClient, admin: Imports, platform: Platform, tenant: Any
) -> None:
    up = admin.uploaded(samples.FILE_A)
    admin.call("PUT", f"/imports/{up['id']}/mapping", {"mapping": up["suggested_mapping"]})
    admin.start(up["id"])
    listed = client.get("/crm/imports")
    assert f"/crm/imports/{up['id']}?step=run" in listed.text
    page = client.get(f"/crm/imports/{up['id']}")
    assert 'hx-trigger="every 1s"' in page.text and "<progress" in page.text
    assert client.get(f"/crm/imports/{up['id']}?step=validate", follow_redirects=False).status_code == 303
    # A worker half-way (one batch of 3 rows committed): the bar, rows/s and the time left.
    files = service.files_from_settings(platform.settings)
    runner.run_import(platform.db, files, tenant.id, uuid.UUID(up["id"]), batch_rows=3, max_batches=1)
    fragment = client.get(f"/crm/imports/{up['id']}/progress", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in fragment.text and "HX-Replace-Url" not in fragment.headers
    assert '<progress id="import-bar" max="9" value="3">' in fragment.text
    assert "din 9 rânduri" in fragment.text and "rânduri/s" in fragment.text
    assert "încă aproximativ" in fragment.text
    assert 'id="import-status" hx-swap-oob="true"' in fragment.text


def test_romanian_durations_and_reasons() -> None:
    assert pages.duration(0.2) == "<\u00a01\u00a0s" and pages.duration(42) == "42\u00a0s"
    assert pages.duration(125) == "2\u00a0min 05\u00a0s" and pages.duration(3720) == "1\u00a0h 02\u00a0min"
    assert pages.reason_text("email: not a valid e-mail address; cui: not a valid Romanian CUI/CIF (x)") == (
        "E-mail: adresă de e-mail invalidă; CUI: format sau cifră de control greșite"  # the default: ro
    )
    assert pages.reason_text("something new") == "something new"


@pytest.mark.parametrize(
    ("filename", "data", "status", "needle"),
    [
        ("clienti.xlsx", b"PK\x03\x04" + b"\x00" * 200, 415, "Excel"),
        ("poza.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, 415, "CSV"),
        ("gol.csv", b"", 422, ""),
        ("dublu.csv", b"Email;Email\na@b.ro;c@d.ro\n", 422, "Email"),
        ("ciudat.csv", b"Nume;Email\n\x81\x83\x88;x\n", 422, "Windows-1250"),
    ],
)
def test_bad_files_are_refused_inline(
    client: TestClient, admin: Imports, filename: str, data: bytes, status: int, needle: str
) -> None:
    r = upload(client, data, filename)
    assert r.status_code == status, r.text
    assert 'class="field-error" id="f-file-error"' in r.text and "error-summary" in r.text
    assert needle in r.text
    assert admin.call("GET", "/imports").json()["items"] == []


def test_too_big_file_is_refused_inline(
    client: TestClient, admin: Imports, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        platform, "settings", platform.settings.model_copy(update={"crm_import_max_bytes": 2048})
    )
    r = upload(client, samples.FILE_A + b"x;" * 2000)
    assert r.status_code == 413 and "error-summary" in r.text and "2\u00a0kB" in r.text
    assert upload(client, samples.FILE_A).status_code == 303


def test_bad_encoding_choice_is_explained(client: TestClient, admin: Imports) -> None:
    r = upload(client, samples.FILE_B, "vechi.csv")
    assert r.status_code == 303
    iid = r.headers["location"].split("/")[3].split("?")[0]
    preview = client.get(r.headers["location"])
    assert 'value="cp1250" selected' in preview.text and 'value="comma" selected' in preview.text
    assert "Țăranu" in preview.text  # cedillas become commas below
    bad = client.post(
        f"/crm/imports/{iid}/preview",
        data={"encoding": "utf-8", "separator": "comma", "csrf_token": csrf_of(preview.text)},
    )
    assert bad.status_code == 422 and 'id="f-encoding"' in bad.text and "error-summary" in bad.text
    assert 'value="utf-8" selected' in bad.text
    odd = client.post(
        f"/crm/imports/{iid}/preview",
        data={"encoding": "latin-9", "separator": "pipe", "csrf_token": csrf_of(preview.text)},
    )
    assert odd.status_code == 422
    assert admin.get(iid)["encoding"] == "cp1250"


def test_scopes_tenants_and_csrf(client: TestClient, tenant: Any, make_tenant: Any, admin: Imports) -> None:
    up = admin.uploaded(samples.FILE_A)
    iid = up["id"]
    csrf = page_csrf(client, f"/crm/imports/{iid}?step=preview")
    assert client.post(f"/crm/imports/{iid}/start", data={}, follow_redirects=False).status_code == 403
    assert client.post(f"/crm/imports/{iid}/cancel", data={"csrf_token": "forged"}).status_code == 403
    assert csrf

    for role in ("viewer",):  # crm:read only (imports need crm:write, as the API)
        login(client, make_tenant(role=role))
        assert client.get("/crm/imports").status_code == 403
        assert client.get("/crm/imports/new").status_code == 403
        assert client.get(f"/crm/imports/{iid}").status_code == 403
        token = csrf_of(client.get("/crm/imports").text)  # the 403 page still has the session token
        r = client.post(
            "/crm/imports",
            data={"entity": "leads", "csrf_token": token},
            files={"file": ("a.csv", samples.FILE_A, "text/csv")},
        )
        assert r.status_code == 403
        assert client.post(f"/crm/imports/{iid}/start", data={"csrf_token": token}).status_code == 403

    login(client, make_tenant())  # an admin of another tenant: the import does not exist there
    for url in (f"/crm/imports/{iid}", f"/crm/imports/{iid}/progress", f"/crm/imports/{iid}/errors.csv"):
        assert client.get(url).status_code == 404, url
    token = page_csrf(client, "/crm/imports/new")
    for path in ("start", "cancel", "duplicates", "mapping", "preview"):
        r = client.post(f"/crm/imports/{iid}/{path}", data={"csrf_token": token, "on_duplicate": "skip"})
        assert r.status_code == 404, path
    assert client.get("/crm/imports/not-a-uuid").status_code == 404
    assert admin.get(iid)["status"] == "uploaded"
