"""The rule engine of our own e-Factura validator (EN 16931 + CIUS-RO), on the UBL XML itself.

Rules work on the XML rather than on the typed model so that a broken or partial document still gets
every finding it deserves, and each finding can name the XPath of the offending element (as the
official schematron does). A rule is a function registered with :func:`rule`; it receives a :class:`Doc`
and yields ``(node, message)`` pairs (``node`` may be ``None`` for the document root), or finished
:class:`Finding` objects when it needs another severity or location.

    @rule("BR-01", "An Invoice shall have a Specification identifier (BT-24).")
    def br_01(doc: Doc) -> Iterator[Hit]:
        if not doc.text("cbc:CustomizationID"):
            yield doc.root, ""          # "" -> the rule's own message

The rule sets live in sibling modules (``en16931``, ``ciusro``), imported by :func:`all_rules`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from lxml import etree

from genius.compliance.common.findings import Finding, Severity

NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
PREFIX_OF = {uri: prefix for prefix, uri in NS.items() if prefix in ("cbc", "cac")}


Hit = tuple[Any, str] | Finding
RuleFn = Callable[["Doc"], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    message: str
    severity: Severity
    check: RuleFn
    group: str  # "en16931" | "cius-ro"


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str, message: str, severity: Severity = "fatal", group: str = ""
) -> Callable[[RuleFn], RuleFn]:
    """Register a rule function under ``rule_id`` (ids are unique)."""

    def register(fn: RuleFn) -> RuleFn:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, message, severity, fn, group or fn.__module__.rsplit(".", 1)[-1])
        return fn

    return register


_XPATHS = threading.local()


def _compiled(expr: str) -> etree.XPath:
    """``expr`` compiled once per thread: the rules ask a few hundred expressions thousands of times, and
    lxml would parse each string again on every ``element.xpath`` call. Per thread, because a compiled
    XPath keeps evaluation state that threads must not share."""
    cache: dict[str, etree.XPath] | None = getattr(_XPATHS, "cache", None)
    if cache is None:
        cache = _XPATHS.cache = {}
    found = cache.get(expr)
    if found is None:
        found = cache[expr] = etree.XPath(expr, namespaces=NS)
    return found


class Doc:
    """A parsed UBL Invoice or CreditNote with the helpers rules need."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.kind: Literal["Invoice", "CreditNote"] = (
            "CreditNote" if etree.QName(root).localname == "CreditNote" else "Invoice"
        )
        # Line elements and codes differ between the two document types.
        self.line_tag = "cac:CreditNoteLine" if self.kind == "CreditNote" else "cac:InvoiceLine"
        self.quantity_tag = "cbc:CreditedQuantity" if self.kind == "CreditNote" else "cbc:InvoicedQuantity"
        self.type_code_tag = "cbc:CreditNoteTypeCode" if self.kind == "CreditNote" else "cbc:InvoiceTypeCode"

    # --- queries -----------------------------------------------------------------------------------
    def xpath(self, expr: str, node: Any = None) -> list[Any]:
        """XPath with the ``cbc``/``cac`` prefixes, relative to ``node`` (default: the root)."""
        result = _compiled(expr)(self.root if node is None else node)
        return result if isinstance(result, list) else [result]

    def first(self, expr: str, node: Any = None) -> Any:
        found = self.xpath(expr, node)
        return found[0] if found else None

    def text(self, expr: str, node: Any = None) -> str:
        """The stripped text of the first match ('' when absent)."""
        found = self.first(expr, node)
        if found is None:
            return ""
        value = found if isinstance(found, str) else (found.text or "")
        return str(value).strip()

    def amount(self, expr: str, node: Any = None) -> Decimal | None:
        """The first match as a Decimal (None when absent or not a number)."""
        return to_decimal(self.text(expr, node))

    def lines(self) -> list[Any]:
        return self.xpath(self.line_tag)

    # --- locations ---------------------------------------------------------------------------------
    def path(self, node: Any) -> str:
        """``/Invoice/cac:AccountingSupplierParty[1]/cac:Party[1]/...`` for an element (or attribute)."""
        if node is None:
            return f"/{self.kind}"
        if isinstance(node, etree._ElementUnicodeResult):  # an attribute or text result
            parent = node.getparent()
            base = self.path(parent) if parent is not None else f"/{self.kind}"
            return f"{base}/@{node.attrname}" if node.is_attribute and node.attrname else base
        if not isinstance(node, etree._Element):
            return f"/{self.kind}"
        steps: list[str] = []
        current: Any = node
        while current is not None:
            parent = current.getparent()
            qname = etree.QName(current)
            prefix = PREFIX_OF.get(qname.namespace or "")
            name = f"{prefix}:{qname.localname}" if prefix else qname.localname
            if parent is None:
                steps.append(name)
            else:
                same = [c for c in parent if isinstance(c.tag, str) and c.tag == current.tag]
                steps.append(f"{name}[{same.index(current) + 1}]")
            current = parent
        return "/" + "/".join(reversed(steps))


def to_decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def all_rules() -> dict[str, Rule]:
    """Every registered rule (importing the rule-set modules registers them)."""
    import importlib

    for name in ("en16931", "ciusro"):
        try:
            importlib.import_module(f"genius.compliance.efactura.rules.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"genius.compliance.efactura.rules.{name}":
                raise
    return RULES


def run_rules(doc: Doc, only: Iterable[str] | None = None) -> Iterator[Finding]:
    """Run the registered rules on ``doc``; a rule that crashes yields a warning, never an exception."""
    selected = all_rules()
    wanted = set(only) if only is not None else None
    for rule_id, r in selected.items():
        if wanted is not None and rule_id not in wanted:
            continue
        try:
            for hit in r.check(doc):
                if isinstance(hit, Finding):
                    yield hit
                else:
                    node, message = hit
                    yield Finding(rule_id, r.severity, doc.path(node), message or r.message)
        except Exception as exc:  # one broken rule must not hide the findings of the others
            yield Finding(rule_id, "warning", f"/{doc.kind}", f"rule could not be evaluated: {exc!r}")
