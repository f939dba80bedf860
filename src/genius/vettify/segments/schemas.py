"""A segment's filter as a typed, validated JSON document, and the segment API's shapes.

``SegmentFilter`` = ``match`` (all / any) + up to 20 rules; each rule is one member of a union
discriminated by ``field``: an unknown field, an unknown operator or a value of the wrong shape is a
422 naming the rule's field. Which rules apply to which entity is checked by the service (a lead has
no consent or campaign history of its own)."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from genius.vettify import schemas as s
from genius.vettify.campaigns.schemas import ConsentChannel

MAX_RULES = 20
PREVIEW_MAX = 50

Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=s.TEXT)]


class Entity(StrEnum):
    contact = "contact"
    lead = "lead"


class Rule(s.Input):
    """Common base: a rule names its field (the discriminator) and an operator."""


TEXT_FIELDS = ("city", "county", "job_title", "email", "owner", "first_name", "last_name")
LEAD_TEXT_FIELDS = ("company_name", "source", "cui")
VALUE_OPS = frozenset({"eq", "ne", "contains", "starts_with"})


class TextRule(Rule):
    """A text column: equal / not equal (case and diacritics ignored), one of, contains, starts with,
    set or not set."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": "eq, ne, contains, starts_with need a text value; in a list of 1-50; "
            "is_set and is_not_set no value (else 422)"
        }
    )

    field: Literal[
        "city",
        "county",
        "job_title",
        "email",
        "owner",
        "first_name",
        "last_name",
        "company_name",
        "source",
        "cui",
    ]
    op: Literal["eq", "ne", "in", "contains", "starts_with", "is_set", "is_not_set"]
    value: Word | Annotated[list[Word], Field(min_length=1, max_length=50)] | None = None

    @model_validator(mode="after")
    def _value_fits(self) -> TextRule:
        if self.op in VALUE_OPS and not isinstance(self.value, str):
            raise ValueError(f"op {self.op} needs a text value")
        if self.op == "in" and not isinstance(self.value, list):
            raise ValueError("op in needs a list of values")
        if self.op in ("is_set", "is_not_set") and self.value is not None:
            raise ValueError(f"op {self.op} takes no value")
        return self


class TagRule(Rule):
    field: Literal["tags"]
    op: Literal["has_any", "has_all", "has_none"]
    value: Annotated[list[s.Tag], Field(min_length=1, max_length=20)]


class StageRule(Rule):
    """Contacts: has a live opportunity in one of these stages (``not_in``: none in them)."""

    field: Literal["stage"]
    op: Literal["in", "not_in"]
    value: Annotated[list[s.Stage], Field(min_length=1, max_length=6)]


class StatusRule(Rule):
    """Leads: the lead's status."""

    field: Literal["status"]
    op: Literal["in", "not_in"]
    value: Annotated[list[s.LeadStatus], Field(min_length=1, max_length=4)]


class ComplianceRule(Rule):
    """The ANAF check of the company: a contact's account, a lead's account with the same CUI."""

    field: Literal["compliance_status"]
    op: Literal["in", "not_in"]
    value: Annotated[list[s.ComplianceStatus], Field(min_length=1, max_length=6)]


class ConsentRule(Rule):
    """Contacts: an unwithdrawn consent on the channel (``given``) or none (``missing``)."""

    field: Literal["consent"]
    op: Literal["given", "missing"]
    channel: ConsentChannel = ConsentChannel.email


class EngagementRule(Rule):
    """Contacts: received, opened or clicked a campaign (one, or any), optionally in the last N days;
    ``not_opened`` / ``not_clicked``: received it and did not."""

    field: Literal["engagement"]
    op: Literal["received", "opened", "clicked", "not_opened", "not_clicked"]
    campaign_id: uuid.UUID | None = Field(None, description="This campaign only (default: any)")
    within_days: int | None = Field(None, ge=1, le=3650, description="Sent in the last N days")


AnyRule = Annotated[
    TextRule | TagRule | StageRule | StatusRule | ComplianceRule | ConsentRule | EngagementRule,
    Field(discriminator="field"),
]
# Fields that exist for one entity only (the service answers 422 for the other).
ONLY_FOR: dict[str, Entity] = {
    "stage": Entity.contact,
    "consent": Entity.contact,
    "engagement": Entity.contact,
    "status": Entity.lead,
    **dict.fromkeys(LEAD_TEXT_FIELDS, Entity.lead),
}


ENTITY_RULES = (
    "stage, consent and engagement rules are for contacts; status, company_name, source and cui rules "
    "for leads (else 422)"
)


class SegmentFilter(s.Input):
    model_config = ConfigDict(json_schema_extra={"description": ENTITY_RULES})

    match: Literal["all", "any"] = Field("all", description="all: every rule holds; any: at least one")
    rules: Annotated[list[AnyRule], Field(max_length=MAX_RULES)] = Field(default_factory=list)


class SegmentFields(s.Input):
    description: s.Opt2000 = None
    owner: s.Opt200 = None


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=s.TEXT)]


class SegmentCreate(SegmentFields):
    name: Name
    entity: Entity = Entity.contact
    filter: SegmentFilter = Field(default_factory=SegmentFilter)
    custom_fields: s.CustomFields = Field(default_factory=dict)


class SegmentUpdate(SegmentFields, s.Patch):
    NOT_NULL = frozenset({"name", "entity", "filter", "custom_fields"})

    name: Name | None = None
    entity: Entity | None = None
    filter: SegmentFilter | None = None
    custom_fields: s.CustomFields | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)  # the filter is stored as JSON


class SegmentOut(s.Timestamps):
    name: str
    entity: Entity
    description: str | None
    filter: SegmentFilter


class PreviewIn(s.Input):
    entity: Entity = Entity.contact
    filter: SegmentFilter = Field(default_factory=SegmentFilter)
    limit: int = Field(10, ge=1, le=PREVIEW_MAX)


class Match(BaseModel):
    """One matching contact or lead."""

    id: uuid.UUID
    name: str
    email: str | None
    city: str | None
    company: str | None


class CountOut(BaseModel):
    entity: Entity
    count: int = Field(description="Live count of the matches now")


class PreviewOut(CountOut):
    items: list[Match]
