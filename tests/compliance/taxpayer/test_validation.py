"""Local CUI validation: format and check digit (python-stdnum), RO prefix and spaces accepted."""

from __future__ import annotations

import pytest

from genius.compliance.taxpayer.records import validate_cui


@pytest.mark.parametrize(
    ("value", "cui"),
    [
        ("14399840", 14399840),
        ("RO14399840", 14399840),
        ("ro 14399840", 14399840),
        (" RO 14 399 840 ", 14399840),
        ("RO-14399840", 14399840),
        (14399840, 14399840),
        ("4264242", 4264242),
        ("19", 19),
    ],
)
def test_valid(value: str | int, cui: int) -> None:
    verdict = validate_cui(value)
    assert verdict.valid and verdict.cui == cui and verdict.vat_code == f"RO{cui}"
    assert verdict.error is None


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("14399841", "checksum"),
        ("RO14399841", "checksum"),
        ("12", "checksum"),
        ("3083485711", "checksum"),
        ("1", "length"),
        ("12345678901", "length"),
        ("014399840", "format"),
        ("14.399.840", "format"),
        ("RO", "empty"),
        ("", "empty"),
        ("   ", "empty"),
        ("DE123456789", "format"),
        ("abc", "format"),
        ("1800101221144", "cnp"),
    ],
)
def test_invalid(value: str, error: str) -> None:
    verdict = validate_cui(value)
    assert not verdict.valid
    assert verdict.error == error
    assert verdict.cui is None and verdict.message
