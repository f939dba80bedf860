"""One finding of a validator (e-Factura, e-Transport, SAF-T, REGES): rule id, severity, XPath, message.

A finding may also carry a stable ``code`` and its ``params``: the message is then the English template
registered for the code (``Templates``; marked ``N_`` so the web catalogue extracts it) filled with the
params, and a page in another language translates the template by the code and fills the same params.
The message stays the English text (the API, the logs, the events); findings without a code (an
official XSLT's, the XSD's, DUKIntegrator's) are shown as they come.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from genius.core.kit.manifest import N_

Severity = Literal["fatal", "warning"]

# A model's refusals by pydantic's error type (``missing``, ``string_too_long``…), the params its
# ``ctx`` gives: a validator prefixes them with its own name (``reges.model.missing``) in its table.
PYDANTIC_TEMPLATES: dict[str, str] = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "string_too_long": N_("String should have at most %(max_length)s characters"),
    "string_too_short": N_("String should have at least %(min_length)s characters"),
    "string_type": N_("Input should be a valid string"),
    "string_pattern_mismatch": N_("String should match pattern '%(pattern)s'"),
    "literal_error": N_("Input should be %(expected)s"),
    "enum": N_("Input should be %(expected)s"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("Input should be a valid date in the format YYYY-MM-DD"),
    "date_type": N_("Input should be a valid date in the format YYYY-MM-DD"),
    "datetime_parsing": N_("Input should be a valid date and time"),
    "datetime_from_date_parsing": N_("Input should be a valid date and time"),
    "int_parsing": N_("Input should be a valid integer"),
    "int_type": N_("Input should be a valid integer"),
    "decimal_parsing": N_("Input should be a valid decimal number"),
    "decimal_type": N_("Input should be a valid decimal number"),
    "float_parsing": N_("Input should be a valid number"),
    "bool_parsing": N_("Input should be a valid boolean"),
    "uuid_parsing": N_("Input should be a valid UUID"),
    "greater_than_equal": N_("Input should be greater than or equal to %(ge)s"),
    "greater_than": N_("Input should be greater than %(gt)s"),
    "less_than_equal": N_("Input should be less than or equal to %(le)s"),
    "too_short": N_("The list should have at least %(min_length)s items"),
    "too_long": N_("The list should have at most %(max_length)s items"),
    "list_type": N_("Input should be a valid list"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be an object"),
    "json_invalid": N_("Invalid JSON: %(error)s"),
}


def pydantic_templates(prefix: str) -> dict[str, str]:
    """The model templates under a validator's prefix (``reges.model.`` → ``reges.model.missing``)."""
    return {prefix + kind: template for kind, template in PYDANTIC_TEMPLATES.items()}


def pydantic_code(error: Any, prefix: str, templates: dict[str, str]) -> tuple[str, dict[str, str]] | None:
    """A pydantic error's code and params under ``prefix``, when the table knows its type."""
    code = prefix + str(error.get("type"))
    if code not in templates:
        return None
    return code, {str(k): str(v) for k, v in (error.get("ctx") or {}).items()}


class Templates(dict[str, str]):
    """A validator's message templates by stable code (``%(name)s`` placeholders, English)."""

    def finding(self, rule: str, severity: Severity, location: str, code: str, **params: object) -> Finding:
        """The finding for ``code`` with its message filled from ``params`` (rendered as text)."""
        values = {name: str(value) for name, value in params.items()}
        return Finding(rule, severity, location, self[code] % values, code=code, params=values)


@dataclass(frozen=True)
class Finding:
    """One finding: rule id (``BR-RO-010``, ``XSD``, ``XML``), severity, XPath location, message."""

    rule: str
    severity: Severity
    location: str
    message: str
    code: str = ""
    params: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "location": self.location,
            "message": self.message,
        }
        if self.code:  # only coded findings carry them: the other validators' output is unchanged
            out["code"] = self.code
            out["params"] = dict(self.params)
        return out
