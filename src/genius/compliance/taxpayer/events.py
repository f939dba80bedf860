"""Event contracts published by taxpayer (registered with ``@event``; see core/events/topics.py)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from genius.compliance.taxpayer.records import TaxpayerCheck
from genius.core.events.registry import event


@event("anaf.taxpayer.validated", version=1)
class TaxpayerValidated(BaseModel):
    """A CUI was checked: locally (format, check digit) and, when valid, against ANAF's registries
    (PlatitorTvaRest v9). ``status`` is ``verified``, ``invalid``, ``inactive``, ``not_found`` or
    ``unavailable`` (ANAF could not be reached; the official fields are then empty)."""

    cui: str = Field(description="The CUI as given (may be invalid)")
    cui_number: int | None = Field(default=None, description="The CUI as a number, when valid")
    valid: bool
    status: Literal["verified", "invalid", "inactive", "not_found", "unavailable"]
    message: str | None = None
    date: dt.date = Field(description="The date the registries were queried for")
    checked_at: dt.datetime
    name: str | None = None
    address: str | None = None
    registration_number: str | None = None
    caen: str | None = None
    phone: str | None = None
    vat_registered: bool | None = None
    vat_on_collection: bool | None = None
    split_vat: bool | None = None
    inactive: bool | None = None
    e_factura: bool | None = None

    @classmethod
    def of(cls, check: TaxpayerCheck) -> TaxpayerValidated:
        r = check.record
        return cls(
            cui=check.input,
            cui_number=check.cui,
            valid=check.valid,
            status=check.status,
            message=check.message,
            date=check.date,
            checked_at=check.checked_at,
            name=r.name if r else None,
            address=r.address if r else None,
            registration_number=r.registration_number if r else None,
            caen=r.caen if r else None,
            phone=r.phone if r else None,
            vat_registered=r.vat_registered if r else None,
            vat_on_collection=r.vat_on_collection if r else None,
            split_vat=r.split_vat if r else None,
            inactive=r.inactive if r else None,
            e_factura=r.e_factura if r else None,
        )
