"""The e-Transport v2 declaration (``mfp:anaf:dgti:eTransport:declaratie:v2``) as typed models.

One ``Declaration`` (the ``eTransport`` root: declarant code, optional reference, ``declPostAvarie``)
carries exactly one of:

* ``notificare`` — the transport notification: operation type (``codTipOperatiune``), the goods
  (``bunuriTransportate``: purpose, tariff code, name, quantity and unit, net/gross weight, value in RON
  without VAT), the commercial partner, the transport data (vehicle and trailers, the carrier, the
  date), the start and end of the road route (an address in Romania, a border crossing point or a
  customs office), the transport documents, optionally the UIT it corrects (``corectie``) and earlier
  notifications (``notificareAnterioara``);
* ``stergere`` — delete the declaration with this UIT;
* ``confirmare`` — confirm (10), partially confirm (20) or deny (30) receipt of the goods;
* ``modifVehicul`` — the vehicle changed on the way (``dataModificare`` is a local date-time).

Field names are English; each one also accepts its XML attribute name (``alias``), so an API client may
post either. The models check types and presence; the business rules are in ``rules`` (run on the
generated XML, the same as ANAF does).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from genius.compliance.common.schema import DeclaredModel, declared
from genius.compliance.etransport import codes

OperationType = Literal["10", "12", "14", "20", "22", "24", "30", "40", "50", "60", "70"]

OPERATION_NAMES: dict[str, str] = {
    "10": "AIC - Achiziție intracomunitară",
    "12": "LHI - Operațiuni în sistem lohn (UE) - intrare",
    "14": "SCI - Stocuri la dispoziția clientului (call-off stock) - intrare",
    "20": "LIC - Livrare intracomunitară",
    "22": "LHE - Operațiuni în sistem lohn (UE) - ieșire",
    "24": "SCE - Stocuri la dispoziția clientului (call-off stock) - ieșire",
    "30": "TTN - Transport pe teritoriul național",
    "40": "IMP - Import",
    "50": "EXP - Export",
    "60": "DIN - Tranzacție intracomunitară - intrare pentru depozitare/formare nou transport",
    "70": "DIE - Tranzacție intracomunitară - ieșire după depozitare/formare nou transport",
}
# Operations whose road route starts outside Romania (the goods enter the country).
INBOUND_OPERATIONS = frozenset({"10", "12", "14", "40", "60"})


# What the rules (``rules.py``, run on the generated XML) refuse, declared in the JSON Schema only: the
# rules stay the check and answer with their findings. Cross-field rules (which operation allows which
# partner country, route place, purpose…) and the UIT's check digits are not expressible here.
TIN = r"^(([1-9][0-9]{12})|([1-9][0-9]{1,9}))$"  # BR-002
UIT = r"^[0-9ACDEFHJKLMNPQRTUVWXY]{14}[0-9]{2}$"  # BR-003 (BR-019: the check digits)
REGISTRATION = r"^[0-9A-Z]{2,20}$"  # BR-031..033
TARIFF = r"^([0-9]{4}|[0-9]{6}|[0-9]{8})$"  # BR-034
NAME_2_100 = r"^[^\s\x00-\x1f][^\x00-\x1f]{0,98}[^\s\x00-\x1f]$"  # BR-214/215: 2-100 characters


def _ints(values: frozenset[str]) -> list[Any]:
    return sorted(int(v) for v in values if v.isdigit() and str(int(v)) == v)


def _codes(values: frozenset[str]) -> list[Any]:
    return sorted(values)


# BR-027..030 / 035..042: > 0 (quantity, weights) or ≥ 0 (value), at most 12 integer digits and 2 decimals
POSITIVE = declared(
    {"type": "integer", "minimum": 1, "maximum": 999_999_999_999},
    r"^[+]?(0*[1-9][0-9]{0,11}(\.[0-9]{1,2})?|0*\.([1-9][0-9]?|0[1-9]))$",
)
NON_NEGATIVE = declared(
    {"type": "integer", "minimum": 0, "maximum": 999_999_999_999}, r"^[+]?[0-9]{1,12}(\.[0-9]{1,2})?$"
)


class _Model(DeclaredModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid", str_strip_whitespace=True)


class Location(_Model):
    """``locatie``: an address in Romania."""

    county_code: int = Field(
        alias="codJudet",
        description="ANAF county code (40 = București)",
        json_schema_extra={"enum": _ints(codes.COUNTIES)},
    )
    locality: str = Field(
        alias="denumireLocalitate", max_length=100, json_schema_extra={"pattern": NAME_2_100}
    )
    street: str = Field(alias="denumireStrada", max_length=100, json_schema_extra={"pattern": NAME_2_100})
    number: str | None = Field(None, alias="numar", max_length=20)
    block: str | None = Field(None, alias="bloc", max_length=30)
    entrance: str | None = Field(None, alias="scara", max_length=20)
    floor: str | None = Field(None, alias="etaj", max_length=20)
    apartment: str | None = Field(None, alias="apartament", max_length=20)
    other_info: str | None = Field(None, alias="alteInfo", max_length=200)
    postal_code: str | None = Field(None, alias="codPostal", max_length=20)


class RoutePlace(_Model):
    """``locStartTraseuRutier`` / ``locFinalTraseuRutier``: one of an address, a border crossing point
    (``codPtf``) or a customs office (``codBirouVamal``) — rules BR-210/BR-211."""

    location: Location | None = Field(None, alias="locatie")
    border_point: int | None = Field(
        None, alias="codPtf", json_schema_extra={"enum": [*_ints(codes.BORDER_POINTS), None]}
    )
    customs_office: int | None = Field(
        None, alias="codBirouVamal", json_schema_extra={"enum": [*_ints(codes.CUSTOMS_OFFICES), None]}
    )


class Goods(_Model):
    """``bunuriTransportate``: one goods line."""

    purpose_code: str = Field(
        alias="codScopOperatiune",
        description="101 commerce, 704 transfer, …",
        json_schema_extra={"enum": _codes(codes.PURPOSES)},
    )
    tariff_code: str | None = Field(
        None, alias="codTarifar", description="CN code, 4/6/8 digits", json_schema_extra={"pattern": TARIFF}
    )
    description: str = Field(alias="denumireMarfa", max_length=200)
    quantity: Annotated[Decimal, POSITIVE] = Field(alias="cantitate", max_digits=30, allow_inf_nan=False)
    unit_code: str = Field(
        alias="codUnitateMasura",
        description="UN/ECE Rec. 20/21, e.g. KGM, H87",
        json_schema_extra={"enum": _codes(codes.UNITS)},
    )
    net_weight: Annotated[Decimal, POSITIVE] | None = Field(
        None, alias="greutateNeta", description="kg", max_digits=30, allow_inf_nan=False
    )
    gross_weight: Annotated[Decimal, POSITIVE] = Field(
        alias="greutateBruta", description="kg", max_digits=30, allow_inf_nan=False
    )
    value_ron: Annotated[Decimal, NON_NEGATIVE] | None = Field(
        None, alias="valoareLeiFaraTva", description="RON without VAT", max_digits=30, allow_inf_nan=False
    )
    ref: str | None = Field(None, alias="refDeclarant", max_length=50)


class Partner(_Model):
    """``partenerComercial``: the buyer/seller on the other side."""

    country: str = Field(
        alias="codTara", min_length=2, max_length=2, json_schema_extra={"enum": _codes(codes.COUNTRIES)}
    )
    code: str | None = Field(None, alias="cod", max_length=30, description="CUI/CNP/NIF, or PF")
    name: str = Field(alias="denumire", max_length=200)


class TransportData(_Model):
    """``dateTransport``."""

    vehicle: str = Field(
        alias="nrVehicul",
        description="registration, A-Z 0-9 only",
        json_schema_extra={"pattern": REGISTRATION},
    )
    trailer1: str | None = Field(None, alias="nrRemorca1", json_schema_extra={"pattern": REGISTRATION})
    trailer2: str | None = Field(None, alias="nrRemorca2", json_schema_extra={"pattern": REGISTRATION})
    carrier_country: str = Field(
        alias="codTaraOrgTransport",
        min_length=2,
        max_length=2,
        json_schema_extra={"enum": _codes(codes.COUNTRIES)},
    )
    carrier_code: str | None = Field(None, alias="codOrgTransport", max_length=30)
    carrier_name: str = Field(alias="denumireOrgTransport", max_length=200)
    transport_date: date = Field(alias="dataTransport")


class TransportDocument(_Model):
    """``documenteTransport``: 10 CMR, 20 invoice, 30 delivery note (aviz), 9999 other."""

    type: str = Field(alias="tipDocument", json_schema_extra={"enum": _codes(codes.DOCUMENT_TYPES)})
    number: str | None = Field(None, alias="numarDocument", max_length=50)
    document_date: date = Field(alias="dataDocument")
    notes: str | None = Field(None, alias="observatii", max_length=200)


class PreviousNotification(_Model):
    uit: str = Field(json_schema_extra={"pattern": UIT})
    notes: str | None = Field(None, alias="observatii", max_length=200)
    ref: str | None = Field(None, alias="refDeclarant", max_length=50)


class Notification(_Model):
    """``notificare``."""

    operation_type: str = Field(
        alias="codTipOperatiune", json_schema_extra={"enum": _codes(codes.OPERATION_TYPES)}
    )
    correction_uit: str | None = Field(
        None, alias="corectie", description="the UIT this corrects", json_schema_extra={"pattern": UIT}
    )
    goods: list[Goods] = Field(alias="bunuriTransportate", min_length=1)
    partner: Partner = Field(alias="partenerComercial")
    transport: TransportData = Field(alias="dateTransport")
    start: RoutePlace = Field(alias="locStartTraseuRutier")
    end: RoutePlace = Field(alias="locFinalTraseuRutier")
    documents: list[TransportDocument] = Field(alias="documenteTransport", min_length=1)
    previous: list[PreviousNotification] = Field(default_factory=list, alias="notificareAnterioara")

    @property
    def total_value_ron(self) -> Decimal:
        return sum((g.value_ron or Decimal(0) for g in self.goods), Decimal(0))

    @property
    def total_gross_weight(self) -> Decimal:
        return sum((g.gross_weight for g in self.goods), Decimal(0))


class Deletion(_Model):
    """``stergere``."""

    uit: str = Field(json_schema_extra={"pattern": UIT})


class Confirmation(_Model):
    """``confirmare``: 10 confirmed, 20 partially confirmed, 30 denied."""

    uit: str = Field(json_schema_extra={"pattern": UIT})
    confirmation_type: str = Field(
        alias="tipConfirmare", json_schema_extra={"enum": _codes(codes.CONFIRMATION_TYPES)}
    )
    notes: str | None = Field(None, alias="observatii", max_length=200)


class VehicleChange(_Model):
    """``modifVehicul``."""

    uit: str = Field(json_schema_extra={"pattern": UIT})
    vehicle: str = Field(alias="nrVehicul", json_schema_extra={"pattern": REGISTRATION})
    trailer1: str | None = Field(None, alias="nrRemorca1", json_schema_extra={"pattern": REGISTRATION})
    trailer2: str | None = Field(None, alias="nrRemorca2", json_schema_extra={"pattern": REGISTRATION})
    changed_at: datetime = Field(alias="dataModificare", description="local time, no zone")
    notes: str | None = Field(None, alias="observatii", max_length=200)


Kind = Literal["notificare", "stergere", "confirmare", "modifVehicul"]


class Declaration(_Model):
    """``eTransport``: exactly one of ``notification``, ``deletion``, ``confirmation``,
    ``vehicle_change`` (BT-TY-005)."""

    # ``_exactly_one`` in the JSON Schema: one and only one of the four parts is an object.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": [part], "properties": {part: {"type": "object"}}}
                for part in ("notificare", "stergere", "confirmare", "modifVehicul")
            ]
        }
    )

    declarant_code: str = Field(
        alias="codDeclarant", description="CUI/CNP/NIF, digits, no RO", json_schema_extra={"pattern": TIN}
    )
    declarant_ref: str | None = Field(None, alias="refDeclarant", max_length=50)
    post_failure: bool = Field(
        False,
        alias="declPostAvarie",
        description="declared after an outage of the RO e-Transport system (declPostAvarie=D)",
    )
    notification: Notification | None = Field(None, alias="notificare")
    deletion: Deletion | None = Field(None, alias="stergere")
    confirmation: Confirmation | None = Field(None, alias="confirmare")
    vehicle_change: VehicleChange | None = Field(None, alias="modifVehicul")

    @model_validator(mode="after")
    def _exactly_one(self) -> Declaration:
        present = [x for x in (self.notification, self.deletion, self.confirmation, self.vehicle_change) if x]
        if len(present) != 1:
            raise ValueError(
                "a declaration has exactly one of notification, deletion, confirmation, vehicle_change"
            )
        return self

    @property
    def kind(self) -> Kind:
        if self.notification is not None:
            return "notificare"
        if self.deletion is not None:
            return "stergere"
        if self.confirmation is not None:
            return "confirmare"
        return "modifVehicul"

    @property
    def target_uit(self) -> str | None:
        """The UIT this declaration acts on (deletion, confirmation, vehicle change, correction)."""
        for part in (self.deletion, self.confirmation, self.vehicle_change):
            if part is not None:
                return part.uit
        return self.notification.correction_uit if self.notification else None
