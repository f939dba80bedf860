"""The REGES checks' finding messages by stable code (English templates, ``%(name)s`` params).

``validate`` and ``messages`` build their findings from these (``Templates.finding``), so a page can
translate a finding by its code and fill its params (``genius.web`` catalogue: the ``N_`` marks extract
the templates). Codes never change meaning; a new message gets a new code.
"""

from __future__ import annotations

from genius.compliance.common.findings import Templates, pydantic_templates
from genius.core.kit.manifest import N_

TEMPLATES = Templates(
    {
        # REGES-PARSE: not a REGES message
        "reges.parse.not-object": N_("a REGES message is a JSON object"),
        "reges.parse.no-type": N_('the message has no "$type" (salariat, contract, …)'),
        "reges.parse.unknown-type": N_("unknown message $type %(type)s"),
        "reges.parse.batch-not-list": N_('"Message" must be a list of messages'),
        "reges.parse.not-json": N_("not JSON: %(error)s"),
        "reges.parse.unknown-xsi-type": N_("unknown xsi:type %(type)s"),
        "reges.parse.unexpected-element": N_("unexpected element <%(element)s> in %(type)s"),
        "reges.parse.not-xml": N_("not well-formed XML: %(error)s"),
        "reges.parse.foreign-namespace": N_("the root element is not in the REGES namespace %(namespace)s"),
        "reges.parse.not-message": N_("<%(element)s> is not a REGES message"),
        "reges.parse.neither": N_("neither JSON nor XML"),
        "reges.parse.unreadable": N_("unreadable document: %(error)s"),
        # REGES-CNP, REGES-CUI
        "reges.cnp.invalid": N_(
            "%(value)s is not a valid CNP (13 digits: sex/century, birth date, county, checksum)"
        ),
        "reges.cui.invalid": N_("%(value)s is not a valid Romanian CUI"),
        # REGES-OP: the operation and the message type
        "reges.op.not-employee": N_("%(operation)s is not an employee operation"),
        "reges.op.needs-employee-reference": N_(
            "%(operation)s needs the employee's reference (referintaSalariat)"
        ),
        "reges.op.not-contract": N_("%(operation)s is not a contract operation"),
        "reges.op.needs-contract-reference": N_(
            "%(operation)s needs the contract's reference (referintaContract)"
        ),
        "reges.op.needs-content": N_("AdaugareContract needs the contract content"),
        "reges.op.needs-action": N_("%(operation)s needs an action of type %(action)s"),
        # REGES-MODEL: the model's (the XSD's facets) refusals, by pydantic's error type
        **pydantic_templates("reges.model."),
    }
)
