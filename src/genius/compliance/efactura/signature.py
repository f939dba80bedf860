"""Verify the Ministry of Finance signature on a downloaded e-Factura ZIP.

A ZIP from ``descarcare`` holds two files: ``<id>.xml`` (the invoice, or ANAF's error report) and
``semnatura_<id>.xml``. The signature file is a *copy* of that XML with an enveloped XMLDSig
``<Signature>`` (``Reference URI=""``, transform ``enveloped-signature``, SHA-256, RSA-SHA256,
SignedInfo canonicalised with exclusive C14N) and the signing certificate in ``KeyInfo``.

So two things are checked:

1. the signature is valid (signxml) — over the document inside ``semnatura_*.xml``;
2. the ZIP's ``<id>.xml`` *is* that signed document (same canonical XML; C14N 1.0, as the reference
   has no canonicalisation transform) — editing the invoice in the ZIP breaks this.

Two quirks of the files ANAF serves: the ``<Signature>`` element is pretty-printed *after* signing
(whitespace between the ``SignedInfo`` children was not there when it was signed, so it is removed
before verifying; it is outside the signed content, which the enveloped transform excludes anyway),
and base64 values carry ``&#13;`` line breaks.

Trust: with ``certs_dir`` (a folder of ANAF's ``*.cer``, DER or PEM) the signer must be one of those
certificates; without it the certificate embedded in the signature is used and the result says
``issuer not pinned``. The product carries no copy of ANAF's certificates.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
MAX_MEMBER_BYTES = 20 * 1024 * 1024  # ANAF caps an invoice at 10 MB
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
UBL_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

Kind = Literal["invoice", "credit_note", "error_report", "other"]


@dataclass
class Verification:
    ok: bool = False
    signature_valid: bool = False
    content_intact: bool = False
    pinned: bool = False
    signer: str | None = None
    signer_sha256: str | None = None
    document_name: str | None = None
    signature_name: str | None = None
    kind: Kind = "other"
    invoice_id: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    document: bytes | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "signature_valid": self.signature_valid,
            "content_intact": self.content_intact,
            "pinned": self.pinned,
            "signer": self.signer,
            "signer_sha256": self.signer_sha256,
            "document": self.document_name,
            "signature": self.signature_name,
            "kind": self.kind,
            "invoice_id": self.invoice_id,
            "problems": self.problems,
            "notes": self.notes,
        }


# --- certificates --------------------------------------------------------------------------------------
def _load_certs(data: bytes) -> list[x509.Certificate]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ANAF's test certificate has a non-positive serial number
        if b"-----BEGIN CERTIFICATE-----" in data:
            return list(x509.load_pem_x509_certificates(data))
        return [x509.load_der_x509_certificate(data)]


def load_cert_dir(path: Path) -> list[x509.Certificate]:
    """Every certificate in ``path`` (``*.cer``, ``*.crt``, ``*.pem``; DER or PEM)."""
    certs: list[x509.Certificate] = []
    if not path.is_dir():
        raise FileNotFoundError(f"certificate folder {path} does not exist")
    for file in sorted(path.iterdir()):
        if file.suffix.lower() not in (".cer", ".crt", ".pem", ".der"):
            continue
        try:
            certs.extend(_load_certs(file.read_bytes()))
        except ValueError:
            continue
    return certs


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


# --- the ZIP -------------------------------------------------------------------------------------------
def _members(data: bytes) -> tuple[dict[str, bytes], str | None]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return {}, "not a ZIP file"
    out: dict[str, bytes] = {}
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                return {}, f"{info.filename} is larger than {MAX_MEMBER_BYTES // (1024 * 1024)} MB"
            try:
                out[info.filename] = archive.read(info)
            except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, ValueError) as exc:
                return {}, f"cannot read {info.filename}: {exc}"
    return out, None


def split_zip(data: bytes) -> tuple[str | None, bytes | None, str | None, bytes | None, str | None]:
    """``(document name, document, signature name, signature, problem)`` of an ANAF ZIP."""
    members, problem = _members(data)
    if problem:
        return None, None, None, None, problem
    xmls = {n: b for n, b in members.items() if n.lower().endswith(".xml")}
    signatures = [n for n in xmls if Path(n).name.lower().startswith("semnatura")]
    documents = [n for n in xmls if n not in signatures]
    if len(signatures) != 1:
        return None, None, None, None, f"expected one semnatura_*.xml, found {len(signatures)}"
    if len(documents) != 1:
        return (
            None,
            None,
            None,
            None,
            f"expected one signed XML besides the signature, found {len(documents)}",
        )
    return documents[0], xmls[documents[0]], signatures[0], xmls[signatures[0]], None


def describe(document: etree._Element) -> tuple[Kind, str | None]:
    """What the signed document is, and its id (the invoice number, or the upload index)."""
    local = etree.QName(document).localname
    if local in ("Invoice", "CreditNote"):
        id_el = document.find(f"{{{UBL_CBC}}}ID")
        return ("invoice" if local == "Invoice" else "credit_note"), (
            (id_el.text or "").strip() if id_el is not None else None
        )
    if local == "CrossIndustryInvoice":
        ids = document.xpath("./*[local-name()='ExchangedDocument']/*[local-name()='ID']/text()")
        return "invoice", str(ids[0]).strip() if ids else None
    if local == "header":
        for key, value in document.attrib.items():
            if etree.QName(key).localname.lower() == "index_incarcare":
                return "error_report", str(value)
        return "error_report", None
    return "other", None


def _strip_signature_whitespace(signature: etree._Element) -> None:
    """Undo the pretty-printing ANAF applies after signing: whitespace-only text between the
    signature's elements, and the line break after ``</Signature>`` (not there when signed)."""
    if signature.tail is not None and not signature.tail.strip():
        signature.tail = None
    for el in signature.iter():
        if el is not signature and el.tail is not None and not el.tail.strip():
            el.tail = None
        if len(el) and el.text is not None and not el.text.strip():
            el.text = None


def _embedded_cert(signature: etree._Element) -> x509.Certificate | None:
    el = signature.find(f".//{{{DS}}}X509Certificate")
    if el is None or not el.text:
        return None
    try:
        certs = _load_certs(base64.b64decode("".join(el.text.split())))
    except (binascii.Error, ValueError):
        return None
    return certs[0] if certs else None


def _signxml_verify(signed: bytes, cert: x509.Certificate) -> etree._Element:
    from signxml import SignatureConfiguration, XMLVerifier
    from signxml.algorithms import CanonicalizationMethod

    config = SignatureConfiguration(
        ignore_ambiguous_key_info=True,
        # The reference has only the enveloped transform: its octets are inclusive C14N 1.0.
        default_reference_c14n_method=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = XMLVerifier().verify(signed, x509_cert=cert, expect_config=config)
    assert not isinstance(result, list)
    signed_xml = result.signed_xml
    assert signed_xml is not None
    return signed_xml


def verify_documents(
    document: bytes | None,
    signature_xml: bytes,
    trusted: list[x509.Certificate] | None = None,
) -> Verification:
    """Verify ``signature_xml`` and that ``document`` is the XML it signs."""
    out = Verification()
    out.document = document
    try:
        sig_root = etree.fromstring(signature_xml, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        out.problems.append(f"the signature file is not XML: {exc}")
        return out
    signature = sig_root.find(f".//{{{DS}}}Signature")
    if signature is None:
        out.problems.append("the signature file has no XMLDSig <Signature>")
        return out
    _strip_signature_whitespace(signature)
    normalised = etree.tostring(sig_root)
    embedded = _embedded_cert(signature)
    if embedded is not None:
        out.signer, out.signer_sha256 = _subject(embedded), _fingerprint(embedded)

    candidates: list[x509.Certificate] = []
    if trusted is not None:
        if embedded is not None and any(_fingerprint(c) == out.signer_sha256 for c in trusted):
            candidates = [embedded]
        else:
            candidates = list(trusted)  # KeyInfo may be absent or name another certificate
    elif embedded is not None:
        candidates = [embedded]
    else:
        out.problems.append("the signature carries no certificate and no certificate folder was given")
        return out

    signed_el: etree._Element | None = None
    last_error = "no certificate to verify with"
    for cert in candidates:
        try:
            signed_el = _signxml_verify(normalised, cert)
        except Exception as exc:  # signxml raises several types; any of them means "not verified"
            last_error = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
            continue
        out.signature_valid = True
        out.signer, out.signer_sha256 = _subject(cert), _fingerprint(cert)
        out.pinned = trusted is not None
        break
    if not out.signature_valid:
        if (
            trusted is not None
            and embedded is not None
            and out.signer_sha256 not in {_fingerprint(c) for c in trusted}
        ):
            try:
                _signxml_verify(normalised, embedded)
                out.signature_valid = True  # valid, but by a certificate we were not told to trust
                out.problems.append(
                    f"the signer ({out.signer}) is not one of the {len(trusted)} pinned certificates"
                )
            except Exception:
                out.problems.append(f"the signature does not verify ({last_error})")
        else:
            out.problems.append(f"the signature does not verify ({last_error})")
    if trusted is None:
        out.notes.append("issuer not pinned: verified with the certificate embedded in the signature")

    # Which document was signed: the signature file minus its <Signature>.
    signed_copy = etree.fromstring(signature_xml, _PARSER)
    sig_copy = signed_copy.find(f".//{{{DS}}}Signature")
    if sig_copy is not None and sig_copy.getparent() is not None:
        _strip_signature_whitespace(sig_copy)
        _remove_keep_tail(sig_copy)
    signed_c14n = etree.tostring(signed_copy, method="c14n")
    out.kind, out.invoice_id = describe(signed_copy)

    if document is None:
        out.problems.append("the signed XML is missing")
    else:
        try:
            doc_root = etree.fromstring(document, _PARSER)
        except (etree.XMLSyntaxError, ValueError) as exc:
            out.problems.append(f"the signed XML does not parse: {exc}")
            doc_root = None
        if doc_root is not None:
            out.content_intact = etree.tostring(doc_root, method="c14n") == signed_c14n
            if out.content_intact:
                out.kind, out.invoice_id = describe(doc_root)
            else:
                out.problems.append("the XML in the ZIP differs from the signed XML (content altered)")
    references = signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if signed_el is not None and (len(references) != 1 or references[0].get("URI") != ""):
        # ANAF signs the whole document (URI=""); anything else proves nothing about the invoice.
        out.problems.append("the signature does not cover the whole document")
        out.signature_valid = False
    out.ok = out.signature_valid and out.content_intact and not out.problems
    return out


def _remove_keep_tail(el: etree._Element) -> None:
    """Remove ``el`` like the enveloped-signature transform does (its tail text stays)."""
    parent = el.getparent()
    assert parent is not None
    tail = el.tail
    prev = el.getprevious()
    parent.remove(el)
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def verify_zip(data: bytes, certs_dir: Path | None = None) -> Verification:
    """Verify an e-Factura ZIP as downloaded from ANAF."""
    trusted = load_cert_dir(certs_dir) if certs_dir is not None else None
    if trusted is not None and not trusted:
        out = Verification(problems=[f"no certificates found in {certs_dir}"])
        return out
    doc_name, document, sig_name, signature_xml, problem = split_zip(data)
    if problem or signature_xml is None:
        return Verification(problems=[problem or "no signature"])
    out = verify_documents(document, signature_xml, trusted)
    out.document_name, out.signature_name = doc_name, sig_name
    return out
