"""Campaign messages: MJML or HTML, CSS inlined, sanitised, personalised per recipient from the
snapshot, refused with the field and reason before anything is queued; preview and test send."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from genius.core.platform import Platform
from genius.vettify.campaigns import templates
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import FlakyInbox, campaign, contact, run_batch

MJML = """<mjml>
  <mj-head><mj-style inline="inline">.lead { color: #0b5cad; font-weight: 600 }</mj-style></mj-head>
  <mj-body><mj-section><mj-column>
    <mj-text css-class="lead">Bună ziua, {{ prenume | default("client") }}!</mj-text>
    <mj-text>Oferta pentru {{ firma | default("compania dumneavoastră") }} e valabilă până vineri.</mj-text>
    <mj-button href="https://genius.ro/oferta">Vezi oferta</mj-button>
  </mj-column></mj-section></mj-body>
</mjml>"""


def test_mjml_compiles_inlines_and_sanitises() -> None:
    message = templates.compile_message("Salut {{ prenume }}", MJML, "mjml", None)
    assert "<mj-" not in message.html and "<style" not in message.html and "<link" not in message.html
    assert "color: #0b5cad" in message.html  # the class's rule, inlined
    assert "{{ prenume" in message.html  # placeholders survive compile, inline and sanitise
    assert message.text.startswith('Bună ziua, {{ prenume | default("client") }}!')
    ana = templates.personalise(message, {"first_name": "Ana <b>", "company": "Brad & Fiii SRL"})
    assert ana.subject == "Salut Ana <b>"  # the subject is plain text
    assert "Bună ziua, Ana &lt;b&gt;!" in ana.html and "Brad &amp; Fiii SRL" in ana.html
    assert "Bună ziua, Ana <b>!" in ana.text
    nobody = templates.personalise(message, {})
    assert "Bună ziua, client!" in nobody.html and "compania dumneavoastră" in nobody.html


def test_sanitising_keeps_mail_markup_and_drops_the_dangerous() -> None:
    html = (
        '<table width="600" cellpadding="4" bgcolor="#fff"><tr><td align="center" style="color:red">'
        '<a href="https://genius.ro" onclick="steal()">a</a><a href="javascript:alert(1)">b</a>'
        '<img src="https://genius.ro/logo.png" alt="Logo" width="120"></td></tr></table>'
        "<script>alert(1)</script><iframe src=https://x.ro></iframe><form><input></form>"
    )
    clean = templates.compile_message("S", html, "html", None).html
    assert 'width="600"' in clean and 'cellpadding="4"' in clean and 'style="color:red"' in clean
    assert 'href="https://genius.ro"' in clean and 'src="https://genius.ro/logo.png"' in clean
    for gone in ("onclick", "javascript:", "<script", "alert(1)", "<iframe", "<form", "<input"):
        assert gone not in clean


@pytest.mark.parametrize(
    ("field", "subject", "body", "fmt", "message"),
    [
        ("subject", "{{ parola }}", "<p>x</p>", "html", "Variabile necunoscute: parola"),
        ("html", "S", "<p>{{ prenume </p>", "html", "Eroare în variabile, linia 1"),
        ("html", "S", '<p>{{ "a" * 999999999 }}</p>', "html", "Construcție nepermisă"),
        ("html", "S", "<p>{{ email.__class__ }}</p>", "html", "Construcție nepermisă"),
        ("html", "S", "<p>{% for i in range(9) %}x{% endfor %}</p>", "html", "Construcție nepermisă"),
        ("html", "S", "<p>{{ prenume | attr('x') }}</p>", "html", "Construcție nepermisă"),
        ("html", "S", "<p>HTML</p>", "mjml", "MJML invalid: documentul începe cu <mjml>"),
        ("html", "S", "<mjml><mj-body><mj-tabel/></mj-body></mjml>", "mjml", "element necunoscut <mj-tabel>"),
        ("html", "S", "<script>alert(1)</script>", "html", "niciun conținut"),
    ],
)
def test_refused_with_the_field_and_the_reason(
    field: str, subject: str, body: str, fmt: Any, message: str
) -> None:
    with pytest.raises(templates.TemplateRefused, match=message) as refused:
        templates.compile_message(subject, body, fmt, None)
    assert refused.value.field == field


def test_preview_api_personalises_for_a_contact_and_refuses_bad_bodies(crm: Crm) -> None:
    ana = contact(crm, "ana@client.ro", first_name="Ana")
    c = campaign(crm)
    body = {"subject": "Salut {{ prenume }}", "html": MJML, "format": "mjml", "contact_id": ana["id"]}
    r = crm.call("POST", f"/campaigns/{c['id']}/preview", body)
    assert r.status_code == 200, r.text
    shown = r.json()
    assert shown["subject"] == "Salut Ana" and "Bună ziua, Ana!" in shown["html"]
    assert shown["contact_id"] == ana["id"] and shown["variables"]["email"] == "ana@client.ro"

    r = crm.call("POST", f"/campaigns/{c['id']}/preview", {"subject": "S", "html": "<p>{{ x }}</p>"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "html" and "Variabile necunoscute: x" in r.text
    r = crm.call("POST", f"/campaigns/{c['id']}/preview", body | {"contact_id": c["id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "contact_id"


def _outbox(db: Connection, tid: Any, topic: str) -> list[Any]:
    db.execute(text("SELECT set_config('app.tid', :t, true)"), {"t": str(tid)})
    rows = db.execute(
        text("SELECT data FROM core.outbox WHERE tid = :t AND topic = :topic ORDER BY seq"),
        {"t": tid, "topic": topic},
    )
    return [r[0] for r in rows]


def test_test_send_queues_one_marked_untracked_copy(crm: Crm, tenant: Any, db: Connection) -> None:
    contact(crm, "ana@client.ro", first_name="Ana")
    c = campaign(crm)
    body = {"subject": "Salut {{ prenume }}", "html": '<p>Vezi <a href="https://genius.ro/o">oferta</a></p>'}
    r = crm.call("POST", f"/campaigns/{c['id']}/test", body | {"to": "sef@firma.ro"})
    assert r.status_code == 202, r.text
    assert r.json() == {"to": "sef@firma.ro", "queued": True}
    (task,) = _outbox(db, tenant.id, "email.send")
    mail = task["args"][0]
    assert mail["to"] == ["sef@firma.ro"] and mail["subject"] == "[Test] Salut Ana"
    assert 'href="https://genius.ro/o"' in mail["html"] and "/track/" not in mail["html"]
    assert "list_unsubscribe" not in mail
    assert crm.call("GET", f"/campaigns/{c['id']}").json()["status"] == "draft"  # nothing else changed
    r = crm.call("POST", f"/campaigns/{c['id']}/test", body | {"to": "nu-e-adresa"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to"


def test_each_recipient_gets_their_own_copy(
    crm: Crm, send_on: Platform, tenant: Any, sink: tuple[FlakyInbox, int]
) -> None:
    inbox, port = sink
    account = crm.create("accounts", name="Brad & Fiii SRL")
    contact(crm, "ana@client.ro", first_name="Ana", account_id=account["id"])
    contact(crm, "ion@client.ro", first_name="Ion")
    c = campaign(crm)
    body = {"subject": "Oferta pentru {{ prenume }}", "html": MJML, "format": "mjml"}
    r = crm.call("POST", f"/campaigns/{c['id']}/send", body)
    assert r.status_code == 202, r.text
    result = run_batch(send_on, port, tenant.id, c["id"], 0, "task-1")
    assert result.sent == 2
    got = {rcpts[0]: m for rcpts, m in inbox.messages}
    ana, ion = got["ana@client.ro"], got["ion@client.ro"]
    assert ana["Subject"] == "Oferta pentru Ana" and ion["Subject"] == "Oferta pentru Ion"
    ana_html = ana.get_body(("html",)).get_content()
    assert "Bună ziua, Ana!" in ana_html and "Brad &amp; Fiii SRL" in ana_html
    assert "/v1/crm/track/click/" in ana_html  # the MJML button's link is tracked like any other
    ion_text = ion.get_body(("plain",)).get_content()
    assert "Bună ziua, Ion!" in ion_text and "compania dumneavoastră" in ion_text
