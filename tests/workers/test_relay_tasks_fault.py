"""Task rows survive a relay killed with -9 mid-stream (RabbitMQ): a second relay sends what the first
had not marked, the rows the first had sent but not marked go out twice under the same task id, and the
task's idempotency key keeps every effect single: each mail arrives, none twice."""

from __future__ import annotations

import uuid
from collections import Counter

from sqlalchemy import text

from genius.core.events.relay import wait_until
from genius.core.events.service import defer
from tests.conftest import SECRET
from tests.core.test_events import make_relay, only_these_pending
from tests.workers.conftest import kill_group, rabbit_vhost, spawn, worker_env
from tests.workers.test_faults import purge


def test_relay_killed_mid_stream_of_task_rows_every_mail_once(
    platform,
    committed_tenant,
    owner_url,
    redis_url,
    rabbitmq_url,
    smtp_server,
    start_worker,
    tmp_path,
    children,
) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp_server
    broker = rabbit_vhost(rabbitmq_url)
    purge(broker, "email.send")
    tid = committed_tenant.id
    run, total = uuid.uuid4().hex[:8], 500
    with platform.db.tenant_session(tid) as s:
        ids = [
            defer(
                s,
                "email.send",
                tid=tid,
                args=[
                    {
                        "to": [f"client{i}@firma.ro"],
                        "subject": f"Ofertă {run}-{i}",
                        "text": "Bună ziua",
                        "idempotency_key": f"relay-{run}-{i}",
                    }
                ],
            ).id
            for i in range(total)
        ]
    helper = make_relay(owner_url, broker, "genius.events")
    only_these_pending(helper, ids)
    start_worker("email.send", broker=broker, GENIUS_SMTP_PORT=str(port))
    env = worker_env(
        tmp_path,
        redis_url,
        broker,
        GENIUS_DATABASE_URL=owner_url.render_as_string(hide_password=False),
        GENIUS_SECRET_KEY=SECRET,
        GENIUS_RELAY_BATCH_SIZE="10",
        GENIUS_RELAY_POLL_SECONDS="0.05",
    )

    def marked() -> int:
        with helper.engine.connect() as c:
            n = c.execute(
                text("SELECT count(*) FROM core.outbox WHERE id = ANY(:ids) AND published_at IS NOT NULL"),
                {"ids": ids},
            ).scalar()
        return int(n or 0)

    def subjects() -> Counter[str]:
        with inbox.lock:
            return Counter(str(m["Subject"]) for _, m in inbox.messages)

    try:
        relay = spawn(["relay"], env, tmp_path / "relay-1.log")
        children.append(relay)
        assert wait_until(lambda: marked() >= 60, 90, interval=0.01), (
            marked(),
            (tmp_path / "relay-1.log").read_text()[-2000:],
        )
        kill_group(relay)  # kill -9 mid-stream
        at_kill = marked()
        assert at_kill < total, "the relay finished before it was killed: nothing was tested"
        children.append(spawn(["relay"], env, tmp_path / "relay-2.log"))
        assert wait_until(lambda: marked() == total, 120), (
            marked(),
            (tmp_path / "relay-2.log").read_text()[-2000:],
        )
        assert wait_until(lambda: len(subjects()) == total, 180), len(subjects())
        assert not wait_until(lambda: sum(subjects().values()) > total, 3.0)  # late copies would land now
        with inbox.lock:
            delivered = [(str(m["Subject"]), str(m["Message-ID"])) for _, m in inbox.messages]
        ids_per_subject: dict[str, set[str]] = {}
        for subject, message_id in delivered:
            ids_per_subject.setdefault(subject, set()).add(message_id)
        # Every deferred mail arrived, each exactly once and under one Message-ID.
        assert set(ids_per_subject) == {f"Ofertă {run}-{i}" for i in range(total)}
        assert all(len(v) == 1 for v in ids_per_subject.values())
        assert len(delivered) == total, Counter(s for s, _ in delivered).most_common(3)
        print(f"relay killed at {at_kill}/{total} rows marked sent; {total} mails, each once")
    finally:
        helper.close()
