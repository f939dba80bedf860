"""The import end to end through the API and the etl.sync task (run eagerly): messy files in every
``on_duplicate`` mode, progress, idempotent re-runs, resume, cancel, errors.csv, the event and audit."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from genius.core.platform import Platform
from genius.vettify.imports import repository, runner, service
from genius.vettify.models import Lead
from genius.workers.etl_sync import tasks
from tests.vettify.imports import samples
from tests.vettify.imports.conftest import Imports, tenant_rows


def counts(job: dict[str, Any]) -> tuple[int, int, int, int]:
    return job["created"], job["updated"], job["skipped"], job["rejected"]


def leads(db: Connection, tid: uuid.UUID) -> list[Any]:
    return tenant_rows(
        db,
        tid,
        "SELECT first_name, last_name, email, phone, company_name, cui, city, county, notes, source, "
        "import_id, version FROM crm.leads WHERE deleted_at IS NULL ORDER BY created_at, import_row",
    )


@pytest.fixture(params=["index-lookups", "hash-joins"])
def matching(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways the plan finds existing rows: per-row index lookups (small files) and hash joins over
    the entity's rows (large files) must decide the same."""
    if request.param == "hash-joins":
        monkeypatch.setattr(repository, "LOOKUP_MAX_ROWS", 0)
    return str(request.param)


@pytest.mark.parametrize("mode", ["skip", "update", "create"])
def test_messy_files_account_for_every_row(
    mode: str, matching: str, imports: Imports, tenant: Any, db: Connection
) -> None:
    r = imports.call("POST", "/leads", {"first_name": "George", "email": "george@exemplu.ro", "city": "Cluj"})
    assert r.status_code == 201, r.text

    a = imports.import_file(samples.FILE_A, mode)
    assert a["status"] == "completed" and a["encoding"] == "utf-8-sig" and a["delimiter"] == ";"
    assert a["total"] == 9 and a["processed"] == 9
    assert counts(a) == samples.EXPECTED_A[mode]
    assert sum(counts(a)) == a["total"]

    b = imports.import_file(samples.FILE_B, mode)
    assert b["status"] == "completed" and b["encoding"] == "cp1250" and b["delimiter"] == ","
    assert b["total"] == 4 and counts(b) == samples.EXPECTED_B[mode]
    assert sum(counts(b)) == b["total"]

    rows = leads(db, tenant.id)
    assert len(rows) == 1 + a["created"] + b["created"]
    by_email: dict[str, Any] = {}
    for row in rows:
        by_email.setdefault(row.email, row)  # the first record with this e-mail
    # Normalised on the way in: lower-case e-mail, E.164 phone, CUI digits, comma-below diacritics.
    ana = by_email["ana@exemplu.ro"]
    assert ana.phone == "+40722123456" and ana.cui == "18547290" and ana.source == "import"
    stefan = by_email["stefan@exemplu.ro"]
    assert (stefan.first_name, stefan.last_name, stefan.city, stefan.county) == (
        "Ștefan",
        "Țurcanu",
        "Timișoara",
        "Timiș",
    )
    assert stefan.notes == "Linia 1\r\nLinia 2; cu separator" and stefan.phone == "+40733000111"
    stefania = by_email["stefania@exemplu.ro"]
    assert stefania.last_name == "Țăranu" and stefania.company_name == 'Firma "Citat", cu virgulă'
    george = [row for row in rows if row.email == "george@exemplu.ro"]
    if mode == "update":  # the file's values win; the existing record is changed, not duplicated
        assert len(george) == 1 and george[0].city == "Iași" and george[0].version == 2
        assert george[0].phone == "+40755111222" and george[0].import_id is None
    elif mode == "skip":
        assert len(george) == 1 and george[0].city == "Cluj" and george[0].version == 1
    else:
        assert len(george) == 2
    if mode == "update":  # file B's row 2 matched file A's row 2 by CUI: filled blanks, kept the key
        assert by_email["ana@exemplu.ro"].city == "Sibiu"
    if mode == "create":
        assert "radu@exemplu.ro" in by_email and len([r for r in rows if r.email == "ana@exemplu.ro"]) == 2


def test_errors_csv_lists_every_rejected_row(imports: Imports) -> None:
    job = imports.import_file(samples.FILE_A)
    r = imports.call("GET", f"/imports/{job['id']}/errors.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert table[0] == ["row", "reason", *samples.FILE_A_ROWS[0].split(";"), "extra"]
    by_row = {int(line[0]): line for line in table[1:]}
    assert sorted(by_row) == [5, 6, 7, 10] and len(by_row) == job["rejected"]
    assert "email: not a valid e-mail address" in by_row[5][1] and by_row[5][4] == "not-an-email"
    assert "phone:" in by_row[6][1] and by_row[6][5] == "12345"
    assert "cui:" in by_row[7][1] and by_row[7][7] == "RO123"
    assert "10 cells" in by_row[10][1] and by_row[10][-1] == "surplus" and by_row[10][2] == "Elena"


def test_progress_event_and_audit(imports: Imports, tenant: Any, db: Connection) -> None:
    up = imports.uploaded(samples.FILE_A)
    assert up["status"] == "uploaded" and up["total"] is None and up["percent"] is None
    assert up["preview"][0][:3] == ["Ana", "Popescu", "ana@exemplu.ro"]
    assert up["preview"][1][0] == "Ștefan"  # normalised in the preview too
    assert up["columns"] == samples.FILE_A_ROWS[0].split(";")
    imports.call("PUT", f"/imports/{up['id']}/mapping", {"mapping": up["suggested_mapping"]})
    r = imports.client.post(
        f"/v1/crm/imports/{up['id']}/start", headers={**imports.headers, "x-corr-id": "corr-import-1"}
    )
    assert r.status_code == 202 and r.json()["status"] == "queued"
    assert imports.queued == [(str(tenant.id), up["id"])]
    imports.run_queued()
    job = imports.get(up["id"])
    assert job["status"] == "completed" and job["percent"] == 100.0 and job["eta_seconds"] == 0.0
    assert job["rows_per_second"] is not None and job["rows_per_second"] >= 0
    assert job["started_at"] and job["finished_at"]

    events = tenant_rows(
        db, tenant.id, "SELECT data, correlation_id FROM core.outbox WHERE topic = 'crm.import.completed'"
    )
    assert len(events) == 1  # one summary event, not one per row
    data, corr = events[0]
    assert corr == "corr-import-1" and data["import_id"] == up["id"]
    assert (data["created"], data["skipped"], data["rejected"], data["total"]) == (3, 2, 4, 9)
    assert not tenant_rows(db, tenant.id, "SELECT 1 FROM core.outbox WHERE topic = 'crm.lead.created'")
    audit = tenant_rows(
        db, tenant.id, "SELECT target, data FROM core.audit_log WHERE action = 'crm.import.completed'"
    )
    assert len(audit) == 1 and audit[0].target == f"import:{up['id']}" and audit[0].data["created"] == 3
    listed = imports.call("GET", "/imports").json()["items"]
    assert [j["id"] for j in listed] == [up["id"]]


def test_rerun_is_idempotent(imports: Imports, tenant: Any, db: Connection) -> None:
    job = imports.import_file(samples.FILE_A)
    before = leads(db, tenant.id)
    again = tasks.crm_import.apply(args=[str(tenant.id), job["id"]]).get()
    assert again["status"] == "completed" and again["batches_run"] == 0
    assert leads(db, tenant.id) == before
    assert counts(imports.get(job["id"])) == counts(job)
    own = tenant_rows(db, tenant.id, "SELECT count(*) FROM crm.leads WHERE import_id = :i", i=job["id"])
    assert own[0][0] == job["created"]
    # The provenance is mapped on the models too: which import, which row of the file.
    with Session(db) as orm:
        imported = orm.scalars(select(Lead).where(Lead.import_id == uuid.UUID(job["id"]))).all()
    assert len(imported) == job["created"] and all(lead.import_row for lead in imported)


def test_interrupted_job_resumes_without_duplicates(
    imports: Imports, platform: Platform, tenant: Any, db: Connection
) -> None:
    up = imports.uploaded(samples.FILE_A)
    imports.call("PUT", f"/imports/{up['id']}/mapping", {"mapping": up["suggested_mapping"]})
    imports.start(up["id"])
    files = service.files_from_settings(platform.settings)
    iid = uuid.UUID(up["id"])
    # A worker that stops after two batches of 3 rows (as if killed after its second commit).
    partial = runner.run_import(platform.db, files, tenant.id, iid, batch_rows=3, max_batches=2)
    assert partial.status == "running" and partial.processed == 6 and partial.batches_run == 2
    mid = imports.get(up["id"])
    assert mid["status"] == "running" and mid["processed"] == 6 and mid["total"] == 9
    assert mid["percent"] == pytest.approx(66.7) and mid["eta_seconds"] is not None
    assert len(leads(db, tenant.id)) == mid["created"]
    batches = tenant_rows(db, tenant.id, "SELECT batch_no, first_row, last_row FROM crm.import_batches")
    assert sorted(batches) == [(0, 1, 3), (1, 4, 6)]
    # The redelivered task resumes after the committed batches (with another batch size even).
    done = runner.run_import(platform.db, files, tenant.id, iid, batch_rows=2)
    assert done.status == "completed" and done.processed == 9 and done.batches_run == 2
    job = imports.get(up["id"])
    assert counts(job) == (3, 0, 2, 4)  # nothing existed before: row 11 is created too
    assert len(leads(db, tenant.id)) == 3
    rejected = tenant_rows(
        db, tenant.id, "SELECT count(*) FROM crm.import_errors WHERE import_id = :i", i=iid
    )
    assert rejected[0][0] == 4


def test_cancel_running_job_keeps_committed_batches(
    imports: Imports, platform: Platform, tenant: Any, db: Connection
) -> None:
    up = imports.uploaded(samples.FILE_A)
    imports.call("PUT", f"/imports/{up['id']}/mapping", {"mapping": up["suggested_mapping"]})
    imports.start(up["id"])
    files = service.files_from_settings(platform.settings)
    iid = uuid.UUID(up["id"])
    runner.run_import(platform.db, files, tenant.id, iid, batch_rows=3, max_batches=1)
    r = imports.call("POST", f"/imports/{up['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelling"
    imports.run_queued()  # the queued message arrives: the worker stops at the batch boundary
    job = imports.get(up["id"])
    assert job["status"] == "cancelled" and job["processed"] == 3 and job["total"] == 9
    assert sum(counts(job)) == 3
    assert len(leads(db, tenant.id)) == job["created"] == 2
    assert imports.call("POST", f"/imports/{up['id']}/start").status_code == 409
    assert imports.call("POST", f"/imports/{up['id']}/cancel").status_code == 409
    audit = tenant_rows(db, tenant.id, "SELECT 1 FROM core.audit_log WHERE action = 'crm.import.cancelled'")
    assert len(audit) == 1


def test_cancel_before_start(imports: Imports, db: Connection, tenant: Any) -> None:
    up = imports.uploaded(samples.FILE_A)
    r = imports.call("POST", f"/imports/{up['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert imports.call("PUT", f"/imports/{up['id']}/mapping", {"mapping": {}}).status_code == 409
    assert not leads(db, tenant.id)


def test_validate_is_a_dry_run(imports: Imports, tenant: Any, db: Connection) -> None:
    up = imports.uploaded(samples.FILE_A)
    imports.call("PUT", f"/imports/{up['id']}/mapping", {"mapping": up["suggested_mapping"]})
    r = imports.call("POST", f"/imports/{up['id']}/validate")
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["total"], report["created"], report["skipped"], report["rejected"]) == (9, 3, 2, 4)
    assert [e["row"] for e in report["errors"]] == [5, 6, 7, 10]
    assert report["errors"][0]["cells"][2] == "not-an-email"
    assert not leads(db, tenant.id)
    assert not tenant_rows(db, tenant.id, "SELECT 1 FROM crm.import_errors")
    assert imports.get(up["id"])["status"] == "uploaded"


def test_saved_mapping_is_reused(imports: Imports) -> None:
    up = imports.uploaded(samples.FILE_B)
    mapping = {**up["suggested_mapping"], "Judet": None}  # ignore one column
    r = imports.call(
        "PUT",
        f"/imports/{up['id']}/mapping",
        {"mapping": mapping, "on_duplicate": "update", "save_as": "Export contabilitate"},
    )
    assert r.status_code == 200, r.text
    assert "Judet" not in r.json()["mapping"] and r.json()["mapping_id"]
    saved = imports.call("GET", "/import-mappings?entity=leads").json()
    assert [(m["name"], m["on_duplicate"]) for m in saved] == [("Export contabilitate", "update")]

    second = imports.uploaded(samples.FILE_B)
    r = imports.call("PUT", f"/imports/{second['id']}/mapping", {"mapping_id": saved[0]["id"]})
    assert r.status_code == 200, r.text
    assert (
        r.json()["mapping"] == {k: v for k, v in mapping.items() if v}
        and r.json()["on_duplicate"] == "update"
    )
    accounts = imports.uploaded(b"Denumire;CUI\nAlfa;RO18547290\n", entity="accounts")
    r = imports.call("PUT", f"/imports/{accounts['id']}/mapping", {"mapping_id": saved[0]["id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "mapping_id"


def test_contacts_and_accounts(matching: str, imports: Imports, tenant: Any, db: Connection) -> None:
    accounts_csv = (
        "Denumire;CUI;Nr. Reg. Com.;Telefon;Oras;Judet\n"
        "Alfa SRL;RO18547290;J08/123/2020;0268 111 222;Brașov;Brașov\n"
        "Alfa Duplicat;18547290;;;;\n"
        "Fara CUI;;;;Cluj-Napoca;Cluj\n"
        ";RO18547290;;;;\n"
    ).encode()
    job = imports.import_file(accounts_csv, "create", entity="accounts")
    assert job["mapping"]["Denumire"] == "name"
    # The CUI is unique among accounts: even in create mode a second Alfa is refused, not duplicated.
    assert counts(job) == (2, 0, 0, 2) and job["total"] == 4
    names = tenant_rows(
        db, tenant.id, "SELECT name, cui, registration_number FROM crm.accounts ORDER BY name"
    )
    assert [tuple(n) for n in names] == [("Alfa SRL", "18547290", "J08/123/2020"), ("Fara CUI", None, None)]

    contacts_csv = b"Prenume,Nume,Email,Functie\nIoana,Marin,ioana@exemplu.ro,Director\n,,,\nX,,bad@,\n"
    job = imports.import_file(contacts_csv, entity="contacts")
    assert counts(job) == (1, 0, 1, 1)
    rows = tenant_rows(db, tenant.id, "SELECT first_name, email, job_title FROM crm.contacts")
    assert [tuple(r) for r in rows] == [("Ioana", "ioana@exemplu.ro", "Director")]


def test_header_only_and_quoted_separators(imports: Imports) -> None:
    job = imports.import_file(b"Email;Nume\n")
    assert job["status"] == "completed" and job["total"] == 0 and job["percent"] == 100.0
    tab = imports.uploaded(b"Nume\tEmail\nPop\tpop@exemplu.ro\n")
    assert tab["delimiter"] == "\t" and tab["columns"] == ["Nume", "Email"]


def test_crash_inside_a_batch_leaves_no_half_batch(
    imports: Imports, platform: Platform, tenant: Any, db: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    up = imports.uploaded(samples.FILE_A)
    imports.call("PUT", f"/imports/{up['id']}/mapping", {"mapping": up["suggested_mapping"]})
    imports.start(up["id"])
    imports.queued.clear()
    real_apply = runner.apply_batch
    calls = 0

    def crash_on_second_batch(*args: Any) -> None:
        nonlocal calls
        calls += 1
        real_apply(*args)  # the batch's rows are written in the open transaction...
        if calls == 2:
            raise RuntimeError("worker lost mid-batch")  # ...and the process dies before the commit

    monkeypatch.setattr(runner, "apply_batch", crash_on_second_batch)
    files = service.files_from_settings(platform.settings)
    iid = uuid.UUID(up["id"])
    with pytest.raises(RuntimeError, match="worker lost"):
        runner.run_import(platform.db, files, tenant.id, iid, batch_rows=3)
    job = imports.get(up["id"])
    assert job["status"] == "failed" and "worker lost" in job["error"]
    assert job["processed"] == 3 and sum(counts(job)) == 3  # only the committed first batch
    assert len(leads(db, tenant.id)) == job["created"] == 2
    assert not tenant_rows(db, tenant.id, "SELECT 1 FROM crm.import_errors WHERE import_id = :i", i=iid)
    monkeypatch.setattr(runner, "apply_batch", real_apply)
    restarted = imports.start(up["id"])  # a failed import is resumed from the API
    assert restarted["status"] == "queued" and restarted["error"] is None
    imports.run_queued()
    job = imports.get(up["id"])
    assert job["status"] == "completed" and counts(job) == (3, 0, 2, 4) and job["processed"] == 9
    assert len(leads(db, tenant.id)) == 3


def test_task_yields_the_worker_and_requeues_itself(
    imports: Imports, platform: Platform, tenant: Any, db: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks.use_context(platform.db, platform.settings.model_copy(update={"crm_import_batch_rows": 4}))
    continuations: list[dict[str, Any]] = []
    monkeypatch.setattr(
        tasks.crm_import, "apply_async", lambda args, kwargs: continuations.append({"args": args, **kwargs})
    )
    up = imports.uploaded(samples.FILE_A)
    imports.call("PUT", f"/imports/{up['id']}/mapping", {"mapping": up["suggested_mapping"]})
    imports.start(up["id"])
    tid, iid = imports.queued.pop()
    first = tasks.crm_import.apply(args=[tid, iid], kwargs={"max_batches": 2}).get()
    assert first["status"] == "running" and first["processed"] == 8
    assert continuations == [{"args": [tid, iid], "max_batches": 2}]
    second = tasks.crm_import.apply(args=[tid, iid], kwargs={"max_batches": 2}).get()
    assert second["status"] == "completed" and second["processed"] == 9 and second["batches_run"] == 1
    assert len(continuations) == 1
    assert counts(imports.get(iid)) == (3, 0, 2, 4)


def test_uploaded_file_is_stored_encrypted_for_the_tenant(
    imports: Imports, platform: Platform, tenant: Any, make_tenant: Any, db: Connection
) -> None:
    from genius.core.storage import StorageKeyError, storage_from_settings, tenant_sse_key

    up = imports.uploaded(samples.FILE_B)
    (key,) = tenant_rows(db, tenant.id, "SELECT storage_key FROM crm.imports WHERE id = :i", i=up["id"])[0]
    assert key == f"crm-imports/{tenant.id}/{up['id']}.csv"
    storage = storage_from_settings(platform.settings)
    files = service.files_from_settings(platform.settings)
    assert files.get(tenant.id, key) == samples.FILE_B
    with pytest.raises(StorageKeyError):
        storage.get(key)
    other = make_tenant()
    with pytest.raises(StorageKeyError):
        storage.get(key, sse_key=tenant_sse_key(files.secret_key, other.id))


def test_imported_accounts_are_sent_for_cui_verification(
    imports: Imports, tenant: Any, db: Connection
) -> None:
    """Imported accounts with a CUI are pending and requested at ANAF, one event per batch (as the API)."""
    imports.import_file(
        b"Denumire;CUI\nAlfa SRL;RO18547290\nBeta SA;14399840\nFara CUI;\n", entity="accounts"
    )
    statuses = tenant_rows(db, tenant.id, "SELECT name, compliance_status FROM crm.accounts ORDER BY name")
    assert [tuple(r) for r in statuses] == [
        ("Alfa SRL", "pending"),
        ("Beta SA", "pending"),
        ("Fara CUI", "unchecked"),
    ]
    events = tenant_rows(
        db, tenant.id, "SELECT data FROM core.outbox WHERE topic = 'crm.account.verification_requested'"
    )
    assert len(events) == 1
    assert sorted(a["cui"] for a in events[0][0]["accounts"]) == ["14399840", "18547290"]
    # An update that fills a missing CUI requests the check too; one that keeps the CUI does not.
    imports.import_file(b"Denumire;Email\nGama SRL;office@gama.ro\n", entity="accounts")
    job = imports.import_file(
        b"Denumire;Email;CUI\nGama SRL;office@gama.ro;RO27\nAlfa SRL;;RO18547290\n",
        on_duplicate="update",
        entity="accounts",
    )
    assert job["updated"] == 2
    gama = tenant_rows(
        db, tenant.id, "SELECT cui, compliance_status FROM crm.accounts WHERE name = 'Gama SRL'"
    )
    assert tuple(gama[0]) == ("27", "pending")
    events = tenant_rows(
        db,
        tenant.id,
        "SELECT data FROM core.outbox WHERE topic = 'crm.account.verification_requested' ORDER BY seq",
    )
    assert [sorted(a["cui"] for a in e[0]["accounts"]) for e in events] == [["14399840", "18547290"], ["27"]]
