"""The compliance desk's tools in the Shell: validate any e-Factura XML file (our validator: XSD when
configured, EN 16931 and the CIUS-RO national rules), with each finding on the line of the file it points
at, and look a company up in ANAF's taxpayer registry by CUI (VAT, e-Factura registry, VAT on collection,
inactive status). They call the compliance module's services, under the sales scopes."""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ro import cui as stdnum_cui

from genius.compliance.efactura import service as efactura
from genius.compliance.taxpayer import service as taxpayer
from genius.core.auth.scopes import Scope
from genius.core.kit.manifest import N_
from genius.web.kit import CsrfChecked, PageForm, PageUser, _, context, page_requires, platform_of, render

router = APIRouter(include_in_schema=False)
log = structlog.get_logger("genius.sales.desk")
SalesReader = Annotated[PageUser, Depends(page_requires(Scope.SALES_READ))]
SEVERITY_LABELS = {"fatal": N_("Error"), "warning": N_("Warning")}
SEVERITY_KINDS = {"fatal": "err", "warning": "warn"}


def _validate_ctx(request: Request, user: PageUser, **extra: Any) -> dict[str, Any]:
    return context(
        request,
        account=user.account,
        tenant=user.tenant,
        severity_labels={k: _(v) for k, v in SEVERITY_LABELS.items()},
        severity_kinds=SEVERITY_KINDS,
        max_mb=efactura.MAX_XML_BYTES // (1024 * 1024),
        **extra,
    )


@router.get("/sales/efactura/validate", response_class=HTMLResponse)
def validate_page(request: Request, user: SalesReader) -> Response:
    return render(request, "sales/efactura_validate.html", _validate_ctx(request, user))


@router.post("/sales/efactura/validate", response_class=HTMLResponse, dependencies=[CsrfChecked])
def validate_upload(request: Request, user: SalesReader, form: PageForm) -> Response:
    """Validate one uploaded (or pasted) XML file; nothing is stored or sent."""
    upload = form.get("file")
    data = b""
    name = ""
    if upload is not None and not isinstance(upload, str):
        data = upload.file.read(efactura.MAX_XML_BYTES + 1)
        name = upload.filename or ""
    pasted = str(form.get("xml") or "")
    if not data.strip() and pasted.strip():
        data, name = pasted.encode("utf-8"), _("pasted XML")
    error = None
    if not data.strip():
        error = _("Choose an XML file or paste its content.")
    elif len(data) > efactura.MAX_XML_BYTES:
        error = _(
            "The file is larger than %(n)s MB, the most ANAF accepts.", n=efactura.MAX_XML_BYTES // 2**20
        )
    if error:
        ctx = _validate_ctx(request, user, errors={"file": error}, pasted=pasted[:200_000])
        return render(request, "sales/efactura_validate.html", ctx, 422)
    located = efactura.check_document_lines(data)
    fatal = sum(1 for lf in located if lf.finding.severity == "fatal")
    summary = None
    if not any(lf.finding.rule == "XML" for lf in located):
        try:
            summary = efactura.read_document(data)
        except Exception:  # a document our validator read but the model cannot: the findings say why
            summary = None
    ctx = _validate_ctx(
        request,
        user,
        checked=True,
        file_name=name,
        size=len(data),
        located=located,
        fatal=fatal,
        warnings=len(located) - fatal,
        summary=summary,
    )
    return render(request, "sales/efactura_validate.html", ctx)


@router.get("/sales/anaf", response_class=HTMLResponse)
def anaf_lookup(
    request: Request, user: SalesReader, cui: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    """A company in ANAF's registries by CUI (the compliance module's cached, rate-limited service)."""
    given = cui.strip().upper().removeprefix("RO").strip()
    ctx: dict[str, Any] = {"cui": cui.strip(), "errors": {}}
    status = 200
    if given:
        try:
            number = stdnum_cui.validate(given)
        except StdnumError:
            ctx["errors"] = {"cui": _("This is not a valid CUI: check its digits.")}
            status = 422
        else:
            platform = platform_of(request)
            lookup = taxpayer.TaxpayerService.from_settings(
                platform.settings, platform.redis, max_wait=5.0, timeout=10.0
            )
            try:
                check = lookup.check_one(number)
            except Exception:  # the registry could not be asked: say so, never a 500
                log.exception("anaf_lookup_failed")
                check = None
            finally:
                lookup.close()
            ctx["checked"] = True
            ctx["record"] = check.record if check is not None else None
            ctx["unavailable"] = check is None or check.status == "unavailable"
    page = context(request, account=user.account, tenant=user.tenant, **ctx)
    return render(request, "sales/anaf_lookup.html", page, status)
