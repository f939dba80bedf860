"""The campaign send end to end: API → recipient rows → outbox tasks → the email.send worker's batch
code → a real SMTP server (aiosmtpd), and exactly once under failures and re-runs."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from genius.core.platform import Platform
from genius.vettify.campaigns import delivery
from genius.workers.email_send.tasks import CONNECTION_ERRORS
from tests.vettify.conftest import Crm
from tests.vettify.marketing.conftest import (
    SEND_BODY,
    FlakyInbox,
    campaign,
    contact,
    run_batch,
    wrap_sends,
)


def _query(db: Connection, tid: uuid.UUID, sql: str, **params: Any) -> list[Any]:
    db.execute(text("SELECT set_config('app.tid', :t, true)"), {"t": str(tid)})
    return list(db.execute(text(sql), {"t": tid, **params}).all())


def _tasks(db: Connection, tid: uuid.UUID) -> list[dict[str, Any]]:
    rows = _query(
        db, tid, "SELECT topic, data FROM core.outbox WHERE tid = :t AND kind = 'task' ORDER BY seq"
    )
    return [dict(r._mapping) for r in rows]


def _events(db: Connection, tid: uuid.UUID, topic: str) -> list[dict[str, Any]]:
    rows = _query(
        db, tid, "SELECT data FROM core.outbox WHERE tid = :t AND topic = :topic ORDER BY seq", topic=topic
    )
    return [r[0] for r in rows]


def test_flag_off_is_a_clear_409(crm: Crm) -> None:
    c = campaign(crm)
    r = crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY)
    assert r.status_code == 409, r.text
    assert r.json()["type"].endswith("/feature-disabled")
    assert "campaign_send_v2" in r.json()["detail"]


def test_audience_snapshot_with_exclusions(crm: Crm, send_on: Platform, tenant: Any, db: Connection) -> None:
    ok = [contact(crm, f"ana{i}@client.ro") for i in range(3)]
    contact(crm, "ANA0@client.ro")  # same address as ok[0]: one recipient per address
    contact(crm, "fara.acord@client.ro", basis=None)
    contact(crm, None, first_name="Fără e-mail")
    contact(crm, "plecat@client.ro")
    withdrawn = contact(crm, "retras@client.ro")
    consents = crm.call("GET", f"/contacts/{withdrawn['id']}/consents").json()["items"]
    r = crm.call("POST", f"/contacts/{withdrawn['id']}/consents/{consents[0]['id']}/withdraw")
    assert r.status_code == 200 and r.json()["withdrawn_at"]
    assert (
        crm.call("POST", "/suppressions", {"address": "Plecat@client.ro", "reason": "bounced"}).status_code
        == 201
    )
    c = campaign(crm)

    r = crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY)
    assert r.status_code == 202, r.text
    assert r.json() == {
        "campaign_id": c["id"],
        "recipients": 3,
        "excluded": {"no_email": 1, "suppressed": 1, "no_basis": 2},
        "batches": 1,
    }
    rows = crm.call("GET", f"/campaigns/{c['id']}/recipients?state=excluded").json()["items"]
    reasons = {r["address"]: r["reason"] for r in rows}
    assert reasons == {
        None: "no_email",
        "plecat@client.ro": "suppressed",
        "fara.acord@client.ro": "no_basis",
        "retras@client.ro": "no_basis",
    }
    pending = crm.call("GET", f"/campaigns/{c['id']}/recipients?state=pending").json()["items"]
    assert sorted(r["address"] for r in pending) == sorted(x["email"] for x in ok)
    tasks = _tasks(db, tenant.id)
    assert [t["topic"] for t in tasks] == ["email.send.campaign"]
    assert tasks[0]["data"]["args"] == [str(tenant.id), c["id"], 0]
    assert _events(db, tenant.id, "crm.campaign.sent")[0]["recipients"] == 3
    assert crm.call("GET", f"/campaigns/{c['id']}").json()["status"] == "running"

    # Started twice: refused, nothing new queued.
    again = crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY)
    assert again.status_code == 409 and again.json()["type"].endswith("/campaign-already-sent")
    assert len(_tasks(db, tenant.id)) == 1


def test_batches_of_100(crm: Crm, send_on: Platform, tenant: Any, db: Connection) -> None:
    ids = []
    with send_on.db.tenant_session(tenant.id) as s:
        for i in range(205):
            cid = uuid.uuid4()
            ids.append(cid)
            s.execute(
                text("INSERT INTO crm.contacts (id, tid, email) VALUES (:id, :t, :e)"),
                {"id": cid, "t": tenant.id, "e": f"c{i:03}@client.ro"},
            )
            s.execute(
                text(
                    "INSERT INTO crm.consents (tid, contact_id, channel, basis, source, given_at) "
                    "VALUES (:t, :c, 'email', 'contract', 'import', now())"
                ),
                {"t": tenant.id, "c": cid},
            )
    c = campaign(crm)
    r = crm.call(
        "POST", f"/campaigns/{c['id']}/send", {**SEND_BODY, "contact_ids": [str(i) for i in ids[:201]]}
    )
    assert r.status_code == 202, r.text
    assert r.json()["recipients"] == 201 and r.json()["batches"] == 3
    assert [t["data"]["args"][2] for t in _tasks(db, tenant.id)] == [0, 1, 2]
    sizes = _query(
        db,
        tenant.id,
        "SELECT batch, count(*) FROM crm.campaign_recipients WHERE campaign_id = :c "
        "GROUP BY batch ORDER BY batch",
        c=c["id"],
    )
    assert [tuple(x) for x in sizes] == [(0, 100), (1, 100), (2, 1)]


def _sent_campaign(crm: Crm, n: int) -> dict[str, Any]:
    for i in range(n):
        contact(crm, f"dest{i}@client.ro")
    c = campaign(crm)
    assert crm.call("POST", f"/campaigns/{c['id']}/send", SEND_BODY).status_code == 202
    return c


def test_mail_reaches_a_real_smtp_server(
    crm: Crm, send_on: Platform, tenant: Any, db: Connection, sink: tuple[FlakyInbox, int]
) -> None:
    inbox, port = sink
    _query(
        db,
        tenant.id,
        "INSERT INTO core.tenant_settings (tid, company_name, cui, address) "
        "VALUES (:t, 'Client Demo SRL', 'RO18547290', 'Str. Lungă 1, Brașov') RETURNING tid",
    )
    c = _sent_campaign(crm, 5)
    result = run_batch(send_on, port, tenant.id, c["id"], 0, "task-1")
    assert result.as_dict() == {
        "sent": 5,
        "failed": 0,
        "pending": 0,
        "interrupted": 0,
        "completed": True,
        "halted": False,
    }
    assert sorted(rcpts[0] for rcpts, _ in inbox.messages) == [f"dest{i}@client.ro" for i in range(5)]
    _, msg = inbox.messages[0]
    assert msg["Subject"] == "Noutăți e-Factura"
    unsub = msg["List-Unsubscribe"]
    assert (
        unsub.startswith("<http://127.0.0.1:8000/v1/crm/track/unsubscribe/")
        and "<mailto:unsubscribe@" in unsub
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith("@genius.local>")
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for part in (plain, html):
        assert "Client Demo SRL" in part and "RO18547290" in part and "Str. Lungă 1, Brașov" in part
        assert "/v1/crm/track/unsubscribe/" in part
    assert "Bună ziua" in plain and "articolul" in plain
    assert "/v1/crm/track/click/" in html and "/v1/crm/track/open/" in html
    assert 'href="https://genius.ro/blog' not in html  # every link is tracked

    # Message-IDs are one per recipient and deterministic: campaign + recipient.
    ids = {m["Message-ID"] for _, m in inbox.messages}
    assert len(ids) == 5
    metrics = crm.call("GET", f"/campaigns/{c['id']}/metrics").json()
    assert metrics["status"] == "completed" and metrics["sent"] == 5 and metrics["delivered"]["rate"] == 1.0
    assert crm.call("GET", f"/campaigns/{c['id']}").json()["status"] == "completed"
    completed = _events(db, tenant.id, "crm.campaign.completed")
    assert len(completed) == 1 and completed[0]["sent"] == 5

    # The batch redelivered (same task) or run by another copy: nothing is sent again.
    assert run_batch(send_on, port, tenant.id, c["id"], 0, "task-1").sent == 0
    assert run_batch(send_on, port, tenant.id, c["id"], 0, "task-2").sent == 0
    assert len(inbox.messages) == 5
    assert len(_events(db, tenant.id, "crm.campaign.completed")) == 1


def test_failure_in_the_middle_of_a_batch_then_rerun_sends_no_duplicate(
    crm: Crm, send_on: Platform, tenant: Any, sink: tuple[FlakyInbox, int]
) -> None:
    inbox, port = sink
    c = _sent_campaign(crm, 8)
    inbox.drop_at = 4  # the 4th message: the connection breaks before the server accepts it
    with pytest.raises(CONNECTION_ERRORS):  # the lost connection, as the task sees it (it then retries)
        # one connection, so the break comes at an exact message (with several, others are in flight)
        run_batch(send_on, port, tenant.id, c["id"], 0, "task-1", connections=1)
    assert len(inbox.messages) == 3
    m = crm.call("GET", f"/campaigns/{c['id']}/metrics").json()
    assert (m["sent"], m["pending"], m["status"]) == (3, 5, "sending")
    result = run_batch(send_on, port, tenant.id, c["id"], 0, "task-1")  # the task's retry
    assert (result.sent, result.completed) == (5, True)
    addresses = [rcpts[0] for rcpts, _ in inbox.messages]
    assert sorted(addresses) == [f"dest{i}@client.ro" for i in range(8)]  # each exactly once


def test_worker_killed_after_the_server_accepted_a_message(
    crm: Crm, send_on: Platform, tenant: Any, sink: tuple[FlakyInbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """kill -9 between the server's 250 and the commit of 'sent': the redelivered task must not send that
    recipient again (it is failed, with the reason), and sends the rest."""
    inbox, port = sink
    c = _sent_campaign(crm, 6)

    class Killed(BaseException):
        pass

    real = delivery.deliver_batch

    async def killed_after_third(*args: Any, send: Any, **kwargs: Any) -> Any:
        count = 0

        def wrap(one: Any) -> Any:
            async def send_then_die(message: dict[str, Any]) -> Any:
                nonlocal count
                out = await one(message)
                count += 1
                if count == 3:
                    raise Killed
                return out

            return send_then_die

        return await real(*args, send=wrap_sends(send, wrap), **kwargs)

    monkeypatch.setattr(delivery, "deliver_batch", killed_after_third)
    with pytest.raises(Killed):
        run_batch(send_on, port, tenant.id, c["id"], 0, "task-1", connections=1)
    monkeypatch.setattr(delivery, "deliver_batch", real)
    assert len(inbox.messages) == 3
    result = run_batch(send_on, port, tenant.id, c["id"], 0, "task-1")  # redelivered: same task id
    assert (result.interrupted, result.sent, result.completed) == (1, 3, True)
    addresses = [rcpts[0] for rcpts, _ in inbox.messages]
    assert len(addresses) == len(set(addresses)) == 6
    failed = crm.call("GET", f"/campaigns/{c['id']}/recipients?state=failed").json()["items"]
    assert len(failed) == 1 and failed[0]["reason"].startswith("interrupted during delivery")


def test_four_connections_each_message_once_and_a_kill_fails_only_those_in_flight(
    crm: Crm, send_on: Platform, tenant: Any, sink: tuple[FlakyInbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch keeps one message in flight on each of its connections (a claim and an outcome commit per
    chunk of four). Killed in the middle of a chunk, the redelivered task fails only that chunk's
    unrecorded recipients (whether the server took them is unknown) and sends the rest once."""
    inbox, port = sink
    c = _sent_campaign(crm, 10)

    class Killed(BaseException):
        pass

    real = delivery.deliver_batch
    connections_seen: list[int] = []

    async def killed_in_second_chunk(*args: Any, send: Any, **kwargs: Any) -> Any:
        connections_seen.append(len(send))
        count = 0

        def wrap(one: Any) -> Any:
            async def send_then_die(message: dict[str, Any]) -> Any:
                nonlocal count
                count += 1
                if count == 6:  # the second chunk's second message: the process dies before sending
                    raise Killed
                return await one(message)

            return send_then_die

        return await real(*args, send=wrap_sends(send, wrap), **kwargs)

    monkeypatch.setattr(delivery, "deliver_batch", killed_in_second_chunk)
    with pytest.raises(Killed):
        run_batch(send_on, port, tenant.id, c["id"], 0, "task-1", connections=4)
    monkeypatch.setattr(delivery, "deliver_batch", real)
    assert connections_seen == [4]
    assert len(inbox.messages) == 7  # the first chunk, and three of the second
    result = run_batch(send_on, port, tenant.id, c["id"], 0, "task-1", connections=4)  # redelivered
    assert (result.interrupted, result.sent, result.completed) == (1, 2, True)
    addresses = [rcpts[0] for rcpts, _ in inbox.messages]
    assert len(addresses) == len(set(addresses)) == 9
    m = crm.call("GET", f"/campaigns/{c['id']}/metrics").json()
    assert (m["sent"], m["failed"], m["pending"]) == (9, 1, 0)


def test_5xx_marks_the_recipient_failed_with_its_reason(
    crm: Crm, send_on: Platform, tenant: Any, sink: tuple[FlakyInbox, int]
) -> None:
    inbox, port = sink
    c = _sent_campaign(crm, 3)
    inbox.reject.add("dest1@client.ro")
    result = run_batch(send_on, port, tenant.id, c["id"], 0, "task-1")
    assert (result.sent, result.failed, result.completed) == (2, 1, True)
    failed = crm.call("GET", f"/campaigns/{c['id']}/recipients?state=failed").json()["items"]
    assert [(f["address"], f["reason"]) for f in failed] == [
        ("dest1@client.ro", "550 5.1.1 Mailbox unavailable")
    ]
