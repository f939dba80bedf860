"""The CRM schema declares what the validators enforce: what a declared pattern allows, the code accepts."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from genius.vettify import schemas as s
from genius.vettify.api import listing
from genius.vettify.service import ACCOUNTS


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.from_regex(s.PHONE_PATTERN, fullmatch=True))
def test_every_phone_the_schema_allows_normalises(phone: str) -> None:
    assert s.E164.match(s.normalise_phone(phone))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.from_regex(s.AMOUNT_PATTERN, fullmatch=True))
def test_every_amount_string_the_schema_allows_validates(amount: str) -> None:
    assert TypeAdapter(s.Amount).validate_python(amount) == Decimal(amount)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.from_regex(s.TEXT, fullmatch=True).filter(lambda v: len(v) <= 300))
def test_every_name_the_schema_allows_validates(name: str) -> None:
    TypeAdapter(s.Str300).validate_python(name)


def test_cui_pattern_is_the_digits_only() -> None:
    assert re.fullmatch(s.CUI_PATTERN, "RO14399840")
    s.normalise_cui("RO14399840")
    with pytest.raises(ValueError, match="CUI"):  # matches the pattern, wrong check digit: allow-listed
        s.normalise_cui("RO14399841")


def _props(model: Any) -> dict[str, Any]:
    props: dict[str, Any] = model.model_json_schema()["properties"]
    return props


def test_patch_fields_that_cannot_be_cleared_are_not_nullable() -> None:
    props = _props(s.OpportunityUpdate)
    assert "anyOf" not in props["name"] and props["name"]["type"] == "string"
    assert props["currency"]["enum"][:2] == ["AED", "AFN"]
    assert {"type": "null"} in props["contact_id"]["anyOf"]  # this one can be cleared
    with pytest.raises(ValidationError):
        s.OpportunityUpdate.model_validate({"name": None})


def test_closed_sets_are_enums() -> None:
    assert _props(s.LeadUpdate)["status"]["enum"] == ["new", "disqualified"]
    assert _props(s.OpportunityCreate)["stage"]["enum"] == [
        "prospecting",
        "qualification",
        "proposal",
        "negotiation",
    ]
    custom = _props(s.AccountCreate)["custom_fields"]
    assert custom["propertyNames"]["pattern"] == s._CUSTOM_KEY.pattern and custom["maxProperties"] == 50


def test_sort_declares_the_entity_keys() -> None:
    sort = listing(ACCOUNTS).__annotations__["sort"].__metadata__[0]
    pattern = next(m.pattern for m in sort.metadata if hasattr(m, "pattern"))
    assert re.fullmatch(pattern, "-name") and not re.fullmatch(pattern, "password")
