"""e-Transport end to end against the fake ANAF over real HTTP, with the tenant's ANAF OAuth token
(the e-Factura token store): create → upload (UIT) → stareMesaj → valid, the validity window and the
``wms.shipment.etransport_code`` event; rejections; a UIT with wrong check digits; a deletion; a
timed-out upload reconciled from ANAF's list; the migration's table with RLS."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Connection, text

from genius.compliance.common.errors import AnafApiError
from genius.compliance.etransport import service
from genius.compliance.etransport.build import to_xml
from genius.compliance.etransport.declaration import Declaration
from genius.compliance.etransport.service import InvalidDeclaration
from genius.compliance.etransport.uit import is_valid_uit
from tests.compliance.etransport import samples
from tests.compliance.etransport.conftest import Env, events


def create(env: Env, decl: Declaration | bytes, **kw: Any) -> uuid.UUID:
    with env.ctx.db.tenant_session(env.tid) as session:
        row, created = service.create(session, env.tid, decl, **kw)
        assert created
        return row.id


def test_notification_to_valid_uit_with_event(env: Env, db: Connection) -> None:
    did = create(env, samples.national(), shipment_ref="SHP-42", correlation_id="corr-42")
    result = service.upload(env.ctx, env.tid, did)
    assert result["state"] == "uploaded" and is_valid_uit(result["uit"])
    assert result["uit_valid_until"] is None  # valid only once stareMesaj says so
    result = service.follow(env.ctx, env.tid, did, initial=0.5)
    assert result["state"] == "valid" and env.sleeps == [0.5]
    assert result["uit_valid_from"] == "2026-11-24" and result["uit_valid_until"] == "2026-11-29"
    assert result["uit_issued_at"]
    (code,) = events(db, env.tid, "wms.shipment.etransport_code")
    assert code["uit"] == result["uit"] and code["shipment_ref"] == "SHP-42"
    assert code["valid_until"] == "2026-11-29" and code["_correlation_id"] == "corr-42"
    assert events(db, env.tid, "anaf.etransport.rejected") == []


def test_inbound_transport_gets_15_days(env: Env) -> None:
    did = create(env, samples.intra_eu_acquisition())
    service.upload(env.ctx, env.tid, did)
    result = service.follow(env.ctx, env.tid, did, initial=0.1)
    assert result["state"] == "valid" and result["uit_valid_until"] == "2026-12-09"


def test_invalid_declaration_is_refused_with_findings(env: Env) -> None:
    bad = to_xml(samples.national()).replace(b'codTara="RO"', b'codTara="HU"')
    with env.ctx.db.tenant_session(env.tid) as session, pytest.raises(InvalidDeclaration) as err:
        service.create(session, env.tid, bad)
    assert any(f["rule"] == "BR-005" for f in err.value.extra["findings"])


def test_idempotent_create(env: Env) -> None:
    with env.ctx.db.tenant_session(env.tid) as session:
        first, created = service.create(session, env.tid, samples.national(), idempotency_key="k1")
        again, created2 = service.create(session, env.tid, samples.national(), idempotency_key="k1")
        assert created and not created2 and first.id == again.id


def test_rejected_after_processing(env: Env, db: Connection) -> None:
    decl = samples.national()
    decl.notification.partner.name = "FAKE-REJECT SRL"  # type: ignore[union-attr]
    did = create(env, decl, correlation_id="corr-r")
    service.upload(env.ctx, env.tid, did)
    result = service.follow(env.ctx, env.tid, did, initial=0.1)
    assert result["state"] == "nok" and "FAKE-REJECT" in result["errors"][0]
    (rejected,) = events(db, env.tid, "anaf.etransport.rejected")
    assert rejected["stage"] == "processing" and rejected["_correlation_id"] == "corr-r"
    assert events(db, env.tid, "wms.shipment.etransport_code") == []


def test_uit_with_wrong_check_digits_is_rejected(env: Env, db: Connection) -> None:
    env.state.faults.append("bad-uit")
    did = create(env, samples.national())
    result = service.upload(env.ctx, env.tid, did)
    assert result["state"] == "uit_invalid" and "BR-019" in result["errors"][0]
    (rejected,) = events(db, env.tid, "anaf.etransport.rejected")
    assert rejected["stage"] == "uit"


def test_deletion_marks_the_notification_deleted(env: Env) -> None:
    did = create(env, samples.national())
    service.upload(env.ctx, env.tid, did)
    uit = service.follow(env.ctx, env.tid, did, initial=0.1)["uit"]
    sid = create(env, samples.deletion(uit))
    service.upload(env.ctx, env.tid, sid)
    assert service.follow(env.ctx, env.tid, sid, initial=0.1)["state"] == "valid"
    with env.ctx.db.tenant_session(env.tid) as session:
        assert service.get(session, env.tid, did).state == "deleted"


def test_deletion_publishes_its_event_and_a_uit_is_deleted_once(env: Env, db: Connection) -> None:
    did = create(env, samples.national(), shipment_ref="SHP-7")
    service.upload(env.ctx, env.tid, did)
    uit = service.follow(env.ctx, env.tid, did, initial=0.1)["uit"]
    sid = create(env, samples.deletion(uit), shipment_ref="SHP-7", correlation_id="corr-del")
    service.upload(env.ctx, env.tid, sid)
    assert service.follow(env.ctx, env.tid, sid, initial=0.1)["state"] == "valid"
    (deleted,) = events(db, env.tid, "anaf.etransport.deleted")
    assert deleted["uit"] == uit and deleted["deleted"] == [str(did)] and deleted["shipment_ref"] == "SHP-7"
    assert deleted["declaration_id"] == str(sid) and deleted["_correlation_id"] == "corr-del"
    # ANAF refuses a second deletion, a correction of the deleted UIT, and a deletion of a UIT it never issued
    refused = (samples.deletion(uit), _correction(uit), samples.deletion(samples.make_uit()))
    for n, decl in enumerate(refused):
        again = create(env, decl, idempotency_key=f"refused-{n}")
        service.upload(env.ctx, env.tid, again)
        result = service.follow(env.ctx, env.tid, again, initial=0.1)
        assert result["state"] == "nok" and "UIT" in result["errors"][0], result
    assert len(events(db, env.tid, "anaf.etransport.deleted")) == 1


def _correction(uit: str) -> Declaration:
    decl = samples.national()
    assert decl.notification is not None
    decl.notification.correction_uit = uit
    decl.notification.transport.vehicle = "CJ99XYZ"
    return decl


def test_a_correction_keeps_the_uit_it_corrects(env: Env, db: Connection) -> None:
    did = create(env, samples.national())
    service.upload(env.ctx, env.tid, did)
    uit = service.follow(env.ctx, env.tid, did, initial=0.1)["uit"]
    cid = create(env, _correction(uit))
    assert service.upload(env.ctx, env.tid, cid)["uit"] == uit
    result = service.follow(env.ctx, env.tid, cid, initial=0.1)
    assert result["state"] == "valid" and result["uit"] == uit and result["target_uit"] == uit
    codes = events(db, env.tid, "wms.shipment.etransport_code")
    assert [c["uit"] for c in codes] == [uit, uit]
    assert [c["declaration_id"] for c in codes] == [str(did), str(cid)]


def test_timeout_then_retry_reconciles_without_a_second_upload(env: Env) -> None:
    env.ctx.timeout = 0.4
    env.state.slow_seconds, env.state.faults = 1.2, ["slow"]
    did = create(env, samples.national())
    assert service.upload(env.ctx, env.tid, did)["state"] == "unknown"
    assert len(env.state.uploads) == 1
    env.ctx.timeout = 5.0
    result = service.upload(env.ctx, env.tid, did)
    assert result["state"] == "uploaded" and len(env.state.uploads) == 1
    (upload,) = env.state.uploads.values()
    assert result["uit"] == upload.uit and result["index_incarcare"] == upload.index


def test_anaf_outage_leaves_it_pending(env: Env) -> None:
    env.state.faults.append("html")
    did = create(env, samples.national())
    with pytest.raises(AnafApiError) as err:
        service.upload(env.ctx, env.tid, did)
    assert err.value.kind == "firewall"
    with env.ctx.db.tenant_session(env.tid) as session:
        assert service.get(session, env.tid, did).state == "pending"
    assert service.upload(env.ctx, env.tid, did)["state"] == "uploaded"


def test_table_has_forced_rls(db: Connection) -> None:
    row = db.execute(
        text(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'compliance' AND relname = 'etransport_declarations'"
        )
    ).one()
    assert tuple(row) == (True, True)


def test_other_tenants_do_not_see_declarations(env: Env, make_tenant: Any) -> None:
    did = create(env, samples.national())
    other = make_tenant()
    with env.ctx.db.tenant_session(other.id) as session, pytest.raises(Exception, match="No e-Transport"):
        service.get(session, other.id, did)
    assert date(2026, 11, 24)  # keep the import honest
