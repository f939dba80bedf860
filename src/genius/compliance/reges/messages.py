"""REGES documents as the API takes them: JSON (the examples' camelCase + ``$type``) and XML (the XSD).

* ``parse_json(data)`` / ``parse_xml(bytes)`` → a ``Document``: one message (``Salariat``, ``Contract``,
  ``PropunereDetasareContract``, ``PropunereMutareContract``…), a ``Batch`` of them, the status queue's
  ``BatchParams`` (``{"messages": 5}``) or an employer bonus-type nomenclator entry
  (``TipSporAngajatorEntry``);
* ``to_json(doc)`` / ``to_xml(doc)`` write it back. The XML follows the XSD element order (the models
  are generated from it), with ``xsi:type`` on polymorphic elements (``Message``, ``Actiune``,
  ``TipSpor``), exactly as ``<Message xsi:type="Contract">`` in the REGES examples.

Invalid input raises ``pydantic.ValidationError`` (fields) or ``DocumentError`` (shape).
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

from genius.compliance.reges import schema
from genius.compliance.reges.base import Guid, RegesModel
from genius.compliance.reges.findings import TEMPLATES

NS = "http://www.inspectiamuncii.ro/reges2025"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSI_TYPE = f"{{{XSI}}}type"
POLYMORPHIC_ROOTS: tuple[type[RegesModel], ...] = (
    schema.Message,
    schema.Actiune,
    schema.TipSpor,
    schema.DetaliiAngajator,
)
MESSAGE_TYPES: dict[str, type[schema.Message]] = {
    name.lower(): cls
    for name, cls in schema.XML_TYPES.items()
    if issubclass(cls, schema.Message) and cls is not schema.Message
}
MAX_BATCH = 1000


class DocumentError(ValueError):
    """The document is not a REGES message (unreadable, unknown root or ``$type``); ``code`` and
    ``params`` name the message (``findings.TEMPLATES``) so a page can show it in its language."""

    def __init__(self, code: str, location: str = "/", **params: object) -> None:
        self.finding = TEMPLATES.finding("REGES-PARSE", "fatal", location, code, **params)
        super().__init__(self.finding.message)
        self.location = location


class Batch(BaseModel):
    """``/api/Salariat/Batch``, ``/api/Contract/Batch``: ``{"Message": [...]}`` / ``<Batch><Message …>``."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    messages: list[schema.Message] = Field(alias="Message", min_length=1, max_length=MAX_BATCH)


class BatchParams(BaseModel):
    """The status queue's request body: how many results to poll, read or commit (1-100)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    messages: int = Field(alias="messages", ge=1, le=100)


class TipSporAngajatorEntry(BaseModel):
    """An employer-defined bonus type (``/api/Nomenclator/TipSporAngajator``): add, modify, delete."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    id: Guid | None = Field(None, alias="id")
    nume: str = Field(alias="nume", min_length=1, max_length=256)
    angajator_id: Guid | None = Field(None, alias="angajatorId")


Document = schema.Message | Batch | BatchParams | TipSporAngajatorEntry


# --- JSON ------------------------------------------------------------------------------------------------
def _message_class(data: Any, location: str) -> type[schema.Message]:
    if not isinstance(data, dict):
        raise DocumentError("reges.parse.not-object", location)
    tag = data.get("$type")
    if tag is None:
        raise DocumentError("reges.parse.no-type", location)
    cls = MESSAGE_TYPES.get(str(tag).lower())
    if cls is None:
        raise DocumentError("reges.parse.unknown-type", location, type=repr(tag))
    return cls


def parse_json(data: Any) -> Document:
    """A decoded JSON body → its document model (raises ``ValidationError`` / ``DocumentError``)."""
    if isinstance(data, dict) and "Message" in data:
        raw = data["Message"]
        if not isinstance(raw, list):
            raise DocumentError("reges.parse.batch-not-list", "/Message")
        messages = [_message_class(m, f"/Message/{i}").model_validate(m) for i, m in enumerate(raw)]
        return Batch.model_validate({**data, "Message": messages})
    if isinstance(data, dict) and "$type" not in data:
        if "messages" in data:
            return BatchParams.model_validate(data)
        if "nume" in data:
            return TipSporAngajatorEntry.model_validate(data)
    return _message_class(data, "/").model_validate(data)


def loads(body: bytes | str) -> Document:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise DocumentError("reges.parse.not-json", error=exc) from None
    return parse_json(data)


def to_json(doc: Document) -> dict[str, Any]:
    if isinstance(doc, Batch):
        return {"Message": [to_json(m) for m in doc.messages]}
    out: dict[str, Any] = doc.model_dump(mode="json", by_alias=True, exclude_none=True)
    return out


# --- XML -------------------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _fill(parent: etree._Element, model: RegesModel) -> None:
    names = model.all_xml_names()
    items = model.all_xml_items()
    for field in type(model).model_fields:
        if field == "type_tag" or field not in names:
            continue
        value = getattr(model, field)
        if value is None:
            continue
        tag = f"{{{NS}}}{names[field]}"
        if field in items:
            wrapper = etree.SubElement(parent, tag)
            for item in value:
                _element(wrapper, f"{{{NS}}}{items[field]}", item)
        elif isinstance(value, list):
            for item in value:
                _element(parent, tag, item)
        else:
            _element(parent, tag, value)


def _element(parent: etree._Element, tag: str, value: Any) -> None:
    child = etree.SubElement(parent, tag)
    if isinstance(value, RegesModel):
        if isinstance(value, POLYMORPHIC_ROOTS):
            child.set(XSI_TYPE, value.xml_type)
        _fill(child, value)
    else:
        child.text = _text(value)


def _root(name: str, model: RegesModel | None = None) -> etree._Element:
    root = etree.Element(f"{{{NS}}}{name}", nsmap={None: NS, "xsi": XSI})
    if model is not None:
        root.set(XSI_TYPE, model.xml_type)
        _fill(root, model)
    return root


def to_xml(doc: Document) -> bytes:
    """The document as REGES XML (UTF-8, with declaration)."""
    if isinstance(doc, Batch):
        root = _root("Batch")
        for message in doc.messages:
            _element(root, f"{{{NS}}}Message", message)
    elif isinstance(doc, schema.Message):
        root = _root("Message", doc)
    elif isinstance(doc, BatchParams):
        # the status queue's body is outside the XSD (no namespace), as in the REGES examples
        root = etree.Element("BatchParams")
        etree.SubElement(root, "Messages").text = str(doc.messages)
    else:
        root = etree.Element("TipSporAngajator")
        for field, name in (("id", "Id"), ("nume", "Nume"), ("angajator_id", "AngajatorId")):
            if getattr(doc, field) is not None:
                etree.SubElement(root, name).text = str(getattr(doc, field))
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return out


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _xsi_class(el: etree._Element, default: str) -> type[RegesModel]:
    given = el.get(XSI_TYPE)
    name = given.split(":")[-1] if given else default
    cls = schema.XML_TYPES.get(name)
    if cls is None:
        raise DocumentError("reges.parse.unknown-xsi-type", el.getroottree().getpath(el), type=repr(given))
    return cls


def _data(el: etree._Element, cls: type[RegesModel]) -> dict[str, Any]:
    """An element's children as the JSON-shaped dict its model validates (aliases as keys)."""
    by_xml = {xml: field for field, xml in cls.all_xml_names().items()}
    kinds, items = cls.all_xml_kinds(), cls.all_xml_items()
    out: dict[str, Any] = {}
    if el.get(XSI_TYPE):
        out["$type"] = cls.xml_type
    for child in el:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        name = _local(child)
        field = by_xml.get(name)
        if field is None:
            raise DocumentError(
                "reges.parse.unexpected-element",
                child.getroottree().getpath(child),
                element=name,
                type=cls.xml_type,
            )
        alias = cls.model_fields[field].alias or field
        if field in items:
            kind = schema.XML_TYPES[kinds[field]]
            value: Any = [
                _data(item, _xsi_class(item, kind.xml_type)) for item in child if isinstance(item.tag, str)
            ]
        elif field in kinds:
            value = _data(child, _xsi_class(child, kinds[field]))
        else:
            value = (child.text or "").strip()
        if field not in items and "list[" in str(cls.model_fields[field].annotation):
            out.setdefault(alias, []).append(value)
        else:
            out[alias] = value
    return out


def parse_xml(body: bytes) -> Document:
    """REGES XML → its document model (raises ``ValidationError`` / ``DocumentError``)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise DocumentError("reges.parse.not-xml", error=exc) from None
    name = _local(root)
    if name == "BatchParams":
        messages = root.findtext("Messages") or root.findtext(f"{{{NS}}}Messages")
        return BatchParams.model_validate({"messages": (messages or "").strip()})
    if name == "TipSporAngajator" and root.get(XSI_TYPE) is None and etree.QName(root).namespace is None:
        fields = {"Id": "id", "Nume": "nume", "AngajatorId": "angajatorId"}
        return TipSporAngajatorEntry.model_validate(
            {fields.get(_local(c), _local(c)): (c.text or "").strip() for c in root if isinstance(c.tag, str)}
        )
    if etree.QName(root).namespace != NS:
        raise DocumentError("reges.parse.foreign-namespace", namespace=NS)
    if name == "Batch":
        messages = []
        for child in root:
            if not isinstance(child.tag, str):
                continue
            cls = _xsi_class(child, "Message")
            messages.append(cls.model_validate(_data(child, cls)))
        return Batch.model_validate({"Message": messages})
    cls = _xsi_class(root, name)
    if not issubclass(cls, schema.Message) or cls is schema.Message:
        raise DocumentError("reges.parse.not-message", element=name)
    return cls.model_validate(_data(root, cls))


def parse(body: bytes) -> Document:
    """JSON or XML, by the first significant character."""
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"["):
        return loads(body.decode("utf-8-sig", errors="replace"))
    if head == b"<":
        return parse_xml(body)
    raise DocumentError("reges.parse.neither")


def messages_of(doc: Document) -> list[schema.Message]:
    if isinstance(doc, Batch):
        return list(doc.messages)
    if isinstance(doc, schema.Message):
        return [doc]
    return []
