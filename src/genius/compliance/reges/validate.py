"""Checks of a REGES message before it is sent: our model (required fields, enumerations, lengths, dates,
GUIDs — the XSD's facets, carried in the generated models), the checks the server leaves to the client,
and optionally the official XSD.

Findings are ``efactura.rules.engine.Finding`` (``rule``, ``severity``, ``location``, ``message``):

* ``REGES-PARSE`` (fatal): not JSON/XML, unknown root or ``$type``;
* ``REGES-MODEL`` (fatal): a field missing, too long, not in its enumeration, not a date…;
* ``REGES-CNP`` (fatal): a CNP whose checksum is wrong (python-stdnum ``ro.cnp``). REGES does not check
  it. The ``Cnp`` field holds a CNP for Romanian identity documents (and for every 13-digit value); a
  foreigner without Romanian papers may give a passport number instead (the XSD says so);
* ``REGES-CUI`` (warning): an employer CUI (``angajatorCui``, ``cuiAngajator…``, ``cuiUtilizator``) that
  is not a valid Romanian CUI (``ro.cui``) — a warning, foreign employers have other codes;
* ``REGES-OP`` (fatal): the header's operation does not belong to the message type (``ModificareSalariat``
  in a ``Contract``), or needs a reference / an action the message lacks;
* ``XSD`` (fatal): the official schema (``GENIUS_REGES_XSD``) refuses the XML we would send.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import BaseModel, ValidationError
from stdnum.ro import cnp as stdnum_cnp
from stdnum.ro import cui as stdnum_cui

from genius.compliance.common.findings import Finding, pydantic_code
from genius.compliance.reges import schema
from genius.compliance.reges.findings import TEMPLATES
from genius.compliance.reges.messages import Batch, Document, DocumentError, messages_of, parse, to_xml

ROMANIAN_ID_DOCUMENTS = frozenset(
    {"CarteIdentitate", "BuletinIdentitate", "AltActIdentitateRomanesc", "CarteDeRezidenta", "PermisDeSedere"}
)
SALARIAT_OPERATIONS = frozenset(
    {"InregistrareSalariat", "ModificareSalariat", "CorectieSalariat", "RadiereSalariat"}
)
SALARIAT_NEEDS_REFERENCE = SALARIAT_OPERATIONS - {"InregistrareSalariat"}
ACTION_OF_OPERATION: dict[str, type[schema.Actiune]] = {
    **{
        op: schema.ActiuneSuspendare
        for op in ("SuspendareContract", "CorectieSuspendareContract", "ModificareSuspendareContract")
    },
    **{op: schema.ActiuneIncetare for op in ("IncetareContract", "CorectieIncetareContract")},
    **{op: schema.ActiuneReactivare for op in ("ReactivareContract", "CorectieReactivareContract")},
    **{op: schema.ActiuneDetasare for op in ("CorectieDetasareContract", "PrelungireDetasareContract")},
}
CUI_FIELDS = ("angajator_cui", "cui_angajator_destinatie", "cui_angajator_sursa", "cui_utilizator")


def cnp_problem(value: str, document: str | None) -> str | None:
    """Why ``value`` is not acceptable as the employee's CNP (None when it is)."""
    finding = cnp_finding(value, document, "/")
    return finding.message if finding else None


def cnp_finding(value: str, document: str | None, where: str) -> Finding | None:
    """The finding on a value that is not acceptable as the employee's CNP (None when it is)."""
    text = value.strip()
    looks_like_cnp = len(text) == 13 and text.isdigit()
    if document in ROMANIAN_ID_DOCUMENTS or looks_like_cnp:
        if not stdnum_cnp.is_valid(text):
            return TEMPLATES.finding("REGES-CNP", "fatal", where, "reges.cnp.invalid", value=repr(text))
    return None


def _location(loc: tuple[int | str, ...], prefix: str = "") -> str:
    parts = [
        str(p)
        for p in loc
        if not (
            isinstance(p, str)
            and p[:1].isupper()
            and p.startswith(("Actiune", "TipSpor", "DetaliiAngajator"))
        )
    ]
    return prefix + "/" + "/".join(parts)


def model_findings(exc: ValidationError, prefix: str = "") -> list[Finding]:
    """The model's refusals; pydantic's error type is the code (its message stays pydantic's)."""
    found = []
    for e in exc.errors():
        where = _location(tuple(e["loc"]), prefix)
        coded = pydantic_code(e, "reges.model.", TEMPLATES)
        code, params = coded or ("", {})
        found.append(Finding("REGES-MODEL", "fatal", where, e["msg"], code=code, params=params))
    return found


def _walk(model: Any, path: str) -> Any:
    """Every (model, path) below ``model``, itself included."""
    if isinstance(model, BaseModel):
        yield model, path
        for name, field in type(model).model_fields.items():
            value = getattr(model, name)
            alias = field.alias or name
            if isinstance(value, list):
                for i, item in enumerate(value):
                    yield from _walk(item, f"{path}/{alias}/{i}")
            elif isinstance(value, BaseModel):
                yield from _walk(value, f"{path}/{alias}")


def message_findings(message: schema.Message, path: str = "") -> list[Finding]:
    found: list[Finding] = []
    operation = message.header.operation
    for node, where in _walk(message, path):
        if isinstance(node, schema.InfoSalariat):
            if problem := cnp_finding(node.cnp, node.tip_act_identitate, f"{where}/cnp"):
                found.append(problem)
            if node.cnp_vechi and (problem := cnp_finding(node.cnp_vechi, None, f"{where}/cnpVechi")):
                found.append(problem)
        for field in CUI_FIELDS:
            value = getattr(node, field, None) if field in type(node).model_fields else None
            if value and value.strip().upper().removeprefix("RO").isdigit():
                if not stdnum_cui.is_valid(value.strip().upper().removeprefix("RO")):
                    alias = type(node).model_fields[field].alias
                    found.append(
                        TEMPLATES.finding(
                            "REGES-CUI", "warning", f"{where}/{alias}", "reges.cui.invalid", value=repr(value)
                        )
                    )
    if isinstance(message, schema.Salariat):
        if operation not in SALARIAT_OPERATIONS:
            found.append(
                TEMPLATES.finding(
                    "REGES-OP",
                    "fatal",
                    f"{path}/header/operation",
                    "reges.op.not-employee",
                    operation=operation,
                )
            )
        elif operation in SALARIAT_NEEDS_REFERENCE and message.referinta_salariat is None:
            found.append(
                TEMPLATES.finding(
                    "REGES-OP",
                    "fatal",
                    f"{path}/referintaSalariat",
                    "reges.op.needs-employee-reference",
                    operation=operation,
                )
            )
    elif isinstance(message, schema.Contract):
        if operation in SALARIAT_OPERATIONS or "Contract" not in operation:
            found.append(
                TEMPLATES.finding(
                    "REGES-OP",
                    "fatal",
                    f"{path}/header/operation",
                    "reges.op.not-contract",
                    operation=operation,
                )
            )
        if (
            operation != "AdaugareContract"
            and operation.endswith("Contract")
            and message.referinta_contract is None
        ):
            found.append(
                TEMPLATES.finding(
                    "REGES-OP",
                    "fatal",
                    f"{path}/referintaContract",
                    "reges.op.needs-contract-reference",
                    operation=operation,
                )
            )
        if operation == "AdaugareContract" and message.continut is None:
            found.append(TEMPLATES.finding("REGES-OP", "fatal", f"{path}/continut", "reges.op.needs-content"))
        action = ACTION_OF_OPERATION.get(operation)
        if action is not None and not isinstance(message.actiune, action):
            found.append(
                TEMPLATES.finding(
                    "REGES-OP",
                    "fatal",
                    f"{path}/actiune",
                    "reges.op.needs-action",
                    operation=operation,
                    action=action.__name__,
                )
            )
    return found


# --- the optional official XSD ---------------------------------------------------------------------------
_lock = threading.Lock()


@lru_cache(maxsize=4)
def _schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


def xsd_findings(xml: bytes, xsd: Path) -> list[Finding]:
    try:
        with _lock:
            compiled = _schema(str(xsd))
    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        return [Finding("XSD", "warning", "/", f"XSD validation skipped: cannot load {xsd}: {exc}")]
    document = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    with _lock:
        compiled.validate(document)
        errors = list(compiled.error_log)
    return [Finding("XSD", "fatal", e.path or f"line {e.line}", e.message) for e in errors]


def check(doc: Document, xsd: Path | None = None) -> list[Finding]:
    """Findings for a parsed document: our checks, then (for messages) the XSD on the XML we would send."""
    found: list[Finding] = []
    if isinstance(doc, Batch):
        for i, message in enumerate(doc.messages):
            found.extend(message_findings(message, f"/Message/{i}"))
    else:
        for message in messages_of(doc):
            found.extend(message_findings(message))
    if xsd is not None and messages_of(doc):
        found.extend(xsd_findings(to_xml(doc), xsd))
    return found


def validate(data: bytes, xsd: Path | None = None) -> list[Finding]:
    """Every finding for a JSON or XML REGES document; broken input gives a finding, never an exception."""
    try:
        doc = parse(data)
    except DocumentError as exc:
        return [exc.finding]
    except ValidationError as exc:
        return model_findings(exc)
    except (ValueError, RecursionError) as exc:
        return [TEMPLATES.finding("REGES-PARSE", "fatal", "/", "reges.parse.unreadable", error=exc)]
    return check(doc, xsd)
