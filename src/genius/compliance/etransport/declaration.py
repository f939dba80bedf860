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
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid", str_strip_whitespace=True)


class Location(_Model):
    """``locatie``: an address in Romania."""

    county_code: int = Field(alias="codJudet", description="ANAF county code (40 = București)")
    locality: str = Field(alias="denumireLocalitate", max_length=100)
    street: str = Field(alias="denumireStrada", max_length=100)
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
    border_point: int | None = Field(None, alias="codPtf")
    customs_office: int | None = Field(None, alias="codBirouVamal")


class Goods(_Model):
    """``bunuriTransportate``: one goods line."""

    purpose_code: str = Field(alias="codScopOperatiune", description="101 commerce, 704 transfer, …")
    tariff_code: str | None = Field(None, alias="codTarifar", description="CN code, 4/6/8 digits")
    description: str = Field(alias="denumireMarfa", max_length=200)
    quantity: Decimal = Field(alias="cantitate", max_digits=30, allow_inf_nan=False)
    unit_code: str = Field(alias="codUnitateMasura", description="UN/ECE Rec. 20/21, e.g. KGM, H87")
    net_weight: Decimal | None = Field(
        None, alias="greutateNeta", description="kg", max_digits=30, allow_inf_nan=False
    )
    gross_weight: Decimal = Field(alias="greutateBruta", description="kg", max_digits=30, allow_inf_nan=False)
    value_ron: Decimal | None = Field(
        None, alias="valoareLeiFaraTva", description="RON without VAT", max_digits=30, allow_inf_nan=False
    )
    ref: str | None = Field(None, alias="refDeclarant", max_length=50)


class Partner(_Model):
    """``partenerComercial``: the buyer/seller on the other side."""

    country: str = Field(alias="codTara", min_length=2, max_length=2)
    code: str | None = Field(None, alias="cod", max_length=30, description="CUI/CNP/NIF, or PF")
    name: str = Field(alias="denumire", max_length=200)


class TransportData(_Model):
    """``dateTransport``."""

    vehicle: str = Field(alias="nrVehicul", description="registration, A-Z 0-9 only")
    trailer1: str | None = Field(None, alias="nrRemorca1")
    trailer2: str | None = Field(None, alias="nrRemorca2")
    carrier_country: str = Field(alias="codTaraOrgTransport", min_length=2, max_length=2)
    carrier_code: str | None = Field(None, alias="codOrgTransport", max_length=30)
    carrier_name: str = Field(alias="denumireOrgTransport", max_length=200)
    transport_date: date = Field(alias="dataTransport")


class TransportDocument(_Model):
    """``documenteTransport``: 10 CMR, 20 invoice, 30 delivery note (aviz), 9999 other."""

    type: str = Field(alias="tipDocument")
    number: str | None = Field(None, alias="numarDocument", max_length=50)
    document_date: date = Field(alias="dataDocument")
    notes: str | None = Field(None, alias="observatii", max_length=200)


class PreviousNotification(_Model):
    uit: str
    notes: str | None = Field(None, alias="observatii", max_length=200)
    ref: str | None = Field(None, alias="refDeclarant", max_length=50)


class Notification(_Model):
    """``notificare``."""

    operation_type: str = Field(alias="codTipOperatiune")
    correction_uit: str | None = Field(None, alias="corectie", description="the UIT this corrects")
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

    uit: str


class Confirmation(_Model):
    """``confirmare``: 10 confirmed, 20 partially confirmed, 30 denied."""

    uit: str
    confirmation_type: str = Field(alias="tipConfirmare")
    notes: str | None = Field(None, alias="observatii", max_length=200)


class VehicleChange(_Model):
    """``modifVehicul``."""

    uit: str
    vehicle: str = Field(alias="nrVehicul")
    trailer1: str | None = Field(None, alias="nrRemorca1")
    trailer2: str | None = Field(None, alias="nrRemorca2")
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

    declarant_code: str = Field(alias="codDeclarant", description="CUI/CNP/NIF, digits, no RO")
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
