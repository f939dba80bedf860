"""The hand-serialised message reads back, through the stdlib's strict parser, as exactly what was asked."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genius.workers.email_send.mime import envelope_sender, render
from genius.workers.email_send.schemas import EmailIn


def parsed(data: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    for part in message.walk():
        assert not part.defects, part.defects
    return message


def mail(**fields: object) -> EmailIn:
    base: dict[str, object] = {"to": ["ana@client.ro"], "subject": "Factura", "text": "Bună ziua"}
    return EmailIn.model_validate(base | fields)


def test_headers_and_both_bodies_read_back() -> None:
    message_id, data = render(
        mail(
            to=["ana@client.ro", "ion@client.ro"],
            cc=["cc@client.ro"],
            bcc=["ascuns@client.ro"],
            reply_to="raspuns@firma.ro",
            subject="Noutăți din noiembrie — " + "foarte lungi " * 20,
            html='<p>Bună ziua, <a href="https://x.ro/?a=1&b=2">citiți</a></p>',
            text="Bună ziua\n.\nRând cu spații la final   \n",
            from_address="Firma Ăla SRL <noreply@firma.ro>",
            list_unsubscribe="<https://x.ro/u/" + "a" * 120 + ">, <mailto:u@firma.ro?subject=u>",
            list_unsubscribe_post=True,
            headers={
                "X-Genius-Tenant": "t-1",
                "X-Notă": "ignored",
                "Date": "ignored",
                "Sender": "Șef <sef@firma.ro>",
            },
            idempotency_key="crm-campaign:1:2",
        ),
        "default@genius.local",
    )
    assert data.isascii() and max(len(line) for line in data.split(b"\r\n")) <= 998
    assert b"\n" not in data.replace(b"\r\n", b"")
    m = parsed(data)
    assert m["From"] == "Firma Ăla SRL <noreply@firma.ro>"
    assert m["To"] == "ana@client.ro, ion@client.ro" and m["Cc"] == "cc@client.ro"
    assert m["Bcc"] is None and b"ascuns" not in data
    assert m["Reply-To"] == "raspuns@firma.ro" and m["Sender"] == "Șef <sef@firma.ro>"
    assert m["Subject"] == "Noutăți din noiembrie — " + "foarte lungi " * 20
    assert m["Message-ID"] == message_id and message_id.endswith("@firma.ro>")
    assert m["List-Unsubscribe"].startswith("<https://x.ro/u/aaa")
    assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert m["X-Genius-Tenant"] == "t-1" and m["X-Notă"] is None
    assert len(m.get_all("Date") or []) == 1 and m["Date"] != "ignored"
    assert m.get_content_type() == "multipart/alternative"
    text = m.get_body(("plain",))
    html = m.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().replace("\r\n", "\n") == "Bună ziua\n.\nRând cu spații la final   \n"
    assert html.get_content().rstrip("\r\n") == '<p>Bună ziua, <a href="https://x.ro/?a=1&b=2">citiți</a></p>'
    assert envelope_sender(mail(from_address="Firma <noreply@firma.ro>"), "x@y.ro") == "noreply@firma.ro"


def test_same_idempotency_key_same_message_id() -> None:
    first, _ = render(mail(idempotency_key="k"), "noreply@genius.local")
    second, _ = render(mail(idempotency_key="k"), "noreply@genius.local")
    other, _ = render(mail(), "noreply@genius.local")
    assert first == second != other


@pytest.mark.parametrize("field", ["subject", "header", "from_address"])
def test_a_line_break_never_adds_a_header(field: str) -> None:
    injected = "Oferta\r\nBcc: victima@client.ro"
    fields: dict[str, object] = {
        "subject": {"subject": injected},
        "header": {"headers": {"X-Campaign": injected}},
        "from_address": {"from_address": "Firma <a@b.ro>\nBcc: victima@client.ro"},
    }[field]
    with pytest.raises(ValueError, match="line break"):
        render(mail(**fields), "noreply@genius.local")


BODY = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), min_size=1)
SUBJECT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=300)


@settings(max_examples=150, deadline=None)
@given(text=BODY, html=st.one_of(st.none(), BODY), subject=SUBJECT.filter(lambda s: s.strip() == s and s))
def test_any_body_and_subject_read_back_unchanged(text: str, html: str | None, subject: str) -> None:
    _, data = render(mail(text=text, html=html, subject=subject), "noreply@genius.local")
    m = parsed(data)
    assert m["Subject"] == subject
    plain = m.get_body(("plain",))
    assert plain is not None
    assert plain.get_content().replace("\r\n", "\n") in (text, text + "\n")
    if html is not None:
        part = m.get_body(("html",))
        assert part is not None
        assert part.get_content().replace("\r\n", "\n") in (html, html + "\n")
