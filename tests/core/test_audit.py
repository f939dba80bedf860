"""Audit: hash chain per tenant, tenant-scoped reads, signed export, tamper detection."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from typer.testing import CliRunner

from genius.cli import app as cli
from genius.core.audit import service as audit
from genius.core.audit.service import GENESIS, public_key_from_jwk, verify_export
from genius.core.db.session import tenant_session


def _export(client, ctx) -> list[str]:  # type: ignore[no-untyped-def]
    r = client.get("/v1/audit/export", headers=ctx.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-ndjson")
    return r.text.splitlines(keepends=True)


def _keys(client):  # type: ignore[no-untyped-def]
    return {k["kid"]: public_key_from_jwk(k) for k in client.get("/v1/audit/public-key").json()["keys"]}


def _add_entries(ctx, n: int) -> None:  # type: ignore[no-untyped-def]
    with tenant_session(ctx.id) as s:
        for i in range(n):
            audit.record(
                s, ctx.id, "test.event", actor="tester", target=f"t{i}", data={"i": i, "ș": "Brașov"}
            )


def test_chain_links_and_reads_only_own_tenant(client, make_tenant) -> None:  # type: ignore[no-untyped-def]
    a, b = make_tenant(), make_tenant()
    _add_entries(a, 3)
    _add_entries(b, 2)
    items = client.get("/v1/audit", headers=a.headers).json()["items"]
    assert [i["seq"] for i in items] == [4, 3, 2, 1]
    assert items[-1]["prev_hash"] == GENESIS and items[-1]["action"] == "tenant.created"
    for newer, older in itertools.pairwise(items):
        assert newer["prev_hash"] == older["hash"]
    assert {i["target"] for i in items}.isdisjoint({"t0-b"})
    b_items = client.get("/v1/audit", headers=b.headers).json()["items"]
    assert len(b_items) == 3 and not {i["id"] for i in items} & {i["id"] for i in b_items}
    page = client.get("/v1/audit?limit=2", headers=a.headers).json()
    assert [i["seq"] for i in page["items"]] == [4, 3] and page["next"]
    older = client.get("/v1/audit", params={"limit": 2, "cursor": page["next"]}, headers=a.headers).json()
    assert [i["seq"] for i in older["items"]] == [2, 1]


def test_signed_export_verifies_and_detects_tampering(client, tenant) -> None:  # type: ignore[no-untyped-def]
    _add_entries(tenant, 5)
    lines = _export(client, tenant)
    keys = _keys(client)
    ok = verify_export(lines, keys)
    assert ok.ok and ok.count == 6 and ok.signature_checked, ok.problems

    changed = list(lines)
    entry = json.loads(changed[2])
    entry["actor"] = "mallory"
    changed[2] = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    assert not verify_export(changed, keys).ok

    removed = lines[:3] + lines[4:]
    result = verify_export(removed, keys)
    assert not result.ok and any("chain broken" in p for p in result.problems)

    reordered = list(lines)
    reordered[2], reordered[3] = reordered[3], reordered[2]
    assert not verify_export(reordered, keys).ok

    truncated = lines[:-1]
    assert not verify_export(truncated, keys).ok

    # Re-hashing a changed line and re-chaining everything still fails: the signature covers the head.
    forged_sig = json.loads(lines[-1])
    forged_sig["count"] = 5
    assert not verify_export(lines[:1] + lines[2:-1] + [json.dumps(forged_sig) + "\n"], keys).ok


def test_cli_verify(client, tenant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _add_entries(tenant, 2)
    lines = _export(client, tenant)
    export = tmp_path / "audit.jsonl"
    export.write_text("".join(lines))
    keyfile = tmp_path / "keys.json"
    keyfile.write_text(json.dumps(client.get("/v1/audit/public-key").json()))
    runner = CliRunner()
    good = runner.invoke(cli, ["audit", "verify", str(export), "--public-key", str(keyfile)])
    assert good.exit_code == 0, good.output
    assert "OK: 3 entries" in good.output and "signature valid" in good.output
    export.write_text("".join([lines[0], lines[2], lines[1], lines[3]]))
    bad = runner.invoke(cli, ["audit", "verify", str(export), "--public-key", str(keyfile)])
    assert bad.exit_code == 1 and "FAIL" in bad.output
    export.write_text("".join(lines).replace('"t1"', '"t9"'))
    bad = runner.invoke(cli, ["audit", "verify", str(export), "--chain-only"])
    assert bad.exit_code == 1 and "content changed" in bad.output


def test_audit_requires_scope(client, tenant, platform) -> None:  # type: ignore[no-untyped-def]
    token, _ = platform.tokens.issue(
        sub=str(tenant.admin_id), tid=tenant.id, scopes=["crm:read"], role="sales"
    )
    r = client.get("/v1/audit", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403
