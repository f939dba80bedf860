"""A compliance finding's text in the user's language, for the desk's pages.

Compliance gives each of its own findings a stable ``code`` and the ``params`` that fill the code's
English template (``FINDING_TEMPLATES`` of ``compliance.reges`` / ``compliance.saft``, extracted into
the web catalogue). The page translates the template through the catalogue and fills the same params;
a finding without a code (the XSD's, DUKIntegrator's, a report stored before codes existed) or whose
params do not fit its template keeps compliance's message as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from genius.web.kit import _


def finding_text(finding: Mapping[str, Any], templates: Mapping[str, str]) -> str:
    """The finding's message in the request's language (compliance's English message when unknown)."""
    message = str(finding.get("message") or "")
    template = templates.get(str(finding.get("code") or ""))
    if template is None:
        return message
    params = finding.get("params") or {}
    if not isinstance(params, Mapping):
        return message
    try:
        return _(template) % {str(k): str(v) for k, v in params.items()}
    except (KeyError, TypeError, ValueError):  # a translation or a stored finding that does not fit
        return message


def with_texts(findings: list[dict[str, Any]], templates: Mapping[str, str]) -> list[dict[str, Any]]:
    """The findings, each with ``text``: its message in the request's language."""
    return [{**f, "text": finding_text(f, templates)} for f in findings]
