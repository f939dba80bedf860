"""One finding of a validator (e-Factura, e-Transport, SAF-T, REGES): rule id, severity, XPath, message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["fatal", "warning"]


@dataclass(frozen=True)
class Finding:
    """One finding: rule id (``BR-RO-010``, ``XSD``, ``XML``), severity, XPath location, message."""

    rule: str
    severity: Severity
    location: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "location": self.location,
            "message": self.message,
        }
