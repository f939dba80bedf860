"""The TimelinesAI client against the local fake server over real HTTP: the four calls, typed 401/400/429
handling, exponential backoff honouring Retry-After, and the 50 requests/minute budget per account."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import redis

from genius.core.kit.ratelimit import RateLimiter
from genius.outreach.channels.timelinesai import (
    InvalidNumber,
    RateLimited,
    TimelinesClient,
    Unauthorized,
    Unavailable,
)
from genius.outreach.fakes.timelinesai import State, create_app
from tests.conftest import LiveServer, free_port

ACCOUNT = "+40700000001"


@dataclass
class Fake:
    url: str
    state: State


@pytest.fixture
def fake() -> Iterator[Fake]:
    state = State()
    with LiveServer(create_app(state), free_port()) as server:
        yield Fake(server.url + "/v1", state)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(fake: Fake, **kw: object) -> TimelinesClient:
    return TimelinesClient(fake.state.api_key, base_url=fake.url, **kw)  # type: ignore[arg-type]


def test_send_history_status_and_chats(fake: Fake) -> None:
    c = client(fake)
    sent = c.send_message(ACCOUNT, "+40722111222", "Bună ziua, Ana!")
    again = c.send_message(ACCOUNT, "+40722111222", "Revin cu detalii.")
    assert sent.chat_id == again.chat_id and sent.message_id != again.message_id
    fake.state.receive(ACCOUNT, "+40722111222", "Mulțumesc, aștept oferta")
    history = c.chat_history(ACCOUNT, sent.chat_id)
    assert [(m.text, m.from_me) for m in history] == [
        ("Bună ziua, Ana!", True),
        ("Revin cu detalii.", True),
        ("Mulțumesc, aștept oferta", False),
    ]  # chronological, although the API lists newest first
    assert [m.sent_at for m in history] == sorted(m.sent_at for m in history)
    status = c.account_status(ACCOUNT)
    assert (status.status, status.connected) == ("active", True)
    fake.state.accounts["+40700000002"] = "disconnected"
    assert not c.account_status("+40700000002").connected
    chats = c.chats(ACCOUNT)
    assert [(ch.chat_id, ch.phone) for ch in chats] == [(sent.chat_id, "+40722111222")]
    assert chats[0].last_message_at is not None


def test_typed_errors(fake: Fake) -> None:
    with pytest.raises(InvalidNumber):
        client(fake).send_message(ACCOUNT, "0722 111 222", "x")
    bad_key = TimelinesClient("tla_wrong", base_url=fake.url, sleep=Sleeps())
    with pytest.raises(Unauthorized) as err:
        bad_key.chats(ACCOUNT)
    assert err.value.status == 401
    assert len(fake.state.requests) == 2  # a 401 is never retried
    with pytest.raises(ValueError, match="API key"):
        TimelinesClient("")


def test_429_and_5xx_back_off_exponentially_honouring_retry_after(fake: Fake) -> None:
    sleeps = Sleeps()
    c = client(fake, sleep=sleeps, base_delay=0.5)
    fake.state.retry_after = 3
    fake.state.faults.extend([429, 429, 503])
    assert c.chats(ACCOUNT) == []
    assert sleeps == [3.0, 3.0, 2.0]  # max(Retry-After, 0.5·2^n): 3, 3, then 0.5·4
    fake.state.faults.extend([429] * 5)
    sleeps.clear()
    with pytest.raises(RateLimited) as err:
        c.chats(ACCOUNT)
    assert err.value.retry_after == 3.0 and len(sleeps) == 4  # max_retries=4, then it gives up
    # A send that failed on the server's side is not repeated: it may have gone out.
    fake.state.faults.append(502)
    with pytest.raises(Unavailable):
        c.send_message(ACCOUNT, "+40722111222", "x")
    assert not any(m["text"] == "x" for msgs in fake.state.messages.values() for m in msgs)


def test_timeout_is_thirty_seconds_by_default(fake: Fake) -> None:
    c = client(fake)
    assert c.timeout == 30.0 and c.http.timeout == httpx.Timeout(30.0)
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        slow = TimelinesClient(
            fake.state.api_key,
            base_url=f"http://127.0.0.1:{port}/v1",
            timeout=0.2,
            max_retries=1,
            sleep=Sleeps(),
        )
        with pytest.raises(Unavailable, match="timed out"):
            slow.chats(ACCOUNT)


def test_fifty_requests_a_minute_per_account(fake: Fake, rds: redis.Redis) -> None:
    limiter = RateLimiter(rds, prefix=f"test:{fake.url}:")
    sleeps = Sleeps()
    c = client(fake, limiter=limiter, sleep=sleeps, max_wait=0)
    for _ in range(50):
        c.chats(ACCOUNT)
    with pytest.raises(RateLimited):
        c.chats(ACCOUNT)  # our own budget is spent: the server never sees the 51st
    assert len(fake.state.requests) == 50
    c.chats("+40700000002")  # another account has its own budget
    # Without our limiter the server's own limit answers 429 and the client backs off, then gives up.
    unlimited = client(fake, sleep=sleeps, max_retries=1)
    with pytest.raises(RateLimited) as err:
        unlimited.chats(ACCOUNT)
    assert err.value.status == 429 and err.value.retry_after is not None
