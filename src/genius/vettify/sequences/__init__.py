"""CRM e-mail sequences (issue #15): a sequence of steps (delay, template, condition: opened, clicked
or not replied) that enrolled contacts (by hand or from a segment) receive one after the other.

An enrolment stops on a reply, an unsubscribe, a bounce or complaint (the address's suppression) or a
conversion (``crm.lead.converted``), each with its reason. The beat task ``email.send.sequences_due``
(``tasks``) sends each due step exactly once, even with several schedulers (``FOR UPDATE SKIP LOCKED``
plus a unique ledger row per enrolment and step), through the outbox to the ``email.send`` worker,
inside the sequence's sending window in the tenant's time zone (``timing``: across DST changes).

The usual anatomy: ``models``, ``schemas``, ``repository`` (all SQL), ``service`` (rules), ``timing``,
``scheduler`` (one pass in the caller's transaction), ``tasks`` (the beat task), ``api``. Pages:
``genius.vettify.pages.sequences``; see docs/architecture.md "CRM e-mail sequences".
"""
