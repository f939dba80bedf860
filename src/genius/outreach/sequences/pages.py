"""Sequence and template editors in the Shell: the templates with their A/B versions and rates, a new
template with a live spintax preview (three leads, each with its own stable variation, the way the
scheduler will write to them), a version added for an A/B test, and the sequences with their steps (a new
one built from the templates). The pages call the same service as ``/v1/outreach`` under the same scopes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from genius.core.auth.scopes import Scope
from genius.core.kit.errors import NotFound, Problem
from genius.core.kit.manifest import N_
from genius.outreach.sequences import repository, service
from genius.outreach.sequences import schemas as s
from genius.outreach.sequences.scheduler import lead_values
from genius.outreach.spintax import MissingVariables, SpintaxError, Variable, render, seed_for, validate
from genius.vettify import service as crm
from genius.web.kit import (
    CsrfChecked,
    PageDB,
    PageForm,
    PageUser,
    _,
    context,
    flash,
    page_requires,
)
from genius.web.kit import (
    render as render_page,
)

router = APIRouter(include_in_schema=False)
OutreachReader = Annotated[PageUser, Depends(page_requires(Scope.OUTREACH_READ))]
OutreachWriter = Annotated[PageUser, Depends(page_requires(Scope.OUTREACH_WRITE))]
LIST_SIZE = 100
STEP_ROWS = 6
CHANNEL_LABELS = {"WHATSAPP": N_("WhatsApp"), "EMAIL_COLD": N_("Cold e-mail"), "EMAIL_WARM": N_("E-mail")}
TEMPLATE_FIELDS = ("name", "channel", "subject", "content", "variables")
VERSION_FIELDS = ("label", "subject", "content", "weight")
EMPTY_VERSION = {"label": "", "subject": "", "content": "", "weight": "1"}
SAMPLE_LEADS = (
    ("Ana", "Popescu", "Alfa Distribuție SRL", "Cluj-Napoca"),
    ("Mihai", "Ionescu", "Tipografia Mureș SRL", "Târgu Mureș"),
    ("Elena", "Dumitru", "Clinica Aurora SRL", "Iași"),
)


def _channels() -> list[tuple[str, str]]:
    return [(k, _(v)) for k, v in CHANNEL_LABELS.items()]


# --- variables: "first_name, company=firma dvs." ------------------------------------------------------
def parse_variables(raw: str) -> list[s.VariableIn]:
    """``name`` (required) or ``name=default`` (optional, with its fallback), comma or newline separated.
    ``ValueError`` names the first entry that is not a valid variable name."""
    out = []
    for part in raw.replace("\n", ",").split(","):
        entry = part.strip()
        if not entry:
            continue
        name, sep, default = entry.partition("=")
        try:
            out.append(
                s.VariableIn(name=name.strip(), required=not sep, default=default.strip() if sep else None)
            )
        except ValidationError:
            raise ValueError(entry) from None
    return out


def variables_text(variables: list[dict[str, Any]]) -> str:
    return ", ".join(
        v["name"] if v.get("required", True) else f"{v['name']}={v.get('default') or ''}" for v in variables
    )


# --- the preview --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    who: str
    subject: str | None
    text: str | None
    error: str | None


def _sample_values(db: PageDB) -> list[tuple[uuid.UUID, dict[str, Any]]]:
    """Up to three of the tenant's CRM leads (their own values), else three sample Romanian leads."""
    leads = crm.list_records(db, crm.LEADS, crm.ListQuery(sort="created_at", limit=3)).items
    journey = SimpleNamespace(custom_fields={})
    found = [(lead.id, lead_values(lead, journey)) for lead in leads]  # type: ignore[arg-type]
    if found:
        return found
    samples = []
    for n, (first, last, company, city) in enumerate(SAMPLE_LEADS):
        values = {"first_name": first, "last_name": last, "company_name": company, "company": company}
        values |= {"city": city, "full_name": f"{first} {last}"}
        samples.append((uuid.UUID(int=n + 1), values))
    return samples


def preview(db: PageDB, content: str, subject: str | None, variables: list[s.VariableIn]) -> dict[str, Any]:
    """Three leads' messages (step 1's seed, as the scheduler spins), or the error that stops them."""
    for field, text in (("content", content), ("subject", subject)):
        if text:
            try:
                validate(text)
            except SpintaxError:
                return {"error": _spintax_message(SPINTAX_FIELDS[field])}
    declared = [Variable(v.name, v.required, v.default) for v in variables]
    samples = []
    for lead_id, values in _sample_values(db):
        who = values.get("full_name") or values.get("company") or "—"
        seed = seed_for(lead_id, 1)
        try:
            text = render(content, declared, values, seed) if content else ""
            subj = render(subject, declared, values, seed + 1) if subject else None
            samples.append(Sample(str(who), subj, text, None))
        except MissingVariables as exc:
            message = _("missing required variables: %(names)s", names=", ".join(exc.names))
            samples.append(Sample(str(who), None, None, message))
    return {"samples": samples}


def _form_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if isinstance(p, str)]
        name = loc[0] if loc else "content"
        if name == "variables":
            errors.setdefault(name, _("Variable names: letters, digits and _ (e.g. first_name)."))
        elif name == "weight":
            errors.setdefault(name, _("A whole number from 0 to 100."))
        elif name == "label":
            errors.setdefault(name, _("Letters, digits, - and _, at most 20 (e.g. B)."))
        elif err.get("type") == "missing" or (err.get("type") == "string_too_short"):
            errors.setdefault(name, _("Required."))
        else:
            errors.setdefault(name, _("This value is not valid."))
    return errors


CONFLICTS = {
    "template-exists": N_("A template with this name exists already."),
    "version-exists": N_("The template has a version with this label already."),
    "sequence-exists": N_("A sequence with this name exists already."),
}
SPINTAX_FIELDS = {"content": N_("The message"), "subject": N_("The subject")}


def _problem_errors(exc: Problem, default: str) -> dict[str, str]:
    """The service's refusals as the form's inline errors, in the user's language."""
    errors: dict[str, str] = {}
    for e in exc.errors or []:
        field = str(e.get("field") or "")
        if field in SPINTAX_FIELDS:
            errors[field] = _spintax_message(SPINTAX_FIELDS[field])
        elif field:
            errors[field] = str(e.get("message"))
    if not errors:
        errors[default] = _(CONFLICTS[exc.code]) if exc.code in CONFLICTS else exc.detail or exc.title
    return errors


def _spintax_message(label: str) -> str:
    return _(
        "%(field)s is not valid spintax: every { needs its }, with the variants separated by |.",
        field=_(label),
    )


# --- templates ----------------------------------------------------------------------------------------
@router.get("/outreach/templates", response_class=HTMLResponse)
def templates_page(request: Request, user: OutreachReader, db: PageDB) -> Response:
    rows = repository.template_page(db, cursor=None, limit=LIST_SIZE).items
    details = [service.template_detail(db, row) for row in rows]
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        templates=details,
        channel_labels=dict(_channels()),
        can_write=Scope.OUTREACH_WRITE in user.account.scopes,
    )
    return render_page(request, "outreach/templates.html", ctx)


def _new_template(
    request: Request,
    user: PageUser,
    db: PageDB,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    try:
        variables = parse_variables(values.get("variables", ""))
    except ValueError:
        variables = []
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        values=values,
        errors=errors,
        channels=_channels(),
        preview=preview(db, values.get("content", ""), values.get("subject") or None, variables),
    )
    return render_page(request, "outreach/template_new.html", ctx, status)


@router.get("/outreach/templates/new", response_class=HTMLResponse)
def new_template_page(request: Request, user: OutreachWriter, db: PageDB) -> Response:
    values = {
        "name": "",
        "channel": "WHATSAPP",
        "subject": "",
        "content": "{Bună ziua|Salut}, {{first_name}}! {Am văzut|Am aflat} că {{company}} "
        "{crește|se extinde} în {{city}}. {Vă pot arăta|Vă propun} în 15 minute cum {economisiți|câștigați} "
        "timp la facturare?",
        "variables": "first_name, company, city=orașul dvs.",
    }
    return _new_template(request, user, db, values, {})


@router.post("/outreach/templates/preview", response_class=HTMLResponse, dependencies=[CsrfChecked])
def template_preview(request: Request, user: OutreachReader, db: PageDB, form: PageForm) -> Response:
    """The live preview (htmx, as the user types): the samples, or the spintax or variable error."""
    content = str(form.get("content") or "")[:10000]
    subject = str(form.get("subject") or "")[:300] or None
    try:
        variables = parse_variables(str(form.get("variables") or ""))
        result = preview(db, content, subject, variables)
    except ValueError as exc:
        result = {"error": _("Not a variable name: %(entry)s", entry=str(exc))}
    ctx = context(request, account=user.account, tenant=user.tenant, preview=result)
    return render_page(request, "outreach/_spintax_preview.html", ctx)


@router.post("/outreach/templates", response_class=HTMLResponse, dependencies=[CsrfChecked])
def create_template(request: Request, user: OutreachWriter, db: PageDB, form: PageForm) -> Response:
    values = {k: str(form.get(k) or "").strip() for k in TEMPLATE_FIELDS}
    try:
        variables = parse_variables(values["variables"])
    except ValueError:
        return _new_template(
            request, user, db, values, {"variables": _("Variable names: letters, digits and _.")}, 422
        )
    try:
        body = s.TemplateIn(
            name=values["name"],
            channel=values["channel"],
            subject=values["subject"] or None,
            content=values["content"],
            variables=variables,
        )
    except ValidationError as exc:
        return _new_template(request, user, db, values, _form_errors(exc), 422)
    try:
        with db.begin_nested():
            row = service.create_template(db, user.account.tid, body)
    except Problem as exc:
        return _new_template(request, user, db, values, _problem_errors(exc, "name"), 422)
    return flash(RedirectResponse(f"/outreach/templates/{row.id}", status_code=303), _("Template saved."))


def _template_ctx(
    request: Request, user: PageUser, db: PageDB, template_id: uuid.UUID, **extra: Any
) -> dict[str, Any]:
    try:
        row = service.get_template(db, template_id)
    except NotFound:
        raise HTTPException(404) from None
    detail = service.template_detail(db, row)
    variables = [s.VariableIn(**v) for v in row.variables]
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        template=detail,
        variables_text=variables_text(row.variables),
        channel_labels=dict(_channels()),
        preview=preview(db, row.content, row.subject, variables),
        can_write=Scope.OUTREACH_WRITE in user.account.scopes,
        version_values=extra.pop(
            "version_values", {"label": "", "subject": "", "content": "", "weight": "1"}
        ),
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/outreach/templates/{template_id}", response_class=HTMLResponse)
def template_page(request: Request, template_id: uuid.UUID, user: OutreachReader, db: PageDB) -> Response:
    return render_page(request, "outreach/template.html", _template_ctx(request, user, db, template_id))


@router.post("/outreach/templates/{template_id}/versions", response_class=HTMLResponse,
             dependencies=[CsrfChecked])  # fmt: skip
def add_version(
    request: Request, template_id: uuid.UUID, user: OutreachWriter, db: PageDB, form: PageForm
) -> Response:
    values = {k: str(form.get(k) or "").strip() for k in VERSION_FIELDS}
    try:
        body = s.VersionIn(
            label=values["label"],
            subject=values["subject"] or None,
            content=values["content"],
            weight=int(values["weight"]) if values["weight"].isdigit() else -1,
        )
    except ValidationError as exc:
        ctx = _template_ctx(request, user, db, template_id, version_values=values, errors=_form_errors(exc))
        return render_page(request, "outreach/template.html", ctx, 422)
    try:
        with db.begin_nested():
            service.add_version(db, user.account.tid, template_id, body)
    except NotFound:
        raise HTTPException(404) from None
    except Problem as exc:
        errors = _problem_errors(exc, "label")
        ctx = _template_ctx(request, user, db, template_id, version_values=values, errors=errors)
        return render_page(request, "outreach/template.html", ctx, 422)
    here = RedirectResponse(f"/outreach/templates/{template_id}", status_code=303)
    return flash(here, _("Version %(label)s added to the A/B test.", label=body.label))


# --- sequences ----------------------------------------------------------------------------------------
@router.get("/outreach/sequences", response_class=HTMLResponse)
def sequences_page(request: Request, user: OutreachReader, db: PageDB) -> Response:
    rows = repository.sequence_page(db, cursor=None, limit=LIST_SIZE).items
    templates = {t.id: t for t in repository.template_page(db, cursor=None, limit=500).items}
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        sequences=[service.sequence_detail(db, row) for row in rows],
        templates=templates,
        channel_labels=dict(_channels()),
        can_write=Scope.OUTREACH_WRITE in user.account.scopes,
    )
    return render_page(request, "outreach/sequences.html", ctx)


def _new_sequence(
    request: Request,
    user: PageUser,
    db: PageDB,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    templates = repository.template_page(db, cursor=None, limit=500).items
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        values=values,
        errors=errors,
        rows=range(STEP_ROWS),
        template_options=[("", _("— no step —"))]
        + [(str(t.id), f"{t.name} · {_(CHANNEL_LABELS.get(t.channel, t.channel))}") for t in templates],
    )
    return render_page(request, "outreach/sequence_new.html", ctx, status)


@router.get("/outreach/sequences/new", response_class=HTMLResponse)
def new_sequence_page(request: Request, user: OutreachWriter, db: PageDB) -> Response:
    values: dict[str, Any] = {"name": "", "description": ""}
    for i in range(STEP_ROWS):
        values[f"template_{i}"] = ""
        values[f"hours_{i}"] = "0" if i == 0 else "48"
        values[f"minutes_{i}"] = "0"
        values[f"stop_{i}"] = "1"
        values[f"hours_only_{i}"] = "1"
    return _new_sequence(request, user, db, values, {})


@router.post("/outreach/sequences", response_class=HTMLResponse, dependencies=[CsrfChecked])
def create_sequence(request: Request, user: OutreachWriter, db: PageDB, form: PageForm) -> Response:
    values: dict[str, Any] = {k: str(form.get(k) or "").strip() for k in ("name", "description")}
    steps: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for i in range(STEP_ROWS):
        for key in ("template", "hours", "minutes", "stop", "hours_only"):
            values[f"{key}_{i}"] = str(form.get(f"{key}_{i}") or "").strip()
        if not values[f"template_{i}"]:
            continue
        hours, minutes = values[f"hours_{i}"], values[f"minutes_{i}"]
        if not (
            hours.isdigit() and int(hours) <= 8760 and (minutes or "0").isdigit() and int(minutes or 0) <= 59
        ):
            errors[f"hours_{i}"] = _("Hours from 0 to 8760 and minutes from 0 to 59.")
            continue
        steps.append(
            {
                "template_id": values[f"template_{i}"],
                "delay_hours": int(hours),
                "delay_minutes": int(minutes or 0),
                "stop_on_reply": values[f"stop_{i}"] == "1",
                "respect_business_hours": values[f"hours_only_{i}"] == "1",
            }
        )
    if not steps and not errors:
        errors["template_0"] = _("Choose the template of the first step.")
    if errors:
        return _new_sequence(request, user, db, values, errors, 422)
    try:
        body = s.SequenceIn(name=values["name"], description=values["description"], steps=steps)
    except ValidationError as exc:
        return _new_sequence(request, user, db, values, _form_errors(exc), 422)
    try:
        with db.begin_nested():
            row = service.create_sequence(db, user.account.tid, body)
    except Problem as exc:
        found = _problem_errors(exc, "name")
        mapped = {("template_0" if k.startswith("steps") else k): v for k, v in found.items()}
        return _new_sequence(request, user, db, values, mapped, 422)
    here = RedirectResponse(f"/outreach/sequences#seq-{row.id}", status_code=303)
    return flash(here, _("Sequence %(name)s saved.", name=row.name))
