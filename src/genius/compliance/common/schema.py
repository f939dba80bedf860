"""What the compliance documents' JSON Schemas declare, so the schema says what the validation enforces.

Two rules hold for every field of a document model (e-Factura's ``Invoice``, e-Transport's
``Declaration``, SAF-T's ``Ledger``, the applicability check's lines) and are declared for all of them
at once by ``DeclaredModel``:

* **Text goes into XML.** XML 1.0 cannot carry the C0 control characters but tab, LF and CR (nor
  U+FFFE/U+FFFF): a string field holding one is refused (422 field error) instead of failing in lxml,
  and every string field without a pattern of its own declares ``XML_TEXT`` (``XML_TRIMMED``, no
  whitespace at either end, where the model strips whitespace and the field has a minimum length:
  the length is checked after stripping).
* **Decimals are plain decimal numbers.** A ``Decimal`` field takes a JSON number or a string; the
  string branch declares ``decimal_pattern`` (at most 15 digits before the point and 6 after, an
  optional sign, no exponent, no ``NaN``; fewer when the field's ``max_digits``/``decimal_places`` say
  so), the number branch integers within ``MAX_AMOUNT``, and both keep the field's ``ge``. Fractions
  go as strings: a binary float such as ``0.1`` or ``5e-324`` carries more digits than it shows. (The
  validation still takes any finite number; the schema states the forms every computation handles.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, get_args

import annotated_types
from pydantic import BaseModel, GetJsonSchemaHandler, field_validator
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

# Characters XML 1.0 cannot carry (lxml refuses them): C0 controls but tab, LF, CR; U+FFFE, U+FFFF.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_CHAR = "[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]"
XML_TEXT = f"^{_XML_CHAR}*$"
# A model that strips whitespace checks a minimum length after stripping: such a field declares text
# that starts and ends with a character that is neither whitespace nor a control character.
# Whitespace spelled out (Unicode White_Space, what the model's strip removes): regex engines differ on \s.
_XML_EDGE = "[^\\x00-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufffe\\uffff]"
XML_TRIMMED = f"^{_XML_EDGE}({_XML_CHAR}*{_XML_EDGE})?$"
MAX_AMOUNT = 10**15  # the number branch's bound; far above any amount, quantity or weight we compute
MAX_INTEGER_DIGITS = 15
MAX_DECIMALS = 6


def decimal_pattern(*, signed: bool = True, integer_digits: int = 15, decimals: int = 6) -> str:
    """A plain decimal string: ``-12.50``, ``7``, ``0.125``; no exponent, no blanks, no ``NaN``."""
    sign = "[+-]?" if signed else "[+]?"
    fraction = f"(\\.[0-9]{{1,{decimals}}})?" if decimals else ""
    return f"^{sign}[0-9]{{1,{integer_digits}}}{fraction}$"


@dataclass(frozen=True)
class DecimalForm:
    """A decimal's declared forms when a rule checked elsewhere is narrower than the defaults (in
    ``Annotated[Decimal, declared(...)]``): the number branch's schema and the string's pattern."""

    number: tuple[tuple[str, Any], ...]  # a dict's items: the marker must be hashable (typing hashes it)
    pattern: str


def declared(number: dict[str, Any], pattern: str) -> DecimalForm:
    return DecimalForm(tuple(number.items()), pattern)


def _metadata(field: FieldInfo) -> list[Any]:
    """The field's constraints, and those of an ``Annotated`` type in its annotation (``Money | None``)."""
    found = list(field.metadata)

    def walk(annotation: Any) -> None:
        for arg in get_args(annotation):
            if isinstance(arg, FieldInfo):
                found.extend(arg.metadata)
            elif isinstance(arg, DecimalForm):
                found.append(arg)
            else:
                walk(arg)

    walk(field.annotation)
    return found


def _constraint(metadata: list[Any], kind: type) -> Any:
    return next((item for item in metadata if isinstance(item, kind)), None)


def _is_decimal(annotation: Any) -> bool:
    if annotation is Decimal:
        return True
    return any(_is_decimal(arg) for arg in get_args(annotation))


def _declare_decimal(branches: list[dict[str, Any]], field: FieldInfo) -> None:
    number = next((b for b in branches if b.get("type") == "number"), None)
    text = next((b for b in branches if b.get("type") == "string" and "format" not in b), None)
    if number is None or text is None:
        return
    metadata = _metadata(field)
    form = _constraint(metadata, DecimalForm)
    if form is not None:
        number.clear()
        number.update(dict(form.number))
        text["pattern"] = form.pattern
        return
    ge, le = _constraint(metadata, annotated_types.Ge), _constraint(metadata, annotated_types.Le)
    digits = next((m.max_digits for m in metadata if getattr(m, "max_digits", None)), None)
    places = next(
        (m.decimal_places for m in metadata if getattr(m, "decimal_places", None) is not None), None
    )
    low = max(float(ge.ge), -MAX_AMOUNT) if ge is not None else -MAX_AMOUNT
    high = min(float(le.le), MAX_AMOUNT) if le is not None else MAX_AMOUNT
    number.update(minimum=low, maximum=high)
    number["type"] = "integer"  # fractions go as strings: a binary float has more digits than it shows
    decimals = MAX_DECIMALS if places is None else min(places, MAX_DECIMALS)
    integer_digits = MAX_INTEGER_DIGITS if digits is None else min(MAX_INTEGER_DIGITS, digits - decimals)
    text["pattern"] = decimal_pattern(signed=low < 0, integer_digits=integer_digits, decimals=decimals)


def _declare_text(schema: dict[str, Any], strips: bool) -> None:
    if schema.get("type") == "string":
        if not any(k in schema for k in ("pattern", "format", "enum", "const", "contentMediaType")):
            trimmed = strips and schema.get("minLength", 0) > 0
            schema["pattern"] = XML_TRIMMED if trimmed else XML_TEXT
        return
    for branch in schema.get("anyOf", []):
        _declare_text(branch, strips)
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        _declare_text(schema["items"], strips)


def declare(schema: dict[str, Any], field: FieldInfo, *, strips: bool = False) -> None:
    """Add the rules above to one property's schema (``strips``: the model strips whitespace)."""
    if _is_decimal(field.annotation):
        branches = schema.get("anyOf", [schema])
        _declare_decimal(branches, field)
        return
    _declare_text(schema, strips)


class DeclaredModel(BaseModel):
    """A document model whose string fields refuse what XML cannot carry and whose schema declares it
    (and the decimal forms the validation takes); see the module docstring."""

    # False: the schema declares the rule but the model does not refuse (the caller checks where it
    # matters, e.g. e-Factura's XML writer, while its PDF shows any text).
    refuse_control_characters: ClassVar[bool] = True

    @field_validator("*", mode="after")
    @classmethod
    def _xml_text(cls, value: Any) -> Any:
        if not cls.refuse_control_characters:
            return value
        if isinstance(value, str) and NOT_XML.search(value):
            raise ValueError("control characters are not allowed (XML cannot carry them)")
        if isinstance(value, list):
            for item in value:
                if isinstance(item, str) and NOT_XML.search(item):
                    raise ValueError("control characters are not allowed (XML cannot carry them)")
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        properties = target.get("properties", {})
        strips = bool(cls.model_config.get("str_strip_whitespace"))
        for name, field in cls.model_fields.items():
            prop = properties.get(field.alias or name)
            if prop is not None:
                declare(prop, field, strips=strips)
        return schema
