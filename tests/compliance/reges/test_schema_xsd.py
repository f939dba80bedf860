"""``reges/schema.py`` stays in step with the official XSD (it was generated from it once): every model
type, its elements in order, and every enumeration a modelled element uses."""

from __future__ import annotations

import inspect
import typing
from typing import Any

import pytest
import xmlschema

from genius.compliance.reges import schema
from genius.compliance.reges.base import RegesModel
from tests.compliance.conftest import shared_data

MODELS = [
    cls
    for cls in vars(schema).values()
    if inspect.isclass(cls) and issubclass(cls, RegesModel) and cls.__dict__.get("xml_type")
]
LITERALS = {name: value for name, value in vars(schema).items() if typing.get_origin(value) is typing.Literal}


@pytest.fixture(scope="module")
def xsd() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(shared_data("reges", "reges.xsd")))


def _elements(xsd_type: Any) -> list[Any]:
    return list(xsd_type.content.iter_elements()) if xsd_type.has_complex_content() else []


@pytest.mark.parametrize("model", MODELS, ids=lambda cls: cls.__name__)
def test_each_model_has_its_xsd_types_elements_in_order(
    model: type[RegesModel], xsd: xmlschema.XMLSchema
) -> None:
    xsd_type = xsd.types.get(model.xml_type)
    assert xsd_type is not None, f"{model.xml_type} is not a type of the XSD"
    assert list(model.all_xml_names().values()) == [e.local_name for e in _elements(xsd_type)]
    base = xsd_type.base_type
    if base is not None and base.name and base.local_name in {m.xml_type for m in MODELS}:
        # An XSD extension is a Python subclass, so the base's elements come first.
        assert any(getattr(k, "xml_type", None) == base.local_name for k in model.__mro__[1:])


def test_every_enumeration_a_model_uses_is_a_literal_with_the_same_values(xsd: xmlschema.XMLSchema) -> None:
    used = {
        element.type.local_name: element.type
        for model in MODELS
        for element in _elements(xsd.types[model.xml_type])
        if element.type.name and getattr(element.type, "enumeration", None)
    }
    assert used, "no enumerated element found: the XSD reading is broken"
    for name, xsd_type in used.items():
        assert name in LITERALS, f"{name} has no Literal in schema.py"
    for name, literal in LITERALS.items():
        xsd_type = xsd.types.get(name)
        if xsd_type is None or not getattr(xsd_type, "enumeration", None):
            continue
        # As sets: the XSD lists RadiereContract twice in MessageType.
        assert set(typing.get_args(literal)) == set(xsd_type.enumeration), name
