"""Every real ANAF reply sample (and the documented shapes) parses to the right typed result."""

from __future__ import annotations

from datetime import UTC, datetime

from genius.compliance.efactura.replies import (
    ApiError,
    Download,
    MessageList,
    StatusReply,
    UploadReply,
    parse_error_report,
    parse_reply,
)
from tests.compliance.conftest import shared_data

XML = "application/xml"


def sample(name: str) -> bytes:
    return shared_data("anaf-responses", name).read_bytes()


def test_upload_success() -> None:
    r = parse_reply("upload", 200, XML, sample("upload_success.xml"))
    assert isinstance(r, UploadReply)
    assert r.ok and r.index_incarcare == "3828" and not r.errors
    assert r.date_response is not None and r.date_response.year == 2021


def test_upload_refused_with_errors_and_http_200() -> None:
    r = parse_reply("upload", 200, XML, sample("upload_standard_invalid.xml"))
    assert isinstance(r, UploadReply)
    assert not r.ok and r.index_incarcare is None
    assert r.errors == ["Valorile acceptate pentru parametrul standard sunt UBL, CII sau RASP"]


def test_stare_states() -> None:
    expected = {
        "stare_mesaj_ok.xml": ("ok", "1234"),
        "stare_mesaj_not_ok.xml": ("nok", "123"),
        "stare_mesaj_in_prelucrare.xml": ("in_progress", None),
        "stare_mesaj_xml_erori.xml": ("xml_errors", None),
    }
    for name, (state, id_descarcare) in expected.items():
        r = parse_reply("status", 200, XML, sample(name))
        assert isinstance(r, StatusReply), name
        assert (r.state, r.id_descarcare) == (state, id_descarcare), name
        assert r.final == (state != "in_progress")


def test_stare_errors_are_typed() -> None:
    expected = {
        "stare_mesaj_drept_id_incarcare.xml": "forbidden",
        "stare_mesaj_factura_inexistenta.xml": "not_found",
        "stare_mesaj_index_invalid.xml": "invalid",
    }
    for name, kind in expected.items():
        r = parse_reply("status", 200, XML, sample(name))
        assert isinstance(r, ApiError), name
        assert r.kind == kind, name
        assert r.messages and not r.retryable


def test_stare_with_anaf_error_report() -> None:
    r = parse_reply("status", 200, XML, sample("stare_mesaj_not_ok_anaf_error.xml"))
    assert isinstance(r, StatusReply)
    assert r.state == "nok" and r.index_incarcare == "5011636148"
    assert "R6.1" in r.errors[0]
    report = parse_error_report(sample("stare_mesaj_not_ok_anaf_error.xml"))
    assert report is not None and report.cif_emitent == "47024170"


def test_documented_limit_message() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        b'<header xmlns="mfp:anaf:dgti:efactura:stareMesajFactura:v1">\r\n'
        b'    <Errors errorMessage="S-au facut deja 20 descarcari de mesaj in cursul zilei"/>\r\n</header>'
    )
    r = parse_reply("status", 200, XML, body)
    assert isinstance(r, ApiError) and r.kind == "limit"


def test_lists() -> None:
    body = (
        b'{"mesaje":[{"data_creare":"202211011415","cif":"8000000000","id_solicitare":"5001130147",'
        b'"detalii":"Erori de validare","tip":"ERORI FACTURA","id":"3001293434"},'
        b'{"data_creare":"202211011336","cif":"8000000000","id_solicitare":"5001131297",'
        b'"detalii":"Factura cu id_incarcare=5001131297","tip":"FACTURA TRIMISA","id":"3001503294"}],'
        b'"serial":"1234AA456","cui":"8000000000","titlu":"Lista Mesaje disponibile din ultimele 1 zile"}'
    )
    r = parse_reply("list", 200, "application/json", body)
    assert isinstance(r, MessageList)
    assert [m.kind for m in r.messages] == ["errors", "sent"]
    assert r.messages[1].id == "3001503294" and r.messages[1].data_creare is not None
    empty = parse_reply("list", 200, "application/json", b'{"eroare":"Nu exista mesaje in ultimele 15 zile"}')
    assert isinstance(empty, MessageList) and empty.messages == [] and empty.note
    forbidden = parse_reply(
        "list",
        200,
        "application/json",
        b'{"eroare":"Nu aveti drept in SPV pentru CIF=8000000000","titlu":"x"}',
    )
    assert isinstance(forbidden, ApiError) and forbidden.kind == "forbidden"
    paged = parse_reply(
        "list",
        200,
        "application/json",
        b'{"mesaje":[],"numar_total_pagini":29,"index_pagina_curenta":29,"numar_total_inregistrari":14130}',
    )
    assert isinstance(paged, MessageList) and paged.pages == 29 and paged.total == 14130


def test_downloads() -> None:
    zipped = sample("invoice.zip")
    r = parse_reply("download", 200, "application/octet-stream", zipped)
    assert isinstance(r, Download) and r.content == zipped
    limit = parse_reply(
        "download",
        200,
        "application/json",
        b'{"eroare":"S-au facut deja 10 descarcari de mesaj in cursul zilei","titlu":"Descarcare mesaj"}',
    )
    assert isinstance(limit, ApiError) and limit.kind == "limit"
    missing = parse_reply(
        "download",
        200,
        "application/json",
        b'{"eroare":"Pentru id=21 nu exista inregistrata nici o factura"}',
    )
    assert isinstance(missing, ApiError) and missing.kind == "not_found"


def test_transport_errors() -> None:
    assert parse_reply("upload", 401, "text/plain", b"Unauthorized").kind == "unauthorized"  # type: ignore[union-attr]
    r = parse_reply("status", 429, "text/plain", b"Too Many", {"Retry-After": "7"})
    assert isinstance(r, ApiError) and r.kind == "rate_limited" and r.retry_after == 7
    assert (
        isinstance(r := parse_reply("list", 503, "text/html", b"<html>down</html>"), ApiError)
        and r.kind == "server"
    )
    page = (
        b"<html><head><title>Request Rejected</title></head>"
        b"<body>The requested URL was rejected.</body></html>"
    )
    fw = parse_reply("upload", 200, "text/html", page)
    assert (
        isinstance(fw, ApiError) and fw.kind == "firewall" and fw.retryable and fw.title == "Request Rejected"
    )
    spring = parse_reply(
        "status",
        400,
        "application/json",
        b'{"timestamp":"x","status":400,"error":"Bad Request",'
        b'"message":"Parametrul id_incarcare este obligatoriu"}',
    )
    assert isinstance(spring, ApiError) and spring.kind == "invalid" and "obligatoriu" in spring.message
    junk = parse_reply("upload", 200, XML, b"\x00\x01 not xml")
    assert isinstance(junk, ApiError) and junk.kind == "protocol"
    unknown = parse_reply("status", 200, XML, b'<header xmlns="x" stare="ciudat"/>')
    assert isinstance(unknown, ApiError) and unknown.kind == "protocol"


def test_anaf_timestamps_keep_their_minutes() -> None:
    from genius.compliance.efactura.replies import _datetime

    # 12 digits is yyyyMMddHHmm; strptime alone would read "0348" as 03:04:08.
    assert _datetime("202611230348") == datetime(2026, 11, 23, 3, 48, tzinfo=UTC)
    assert _datetime("20261123034859") == datetime(2026, 11, 23, 3, 48, 59, tzinfo=UTC)
    assert _datetime("2026-11-23") is None
