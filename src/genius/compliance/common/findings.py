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

Severity = Literal["fatal", "warning"]


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
