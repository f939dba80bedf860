"""The REGES client against the fake REGES server over real HTTP: token, receipts, the status queue,
nomenclators, and the failure paths (401 refresh, 429 Retry-After, 5xx, timeouts, the circuit breaker)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from genius.compliance.reges.client import KeycloakTokens, RegesClient, RegesError, RegesTimeout
from genius.compliance.reges.messages import Batch, loads
from genius.config import Settings
from genius.core.kit.breaker import CircuitBreaker, CircuitOpen
from tests.compliance.conftest import FakeAnaf
from tests.compliance.reges.conftest import salariat, suspendare


def make_client(
    fake: FakeAnaf, settings: Settings, sleeps: list[float], timeout: float = 5.0, **kw: Any
) -> RegesClient:
    s = fake.settings(settings)
    http = httpx.Client(timeout=timeout)
    breaker = kw.pop("breaker", None) or CircuitBreaker("reges-test", threshold=100)
    return RegesClient(
        s, KeycloakTokens(s, http), http=http, breaker=breaker, timeout=timeout, sleep=sleeps.append, **kw
    )


def message(data: dict[str, Any]) -> Any:
    return loads(json.dumps(data))


def test_submit_then_result_through_the_status_queue(fake_anaf: FakeAnaf, settings: Settings) -> None:
    sleeps: list[float] = []
    client = make_client(fake_anaf, settings, sleeps)
    state = fake_anaf.states.reges
    sent = message(salariat())
    receipt = client.submit(sent)
    assert receipt.header.message_id == sent.header.message_id and receipt.response_id in state.submissions
    assert client.poll_batch(10) == []  # processing: nothing yet
    (result,) = client.poll_batch(10)
    assert result.response_id == receipt.response_id and result.result.code == "SUCCES"
    assert [r.response_id for r in client.read_batch(10)] == [receipt.response_id]  # not committed yet
    assert client.commit_read(1) == 1
    assert client.read_batch(10) == [] and client.poll_batch(10) == []
    assert state.tokens_issued == 1  # the token is cached


def test_batch_and_contract_paths(fake_anaf: FakeAnaf, settings: Settings) -> None:
    client = make_client(fake_anaf, settings, [])
    batch = Batch.model_validate({"Message": [message(suspendare()), message(suspendare())]})
    receipts = client.submit_batch(batch)
    assert len(receipts) == 2
    assert ("POST", "Contract/Batch") in fake_anaf.states.reges.requests
    client.submit(message(suspendare()))
    assert ("POST", "Contract") in fake_anaf.states.reges.requests


def test_server_refusal_is_a_failed_result(fake_anaf: FakeAnaf, settings: Settings) -> None:
    fake_anaf.states.reges.processing_polls = 0
    fake_anaf.states.reges.fail_operations = {"SuspendareContract"}
    client = make_client(fake_anaf, settings, [])
    client.submit(message(suspendare()))
    (result,) = client.poll_batch(5)
    assert result.result.code == "FAIL" and result.result.code_type == "ERROR"


def test_nomenclators(fake_anaf: FakeAnaf, settings: Settings) -> None:
    client = make_client(fake_anaf, settings, [])
    assert {"nume": "ROMÂNIA", "cod": "RO"} in client.nomenclator("nationalitate")
    added = client.add_bonus_type("Spor de noapte")
    assert {"id": added["id"], "nume": "Spor de noapte"} in client.nomenclator("tipsporangajator")
    client.delete_bonus_type(added["id"])
    assert client.nomenclator("tipsporangajator") == []
    with pytest.raises(RegesError) as err:
        client.nomenclator("inexistent")
    assert err.value.kind == "rejected"
    with pytest.raises(ValueError):
        client.nomenclator("../etc")


def test_401_refreshes_the_token_once(fake_anaf: FakeAnaf, settings: Settings) -> None:
    client = make_client(fake_anaf, settings, [])
    state = fake_anaf.states.reges
    client.nomenclator("cor")
    state.revoke_tokens()  # the server forgets the token: 401, a new token, success
    assert client.nomenclator("cor")
    assert state.tokens_issued == 2
    state.faults = ["401", "401"]  # still 401 after the refresh: unauthorized
    with pytest.raises(RegesError) as err:
        client.nomenclator("cor")
    assert err.value.kind == "unauthorized"


def test_wrong_credentials(fake_anaf: FakeAnaf, settings: Settings) -> None:
    s = fake_anaf.settings(settings, reges_password="gresit")
    client = RegesClient(s, breaker=CircuitBreaker("reges-test-cred"), sleep=lambda _: None)
    with pytest.raises(RegesError) as err:
        client.nomenclator("cor")
    assert err.value.kind == "unauthorized" and "Invalid user credentials" in err.value.message
    s = fake_anaf.settings(settings, reges_token_url=None)
    with pytest.raises(RegesError) as err:
        RegesClient(s, breaker=CircuitBreaker("reges-test-cfg")).nomenclator("cor")
    assert err.value.kind == "config"


def test_client_credentials_grant(fake_anaf: FakeAnaf, settings: Settings) -> None:
    s = fake_anaf.settings(settings, reges_username=None, reges_password=None)
    assert KeycloakTokens(s).form()["grant_type"] == "client_credentials"
    assert RegesClient(s, breaker=CircuitBreaker("reges-test-cc")).nomenclator("cor")


def test_429_waits_retry_after(fake_anaf: FakeAnaf, settings: Settings) -> None:
    sleeps: list[float] = []
    client = make_client(fake_anaf, settings, sleeps)
    fake_anaf.states.reges.retry_after = 7
    fake_anaf.states.reges.faults = ["429", "429"]
    receipt = client.submit(message(salariat()))  # a 429 means "not processed": safe to send again
    assert receipt.response_id and sleeps == [7.0, 7.0]
    fake_anaf.states.reges.faults = ["429"] * 5
    with pytest.raises(RegesError) as err:
        client.nomenclator("cor")
    assert err.value.kind == "rate_limited" and err.value.retry_after == 7.0


def test_5xx_is_retried_for_reads_only(fake_anaf: FakeAnaf, settings: Settings) -> None:
    sleeps: list[float] = []
    client = make_client(fake_anaf, settings, sleeps)
    fake_anaf.states.reges.faults = ["500", "500"]
    assert client.poll_batch(5) == [] and sleeps == [1.0, 2.0]  # exponential backoff
    fake_anaf.states.reges.faults = ["500"]
    with pytest.raises(RegesError) as err:
        client.submit(message(salariat()))
    assert err.value.kind == "unavailable" and not fake_anaf.states.reges.submissions


def test_timeouts(fake_anaf: FakeAnaf, settings: Settings) -> None:
    sleeps: list[float] = []
    client = make_client(fake_anaf, settings, sleeps, timeout=0.5)
    state = fake_anaf.states.reges
    client.nomenclator("cor")  # the token first, so the faults below hit the API calls
    state.slow_seconds = 1.5
    state.faults = ["slow"]
    assert client.nomenclator("cor") and sleeps == [1.0]  # a read is retried after a timeout
    state.faults = ["slow"]
    with pytest.raises(RegesTimeout):
        client.submit(message(salariat()))  # a message is not: it may have arrived
    assert sleeps == [1.0]


def test_circuit_breaker_opens_and_fails_fast(fake_anaf: FakeAnaf, settings: Settings) -> None:
    breaker = CircuitBreaker("reges-test-breaker", threshold=3, cooldown=60.0)
    client = make_client(fake_anaf, settings, [], breaker=breaker, max_retries=0)
    client.nomenclator("cor")
    fake_anaf.states.reges.faults = ["500"] * 3
    for _ in range(3):
        with pytest.raises(RegesError):
            client.nomenclator("cor")
    calls = len(fake_anaf.states.reges.requests)
    with pytest.raises(CircuitOpen):
        client.nomenclator("cor")
    assert len(fake_anaf.states.reges.requests) == calls  # not attempted
    with pytest.raises(RuntimeError, match="circuit open"):
        client.reachable()


def test_reachable(fake_anaf: FakeAnaf, settings: Settings) -> None:
    client = make_client(fake_anaf, settings, [])
    assert "issued a token" in client.reachable()
