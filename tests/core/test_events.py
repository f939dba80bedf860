"""Event bus: outbox in the caller's transaction, relay to the topic exchange, inbox dedupe, order."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from pydantic import BaseModel
from sqlalchemy import text

from genius.core.db.session import app_role_url
from genius.core.events import registry
from genius.core.events.consumer import ConsumerRunner, EventConsumer
from genius.core.events.contracts import CONTRACTS_DIR, file_name, incompatibilities, render, schema_for
from genius.core.events.relay import Relay, wait_until
from genius.core.events.service import publish
from genius.modules import load_events


@registry.event("test.thing.happened", version=1)
class ThingHappened(BaseModel):
    """Test-only event."""

    n: int


def make_relay(owner_url, broker: str, exchange: str, **kw) -> Relay:  # type: ignore[no-untyped-def]
    url = app_role_url(owner_url.render_as_string(hide_password=False), "genius_relay", "genius_relay")
    return Relay(url, broker, exchange=exchange, poll_seconds=0.05, **kw)


def publish_things(platform, tid, items: list[tuple[str | None, int]]) -> list[uuid.UUID]:  # type: ignore[no-untyped-def]
    with platform.db.tenant_session(tid) as s:
        return [publish(s, "test.thing.happened", {"n": n}, tid=tid, aggregate_id=agg).id for agg, n in items]


def only_these_pending(relay: Relay, ids: list[uuid.UUID]) -> None:
    """Committed rows of earlier tests share this worker's outbox; take them out of the way."""
    with relay.engine.begin() as c:
        c.execute(
            text(
                "UPDATE core.outbox SET published_at = now() WHERE published_at IS NULL AND id <> ALL(:ids)"
            ),
            {"ids": ids},
        )


def test_topic_names_follow_module_ctx_event() -> None:
    load_events()
    assert registry.EVENTS
    for topic, _ in registry.EVENTS:
        assert registry.TOPIC_RE.match(topic), topic
    with pytest.raises(ValueError, match=r"<module>\.<ctx>\.<event>"):
        registry.event("NoDots")(ThingHappened)


def test_publish_validates_against_the_contract(platform, tenant) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(KeyError):
        with platform.db.tenant_session(tenant.id) as s:
            publish(s, "nobody.knows.this", {}, tid=tenant.id)
    with pytest.raises(ValueError):
        with platform.db.tenant_session(tenant.id) as s:
            publish(s, "test.thing.happened", {"n": "not a number"}, tid=tenant.id)


def test_committed_contracts_match_models_and_stay_compatible() -> None:
    load_events()
    for topic, version in registry.EVENTS:
        if topic.startswith("test."):
            continue
        path = CONTRACTS_DIR / file_name(topic, version)
        assert path.exists(), f"{path.name} missing: run `genius contracts export`"
        committed = json.loads(path.read_text())
        current = schema_for(topic, version)
        assert not incompatibilities(committed["data"], current["data"]), topic
        assert path.read_text() == render(current), f"{path.name} stale: run `genius contracts export`"


def test_compatibility_checker_catches_breaking_changes() -> None:
    old = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    assert incompatibilities(old, old) == []
    added_optional = {**old, "properties": {**old["properties"], "c": {"type": "string"}}}
    assert incompatibilities(old, added_optional) == []
    removed = {**old, "properties": {"a": {"type": "string"}}}
    retyped = {**old, "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}
    new_required = {**added_optional, "required": ["a", "c"]}
    assert any("removed" in p for p in incompatibilities(old, removed))
    assert any("type changed" in p for p in incompatibilities(old, retyped))
    assert any("new required" in p for p in incompatibilities(old, new_required))


def test_relay_publishes_and_consumer_dedupes(platform, committed_tenant, owner_url, broker_url) -> None:  # type: ignore[no-untyped-def]
    exchange = f"genius.events.test.{uuid.uuid4().hex[:8]}"
    seen: list[tuple[str | None, int]] = []
    lock = threading.Lock()

    def handler(session, envelope) -> None:  # type: ignore[no-untyped-def]
        with lock:
            seen.append((envelope.aggregate_id, envelope.data["n"]))

    consumer = EventConsumer(f"test-{uuid.uuid4().hex[:8]}", ["test.thing.*"], handler)
    stop, ready = threading.Event(), threading.Event()
    runner = ConsumerRunner(platform.db, broker_url, [consumer], exchange=exchange)
    thread = threading.Thread(target=runner.run, args=(stop, ready), daemon=True)
    thread.start()
    assert ready.wait(20)
    relay = make_relay(owner_url, broker_url, exchange)
    try:
        items = [("a", 1), ("b", 1), ("a", 2), ("a", 3), ("b", 2), (None, 9)]
        ids = publish_things(platform, committed_tenant.id, items)
        assert relay.run_once().published >= len(items)  # plus other committed tenants' rows
        assert wait_until(lambda: len(seen) == len(items), 20), seen
        # Per-aggregate order is kept.
        assert [n for agg, n in seen if agg == "a"] == [1, 2, 3]
        assert [n for agg, n in seen if agg == "b"] == [1, 2]
        # A re-publish (relay crashed before marking) is dropped by the inbox.
        with platform.db.tenant_session(committed_tenant.id) as s:
            s.execute(text("SELECT 1"))
        with relay.engine.begin() as c:
            c.execute(
                text("UPDATE core.outbox SET published_at = NULL WHERE id = ANY(:ids)"), {"ids": ids[:2]}
            )
        assert relay.run_once().published >= 2
        assert not wait_until(lambda: len(seen) > len(items), 2.0)
        with platform.db.tenant_session(committed_tenant.id) as s:
            n = s.execute(
                text("SELECT count(*) FROM core.inbox WHERE consumer = :c"), {"c": consumer.name}
            ).scalar()
        assert n == len(items)
    finally:
        stop.set()
        thread.join(10)
        relay.close()


def test_failed_row_blocks_its_aggregate_then_goes_dead(
    platform, committed_tenant, owner_url, redis_url
) -> None:  # type: ignore[no-untyped-def]
    ids = publish_things(platform, committed_tenant.id, [("x", 1), ("y", 1), ("x", 2)])
    broken = make_relay(owner_url, "amqp://guest:guest@127.0.0.1:1//", "genius.events.none", max_attempts=2)
    try:
        only_these_pending(broken, ids)
        stats = broken.run_once()
        assert stats.published == 0 and stats.failed == 1
        ok = make_relay(owner_url, redis_url, f"genius.events.test.{uuid.uuid4().hex[:8]}")
        # x#1 is backing off, so x#2 must wait; y#1 goes out.
        ok.run_once()
        with ok.engine.connect() as c:
            published = set(
                c.execute(
                    text("SELECT id FROM core.outbox WHERE id = ANY(:ids) AND published_at IS NOT NULL"),
                    {"ids": ids},
                ).scalars()
            )
        assert published == {ids[1]}
        with ok.engine.begin() as c:
            c.execute(text("UPDATE core.outbox SET next_attempt_at = now() WHERE id = :i"), {"i": ids[0]})
        broken.run_once()
        with ok.engine.connect() as c:
            dead, attempts, err = c.execute(
                text("SELECT dead, attempts, last_error FROM core.outbox WHERE id = :i"), {"i": ids[0]}
            ).one()
        assert dead and attempts == 2 and err
        # A dead row no longer holds back its aggregate.
        ok.run_once()
        with ok.engine.connect() as c:
            assert c.execute(
                text("SELECT published_at IS NOT NULL FROM core.outbox WHERE id = :i"), {"i": ids[2]}
            ).scalar()
        ok.close()
    finally:
        broken.close()


def test_outbox_api_lists_dead_and_retries(app, platform, committed_tenant, owner_url) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    client = TestClient(app, raise_server_exceptions=False)  # not bound: the relay must see the rows
    ids = publish_things(platform, committed_tenant.id, [("z", 1)])
    broken = make_relay(owner_url, "amqp://guest:guest@127.0.0.1:1//", "genius.events.none", max_attempts=1)
    only_these_pending(broken, ids)
    broken.run_once()
    broken.close()
    dead = client.get("/v1/events/outbox?status=dead", headers=committed_tenant.headers)
    assert dead.status_code == 200 and [i["id"] for i in dead.json()["items"]] == [str(ids[0])]
    r = client.post(f"/v1/events/outbox/{ids[0]}/retry", headers=committed_tenant.headers)
    assert r.status_code == 200 and r.json()["dead"] is False and r.json()["attempts"] == 0
    assert (
        client.post(f"/v1/events/outbox/{uuid.uuid4()}/retry", headers=committed_tenant.headers).status_code
        == 404
    )


def test_outbox_metric_exported(client) -> None:  # type: ignore[no-untyped-def]
    assert "genius_outbox_oldest_age_seconds" in client.get("/metrics").text
