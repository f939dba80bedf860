"""Vettify pages: the CSV import wizard at ``/crm/imports`` (crm:admin, as the manifest's navigation).

* ``GET /crm/imports``: the tenant's imports, newest first; ``GET /crm/imports/new``: step 1, the upload
  (``POST /crm/imports``, a plain multipart form: it works without JavaScript; ``imports.js`` adds the
  drag-and-drop zone and refuses a too big or non-CSV file before it is sent);
* ``GET /crm/imports/{id}?step=preview|map|duplicates|validate|run|done``: one step per page, so the
  user can leave and come back (a step that no longer applies redirects to the one that does);
* the steps' forms post to ``/crm/imports/{id}/…`` and redirect to the next step (post-redirect-get),
  or re-render the step with its inline errors (4xx, never 5xx);
* ``GET /crm/imports/{id}/progress``: the live progress fragment, polled every second by htmx while the
  job runs (the finished fragment has no trigger, so the polling stops);
* ``GET /crm/imports/{id}/errors.csv``: the service's error report.

Every route goes through ``genius.vettify.imports.service``, the same functions the API calls, in the
user's tenant transaction: another tenant's import id is not found (404).
"""

from __future__ import annotations

import math
import re
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from genius.core.kit.errors import Problem
from genius.core.kit.manifest import N_
from genius.vettify.imports import parsing, service
from genius.vettify.imports.models import ImportJob
from genius.vettify.imports.schemas import MappingIn
from genius.vettify.pages.common import CrmWriter
from genius.web.formats import clock, number
from genius.web.kit import CsrfChecked, PageDB, PageForm, _, context, error_page, flash, platform_of, render

router = APIRouter(prefix="/crm/imports", include_in_schema=False)

HEAD = "vettify/imports_wizard.html"
CHUNK = 1 << 20
CSV_EXTENSIONS = (".csv", ".txt", ".tsv")

ENTITY_LABELS = {"leads": N_("Leads"), "contacts": N_("Contacts"), "accounts": N_("Accounts")}
FIELD_LABELS = {
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "email": N_("E-mail"),
    "phone": N_("Phone"),
    "company_name": N_("Company"),
    "cui": "CUI",
    "job_title": N_("Job title"),
    "city": N_("City"),
    "county": N_("County"),
    "source": N_("Source"),
    "notes": N_("Notes"),
    "owner": N_("Owner"),
    "name": N_("Company name"),
    "registration_number": N_("Trade register number"),
    "vat_id": N_("EU VAT id"),
    "website": N_("Website"),
    "industry": N_("Industry"),
    "address": N_("Address"),
}
STATUS = {
    "uploaded": (N_("Being prepared"), "info"),
    "queued": (N_("Queued"), "info"),
    "running": (N_("Running"), "brand"),
    "cancelling": (N_("Stopping"), "warn"),
    "completed": (N_("Completed"), "ok"),
    "failed": (N_("Failed"), "err"),
    "cancelled": (N_("Cancelled"), ""),
}
ENCODINGS = {
    "utf-8-sig": N_("UTF-8 with BOM (Excel's “CSV UTF-8”)"),
    "utf-8": N_("UTF-8"),
    "cp1250": N_("Windows-1250 (older Romanian Excel and accounting software)"),
}
SEPARATORS = {";": N_("Semicolon ( ; )"), ",": N_("Comma ( , )"), "\t": N_("Tab")}
SEPARATOR_CODES = {"semicolon": ";", "comma": ",", "tab": "\t"}
POLICIES = {
    "skip": (
        N_("Skip duplicates"),
        N_("A row that matches an existing record or an earlier row is left out; nothing existing changes."),
    ),
    "update": (
        N_("Update the existing record"),
        N_("A row that matches an existing record overwrites its fields with the file's non-empty values."),
    ),
    "create": (
        N_("Create anyway"),
        N_("Every valid row creates a new record, even when it matches an existing one."),
    ),
}
# The wizard's steps: (key, label). "upload" has no id yet; "run" and "done" show the progress.
STEPS = (
    ("upload", N_("Upload")),
    ("preview", N_("Preview")),
    ("map", N_("Columns")),
    ("duplicates", N_("Duplicates")),
    ("validate", N_("Check")),
    ("run", N_("Import")),
    ("done", N_("Report")),
)
EDIT_STEPS = ("preview", "map", "duplicates", "validate")


# --- helpers -----------------------------------------------------------------------------------------
def actor(user: Any) -> str:
    return str(user.account.email)


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{number(size / (1024 * 1024), 1 if size < 10 * 1024 * 1024 else 0)}\u00a0MB"
    return f"{number(max(1, math.ceil(size / 1024)))}\u00a0kB"


def duration(seconds: float | None) -> str:
    """``45 s``, ``2 min 05 s``, ``1 h 03 min`` (the same abbreviations in Romanian and English)."""
    if seconds is None:
        return "—"
    if seconds < 1:
        return "<\u00a01\u00a0s"
    s = round(seconds)
    if s < 60:
        return f"{s}\u00a0s"
    if s < 3600:
        return f"{s // 60}\u00a0min {s % 60:02d}\u00a0s"
    return f"{s // 3600}\u00a0h {(s % 3600) // 60:02d}\u00a0min"


def separator_code(delimiter: str) -> str:
    return next((code for code, d in SEPARATOR_CODES.items() if d == delimiter), "comma")


def default_step(job: ImportJob) -> str:
    if job.status == "uploaded":
        return "preview"
    return "done" if job.status in service.FINISHED else "run"


def field_label(field: str) -> str:
    return _(FIELD_LABELS.get(field, field))


def friendly(name: str, message: str, job: ImportJob | None = None) -> str:
    """The service's (English, developer-facing) field messages, said for a user in their language."""
    if name == "file":
        if "empty" in message:
            return _("The file is empty.")
        if "neither UTF-8 nor Windows-1250" in message:
            return _(
                "The file is not text in UTF-8 or Windows-1250, so it is not a CSV. "
                "An Excel workbook must first be saved as “CSV UTF-8”."
            )
        if "twice" in message:
            return _(
                "A column name appears twice in the header row: rename one of them. (%(detail)s)",
                detail=message,
            )
        if "header" in message and "columns" in message:
            return _("The header row has too many columns (at most %(max)s).", max=parsing.MAX_COLUMNS)
        return _("The file cannot be read as a CSV: %(detail)s.", detail=message)
    if name == "entity":
        return _("Choose what the rows are: leads, contacts or accounts.")
    if name == "encoding":
        if "must be one of" in message:
            return _("Choose one of the listed encodings.")
        return _(
            "The file cannot be read in this encoding: some of its bytes are not valid in it. "
            "Keep the detected encoding, or try Windows-1250 for files from older Romanian software."
        )
    if name == "delimiter":
        if "must be one of" in message:
            return _("Choose one of the listed separators.")
        return _("With this separator the header row cannot be read: %(detail)s.", detail=message)
    if name.startswith("mapping."):
        if "already mapped" in message:
            return _("This CRM field is already chosen for another column: each field can be used once.")
        if "not a column" in message:
            return _("This is not a column of the file.")
        return _("Choose a CRM field from the list, or “Do not import”.")
    if name == "mapping":
        if job is not None:
            needs = ", ".join(field_label(f) for f in service.target(job.entity).needs_one_of)
            return _("Map at least one of these fields, so each record has a name: %(fields)s.", fields=needs)
        return _("Choose the columns to import.")
    if name == "mapping_id":
        return _("This saved mapping no longer exists, or is for another kind of record.")
    if name == "save_as":
        return _("The mapping's name must have 1 to 100 characters.")
    return message


_REASONS: list[tuple[re.Pattern[str], Any]] = [
    (
        re.compile(r"^(\w+): not a valid e-mail address$"),
        lambda m: _("%(field)s: not a valid e-mail address", field=field_label(m[1])),
    ),
    (
        re.compile(r"^(\w+): not a phone number"),
        lambda m: _("%(field)s: not a valid phone number", field=field_label(m[1])),
    ),
    (
        re.compile(r"^(\w+): not a valid Romanian CUI"),
        lambda m: _("%(field)s: not a valid CUI (format or check digit)", field=field_label(m[1])),
    ),
    (
        re.compile(r"^(\w+): longer than (\d+) characters$"),
        lambda m: _("%(field)s: longer than %(max)s characters", field=field_label(m[1]), max=m[2]),
    ),
    (
        re.compile(r"^needs one of: (.+)$"),
        lambda m: _(
            "empty: it needs at least one of %(fields)s",
            fields=", ".join(field_label(f.strip()) for f in m[1].split(",")),
        ),
    ),
    (
        re.compile(r"^has (\d+) cells but the header has (\d+) columns$"),
        lambda m: _("%(cells)s cells, but the header has %(columns)s columns", cells=m[1], columns=m[2]),
    ),
    (
        re.compile(r"^cui: an account with this CUI already exists$"),
        lambda m: _("CUI: an account with this CUI already exists"),
    ),
    (
        re.compile(r"^cui: the same CUI is already on row (\d+)$"),
        lambda m: _("CUI: the same CUI is already on row %(row)s", row=m[1]),
    ),
]


def reason_text(reason: str) -> str:
    """A rejected row's reason (the service's words, kept in the error report) in the user's language."""
    out = []
    for part in str(reason or "").split("; "):
        for pattern, say in _REASONS:
            found = pattern.match(part)
            if found:
                out.append(say(found))
                break
        else:
            out.append(part)
    return "; ".join(out)


def problem_errors(exc: Problem, job: ImportJob | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    for e in exc.errors or []:
        name = str(e.get("field") or "")
        errors.setdefault(name, friendly(name, str(e.get("message") or ""), job))
    if not errors:
        errors[""] = conflict_text(exc, job)
    return errors


def conflict_text(exc: Problem, job: ImportJob | None) -> str:
    if exc.status == 409 and job is not None:
        if job.status != "uploaded":
            return _("The import has already started; its settings can no longer change.")
        return _("Choose the columns to import first (step “Columns”).")
    return _("The request could not be completed.")


def load(db: Any, import_id: str, *, lock: bool = False) -> ImportJob | None:
    try:
        return service.get_job(db, uuid.UUID(import_id), lock=lock)
    except (ValueError, Problem):
        return None


def step_url(job: ImportJob, step: str) -> str:
    return f"/crm/imports/{job.id}?step={step}"


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def status_of(job: ImportJob) -> tuple[str, str]:
    label, kind = STATUS.get(job.status, (job.status, ""))
    return _(label), kind


def progress_facts(job: ImportJob) -> dict[str, Any]:
    finished = job.status in service.FINISHED
    rate = job.rows_per_second
    eta = job.eta_seconds
    facts: dict[str, Any] = {
        "finished": finished,
        "percent": job.percent,
        "rate": f"{number(rate)}" if rate is not None else None,
        "eta": duration(eta) if eta is not None and not finished else None,
        "ends_at": None,
    }
    if job.started_at is not None and job.finished_at is not None:
        facts["took"] = duration((job.finished_at - job.started_at).total_seconds())
    if eta is not None and not finished and job.updated_at is not None:
        from datetime import timedelta

        facts["ends_at"] = clock(job.updated_at + timedelta(seconds=eta))
    return facts


def wizard_ctx(request: Request, user: Any, job: ImportJob, step: str, **extra: Any) -> dict[str, Any]:
    settings = platform_of(request).settings
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        job=job,
        step=step,
        steps=STEPS,
        edit_steps=EDIT_STEPS,
        status=status_of(job),
        entity_label=_(ENTITY_LABELS.get(job.entity, job.entity)),
        size=human_size(job.size_bytes),
        encoding_label=_(ENCODINGS.get(job.encoding, job.encoding)),
        separator_label=_(SEPARATORS.get(job.delimiter, job.delimiter)),
        encodings=[(k, _(v)) for k, v in ENCODINGS.items()],
        separators=[(code, _(SEPARATORS[d])) for code, d in SEPARATOR_CODES.items()],
        separator=separator_code(job.delimiter),
        field_label=field_label,
        reason_text=reason_text,
        facts=progress_facts(job),
        max_size=human_size(settings.crm_import_max_bytes),
        **extra,
    )


def render_step(
    request: Request, user: Any, db: Any, job: ImportJob, step: str, status: int = 200, **extra: Any
) -> Response:
    extra.setdefault("errors", {})
    if step == "map":
        spec = service.target(job.entity)
        extra.setdefault("mapping", dict(job.mapping or {}))
        extra.setdefault("save_as", "")
        extra["fields"] = [("", _("— Do not import —"))] + [(f, field_label(f)) for f in spec.fields]
        extra["needs"] = ", ".join(field_label(f) for f in spec.needs_one_of)
        extra["saved"] = service.list_mappings(db, job.entity)
    elif step == "duplicates":
        spec = service.target(job.entity)
        extra["policies"] = [(k, _(label), _(text)) for k, (label, text) in POLICIES.items()]
        if job.entity == "accounts":  # an account's CUI is unique: create still refuses a taken one
            label, text = POLICIES["create"]
            extra["policies"][2] = (
                "create",
                _(label),
                _(text) + " " + _("A CUI already taken is still refused."),
            )
        names = [field_label(f) for f in spec.keys]
        extra["keys"] = (
            _("%(some)s or %(last)s", some=", ".join(names[:-1]), last=names[-1])
            if len(names) > 1
            else names[0]
        )
        extra.setdefault("chosen", job.on_duplicate)
    elif step == "validate" and "report" not in extra and not extra["errors"]:
        try:
            extra["report"] = service.validate(
                db, service.files_from_settings(platform_of(request).settings), job
            )
        except Problem as exc:
            extra["errors"] = problem_errors(exc, job)
            status = exc.status if 400 <= exc.status < 500 else 409
    if step == "validate":
        extra["policy_label"] = _(POLICIES[job.on_duplicate][0])
    if step in ("run", "done") and job.rejected:
        extra.setdefault("rejected_count", job.rejected)
    return render(request, HEAD, wizard_ctx(request, user, job, step, **extra), status)


# --- the list and the upload ---------------------------------------------------------------------------
@router.get("")
def imports_list(request: Request, user: CrmWriter, db: PageDB, cursor: str | None = None) -> Response:
    try:
        page = service.list_jobs(db, limit=25, cursor=cursor)
    except Problem:  # a stale or edited cursor: the first page
        page = service.list_jobs(db, limit=25)
    rows = [
        {
            "job": job,
            "status": status_of(job),
            "entity": _(ENTITY_LABELS.get(job.entity, job.entity)),
            "url": step_url(job, default_step(job)),
        }
        for job in page.items
    ]
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        rows=rows,
        next_url=f"/crm/imports?cursor={page.next}" if page.next else None,
        first_url="/crm/imports" if cursor else None,
    )
    return render(request, "vettify/imports.html", ctx)


def upload_ctx(request: Request, user: Any, **extra: Any) -> dict[str, Any]:
    settings = platform_of(request).settings
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        steps=STEPS,
        step="upload",
        entities=[(k, _(v)) for k, v in ENTITY_LABELS.items()],
        max_bytes=settings.crm_import_max_bytes,
        max_size=human_size(settings.crm_import_max_bytes),
        **{"errors": {}, "entity": "leads", **extra},
    )


@router.get("/new")
def upload_page(request: Request, user: CrmWriter, entity: str = "leads") -> Response:
    chosen = entity if entity in ENTITY_LABELS else "leads"
    return render(request, "vettify/imports_upload.html", upload_ctx(request, user, entity=chosen))


def not_csv(filename: str, content_type: str, head: bytes) -> str | None:
    """Why this upload is not a CSV, or None. The service's decoding still has the last word."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        return _("This is an Excel workbook, not a CSV: open it in Excel and save it as “CSV UTF-8”.")
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _("This is a binary file, not a CSV. Choose a .csv file (text, one row per line).")
    lower = filename.lower()
    if "." in lower and not lower.endswith(CSV_EXTENSIONS):
        return _("Only CSV files (.csv or .txt) can be imported; “%(name)s” is not one.", name=filename)
    if "." not in lower and not content_type.startswith(("text/", "application/vnd.ms-excel")):
        return _("Only CSV files (.csv or .txt) can be imported; “%(name)s” is not one.", name=filename)
    return None


@router.post("", dependencies=[CsrfChecked])
async def upload(request: Request, user: CrmWriter, db: PageDB) -> Response:
    settings = platform_of(request).settings
    limit = settings.crm_import_max_bytes
    too_big = _(
        "The file is larger than %(max)s, the most an import accepts. Split it into smaller files.",
        max=human_size(limit),
    )

    def refuse(status: int, errors: dict[str, str], entity: str = "leads") -> Response:
        return render(
            request,
            "vettify/imports_upload.html",
            upload_ctx(request, user, errors=errors, entity=entity),
            status,
        )

    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit + 64 * 1024:
        return refuse(413, {"file": too_big})
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return refuse(415, {"file": _("Choose a CSV file to upload.")})
    try:
        form = await request.form(max_files=1, max_fields=5)
    except Exception:  # a malformed multipart body
        return refuse(400, {"file": _("The upload could not be read. Choose the file again.")})
    upload_file = form.get("file")
    raw_entity = form.get("entity")
    entity = raw_entity if isinstance(raw_entity, str) and raw_entity in ENTITY_LABELS else "leads"
    if not isinstance(raw_entity, str) or raw_entity not in ENTITY_LABELS:
        return refuse(422, {"entity": friendly("entity", "")}, entity)
    if not isinstance(upload_file, UploadFile) or not (upload_file.filename or upload_file.size):
        return refuse(422, {"file": _("Choose a CSV file to upload.")}, entity)
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload_file.read(CHUNK):
        size += len(chunk)
        if size > limit:
            return refuse(413, {"file": too_big}, entity)
        chunks.append(chunk)
    data = b"".join(chunks)
    filename = upload_file.filename or "import.csv"
    reason = not_csv(filename, upload_file.content_type or "", data[:8192])
    if reason:
        return refuse(415, {"file": reason}, entity)
    try:
        job = await run_in_threadpool(
            service.create_import,
            db,
            service.files_from_settings(settings),
            tid=user.tenant.id,
            entity=entity,
            filename=filename,
            data=data,
            actor=actor(user),
        )
    except Problem as exc:
        return refuse(exc.status if 400 <= exc.status < 500 else 422, problem_errors(exc), entity)
    return redirect(step_url(job, "preview"))


# --- the wizard ----------------------------------------------------------------------------------------
@router.get("/{import_id}")
def wizard(
    request: Request, import_id: str, user: CrmWriter, db: PageDB, step: str | None = None
) -> Response:
    job = load(db, import_id)
    if job is None:
        return error_page(request, 404)
    canonical = default_step(job)
    if step is None:
        step = canonical
    if step == "upload":
        return redirect("/crm/imports/new")
    if job.status == "uploaded":
        if step not in EDIT_STEPS:
            return redirect(step_url(job, canonical))
    elif step != canonical:
        return redirect(step_url(job, canonical))
    return render_step(request, user, db, job, step)


@router.get("/{import_id}/progress")
def progress(request: Request, import_id: str, user: CrmWriter, db: PageDB) -> Response:
    job = load(db, import_id)
    if job is None:
        return error_page(request, 404)
    step = default_step(job)
    ctx = wizard_ctx(request, user, job, step if step in ("run", "done") else "run", oob=True)
    response = render(request, "vettify/imports_progress.html", ctx)
    if ctx["facts"]["finished"]:
        response.headers["HX-Replace-Url"] = step_url(job, "done")
    return response


@router.post("/{import_id}/preview", dependencies=[CsrfChecked])
def reread(request: Request, import_id: str, user: CrmWriter, db: PageDB, form: PageForm) -> Response:
    encoding = str(form.get("encoding") or "")
    separator = str(form.get("separator") or "")
    delimiter = SEPARATOR_CODES.get(separator, separator if separator in parsing.DELIMITERS else "?")

    def work() -> Response:
        job = load(db, import_id, lock=True)
        if job is None:
            return error_page(request, 404)
        files = service.files_from_settings(platform_of(request).settings)
        try:
            nested = db.begin_nested()
            service.reparse(db, files, job, encoding=encoding, delimiter=delimiter)
            nested.commit()
        except Problem as exc:
            nested.rollback()
            job = load(db, import_id)
            assert job is not None
            return render_step(
                request,
                user,
                db,
                job,
                "preview",
                exc.status if exc.status < 500 else 422,
                errors=problem_errors(exc, job),
                chosen_encoding=encoding,
                chosen_separator=separator,
            )
        response = redirect(step_url(job, "preview"))
        return flash(response, _("The file was read again with the chosen encoding and separator."))

    return work()


@router.post("/{import_id}/mapping", dependencies=[CsrfChecked])
def save_mapping(request: Request, import_id: str, user: CrmWriter, db: PageDB, form: PageForm) -> Response:
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}

    def work() -> Response:
        job = load(db, import_id, lock=True)
        if job is None:
            return error_page(request, 404)
        mapping = {column: values.get(f"col-{i}", "") for i, column in enumerate(job.columns)}
        save_as = values.get("save_as", "").strip()
        errors: dict[str, str] = {}
        status = 422
        try:
            body = MappingIn(mapping=mapping, save_as=save_as or None)
        except ValidationError:
            errors = {"save_as": friendly("save_as", "")}
        else:
            nested = db.begin_nested()
            try:
                service.set_mapping(db, job, body, actor(user))
                nested.commit()
            except Problem as exc:
                nested.rollback()
                errors = problem_errors(exc, job)
                status = exc.status
        if errors:
            job = load(db, import_id)
            assert job is not None
            status = 422 if "save_as" in errors else status
            return render_step(
                request,
                user,
                db,
                job,
                "map",
                status,
                errors=column_errors(job, errors),
                mapping={c: v for c, v in mapping.items() if v},
                save_as=save_as,
            )
        response = redirect(step_url(job, "duplicates"))
        if save_as:
            flash(response, _("The mapping was saved as “%(name)s”.", name=save_as))
        return response

    return work()


def column_errors(job: ImportJob, errors: dict[str, str]) -> dict[str, str]:
    """``mapping.<column>`` → ``col-<index>`` (the form's field names)."""
    index = {column: i for i, column in enumerate(job.columns)}
    out: dict[str, str] = {}
    for name, message in errors.items():
        if name.startswith("mapping.") and name[8:] in index:
            out[f"col-{index[name[8:]]}"] = message
        else:
            out[name] = message
    return out


@router.post("/{import_id}/mapping/apply", dependencies=[CsrfChecked])
def apply_mapping(request: Request, import_id: str, user: CrmWriter, db: PageDB, form: PageForm) -> Response:
    raw = str(form.get("mapping_id") or "")

    def work() -> Response:
        job = load(db, import_id, lock=True)
        if job is None:
            return error_page(request, 404)
        try:
            mapping_id = uuid.UUID(raw)
        except ValueError:
            return render_step(
                request, user, db, job, "map", 422, errors={"mapping_id": _("Choose a saved mapping.")}
            )
        nested = db.begin_nested()
        try:
            service.set_mapping(db, job, MappingIn(mapping_id=mapping_id), actor(user))
            nested.commit()
        except Problem as exc:
            nested.rollback()
            job = load(db, import_id)
            assert job is not None
            errors = problem_errors(exc, job)
            if any(k.startswith("mapping.") for k in errors):  # saved for a file with other columns
                errors = {"mapping_id": _("This saved mapping names columns this file does not have.")}
            return render_step(request, user, db, job, "map", exc.status, errors=errors)
        return flash(redirect(step_url(job, "map")), _("The saved mapping was applied; check it below."))

    return work()


@router.post("/{import_id}/duplicates", dependencies=[CsrfChecked])
def duplicates(request: Request, import_id: str, user: CrmWriter, db: PageDB, form: PageForm) -> Response:
    policy = str(form.get("on_duplicate") or "")

    def work() -> Response:
        job = load(db, import_id, lock=True)
        if job is None:
            return error_page(request, 404)
        if policy not in POLICIES:
            return render_step(
                request,
                user,
                db,
                job,
                "duplicates",
                422,
                errors={"on_duplicate": _("Choose how duplicates are handled.")},
            )
        if not job.mapping:
            return render_step(
                request,
                user,
                db,
                job,
                "duplicates",
                409,
                errors={"": _("Choose the columns to import first (step “Columns”).")},
            )
        nested = db.begin_nested()
        try:
            body = MappingIn(mapping=dict(job.mapping), on_duplicate=policy)
            saved = job.mapping_id
            service.set_mapping(db, job, body, actor(user))
            job.mapping_id = saved  # the mapping did not change: keep where it came from
            nested.commit()
        except Problem as exc:
            nested.rollback()
            job = load(db, import_id)
            assert job is not None
            return render_step(
                request,
                user,
                db,
                job,
                "duplicates",
                exc.status,
                errors=problem_errors(exc, job),
                chosen=policy,
            )
        return redirect(step_url(job, "validate"))

    return work()


@router.post("/{import_id}/start", dependencies=[CsrfChecked])
def start(request: Request, import_id: str, user: CrmWriter, db: PageDB) -> Response:
    job = load(db, import_id, lock=True)
    if job is None:
        return error_page(request, 404)
    correlation_id = str(getattr(request.state, "request_id", "") or "") or None
    nested = db.begin_nested()
    try:
        if job.status == "failed":
            service.restart(db, job, correlation_id)
        else:
            service.mark_queued(db, job, correlation_id)
        service.queue_run(db, job)
        nested.commit()
    except Problem as exc:
        nested.rollback()
        job = load(db, import_id)
        assert job is not None
        if job.status != "uploaded":
            return redirect(step_url(job, default_step(job)))
        return render_step(request, user, db, job, "validate", exc.status, errors=problem_errors(exc, job))
    return redirect(step_url(job, "run"))


@router.post("/{import_id}/cancel", dependencies=[CsrfChecked])
def cancel(request: Request, import_id: str, user: CrmWriter, db: PageDB) -> Response:
    job = load(db, import_id, lock=True)
    if job is None:
        return error_page(request, 404)
    nested = db.begin_nested()
    try:
        service.cancel(db, job, actor(user))
        nested.commit()
    except Problem:
        nested.rollback()
        job = load(db, import_id)
        assert job is not None
    return flash(redirect(step_url(job, default_step(job))), _("The import is being stopped."))


@router.get("/{import_id}/errors.csv")
def errors_csv(request: Request, import_id: str, user: CrmWriter, db: PageDB) -> Response:
    job = load(db, import_id)
    if job is None:
        return error_page(request, 404)
    body = "".join(service.errors_csv(db, job)).encode("utf-8")
    stem = (job.filename.rsplit(".", 1)[0] or "import")[:60]
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in stem) or "import"
    return StreamingResponse(
        iter([body]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe}-erori.csv"'},
    )
