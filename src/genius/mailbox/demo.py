"""Demo data for the mailbox: one welcome message, sent the way the product sends mail (an ``email.send``
task through the outbox, delivered by a worker to the demo's catcher), so the page and the worker are
alive from the first start."""

from __future__ import annotations

import uuid

from genius.core.events import service as events
from genius.core.platform import Platform
from genius.mailbox import store

WELCOME_TEXT = """Bun venit în GeniusERP!

Acesta este un mesaj trimis de platformă prin coada email.send și prins de serverul de e-mail local
al demo-ului. Nimic nu a plecat de pe acest calculator.

Ce puteți încerca:
- CRM: clienți potențiali, clienți, oportunități și importuri CSV;
- Administrare: utilizatori, roluri, jurnalul de audit și workerii.
"""

WELCOME_HTML = """<div style="font-family:Arial,sans-serif;max-width:560px;color:#1f2937">
<h1 style="font-size:20px;color:#1d4ed8">Bun venit în GeniusERP!</h1>
<p>Acesta este un mesaj trimis de platformă prin coada <b>email.send</b> și prins de serverul de e-mail
local al demo-ului. Nimic nu a plecat de pe acest calculator.</p>
<p>Ce puteți încerca:</p>
<ul><li>CRM: clienți potențiali, clienți, oportunități și importuri CSV;</li>
<li>Administrare: utilizatori, roluri, jurnalul de audit și workerii.</li></ul>
</div>"""


def seed_demo(platform: Platform, tid: uuid.UUID) -> None:
    """Queues the welcome message once (a later start finds it in the mailbox, or the task's
    idempotency key keeps a second copy from being sent)."""
    folder = platform.settings.mailbox_dir
    if folder is None or store.messages(folder, tid, limit=1):
        return
    message = {
        "to": ["echipa@demo-srl.ro"],  # the demo admin's .local address is not deliverable mail
        "subject": "Bun venit în GeniusERP",
        "text": WELCOME_TEXT,
        "html": WELCOME_HTML,
        "idempotency_key": f"demo-welcome:{tid}",
    }
    with platform.db.tenant_session(tid) as session:
        events.defer(session, "email.send", tid=tid, args=[message], aggregate_id=f"demo-welcome:{tid}")
