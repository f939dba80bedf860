"""email.send against a real SMTP server (aiosmtpd) that the test reads back."""

from __future__ import annotations

from typing import Any

import pytest


def _mail(**over: Any) -> dict[str, Any]:
    base = {
        "to": ["ana@client.ro"],
        "subject": "Factura FX-1 / Brașov",
        "text": "Bună ziua, găsiți factura.",
        "html": "<p>Bună ziua</p>",
    }
    base.update(over)
    return base


def test_single_send_with_unsubscribe_headers(start_worker, smtp_server) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp_server
    w = start_worker("email.send", GENIUS_SMTP_PORT=str(port))
    result = w.app.send_task(
        "email.send",
        args=[
            _mail(
                list_unsubscribe="<mailto:unsub@genius.local>, <https://x.ro/u/1>", list_unsubscribe_post=True
            )
        ],
    ).get(timeout=30)
    assert [r["status"] for r in result["recipients"]] == ["sent"]
    rcpts, msg = inbox.messages[-1]
    assert rcpts == ["ana@client.ro"]
    assert msg["Subject"] == "Factura FX-1 / Brașov"
    assert msg["List-Unsubscribe"] == "<mailto:unsub@genius.local>, <https://x.ro/u/1>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "găsiți factura" in msg.get_body(("plain",)).get_content()


def test_batch_reports_per_recipient_and_retries_only_temporary(start_worker, smtp_server) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp_server
    inbox.refuse_permanently.add("ghost@client.ro")
    inbox.refuse_once.add("grey@client.ro")
    w = start_worker("email.send", GENIUS_SMTP_PORT=str(port))
    batch = [_mail(to=[f"u{i}@client.ro"], subject=f"m{i}") for i in range(3)]
    batch += [_mail(to=["ghost@client.ro"], subject="ghost"), _mail(to=["grey@client.ro"], subject="grey")]
    results = w.app.send_task("email.send.batch", args=[batch]).get(timeout=30)
    statuses = {
        r["recipients"][0]["recipient"]: (r["recipients"][0]["status"], r["recipients"][0]["code"])
        for r in results
    }
    assert statuses["ghost@client.ro"] == ("permanent_failure", 550)
    assert statuses["grey@client.ro"] == ("temporary_failure", 451)
    assert all(statuses[f"u{i}@client.ro"] == ("sent", 250) for i in range(3))
    # The greylisted one is re-queued with backoff and arrives; the permanent failure never retries.
    import time

    deadline = time.monotonic() + 30
    while not any(m["Subject"] == "grey" for _, m in inbox.messages) and time.monotonic() < deadline:
        time.sleep(0.2)
    subjects = [m["Subject"] for _, m in inbox.messages]
    assert subjects.count("grey") == 1 and "ghost" not in subjects
    assert sorted(s for s in subjects if s.startswith("m")) == ["m0", "m1", "m2"]


def test_idempotency_key_sends_once(start_worker, smtp_server) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp_server
    w = start_worker("email.send", GENIUS_SMTP_PORT=str(port))
    first = w.app.send_task("email.send", args=[_mail(subject="once", idempotency_key="k-1")]).get(timeout=30)
    second = w.app.send_task("email.send", args=[_mail(subject="once", idempotency_key="k-1")]).get(
        timeout=30
    )
    assert first == second
    assert [m["Subject"] for _, m in inbox.messages].count("once") == 1


def test_invalid_message_fails_without_retry(start_worker, smtp_server) -> None:  # type: ignore[no-untyped-def]
    _, port = smtp_server
    w = start_worker("email.send", GENIUS_SMTP_PORT=str(port))
    res = w.app.send_task("email.send", args=[{"to": ["not-an-email"], "subject": "x", "text": "y"}])
    with pytest.raises(Exception, match="email"):
        res.get(timeout=30)
