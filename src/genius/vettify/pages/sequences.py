"""Vettify pages: e-mail sequences — the list with the builder (a name, the sending hours and the steps:
delay, subject, message, condition; inline errors per step), one sequence with its steps as a timeline,
its enrolments and their state (each with "mark as replied"), activate / pause / archive and enrolment
from a segment, and its edit form (rename; add, remove, move and change steps; a clear message when
someone else saved it first: the form carries the version it was opened at, the service's ``If-Match``).

The pages call the same services as ``/v1/crm/email-sequences…`` under the same scopes."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from genius.core.kit import etag as kit_etag
from genius.core.kit.errors import Conflict, NotFound, PreconditionFailed, Problem
from genius.core.kit.manifest import N_
from genius.vettify.pages.common import CrmReader, CrmWriter, actor, can_write
from genius.vettify.segments import service as segments
from genius.vettify.sequences import service
from genius.vettify.sequences.schemas import (
    EnrolIn,
    ReplyIn,
    SequenceCreate,
    SequenceOut,
    SequenceStatus,
    SequenceUpdate,
)
from genius.web.kit import (
    CsrfChecked,
    PageDB,
    PageForm,
    PageUser,
    _,
    context,
    error_page,
    flash,
    ngettext,
    render,
)

router = APIRouter(include_in_schema=False)

STATUS_LABELS = {
    "draft": N_("Draft"),
    "active": N_("Active"),
    "paused": N_("Paused"),
    "archived": N_("Archived"),
}
STATUS_KINDS = {"draft": "", "active": "ok", "paused": "warn", "archived": ""}
STATE_LABELS = {"active": N_("In progress"), "completed": N_("Completed"), "stopped": N_("Stopped")}
STATE_KINDS = {"active": "brand", "completed": "ok", "stopped": "warn"}
CONDITION_LABELS = {
    "none": N_("Always"),
    "opened": N_("Only if the previous message was opened"),
    "clicked": N_("Only if a link in the previous message was clicked"),
    "not_replied": N_("Only if the contact has not replied"),
}
STOP_LABELS = {
    "replied": N_("replied"),
    "unsubscribed": N_("unsubscribed"),
    "bounced": N_("the address bounced"),
    "complained": N_("marked as spam"),
    "converted": N_("converted"),
    "no_email": N_("no e-mail address"),
    "no_basis": N_("no consent or other lawful basis"),
    "archived": N_("the sequence was archived"),
    "merged": N_("merged into a contact already in the sequence"),
}
UNITS = {"minutes": 1, "hours": 60, "days": 1440}
UNIT_LABELS = {"minutes": N_("minutes"), "hours": N_("hours"), "days": N_("days")}
STEP_FIELDS = ("id", "delay", "unit", "subject", "html", "condition")
DEFAULT_ROWS = 3
MAX_ROWS = 20


def labels() -> dict[str, Any]:
    """The sequence labels the list, the sequence page and the contact page share."""
    return {
        "seq_status_labels": {k: _(v) for k, v in STATUS_LABELS.items()},
        "seq_status_kinds": STATUS_KINDS,
        "seq_state_labels": {k: _(v) for k, v in STATE_LABELS.items()},
        "seq_state_kinds": STATE_KINDS,
        "seq_condition_labels": {k: _(v) for k, v in CONDITION_LABELS.items()},
        "seq_stop_labels": {k: _(v) for k, v in STOP_LABELS.items()},
    }


def delay_label(minutes: int) -> str:
    if minutes == 0:
        return _("right away")
    if minutes % 1440 == 0:
        n = minutes // 1440
        return ngettext("after %(num)s day", "after %(num)s days", n)
    if minutes % 60 == 0:
        n = minutes // 60
        return ngettext("after %(num)s hour", "after %(num)s hours", n)
    return ngettext("after %(num)s minute", "after %(num)s minutes", minutes)


def choices_for_contact(db: PageDB, contact_id: uuid.UUID) -> list[tuple[str, str]]:
    """The sequences a contact can be enrolled in by hand from its page (those it is not in yet)."""
    taken = {e.sequence_id for e in service.contact_enrolments(db, contact_id)}
    return [
        (str(q.id), q.name)
        for q in service.list_sequences(db)
        if q.id not in taken and q.status != SequenceStatus.archived
    ]


# --- the builder ----------------------------------------------------------------------------------------
def _rows(form: FormData | None) -> int:
    raw = form.get("rows") if form is not None else None
    try:
        n = int(raw) if isinstance(raw, str) else DEFAULT_ROWS
    except ValueError:
        n = DEFAULT_ROWS
    return max(1, min(MAX_ROWS, n))


def _form_values(form: FormData | None) -> dict[str, str]:
    values = {"name": "", "start_hour": "9", "end_hour": "18"}
    if form is None:
        for i in range(DEFAULT_ROWS):
            values.update({f"steps-{i}-delay": "0" if i == 0 else "2", f"steps-{i}-unit": "days"})
        return values
    names = ["name", "start_hour", "end_hour"] + [
        f"steps-{i}-{f}" for i in range(_rows(form)) for f in STEP_FIELDS
    ]
    for name in names:
        raw = form.get(name)
        values[name] = raw if isinstance(raw, str) else ""
    return values


def _body(values: dict[str, str], rows: int) -> tuple[dict[str, Any], list[int], dict[str, str]]:
    """The create body from the form; the form row of each step; errors the form itself causes."""
    errors: dict[str, str] = {}
    steps: list[dict[str, Any]] = []
    used: list[int] = []
    for i in range(rows):
        get = lambda f, i=i: values.get(f"steps-{i}-{f}", "").strip()  # noqa: E731
        if not (get("subject") or get("html")):
            continue  # an empty row is no step
        try:
            delay = int(get("delay") or "0") * UNITS.get(get("unit"), 1440)
        except ValueError:
            errors[f"steps-{i}-delay"] = _("Enter a whole number of minutes, hours or days.")
            delay = 0
        step: dict[str, Any] = {
            "delay_minutes": delay,
            "subject": get("subject"),
            "html": values.get(f"steps-{i}-html", ""),
            "condition": get("condition") or "none",
        }
        if get("id"):
            step["id"] = get("id")
        steps.append(step)
        used.append(i)
    if not steps:
        errors["steps-0-subject"] = _("A sequence needs at least one step: write its subject and message.")
    body: dict[str, Any] = {"name": values.get("name", ""), "steps": steps}
    try:
        body["window"] = {
            "start_hour": int(values.get("start_hour") or 9),
            "end_hour": int(values.get("end_hour") or 18),
        }
    except ValueError:
        errors["start_hour"] = _("Enter an hour from 0 to 23.")
    return body, used, errors


def _field_key(loc: list[str], used: list[int]) -> str:
    """``steps.1.subject`` (the body's) as the form's ``steps-<row>-subject``."""
    if len(loc) >= 3 and loc[0] == "steps" and loc[1].isdigit() and int(loc[1]) < len(used):
        name = {"delay_minutes": "delay"}.get(loc[2], loc[2])
        return f"steps-{used[int(loc[1])]}-{name}"
    if len(loc) >= 2 and loc[0] == "window":
        return loc[1]
    return loc[0] if loc else "name"


def _pydantic_errors(exc: ValidationError, used: list[int]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        key = _field_key([str(p) for p in err.get("loc", ())], used)
        kind = str(err.get("type", ""))
        if kind in ("missing", "string_too_short") or (kind == "string_pattern_mismatch"):
            message = _("Required.")
        elif key.endswith("-delay"):
            message = _("Enter a delay from 0 up to one year.")
        elif kind == "string_too_long":
            message = _("Too long.")
        else:
            message = _("This value is not valid.")
        errors.setdefault(key, message)
    return errors


def _problem_errors(exc: Problem, used: list[int]) -> dict[str, str]:
    """The template refusals (a placeholder that does not exist, bad MJML) on the step's field."""
    errors: dict[str, str] = {}
    for err in exc.errors or []:
        loc = str(err.get("field") or "").split(".")
        errors.setdefault(_field_key(loc, used), str(err.get("message") or _("This value is not valid.")))
    return errors


def _list_context(request: Request, user: PageUser, db: PageDB, **extra: Any) -> dict[str, Any]:
    values = extra.pop("values", None) or _form_values(None)
    rows = extra.pop("rows", DEFAULT_ROWS)
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        sequences=service.list_sequences(db),
        writer=can_write(user),
        values=values,
        rows=rows,
        errors=extra.pop("errors", {}),
        unit_labels={k: _(v) for k, v in UNIT_LABELS.items()},
        html_hint=_("Placeholders: %(names)s.", names="{{ prenume }}, {{ nume }}, {{ firma }}, {{ email }}"),
        **labels(),
        **extra,
    )


@router.get("/crm/sequences", response_class=HTMLResponse)
def sequences(request: Request, user: CrmReader, db: PageDB) -> Response:
    return render(request, "vettify/sequences.html", _list_context(request, user, db))


@router.post("/crm/sequences", dependencies=[CsrfChecked])
def sequence_create(request: Request, user: CrmWriter, db: PageDB, form: PageForm) -> Response:
    rows = _rows(form)
    values = _form_values(form)
    if form.get("add_step"):  # "Add a step": the same form, one row more, nothing saved
        rows = min(MAX_ROWS, rows + 1)
        values.setdefault(f"steps-{rows - 1}-unit", "days")
        return render(
            request, "vettify/sequences.html", _list_context(request, user, db, values=values, rows=rows)
        )
    body, used, errors = _body(values, rows)
    try:
        parsed = SequenceCreate.model_validate(body)
    except ValidationError as exc:
        errors = {**_pydantic_errors(exc, used), **errors}
        parsed = None
    if errors or parsed is None:
        ctx = _list_context(request, user, db, values=values, rows=rows, errors=errors)
        return render(request, "vettify/sequences.html", ctx, 422)
    try:
        row = service.create_sequence(db, actor(request, user), parsed)
    except Problem as exc:
        ctx = _list_context(request, user, db, values=values, rows=rows, errors=_problem_errors(exc, used))
        return render(request, "vettify/sequences.html", ctx, 422)
    response = RedirectResponse(f"/crm/sequences/{row.id}", status_code=303)
    return flash(response, _("Sequence saved as a draft. Enrol contacts, then activate it."))


# --- one sequence ---------------------------------------------------------------------------------------
def _sequence_context(
    request: Request, user: PageUser, db: PageDB, sequence_id: uuid.UUID, **extra: Any
) -> Any:
    row = service.get_sequence(db, sequence_id)
    out = service.sequence_out(db, row)
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        sequence=out,
        delays=[delay_label(s.delay_minutes) for s in out.steps],
        enrolments=service.enrolments(db, sequence_id, limit=200),
        segment_options=[("", "—")] + [(str(s.id), s.name) for s in segments.segments_for_picker(db)],
        writer=can_write(user),
        errors=extra.pop("errors", {}),
        **labels(),
        **extra,
    )


@router.get("/crm/sequences/{sequence_id}", response_class=HTMLResponse)
def sequence_page(request: Request, sequence_id: uuid.UUID, user: CrmReader, db: PageDB) -> Response:
    try:
        ctx = _sequence_context(request, user, db, sequence_id)
    except NotFound:
        return error_page(request, 404)
    return render(request, "vettify/sequence.html", ctx)


def _move(
    request: Request, sequence_id: uuid.UUID, target: SequenceStatus, user: PageUser, db: PageDB
) -> Response:
    try:
        service.set_status(db, actor(request, user), sequence_id, target)
    except NotFound:
        return error_page(request, 404)
    except Conflict as exc:
        ctx = _sequence_context(request, user, db, sequence_id, refusal=exc.detail or exc.title)
        return render(request, "vettify/sequence.html", ctx, 409)
    done = _("The sequence is active: due steps go out within its sending hours.")
    if target == SequenceStatus.paused:
        done = _("The sequence is paused: nothing is sent until you activate it again.")
    elif target == SequenceStatus.archived:
        done = _(
            "The sequence is archived: the contacts still in it are stopped, nothing more is sent and it "
            "can no longer be changed."
        )
    return flash(RedirectResponse(f"/crm/sequences/{sequence_id}", status_code=303), done)


@router.post("/crm/sequences/{sequence_id}/activate", dependencies=[CsrfChecked])
def sequence_activate(request: Request, sequence_id: uuid.UUID, user: CrmWriter, db: PageDB) -> Response:
    return _move(request, sequence_id, SequenceStatus.active, user, db)


@router.post("/crm/sequences/{sequence_id}/pause", dependencies=[CsrfChecked])
def sequence_pause(request: Request, sequence_id: uuid.UUID, user: CrmWriter, db: PageDB) -> Response:
    return _move(request, sequence_id, SequenceStatus.paused, user, db)


@router.post("/crm/sequences/{sequence_id}/archive", dependencies=[CsrfChecked])
def sequence_archive(request: Request, sequence_id: uuid.UUID, user: CrmWriter, db: PageDB) -> Response:
    return _move(request, sequence_id, SequenceStatus.archived, user, db)


# --- replies from the pages -------------------------------------------------------------------------------
def _reply(request: Request, user: PageUser, db: PageDB, contact_id: uuid.UUID, back: str) -> Response:
    """The contact replied (read in the user's own mailbox): its active enrolments stop, as through
    ``POST /v1/crm/email-sequences/replies``."""
    try:
        out = service.record_reply(db, actor(request, user), ReplyIn(contact_id=contact_id))
    except NotFound:
        return error_page(request, 404)
    response = RedirectResponse(back, status_code=303)
    if not out.stopped:
        return flash(response, _("The contact is in no sequence in progress: nothing to stop."), "error")
    return flash(
        response,
        ngettext(
            "Reply recorded: %(num)s sequence stopped for this contact.",
            "Reply recorded: %(num)s sequences stopped for this contact.",
            out.stopped,
        ),
    )


@router.post("/crm/sequences/{sequence_id}/contacts/{contact_id}/reply", dependencies=[CsrfChecked])
def sequence_reply(
    request: Request, sequence_id: uuid.UUID, contact_id: uuid.UUID, user: CrmWriter, db: PageDB
) -> Response:
    return _reply(request, user, db, contact_id, f"/crm/sequences/{sequence_id}")


@router.post("/crm/contacts/{contact_id}/sequences/reply", dependencies=[CsrfChecked])
def contact_reply(request: Request, contact_id: uuid.UUID, user: CrmWriter, db: PageDB) -> Response:
    return _reply(request, user, db, contact_id, f"/crm/contacts/{contact_id}")


# --- the edit form ----------------------------------------------------------------------------------------
def _delay_parts(minutes: int) -> tuple[str, str]:
    """A delay in the largest unit it is a whole number of (the form's number and unit)."""
    for unit in ("days", "hours"):
        if minutes and minutes % UNITS[unit] == 0:
            return str(minutes // UNITS[unit]), unit
    return str(minutes), "minutes" if minutes else "days"


def _edit_values(out: SequenceOut) -> dict[str, str]:
    values = {
        "name": out.name,
        "start_hour": str(out.window.get("start_hour", 9)),
        "end_hour": str(out.window.get("end_hour", 18)),
        "version": str(out.version),
    }
    for i, st in enumerate(out.steps):
        delay, unit = _delay_parts(st.delay_minutes)
        values.update(
            {
                f"steps-{i}-id": str(st.id),
                f"steps-{i}-delay": delay,
                f"steps-{i}-unit": unit,
                f"steps-{i}-condition": st.condition.value,
                f"steps-{i}-subject": st.subject,
                f"steps-{i}-html": st.html,
            }
        )
    return values


def _edit_context(
    request: Request,
    user: PageUser,
    db: PageDB,
    out: SequenceOut,
    values: dict[str, str],
    rows: int,
    **extra: Any,
) -> Any:
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        sequence=out,
        values=values,
        rows=rows,
        errors=extra.pop("errors", {}),
        unit_labels={k: _(v) for k, v in UNIT_LABELS.items()},
        html_hint=_("Placeholders: %(names)s.", names="{{ prenume }}, {{ nume }}, {{ firma }}, {{ email }}"),
        **labels(),
        **extra,
    )


def _shift(values: dict[str, str], rows: int, action: str, index: int) -> tuple[dict[str, str], int]:
    """The form's rows with row ``index`` moved up or down, or removed (nothing saved yet)."""
    order = list(range(rows))
    if action == "up" and 0 < index < rows:
        order[index - 1], order[index] = order[index], order[index - 1]
    elif action == "down" and 0 <= index < rows - 1:
        order[index], order[index + 1] = order[index + 1], order[index]
    elif action == "remove" and 0 <= index < rows and rows > 1:
        order.pop(index)
    moved = {k: v for k, v in values.items() if not k.startswith("steps-")}
    for new, old in enumerate(order):
        for f in STEP_FIELDS:
            moved[f"steps-{new}-{f}"] = values.get(f"steps-{old}-{f}", "")
    return moved, len(order)


@router.get("/crm/sequences/{sequence_id}/edit", response_class=HTMLResponse)
def sequence_edit(request: Request, sequence_id: uuid.UUID, user: CrmWriter, db: PageDB) -> Response:
    try:
        out = service.sequence_out(db, service.get_sequence(db, sequence_id))
    except NotFound:
        return error_page(request, 404)
    if out.status == SequenceStatus.archived:
        return flash(
            RedirectResponse(f"/crm/sequences/{sequence_id}", status_code=303),
            _("An archived sequence cannot be changed."),
            "error",
        )
    ctx = _edit_context(request, user, db, out, _edit_values(out), len(out.steps))
    return render(request, "vettify/sequence_edit.html", ctx)


@router.post("/crm/sequences/{sequence_id}/edit", dependencies=[CsrfChecked])
def sequence_update(
    request: Request, sequence_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    try:
        out = service.sequence_out(db, service.get_sequence(db, sequence_id))
    except NotFound:
        return error_page(request, 404)
    rows = _rows(form)
    values = _form_values(form)
    version = form.get("version")
    values["version"] = version if isinstance(version, str) else ""
    for action in ("up", "down", "remove"):
        raw = form.get(action)
        if isinstance(raw, str) and raw.isdigit():
            values, rows = _shift(values, rows, action, int(raw))
            return render(
                request, "vettify/sequence_edit.html", _edit_context(request, user, db, out, values, rows)
            )
    if form.get("add_step"):
        rows = min(MAX_ROWS, rows + 1)
        values.update({f"steps-{rows - 1}-unit": "days", f"steps-{rows - 1}-delay": "2"})
        return render(
            request, "vettify/sequence_edit.html", _edit_context(request, user, db, out, values, rows)
        )
    body, used, errors = _body(values, rows)
    if "window" in body:  # the form edits the hours; the weekdays (set through the API) stay
        body["window"]["weekdays"] = out.window.get("weekdays", [1, 2, 3, 4, 5])
    try:
        parsed = SequenceUpdate.model_validate(body)
    except ValidationError as exc:
        errors = {**_pydantic_errors(exc, used), **errors}
        parsed = None
    if errors or parsed is None:
        ctx = _edit_context(request, user, db, out, values, rows, errors=errors)
        return render(request, "vettify/sequence_edit.html", ctx, 422)
    tag = kit_etag.etag(int(values["version"])) if values["version"].isdigit() else None
    try:
        service.update_sequence(db, actor(request, user), sequence_id, parsed, tag)
    except PreconditionFailed:
        return _edit_conflict(request, user, db, sequence_id, values, rows)
    except Conflict as exc:
        ctx = _edit_context(request, user, db, out, values, rows, refusal=exc.detail or exc.title)
        return render(request, "vettify/sequence_edit.html", ctx, 409)
    except Problem as exc:
        ctx = _edit_context(request, user, db, out, values, rows, errors=_problem_errors(exc, used))
        return render(request, "vettify/sequence_edit.html", ctx, 422)
    done = _("Sequence saved. Contacts already past a step do not get it again.")
    return flash(RedirectResponse(f"/crm/sequences/{sequence_id}", status_code=303), done)


def _edit_conflict(
    request: Request, user: PageUser, db: PageDB, sequence_id: uuid.UUID, values: dict[str, str], rows: int
) -> Response:
    """Someone saved the sequence first: nothing of this user's is written over their version, and
    nothing this user typed is lost either. The form comes back with the user's values on top of the
    version saved meanwhile (it now carries that version, so saving again applies them to it), beside a
    summary of that version. A step the user kept but the other one removed comes back as a new step."""
    current = service.sequence_out(db, service.get_sequence(db, sequence_id))
    back = RedirectResponse(f"/crm/sequences/{sequence_id}", status_code=303)
    if current.status == SequenceStatus.archived:
        return flash(back, _("An archived sequence cannot be changed."), "error")
    live = {str(st.id) for st in current.steps}
    resubmit = {**values, "version": str(current.version)}
    gone = 0
    for i in range(rows):
        step_id = resubmit.get(f"steps-{i}-id", "")
        if step_id and step_id not in live:
            resubmit[f"steps-{i}-id"] = ""  # removed meanwhile: saved again, it is added as a new step
            gone += 1
    refusal = _(
        "Someone else saved this sequence while you were editing it, so your changes were not saved yet. "
        "They are still in the form below, now on top of the version saved meanwhile (summarised above "
        "the form): check them and save again."
    )
    if gone:
        refusal += " " + ngettext(
            "%(num)s step you kept was removed meanwhile: saving again adds it back as a new step.",
            "%(num)s steps you kept were removed meanwhile: saving again adds them back as new steps.",
            gone,
        )
    summary = {
        "version": current.version,
        "updated_at": current.updated_at,
        "name": current.name,
        "start_hour": current.window.get("start_hour", 9),
        "end_hour": current.window.get("end_hour", 18),
        "steps": [
            {
                "subject": st.subject,
                "delay": delay_label(st.delay_minutes),
                "condition": _(CONDITION_LABELS[st.condition.value]),
            }
            for st in current.steps
        ],
    }
    ctx = _edit_context(request, user, db, current, resubmit, rows, refusal=refusal, conflict=summary)
    return render(request, "vettify/sequence_edit.html", ctx, 409)


@router.post("/crm/contacts/{contact_id}/sequences", dependencies=[CsrfChecked])
def contact_enrol(
    request: Request, contact_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    """Enrol one contact by hand, from its page; back to the page with what happened."""
    back = RedirectResponse(f"/crm/contacts/{contact_id}", status_code=303)
    raw = form.get("sequence_id")
    try:
        sequence_id = uuid.UUID(raw if isinstance(raw, str) else "")
    except ValueError:
        return flash(back, _("Choose a sequence."), "error")
    try:
        service.check_contact(db, contact_id)
        out = service.enrol(db, actor(request, user), sequence_id, EnrolIn(contact_ids=[contact_id]))
    except NotFound:
        return error_page(request, 404)
    except Conflict:
        return flash(back, _("An archived sequence takes no new enrolments."), "error")
    if not out.enrolled:
        return flash(back, _("The contact is already in this sequence."), "error")
    return flash(back, _("Enrolled: the first step goes out at its time."))


@router.post("/crm/sequences/{sequence_id}/enrol", dependencies=[CsrfChecked])
def sequence_enrol(
    request: Request, sequence_id: uuid.UUID, user: CrmWriter, db: PageDB, form: PageForm
) -> Response:
    """Enrol a segment's contacts (as they match now)."""
    raw = form.get("segment_id")
    try:
        body = EnrolIn(segment_id=uuid.UUID(raw if isinstance(raw, str) else ""))
    except ValueError:
        try:
            ctx = _sequence_context(
                request, user, db, sequence_id, errors={"segment_id": _("Choose a segment.")}
            )
        except NotFound:
            return error_page(request, 404)
        return render(request, "vettify/sequence.html", ctx, 422)
    try:
        out = service.enrol(db, actor(request, user), sequence_id, body)
    except NotFound:
        return error_page(request, 404)
    except Conflict:
        refusal = _("An archived sequence takes no new enrolments.")
        ctx = _sequence_context(request, user, db, sequence_id, refusal=refusal)
        return render(request, "vettify/sequence.html", ctx, 409)
    except Problem:
        ctx = _sequence_context(request, user, db, sequence_id, errors={"segment_id": _("Choose a segment.")})
        return render(request, "vettify/sequence.html", ctx, 422)
    message = _(
        "%(num)s contacts enrolled; %(already)s were already in the sequence.",
        num=out.enrolled,
        already=out.already,
    )
    return flash(RedirectResponse(f"/crm/sequences/{sequence_id}", status_code=303), message)
