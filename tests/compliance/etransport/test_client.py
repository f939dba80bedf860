"""The e-Transport client against the fake ANAF over real HTTP (upload → UIT → stareMesaj, lista; 429,
401, 500, the firewall page, timeouts, a UIT with wrong check digits) and ANAF's documented reply shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from genius.compliance.common.errors import AnafApiError, AnafTimeout
from genius.compliance.etransport.build import to_xml
from genius.compliance.etransport.client import ETransportClient, parse_list, parse_status, parse_upload
from genius.compliance.etransport.uit import is_valid_uit
from genius.config import Settings
from tests.compliance.conftest import FakeAnaf
from tests.compliance.etransport import samples


def make_client(
    fake: FakeAnaf, settings: Settings, **kw: Any
) -> tuple[ETransportClient, list[bool], list[float]]:
    calls: list[bool] = []
    sleeps: list[float] = []

    def token(refresh: bool) -> str:
        calls.append(refresh)
        return "fresh-token" if refresh else "old-token"

    client = ETransportClient(
        fake.settings(settings, anaf_env="test"),
        token,
        sleep=sleeps.append,
        timeout=kw.pop("timeout", 5.0),
        **kw,
    )
    return client, calls, sleeps


def test_upload_status_list(fake_anaf: FakeAnaf, settings: Settings) -> None:
    client, _, _ = make_client(fake_anaf, settings)
    result = client.upload(to_xml(samples.national()), "RO" + samples.CIF)
    assert result.ok and result.index_incarcare and result.uit_ok and is_valid_uit(result.uit or "")
    assert result.warning and "stare" in result.warning
    method, path = fake_anaf.states.etransport.requests[0]
    assert (method, path) == ("POST", f"/test/ETRANSPORT/ws/v1/upload/ETRANSP/{samples.CIF}/2")
    assert client.status(result.index_incarcare).state == "in_progress"
    assert client.status(result.index_incarcare).state == "ok"
    listing = client.messages(1, samples.CIF)
    assert [(m.uit, m.id_incarcare.lstrip("0")) for m in listing.messages] == [
        (result.uit, result.index_incarcare)
    ]


def test_rule_violations_are_nok_with_messages(fake_anaf: FakeAnaf, settings: Settings) -> None:
    client, _, _ = make_client(fake_anaf, settings)
    fake_anaf.states.etransport.in_progress_polls = 0
    bad = to_xml(samples.national()).replace(b'codTara="RO"', b'codTara="HU"')
    result = client.upload(bad, samples.CIF)
    assert result.ok  # accepted for processing
    status = client.status(result.index_incarcare or "")
    assert status.state == "nok" and status.errors[0].startswith("BR-005")


def test_not_xml_is_refused_at_upload(fake_anaf: FakeAnaf, settings: Settings) -> None:
    client, _, _ = make_client(fake_anaf, settings)
    result = client.upload(b"<a/>", samples.CIF)
    assert not result.ok and "nu este valid" in result.errors[0]


def test_unknown_index_and_empty_list(fake_anaf: FakeAnaf, settings: Settings) -> None:
    client, _, _ = make_client(fake_anaf, settings)
    with pytest.raises(AnafApiError) as err:
        client.status("999999")
    assert err.value.kind == "not_found"
    assert client.messages(60, samples.CIF).note == "Nu exista mesaje in ultimele 60 zile"
    with pytest.raises(ValueError):
        client.messages(61, samples.CIF)


def test_401_refreshes_the_token_once(fake_anaf: FakeAnaf, settings: Settings) -> None:
    fake_anaf.states.etransport.token_check = lambda token: token == "fresh-token"
    client, calls, _ = make_client(fake_anaf, settings)
    assert client.upload(to_xml(samples.deletion()), samples.CIF).ok
    assert calls == [False, True]
    fake_anaf.states.etransport.token_check = lambda token: False
    with pytest.raises(AnafApiError) as err:
        client.status("1")
    assert err.value.kind == "unauthorized"


def test_429_waits_and_retries(fake_anaf: FakeAnaf, settings: Settings) -> None:
    fake_anaf.states.etransport.faults = ["429", "429"]
    client, _, sleeps = make_client(fake_anaf, settings)
    assert client.upload(to_xml(samples.confirmation()), samples.CIF).ok
    assert sleeps == [1.0, 1.0]
    fake_anaf.states.etransport.faults = ["429"] * 5
    with pytest.raises(AnafApiError) as err:
        client.upload(to_xml(samples.confirmation()), samples.CIF)
    assert err.value.kind == "rate_limited" and err.value.error.retryable


@pytest.mark.parametrize(("fault", "kind"), [("500", "server"), ("html", "firewall")])
def test_server_errors_and_firewall_are_typed(
    fake_anaf: FakeAnaf, settings: Settings, fault: str, kind: str
) -> None:
    fake_anaf.states.etransport.faults = [fault]
    client, _, _ = make_client(fake_anaf, settings)
    with pytest.raises(AnafApiError) as err:
        client.upload(to_xml(samples.deletion()), samples.CIF)
    assert err.value.kind == kind and err.value.error.retryable
    assert fake_anaf.states.etransport.uploads == {}


def test_timeout(fake_anaf: FakeAnaf, settings: Settings) -> None:
    state = fake_anaf.states.etransport
    state.faults, state.slow_seconds = ["slow"], 1.0
    client, _, _ = make_client(fake_anaf, settings, timeout=0.3)
    with pytest.raises(AnafTimeout):
        client.upload(to_xml(samples.national()), samples.CIF)


def test_uit_with_wrong_check_digits_is_flagged(fake_anaf: FakeAnaf, settings: Settings) -> None:
    fake_anaf.states.etransport.faults = ["bad-uit"]
    client, _, _ = make_client(fake_anaf, settings)
    result = client.upload(to_xml(samples.national()), samples.CIF)
    assert result.ok and result.uit and not result.uit_ok


# --- the reply shapes of ANAF's swagger pages ------------------------------------------------------------
def j(data: Any) -> bytes:
    return json.dumps(data).encode()


def test_swagger_reply_shapes() -> None:
    ok = parse_upload(
        200,
        "application/json",
        j(
            {
                "dateResponse": "202212231132",
                "ExecutionStatus": 0,
                "index_incarcare": 1,
                "UIT": "A0002",
                "trace_id": "96cd587e",
                "ref_declarant": "",
                "atentie": "Verificati starea XML-ului transmis.",
            }
        ),
    )
    assert not isinstance(ok, Exception) and ok.ok and ok.index_incarcare == "1"  # type: ignore[union-attr]
    assert ok.uit == "A0002" and not ok.uit_ok  # type: ignore[union-attr]
    refused = parse_upload(
        200,
        "application/json",
        j({"Errors": [{"errorMessage": "CIF introdus= 123a nu este un numar"}], "ExecutionStatus": 1}),
    )
    assert not refused.ok and refused.errors  # type: ignore[union-attr]
    forbidden = parse_upload(
        200,
        "application/json",
        j({"Errors": [{"errorMessage": "Nu aveti drept in SPV pentru CIF=21"}], "ExecutionStatus": 1}),
    )
    assert forbidden.kind == "forbidden"  # type: ignore[union-attr]
    assert (
        parse_status(200, "application/json", j({"stare": "in prelucrare", "ExecutionStatus": 0})).state
        == "in_progress"
    )  # type: ignore[union-attr]
    nok = parse_status(
        200,
        "application/json",
        j(
            {
                "Errors": [{"errorMessage": "UIT-ul nu poate fi identificat."}],
                "stare": "nok",
                "ExecutionStatus": 1,
            }
        ),
    )
    assert nok.state == "nok" and nok.errors == ["UIT-ul nu poate fi identificat."]  # type: ignore[union-attr]
    assert (
        parse_status(200, "application/json", j({"stare": "XML cu erori nepreluat de sistem"})).state
        == "xml_errors"
    )  # type: ignore[union-attr]
    limit = parse_status(
        200,
        "application/json",
        j(
            {
                "Errors": [
                    {"errorMessage": "S-au facut deja 100 de verificari, pentru id-incarcare solicitat"}
                ],
                "ExecutionStatus": 1,
            }
        ),
    )
    assert limit.kind == "limit"  # type: ignore[union-attr]
    spring = parse_status(404, "application/json", j({"status": 404, "error": "Not Found", "path": "/x"}))
    assert spring.kind == "invalid"  # type: ignore[union-attr]
    assert parse_status(200, "application/json", b"not json").kind == "protocol"  # type: ignore[union-attr]
    listing = parse_list(
        200,
        "application/json",
        j(
            {
                "mesaje": [
                    {
                        "uit": "XAXAXAXAXAXAXAXA1",
                        "cod_decl": "8000000000",
                        "id_incarcare": "0000000001",
                        "data_creare": "20221010144008",
                        "tip_op": "30",
                    },
                    {
                        "cod_decl": "8000000000",
                        "id_incarcare": "0000000003",
                        "mesaje": [{"tip": "ERR", "mesaj": "Nu a fost identificat UIT-ul"}],
                    },
                ],
                "cui": "8000000000",
                "ExecutionStatus": 0,
            }
        ),
    )
    assert [m.uit for m in listing.messages] == ["XAXAXAXAXAXAXAXA1", None]  # type: ignore[union-attr]
    assert listing.messages[1].errors == ["Nu a fost identificat UIT-ul"]  # type: ignore[union-attr]
