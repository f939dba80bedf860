"""Compliance: the workers that talk to the Romanian authorities.

One sub-package per authority service, each with the same anatomy (``models`` = tables, ``repository``
= SQL, ``service``, ``api``, ``tasks``, ``events``, ``cli``, plus its client, document model and
validation), sharing code only through ``compliance/common/`` (never importing a sibling), and a
protocol-faithful fake server in ``compliance/fakes/`` that the tests and ``genius demo`` use (switch to
the real service by configuration). ``api``, ``cli`` and ``events`` here gather every sub-package's:

* ``taxpayer``   — ANAF PlatitorTvaRest v9 CUI lookup (queue ``anaf.taxpayer``)
* ``efactura``   — EN 16931 / CIUS-RO invoices: model, UBL, validation, ANAF SPV client (``anaf.efactura``)
* ``etransport`` — e-Transport v2 declarations and UIT (``anaf.etransport``)
* ``saft``       — SAF-T D406 AuditFile (``anaf.saft``)
* ``reges``      — REGES Online employees and contracts (``reges``)
"""
