"""The e-Transport v2 XML of a ``Declaration`` (what ANAF's ``upload`` expects), and back.

``to_xml`` writes the elements in the XSD's order and only the attributes that have a value; decimals
are written plainly (no exponent), dates as ``YYYY-MM-DD`` and ``dataModificare`` as
``YYYY-MM-DDThh:mm:ss`` (BR-203). ``from_xml`` reads a document into the model (``ValueError`` when it
is not an e-Transport v2 document or does not fit the model).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree
from pydantic import BaseModel, ValidationError

from genius.compliance.etransport.declaration import (
    Confirmation,
    Declaration,
    Deletion,
    Goods,
    Location,
    Notification,
    RoutePlace,
    VehicleChange,
)

NS = "mfp:anaf:dgti:eTransport:declaratie:v2"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "D" if value else ""
    return str(value)


def _attrs(el: etree._Element, model: BaseModel, skip: tuple[str, ...] = ()) -> None:
    """Every scalar field with a value, under its XML name (the alias)."""
    for name, field in type(model).model_fields.items():
        if name in skip:
            continue
        value = getattr(model, name)
        if value is None or isinstance(value, (BaseModel, list)):
            continue
        el.set(field.alias or name, _text(value))


def _place(parent: etree._Element, tag: str, place: RoutePlace) -> None:
    el = etree.SubElement(parent, _q(tag))
    _attrs(el, place)
    if place.location is not None:
        _attrs(etree.SubElement(el, _q("locatie")), place.location)


def _notification(root: etree._Element, n: Notification) -> None:
    el = etree.SubElement(root, _q("notificare"))
    el.set("codTipOperatiune", n.operation_type)
    if n.correction_uit:
        etree.SubElement(el, _q("corectie")).set("uit", n.correction_uit)
    for goods in n.goods:
        _attrs(etree.SubElement(el, _q("bunuriTransportate")), goods)
    _attrs(etree.SubElement(el, _q("partenerComercial")), n.partner)
    _attrs(etree.SubElement(el, _q("dateTransport")), n.transport)
    _place(el, "locStartTraseuRutier", n.start)
    _place(el, "locFinalTraseuRutier", n.end)
    for doc in n.documents:
        _attrs(etree.SubElement(el, _q("documenteTransport")), doc)
    for prev in n.previous:
        _attrs(etree.SubElement(el, _q("notificareAnterioara")), prev)


def to_element(decl: Declaration) -> etree._Element:
    root = etree.Element(_q("eTransport"), nsmap={None: NS})
    root.set("codDeclarant", decl.declarant_code)
    if decl.declarant_ref:
        root.set("refDeclarant", decl.declarant_ref)
    if decl.post_failure:
        root.set("declPostAvarie", "D")
    if decl.notification is not None:
        _notification(root, decl.notification)
    elif decl.deletion is not None:
        _attrs(etree.SubElement(root, _q("stergere")), decl.deletion)
    elif decl.confirmation is not None:
        _attrs(etree.SubElement(root, _q("confirmare")), decl.confirmation)
    elif decl.vehicle_change is not None:
        _attrs(etree.SubElement(root, _q("modifVehicul")), decl.vehicle_change)
    return root


def to_xml(decl: Declaration) -> bytes:
    return bytes(etree.tostring(to_element(decl), xml_declaration=True, encoding="UTF-8", pretty_print=True))


# --- parsing -----------------------------------------------------------------------------------------
def _fields(el: etree._Element | None) -> dict[str, Any]:
    if el is None:
        return {}
    return {str(k): v for k, v in el.attrib.items() if "}" not in str(k)}


def _child(el: etree._Element, tag: str) -> etree._Element | None:
    return el.find(_q(tag))


def _place_data(el: etree._Element | None) -> dict[str, Any]:
    if el is None:
        return {}
    data = _fields(el)
    loc = _child(el, "locatie")
    if loc is not None:
        data["locatie"] = Location.model_validate(_fields(loc))
    return data


def from_xml(xml: bytes) -> Declaration:
    try:
        root = etree.fromstring(xml, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise ValueError(f"not well-formed XML: {exc}") from None
    if root.tag != _q("eTransport"):
        raise ValueError(f"not an e-Transport v2 document (root {root.tag!r})")
    data: dict[str, Any] = {
        "codDeclarant": root.get("codDeclarant", ""),
        "refDeclarant": root.get("refDeclarant"),
        "declPostAvarie": root.get("declPostAvarie") == "D",
    }
    try:
        if (n := _child(root, "notificare")) is not None:
            corectie = _child(n, "corectie")
            data["notificare"] = Notification.model_validate(
                {
                    "codTipOperatiune": n.get("codTipOperatiune", ""),
                    "corectie": corectie.get("uit") if corectie is not None else None,
                    "bunuriTransportate": [
                        Goods.model_validate(_fields(g)) for g in n.findall(_q("bunuriTransportate"))
                    ],
                    "partenerComercial": _fields(_child(n, "partenerComercial")),
                    "dateTransport": _fields(_child(n, "dateTransport")),
                    "locStartTraseuRutier": RoutePlace.model_validate(
                        _place_data(_child(n, "locStartTraseuRutier"))
                    ),
                    "locFinalTraseuRutier": RoutePlace.model_validate(
                        _place_data(_child(n, "locFinalTraseuRutier"))
                    ),
                    "documenteTransport": [_fields(d) for d in n.findall(_q("documenteTransport"))],
                    "notificareAnterioara": [_fields(p) for p in n.findall(_q("notificareAnterioara"))],
                }
            )
        elif (s := _child(root, "stergere")) is not None:
            data["stergere"] = Deletion.model_validate(_fields(s))
        elif (c := _child(root, "confirmare")) is not None:
            data["confirmare"] = Confirmation.model_validate(_fields(c))
        elif (v := _child(root, "modifVehicul")) is not None:
            data["modifVehicul"] = VehicleChange.model_validate(_fields(v))
        return Declaration.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"the document does not fit the e-Transport model: {exc}") from None
