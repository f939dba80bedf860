"""API shapes for the CRM: plain English snake_case fields, strict validation, field-level errors.

- e-mail: ``email-validator`` syntax check (no DNS), stored lower-case;
- phone: normalised to E.164 with a strict pattern (``phonenumbers`` is not installed): spaces,
  dots, dashes and parentheses are dropped, ``00`` becomes ``+`` and a Romanian national number
  (``07xx xxx xxx``, ``02x/03x …``) gets ``+40``; the result must be ``+`` and 8-15 digits;
- CUI: ``stdnum.ro.cui`` checksum, stored as digits without the ``RO`` prefix;
- amounts: ``Decimal`` (≥ 0, 2 decimals, 16 integer digits) with an ISO 4217 currency code;
- custom fields: a flat JSON object of scalars with snake_case keys, at most 50 keys / 16 KB.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ro import cui as ro_cui

# --- scalar types ---------------------------------------------------------------------------------
NO_NUL = r"^[^\x00]*$"
TEXT = r"^[^\x00]*[^\s\x00][^\x00]*$"  # not blank: it is stripped, then must not be empty


class Declared:
    """JSON Schema keywords for a rule the validator checks in code, so the schema says what the server
    enforces (the code's check stays: it may accept more, e.g. a phone number with spaces)."""

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(
        self, core: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core)
        schema.update(self.keywords)
        return schema


def _no_control(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


Str300 = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300, pattern=TEXT),
    AfterValidator(_no_control),
]


Opt40 = Annotated[
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=40, pattern=NO_NUL),
        AfterValidator(_no_control),
    ]
    | None,
    BeforeValidator(_blank_to_none),
]
Opt50 = Annotated[
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=50, pattern=NO_NUL),
        AfterValidator(_no_control),
    ]
    | None,
    BeforeValidator(_blank_to_none),
]
Opt100 = Annotated[
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=100, pattern=NO_NUL),
        AfterValidator(_no_control),
    ]
    | None,
    BeforeValidator(_blank_to_none),
]
Opt150 = Annotated[
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=150, pattern=NO_NUL),
        AfterValidator(_no_control),
    ]
    | None,
    BeforeValidator(_blank_to_none),
]
Opt200 = Annotated[
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=200, pattern=NO_NUL),
        AfterValidator(_no_control),
    ]
    | None,
    BeforeValidator(_blank_to_none),
]
Opt300 = Annotated[
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=300, pattern=NO_NUL),
        AfterValidator(_no_control),
    ]
    | None,
    BeforeValidator(_blank_to_none),
]
Opt500 = Annotated[
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=500, pattern=NO_NUL),
        AfterValidator(_no_control),
    ]
    | None,
    BeforeValidator(_blank_to_none),
]
Opt2000 = Annotated[
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=2000, pattern=NO_NUL),
        AfterValidator(_no_control),
    ]
    | None,
    BeforeValidator(_blank_to_none),
]
Opt10k = Annotated[
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=10_000, pattern=NO_NUL),
        AfterValidator(_no_control),
    ]
    | None,
    BeforeValidator(_blank_to_none),
]
Opt50k = Annotated[
    Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=50_000, pattern=NO_NUL),
        AfterValidator(_no_control),
    ]
    | None,
    BeforeValidator(_blank_to_none),
]


_PHONE_STRIP = re.compile(r"[\s().\-/]")
E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def normalise_phone(value: str) -> str:
    raw = _PHONE_STRIP.sub("", value)
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    elif re.fullmatch(r"0[2-9]\d{8}", raw):  # Romanian national format
        raw = "+40" + raw[1:]
    if not E164.match(raw):
        raise ValueError("must be a phone number in E.164 format, e.g. +40722123456")
    return raw


def normalise_cui(value: str) -> str:
    try:
        return str(ro_cui.validate(value))
    except StdnumError as exc:
        raise ValueError(f"is not a valid Romanian CUI/CIF: {exc}") from exc


# The VAT id's prefix is its country's ISO code but for Greece (EL) and Northern Ireland (XI).
VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}


def normalise_eu_vat(value: str) -> str:
    """An EU VAT id, its country prefix first (``DE136695976``), checked by python-stdnum (``stdnum.eu.vat``:
    the member state's format and check digits). A Romanian company is identified by its CUI instead."""
    compact = eu_vat.compact(value)
    if compact[:2].upper() == "RO":
        raise ValueError("is Romanian: a Romanian company is identified by its CUI (the cui field)")
    try:
        return str(eu_vat.validate(compact)).upper()
    except StdnumError as exc:
        raise ValueError(f"is not a valid EU VAT id: {exc}") from exc


def vat_id_country(vat_id: str) -> str:
    """The ISO 3166 country of an EU VAT id (``EL…`` → ``GR``)."""
    prefix = vat_id[:2].upper()
    return VAT_PREFIX_COUNTRY.get(prefix, prefix)


def _lower_email(value: str) -> str:
    return value.lower()


PHONE_PATTERN = r"^(?:\+[1-9][0-9]{7,14}|00[1-9][0-9]{7,14}|0[2-9][0-9]{8})$"
CUI_PATTERN = r"^(?:RO)?[1-9][0-9]{1,9}$"
Phone = Annotated[
    Annotated[
        str,
        StringConstraints(max_length=40),
        AfterValidator(normalise_phone),
        Declared(
            pattern=PHONE_PATTERN,
            description="E.164 (+40722123456), 00 for +, or a Romanian national number (0722123456); "
            "spaces, dots, dashes, slashes and parentheses are also accepted and dropped",
        ),
    ]
    | None,
    BeforeValidator(_blank_to_none),
]
Cui = Annotated[
    Annotated[
        str,
        StringConstraints(max_length=20),
        AfterValidator(normalise_cui),
        Declared(
            pattern=CUI_PATTERN,
            description="Romanian CUI/CIF: 2-10 digits, optional RO prefix; the last digit is a check "
            "digit (a wrong one is a 422)",
        ),
    ]
    | None,
    BeforeValidator(_blank_to_none),
]
# The member states but Romania (a Romanian company has its CUI), by their VAT prefixes.
EU_VAT_PREFIXES = "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT SE SI SK XI".split()
VAT_ID_PATTERN = rf"^(?:{'|'.join(EU_VAT_PREFIXES)})[0-9A-Za-z+*]{{2,14}}$"
VatId = Annotated[
    Annotated[
        str,
        StringConstraints(max_length=24),
        AfterValidator(normalise_eu_vat),
        Declared(
            pattern=VAT_ID_PATTERN,
            description="EU VAT id of a company outside Romania, its country prefix first (DE136695976, "
            "EL094259216; spaces, dots and dashes dropped), checked with the member state's format and "
            "check digits (a wrong one is a 422); its country must be the account's",
        ),
    ]
    | None,
    BeforeValidator(_blank_to_none),
]
Email = Annotated[
    Annotated[EmailStr, StringConstraints(max_length=320), AfterValidator(_lower_email)] | None,
    BeforeValidator(_blank_to_none),
]

# ISO 4217 active codes.
CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
    GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD
    KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK
    NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD
    SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD
    XCG XOF XPF YER ZAR ZMW ZWG""".split()
)


def _currency(value: str) -> str:
    code = value.strip().upper()
    if code not in CURRENCIES:
        raise ValueError("must be an ISO 4217 currency code, e.g. RON, EUR")
    return code


Currency = Annotated[
    str,
    StringConstraints(max_length=3),
    AfterValidator(_currency),
    Declared(enum=sorted(CURRENCIES), description="ISO 4217 code"),
]
AMOUNT_PATTERN = r"^[0-9]{1,16}(?:\.[0-9]{1,2})?$"
Amount = Annotated[
    Decimal,
    Field(ge=0, max_digits=18, decimal_places=2, allow_inf_nan=False),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 1e15, "multipleOf": 0.01},
                {"type": "string", "pattern": AMOUNT_PATTERN},
            ],
            "description": "≥ 0, at most 16 integer digits and 2 decimals",
        }
    ),
]

_CUSTOM_KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
CustomValue = str | int | float | bool | None


def _custom_fields(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > 50:
        raise ValueError("at most 50 custom fields")
    for key, item in value.items():
        if not _CUSTOM_KEY.match(key):
            raise ValueError(f"key {key[:70]!r} must be snake_case (a-z, 0-9, _; up to 63 characters)")
        if isinstance(item, str) and (len(item) > 1000 or "\x00" in item):
            raise ValueError(f"{key}: text values are at most 1000 characters, without NUL")
        if isinstance(item, float) and item != item:  # NaN
            raise ValueError(f"{key}: NaN is not allowed")
    if len(json.dumps(value, default=str)) > 16_384:
        raise ValueError("custom fields are limited to 16 KB")
    return value


CustomFields = Annotated[
    dict[str, CustomValue],
    AfterValidator(_custom_fields),
    WithJsonSchema(
        {
            "type": "object",
            "maxProperties": 50,
            "propertyNames": {"pattern": _CUSTOM_KEY.pattern},
            "additionalProperties": {
                "anyOf": [
                    {"type": "string", "maxLength": 1000, "pattern": NO_NUL},
                    {"type": "number"},
                    {"type": "boolean"},
                    {"type": "null"},
                ]
            },
            "description": "Flat object of scalars: snake_case keys (up to 63 characters), at most 50 keys, "
            "text values up to 1000 characters, 16 KB in all (JSON)",
        }
    ),
]


class Stage(StrEnum):
    prospecting = "prospecting"
    qualification = "qualification"
    proposal = "proposal"
    negotiation = "negotiation"
    won = "won"
    lost = "lost"


OPEN_STAGES = (Stage.prospecting, Stage.qualification, Stage.proposal, Stage.negotiation)
# From → allowed targets. Open stages move freely among themselves and close as won or lost;
# won is final; a lost opportunity may be reopened (with a reason) at prospecting or qualification.
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    **{s: frozenset(set(OPEN_STAGES) - {s} | {Stage.won, Stage.lost}) for s in OPEN_STAGES},
    Stage.won: frozenset(),
    Stage.lost: frozenset({Stage.prospecting, Stage.qualification}),
}
REASON_REQUIRED = frozenset({Stage.won, Stage.lost})


class LeadStatus(StrEnum):
    new = "new"
    qualified = "qualified"
    disqualified = "disqualified"
    converted = "converted"


class ActivityKind(StrEnum):
    note = "note"
    call = "call"
    meeting = "meeting"
    email = "email"
    task = "task"


class ComplianceStatus(StrEnum):
    unchecked = "unchecked"
    pending = "pending"
    verified = "verified"
    invalid = "invalid"
    inactive = "inactive"
    unavailable = "unavailable"


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


Tag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=50, pattern=TEXT),
    AfterValidator(_no_control),
]
Tags = Annotated[
    list[Tag],
    Field(max_length=20, description="Up to 20 tags (lower case, each once)"),
    AfterValidator(_unique),
]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _not_null_in_schema(schema: dict[str, Any], cls: type) -> None:
    """A PATCH field that cannot be cleared is not nullable in the schema either."""
    for name in getattr(cls, "NOT_NULL", ()):
        prop = schema.get("properties", {}).get(name)
        if not prop:
            continue
        prop.pop("default", None)
        if "anyOf" not in prop:
            continue
        branches = [b for b in prop["anyOf"] if b.get("type") != "null"]
        if len(branches) == 1:
            del prop["anyOf"]
            prop.update(branches[0])
        else:
            prop["anyOf"] = branches


class Patch(Input):
    """PATCH bodies: only the fields sent are changed; ``null`` clears a field unless it is required."""

    model_config = ConfigDict(json_schema_extra=_not_null_in_schema)

    NOT_NULL: ClassVar[frozenset[str]] = frozenset({"custom_fields"})

    @model_validator(mode="after")
    def _required_not_cleared(self) -> Patch:
        for name in self.NOT_NULL & self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


# --- accounts -------------------------------------------------------------------------------------
class AccountFields(Input):
    registration_number: Opt40 = None
    email: Email = None
    phone: Phone = None
    website: Opt300 = None
    industry: Opt100 = None
    address: Opt500 = None
    city: Opt100 = None
    county: Opt100 = None
    owner: Opt200 = None


class AccountCreate(AccountFields):
    name: Str300
    custom_fields: CustomFields = Field(default_factory=dict)
    cui: Cui = None
    vat_id: VatId = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "RO"


class AccountUpdate(AccountFields, Patch):
    NOT_NULL = frozenset({"name", "country", "custom_fields"})

    name: Str300 | None = None
    cui: Cui = None
    vat_id: VatId = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    custom_fields: CustomFields | None = None


class Timestamps(BaseModel):
    id: uuid.UUID
    version: int
    custom_fields: dict[str, Any]
    owner: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime

    model_config = ConfigDict(from_attributes=True)


class AccountOut(Timestamps):
    name: str
    cui: str | None
    vat_id: str | None = None
    registration_number: str | None
    email: str | None
    phone: str | None
    website: str | None
    industry: str | None
    address: str | None
    city: str | None
    county: str | None
    country: str
    compliance_status: ComplianceStatus
    official: dict[str, Any] | None
    checked_at: datetime | None
    merged_into_id: uuid.UUID | None


# --- contacts -------------------------------------------------------------------------------------
class ContactFields(Input):
    account_id: uuid.UUID | None = None
    first_name: Opt100 = None
    last_name: Opt100 = None
    email: Email = None
    phone: Phone = None
    job_title: Opt150 = None
    city: Opt100 = None
    county: Opt100 = None
    owner: Opt200 = None


class ContactCreate(ContactFields):
    model_config = ConfigDict(
        json_schema_extra={"description": "Needs at least one of first_name, last_name or email (else 422)"}
    )

    custom_fields: CustomFields = Field(default_factory=dict)
    tags: Tags = Field(default_factory=list)

    @model_validator(mode="after")
    def _named(self) -> ContactCreate:
        if not (self.first_name or self.last_name or self.email):
            raise ValueError("a contact needs a first_name, a last_name or an email")
        return self


class ContactUpdate(ContactFields, Patch):
    NOT_NULL = frozenset({"custom_fields", "tags"})

    custom_fields: CustomFields | None = None
    tags: Tags | None = None


class ContactOut(Timestamps):
    account_id: uuid.UUID | None
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    job_title: str | None
    city: str | None
    county: str | None
    merged_into_id: uuid.UUID | None = None
    tags: list[str] = Field(default_factory=list)


# --- leads ----------------------------------------------------------------------------------------
class LeadFields(Input):
    first_name: Opt100 = None
    last_name: Opt100 = None
    email: Email = None
    phone: Phone = None
    company_name: Opt300 = None
    cui: Cui = None
    job_title: Opt150 = None
    city: Opt100 = None
    county: Opt100 = None
    source: Opt50 = None
    notes: Opt10k = None
    owner: Opt200 = None


class LeadCreate(LeadFields):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "Needs at least one of first_name, last_name, company_name or email (else 422)"
        }
    )

    custom_fields: CustomFields = Field(default_factory=dict)
    tags: Tags = Field(default_factory=list)

    @model_validator(mode="after")
    def _named(self) -> LeadCreate:
        if not (self.first_name or self.last_name or self.company_name or self.email):
            raise ValueError("a lead needs a first_name, a last_name, a company_name or an email")
        return self


class LeadUpdate(LeadFields, Patch):
    NOT_NULL = frozenset({"status", "custom_fields", "tags"})

    custom_fields: CustomFields | None = None
    tags: Tags | None = None
    status: Annotated[
        LeadStatus | None,
        WithJsonSchema(
            {
                "type": "string",
                "enum": [LeadStatus.new.value, LeadStatus.disqualified.value],
                "description": "Only new ↔ disqualified here; use /qualify and /convert for the rest",
            }
        ),
    ] = None


class LeadCard(NamedTuple):
    """What other modules' lists show of a lead (outreach: each journey's company), read as one narrow
    row: no ORM object and no validation per row (a third of the leads list's lookup)."""

    id: uuid.UUID
    first_name: str | None
    last_name: str | None
    company_name: str | None
    cui: str | None
    email: str | None
    phone: str | None
    city: str | None
    status: str


class LeadOut(Timestamps):
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    company_name: str | None
    cui: str | None
    job_title: str | None
    city: str | None
    county: str | None
    source: str | None
    notes: str | None
    status: LeadStatus
    qualified_at: datetime | None
    converted_at: datetime | None
    converted_account_id: uuid.UUID | None
    converted_contact_id: uuid.UUID | None
    converted_opportunity_id: uuid.UUID | None
    merged_into_id: uuid.UUID | None = None
    tags: list[str] = Field(default_factory=list)


class ConvertIn(Input):
    account_id: uuid.UUID | None = Field(
        None, description="Link this existing account instead of creating one"
    )
    contact_id: uuid.UUID | None = Field(
        None, description="Link this existing contact instead of creating one"
    )
    create_opportunity: bool = True
    opportunity_name: Opt300 = None
    amount: Amount | None = None
    currency: Currency = "RON"
    expected_close_date: date | None = None


class ConvertOut(BaseModel):
    account_id: uuid.UUID
    contact_id: uuid.UUID
    opportunity_id: uuid.UUID | None
    account_created: bool
    contact_created: bool


class CuiCheckIn(Input):
    cui: Annotated[str, StringConstraints(max_length=40)]


class CuiCheckOut(BaseModel):
    cui: str
    input: str
    valid: bool
    reason: str | None = None
    vat_code: str | None = Field(None, description="The CUI with the RO prefix (VAT status not checked)")
    existing_account_id: uuid.UUID | None = None


# --- opportunities --------------------------------------------------------------------------------
class OpportunityFields(Input):
    contact_id: uuid.UUID | None = None
    amount: Amount | None = None
    probability: Annotated[int, Field(ge=0, le=100)] | None = None
    expected_close_date: date | None = None
    owner: Opt200 = None


class OpportunityCreate(OpportunityFields):
    name: Str300
    account_id: uuid.UUID
    currency: Currency = "RON"
    stage: Annotated[
        Stage,
        WithJsonSchema(
            {
                "type": "string",
                "enum": [st.value for st in OPEN_STAGES],
                "default": Stage.prospecting.value,
                "description": "An open stage; close it with /stage",
            }
        ),
    ] = Stage.prospecting
    custom_fields: CustomFields = Field(default_factory=dict)

    @field_validator("stage")
    @classmethod
    def _open(cls, value: Stage) -> Stage:
        if value not in OPEN_STAGES:
            raise ValueError("a new opportunity starts in an open stage; close it with /stage")
        return value


class OpportunityUpdate(OpportunityFields, Patch):
    NOT_NULL = frozenset({"name", "account_id", "currency", "custom_fields"})

    name: Str300 | None = None
    account_id: uuid.UUID | None = None
    currency: Currency | None = None
    custom_fields: CustomFields | None = None


class StageIn(Input):
    stage: Stage
    reason: Opt2000 = None


class OpportunityOut(Timestamps):
    name: str
    account_id: uuid.UUID
    contact_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    stage: Stage
    stage_reason: str | None
    amount: Decimal | None
    currency: str
    probability: int | None
    expected_close_date: date | None
    closed_at: datetime | None


class StageChangeOut(BaseModel):
    id: uuid.UUID
    from_stage: Stage | None
    to_stage: Stage
    reason: str | None
    changed_by: str
    changed_at: datetime

    model_config = ConfigDict(from_attributes=True)


# --- activities -----------------------------------------------------------------------------------
class ActivityFields(Input):
    body: Opt50k = None
    occurred_at: datetime | None = None
    due_at: datetime | None = None
    done: bool | None = None
    account_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    opportunity_id: uuid.UUID | None = None
    owner: Opt200 = None


class ActivityCreate(ActivityFields):
    kind: ActivityKind
    subject: Str300
    custom_fields: CustomFields = Field(default_factory=dict)


class ActivityUpdate(ActivityFields, Patch):
    NOT_NULL = frozenset({"kind", "subject", "occurred_at", "done", "custom_fields"})

    kind: ActivityKind | None = None
    subject: Str300 | None = None
    custom_fields: CustomFields | None = None


class ActivityOut(Timestamps):
    kind: ActivityKind
    subject: str
    body: str | None
    occurred_at: datetime
    due_at: datetime | None
    done: bool
    account_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    opportunity_id: uuid.UUID | None


# --- duplicates, merges, timeline -----------------------------------------------------------------
MergeableEntity = Annotated[str, StringConstraints(pattern=r"^(accounts|contacts|leads)$")]


class DuplicateOut(BaseModel):
    id: uuid.UUID
    label: str
    reasons: list[str] = Field(description="cui, email, phone and/or name")
    score: float = Field(description="0..1: exact matches weigh more than a similar name")


class DuplicatesOut(BaseModel):
    items: list[DuplicateOut]


class MergeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "description": "Cross-field rules (else 422): survivor_id is not in merged_ids; every key of "
            "fields is a field of the path's entity that a merge may take, and its value is survivor_id or "
            "one of merged_ids; every id names a live record of that entity"
        },
    )

    survivor_id: uuid.UUID = Field(description="The record that stays")
    merged_ids: list[uuid.UUID] = Field(min_length=1, max_length=20, description="Records merged into it")
    fields: Annotated[
        dict[Annotated[str, StringConstraints(max_length=40, pattern=r"^[a-z][a-z_]*$")], uuid.UUID],
        WithJsonSchema(
            {
                "type": "object",
                "maxProperties": 30,
                "propertyNames": {"maxLength": 40, "pattern": r"^[a-z][a-z_]*$"},
                "additionalProperties": {"type": "string", "format": "uuid"},
            }
        ),
    ] = Field(
        default_factory=dict,
        max_length=30,
        description="Take these fields from the given record (survivor or merged); blanks are filled anyway",
    )


class MergeOut(BaseModel):
    merge_id: uuid.UUID
    survivor_id: uuid.UUID
    merged_ids: list[uuid.UUID]
    moved: dict[str, int]
    survivor: dict[str, Any]


class MergeRecordOut(BaseModel):
    id: uuid.UUID
    entity: str
    survivor_id: uuid.UUID
    merged_ids: list[uuid.UUID]
    survivor_before: dict[str, Any]
    snapshots: list[dict[str, Any]]
    moved: dict[str, int]
    merged_by: str
    merged_at: datetime

    model_config = ConfigDict(from_attributes=True)


class TimelineItem(BaseModel):
    id: str = Field(description="<source>:<id>, stable")
    kind: str = Field(
        description="activity, opportunity, stage_change, sales_order, shipment, compliance, merge"
    )
    occurred_at: datetime
    title: str
    data: dict[str, Any]
