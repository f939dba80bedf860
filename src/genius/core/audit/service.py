"""The audit log: append-only, hash-chained per tenant, exportable as signed JSON Lines.

Each entry's ``hash`` is the SHA-256 of its canonical JSON (sorted keys, no spaces) *including*
``prev_hash``, the previous entry's hash (64 zeros for the first). Appends lock the tenant's head
row, so the chain is linear even under concurrent writers. An export is the chain in order, one
entry per line, followed by a signature line: Ed25519 over the export's digest and the chain head.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy.orm import Session

from genius.core.audit import repository
from genius.core.audit.models import AuditEntry
from genius.core.db.base import new_id, utcnow
from genius.core.kit.pagination import Page

GENESIS = "0" * 64
TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime(TS_FORMAT)


def entry_body(entry: AuditEntry) -> dict[str, Any]:
    """The hashed fields of an entry, as they appear in an export line (without ``hash``)."""
    return {
        "seq": entry.seq,
        "id": str(entry.id),
        "tid": str(entry.tid),
        "occurred_at": _ts(entry.occurred_at),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "data": entry.data,
        "request_id": entry.request_id,
        "prev_hash": entry.prev_hash,
    }


def entry_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def record(
    session: Session,
    tid: uuid.UUID,
    action: str,
    *,
    actor: str,
    target: str = "",
    data: dict[str, Any] | None = None,
    request_id: str = "",
) -> AuditEntry:
    """Append one entry in the caller's transaction (which must have ``app.tid`` = ``tid``)."""
    seq, prev = repository.lock_head(session, tid, GENESIS)
    # JSON round-trip so the hash is computed over exactly what JSONB will give back.
    clean = json.loads(canonical(data or {}))
    entry = AuditEntry(
        tid=tid,
        seq=seq + 1,
        id=new_id(),
        occurred_at=utcnow(),
        actor=actor[:200],
        action=action[:100],
        target=target[:200],
        data=clean,
        request_id=request_id[:64],
        prev_hash=prev,
        hash="",
    )
    entry.hash = entry_hash(entry_body(entry))
    repository.append(session, entry)
    return entry


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {**entry_body(entry), "hash": entry.hash}


def page(session: Session, *, limit: int, before_seq: int | None, action: str | None) -> list[AuditEntry]:
    return repository.page(session, limit=limit, before_seq=before_seq, action=action)


def list_page(session: Session, *, cursor: str | None, limit: int, action: str | None) -> Page[AuditEntry]:
    return repository.list_page(session, cursor=cursor, limit=limit, action=action)


# --- export and verification ----------------------------------------------------------------------
def export_lines(
    session: Session, tid: uuid.UUID, key_kid: str, private: ed25519.Ed25519PrivateKey
) -> Iterator[str]:
    """Stream the chain as JSON Lines and end with the signature line."""
    digest = hashlib.sha256()
    count = 0
    head = GENESIS
    for entry in repository.chain(session):
        line = canonical(entry_json(entry)) + "\n"
        digest.update(line.encode())
        count += 1
        head = entry.hash
        yield line
    yield canonical(signature_record(tid, count, head, digest.hexdigest(), key_kid, private)) + "\n"


def _signed_payload(meta: dict[str, Any]) -> bytes:
    return canonical({k: v for k, v in meta.items() if k != "signature"}).encode()


def signature_record(
    tid: uuid.UUID, count: int, head: str, lines_sha256: str, kid: str, private: ed25519.Ed25519PrivateKey
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "type": "signature",
        "alg": "Ed25519",
        "kid": kid,
        "tid": str(tid),
        "count": count,
        "head": head,
        "lines_sha256": lines_sha256,
        "exported_at": _ts(utcnow()),
    }
    meta["signature"] = base64.urlsafe_b64encode(private.sign(_signed_payload(meta))).rstrip(b"=").decode()
    return meta


@dataclass
class VerifyResult:
    ok: bool
    count: int
    head: str
    problems: list[str]
    signature_checked: bool


def _b64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def public_key_from_jwk(jwk: dict[str, Any]) -> ed25519.Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise ValueError("not an Ed25519 JWK")
    return ed25519.Ed25519PublicKey.from_public_bytes(_b64(str(jwk["x"])))


def verify_export(lines: list[str], public_keys: dict[str, ed25519.Ed25519PublicKey] | None) -> VerifyResult:
    """Check every line's hash, the chain links and order, and (when keys are given) the signature."""
    problems: list[str] = []
    if not lines or not lines[-1].strip():
        return VerifyResult(False, 0, GENESIS, ["empty export"], False)
    *entries, last = [ln for ln in lines if ln.strip()]
    try:
        sig = json.loads(last)
    except json.JSONDecodeError:
        sig = {}
    if sig.get("type") != "signature":
        problems.append("the last line is not a signature line (export truncated?)")
        entries.append(last)
        sig = {}
    digest = hashlib.sha256()
    prev = GENESIS
    expected_seq = 1
    tid = sig.get("tid")
    for lineno, raw in enumerate(entries, start=1):
        digest.update((raw.rstrip("\n") + "\n").encode())
        try:
            entry = json.loads(raw)
        except json.JSONDecodeError:
            problems.append(f"line {lineno}: not JSON")
            continue
        claimed = entry.pop("hash", None)
        if entry_hash(entry) != claimed:
            problems.append(f"line {lineno} (seq {entry.get('seq')}): content changed, hash mismatch")
        if entry.get("prev_hash") != prev:
            problems.append(
                f"line {lineno} (seq {entry.get('seq')}): chain broken (line removed or reordered)"
            )
        if entry.get("seq") != expected_seq:
            problems.append(f"line {lineno}: expected seq {expected_seq}, found {entry.get('seq')}")
        if tid is not None and entry.get("tid") != tid:
            problems.append(f"line {lineno}: belongs to another tenant")
        expected_seq = (entry.get("seq") if isinstance(entry.get("seq"), int) else expected_seq) + 1
        prev = claimed if isinstance(claimed, str) else prev
    signature_checked = False
    if sig:
        if sig.get("count") != len(entries):
            problems.append(f"signature covers {sig.get('count')} lines, file has {len(entries)}")
        if sig.get("head") != prev:
            problems.append("chain head does not match the signed head")
        if sig.get("lines_sha256") != digest.hexdigest():
            problems.append("lines digest does not match the signed digest")
        if public_keys is not None:
            key = public_keys.get(str(sig.get("kid")))
            if key is None:
                problems.append(f"no public key for kid {sig.get('kid')!r}")
            else:
                try:
                    key.verify(_b64(str(sig.get("signature", ""))), _signed_payload(sig))
                    signature_checked = True
                except (InvalidSignature, ValueError):
                    problems.append("signature invalid")
    return VerifyResult(not problems, len(entries), prev, problems, signature_checked)
