"""Building blocks of the REGES message models: the base class and the XSD simple types we check ourselves.

Dates stay text (``xs:dateTime`` allows 7 fractional digits and offsets Python's ``datetime`` cannot
keep, e.g. ``2024-09-20T13:06:22.7010678+00:00``): they are checked against the XSD lexical form and the
calendar, and written back unchanged, so a message round-trips byte for byte in its values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

XS_DATETIME_RE = re.compile(
    r"^(?P<y>-?\d{4,})-(?P<m>\d{2})-(?P<d>\d{2})T(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})(\.\d+)?"
    r"(Z|[+-]\d{2}:\d{2})?$"
)
XS_DATE_RE = re.compile(r"^(?P<y>-?\d{4,})-(?P<m>\d{2})-(?P<d>\d{2})(Z|[+-]\d{2}:\d{2})?$")
GUID_RE = (
    r"^(([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"|(\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}))$"
)


def _calendar(match: re.Match[str], value: str) -> None:
    try:
        date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None


def _check_datetime(value: str) -> str:
    match = XS_DATETIME_RE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not an xs:dateTime (YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm])")
    _calendar(match, value)
    if int(match["H"]) > 23 or int(match["M"]) > 59 or int(match["S"]) > 59:
        raise ValueError(f"{value!r} has no such time of day")
    return value


def _check_date(value: str) -> str:
    match = XS_DATE_RE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not an xs:date (YYYY-MM-DD)")
    _calendar(match, value)
    return value


XsDateTime = Annotated[str, AfterValidator(_check_datetime)]
XsDate = Annotated[str, AfterValidator(_check_date)]
XsInt = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
Guid = Annotated[str, Field(pattern=GUID_RE)]


class RegesModel(BaseModel):
    """A REGES complex type. ``$type`` is the JSON API's type tag (kept as given, for the round trip)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    type_tag: str | None = Field(None, alias="$type", max_length=64)

    xml_type: ClassVar[str] = ""
    xml_names: ClassVar[dict[str, str]] = {}
    xml_kinds: ClassVar[dict[str, str]] = {}
    xml_items: ClassVar[dict[str, str]] = {}

    @classmethod
    def all_xml_names(cls) -> dict[str, str]:
        """Field → XML element name, the base types' fields first (the XSD extension order)."""
        out: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            out.update(getattr(klass, "__dict__", {}).get("xml_names", {}))
        return out

    @classmethod
    def all_xml_kinds(cls) -> dict[str, str]:
        out: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            out.update(getattr(klass, "__dict__", {}).get("xml_kinds", {}))
        return out

    @classmethod
    def all_xml_items(cls) -> dict[str, str]:
        out: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            out.update(getattr(klass, "__dict__", {}).get("xml_items", {}))
        return out


def _tag_key(name: str) -> str:
    return name.replace("_", "").lower()


def polymorphic(names: Sequence[str]) -> Callable[[Any], str | None]:
    """Discriminator for a field typed with a base type: the JSON ``$type`` (``actiuneSuspendare``,
    ``sporAngajator``…) or the XML ``xsi:type`` picks the subtype; without a tag it is the base type."""
    table: dict[str, str] = {}
    for name in names:
        table[_tag_key(name)] = name
        table.setdefault(_tag_key(name).removeprefix("tip"), name)

    def tag_of(value: Any) -> str | None:
        if isinstance(value, RegesModel):
            return type(value).__name__
        if isinstance(value, dict):
            given = value.get("$type", value.get("type_tag"))
            if given is None:
                return names[0]
            return table.get(_tag_key(str(given)))
        return None

    return tag_of
