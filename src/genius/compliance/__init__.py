"""Compliance: the workers that talk to the Romanian authorities.

One sub-package per authority service, each with the same anatomy (client, models, validation,
tasks, events, api, cli) and a protocol-faithful fake server in ``compliance/fakes/`` that the tests
and ``genius demo`` use (switch to the real service by configuration):

* ``taxpayer``   — ANAF PlatitorTvaRest v9 CUI lookup (queue ``anaf.taxpayer``)
* ``efactura``   — EN 16931 / CIUS-RO invoices: model, UBL, validation, ANAF SPV client (``anaf.efactura``)
* ``etransport`` — e-Transport v2 declarations and UIT (``anaf.etransport``)
* ``saft``       — SAF-T D406 AuditFile (``anaf.saft``)
* ``reges``      — REGES Online employees and contracts (``reges``)
"""
