"""What an uploaded file is, and what it may be called.

Content type policy (the client's ``Content-Type`` and the file name are never trusted):

1. The bytes are sniffed: ``puremagic`` signatures, refined where its answer is too coarse: a ZIP is
   opened to tell DOCX/XLSX/PPTX and ODF apart from a plain ZIP, an OLE2 container is only accepted
   as the legacy Office type its extension names (.doc/.xls/.ppt/.msg), and unrecognised bytes that
   read as text are ``text/plain`` (``text/csv`` when named .csv).
2. The sniffed type is what is stored and served, and it must be on ``ALLOWED_TYPES`` (documents,
   images, spreadsheets, archives, text). Anything else is refused with 415, in particular
   executables (PE, ELF, Mach-O, scripts with ``#!``), HTML and SVG (active content).
3. A name with an executable or active-content extension (.exe, .bat, .js, .html, …) is refused
   whatever the bytes are, because the operating system of whoever downloads it goes by the name.
   A ZIP holding such a member is refused for the same reason.
4. The declared type is kept for the record only: a PNG sent as ``application/pdf`` is stored and
   served as ``image/png``; an executable sent as ``application/pdf`` is refused by 2.

File names: only the last path component is kept; control and format characters (including bidi
overrides such as U+202E, which make ``gpj.exe`` look like ``exe.jpg``) are dropped, characters
Windows reserves (``<>:"/\\|?*``) become ``_``, leading/trailing dots and spaces go, reserved device
names (CON, NUL, COM1, …) get a ``_`` prefix and the result is cut to 255 UTF-8 bytes keeping the
extension. Letters of any script stay, so Romanian diacritics (ă â î ș ț) are kept as sent (NFC).
"""

from __future__ import annotations

import io
import mimetypes
import unicodedata
import zipfile
from dataclasses import dataclass
from urllib.parse import quote

import puremagic

ALLOWED_TYPES: frozenset[str] = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/tiff",
        "image/bmp",
        "image/heic",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.ms-outlook",
        "application/zip",
        "application/xml",
        "application/rtf",
        "text/plain",
        "text/csv",
    }
)

# Extensions the downloader's operating system would run or render as active content.
BLOCKED_EXTENSIONS: frozenset[str] = frozenset(
    """exe dll com scr pif cpl msi msp mst bat cmd ps1 psm1 psd1 vbs vbe js jse mjs wsf wsh wsc hta jar
    lnk sh bash zsh csh ksh command app reg scf inf url desktop apk dmg pkg deb rpm appimage iso img vhd
    vhdx html htm xhtml shtml mht mhtml svg svgz xsl xslt php asp aspx jsp py pyw pl rb
    gadget application msc chm hlp""".split()
)

_EXECUTABLE_MAGIC: tuple[bytes, ...] = (
    b"MZ",  # DOS/Windows PE
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal (and Java classes)
    b"#!",  # scripts
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE2_BY_EXTENSION = {
    "doc": "application/msword",
    "dot": "application/msword",
    "xls": "application/vnd.ms-excel",
    "xlt": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "pps": "application/vnd.ms-powerpoint",
    "msg": "application/vnd.ms-outlook",
}
_OOXML_PARTS = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# puremagic names some types differently from the IANA names we store.
_ALIASES = {
    "text/xml": "application/xml",
    "text/rtf": "application/rtf",
    "image/jpg": "image/jpeg",
    "image/x-ms-bmp": "image/bmp",
    "application/x-zip-compressed": "application/zip",
}

WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{i}" for i in range(10)}
    | {f"LPT{i}" for i in range(10)}
)
_WINDOWS_FORBIDDEN = set('<>:"/\\|?*')
MAX_NAME_BYTES = 255


class Refused(Exception):
    """The upload is not acceptable under the content type policy; ``reason`` says why."""

    def __init__(self, reason: str, sniffed: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sniffed = sniffed


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    how: str  # "signature", "container" or "text": for the record and the tests


def extension(filename: str) -> str:
    _, dot, ext = filename.rpartition(".")
    return ext.lower() if dot else ""


def _looks_like_text(data: bytes) -> bool:
    sample = data[:65536]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sample's end is still text; anything else is checked
        # as a single-byte encoding (Windows-1250 exports are common in Romania).
        if exc.start < len(sample) - 4:
            controls = sum(1 for b in sample if b < 0x20 and b not in (9, 10, 12, 13))
            return controls * 100 <= len(sample)
    return True


def _zip_type(data: bytes) -> tuple[str, list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared.startswith("application/vnd.oasis.opendocument."):
                    return declared, names
            if "[Content_Types].xml" in names:
                for prefix, mime in _OOXML_PARTS.items():
                    if any(n.startswith(prefix) for n in names):
                        return mime, names
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        return "application/octet-stream", []
    return "application/zip", names


def sniff(data: bytes, filename: str) -> Sniffed:
    """The content type of ``data`` by its bytes (the name only picks among legacy Office types)."""
    head = data[:16]
    if any(head.startswith(magic) for magic in _EXECUTABLE_MAGIC):
        return Sniffed("application/x-executable", "signature")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return Sniffed(_zip_type(data)[0], "container")
    if head.startswith(_OLE2):
        return Sniffed(_OLE2_BY_EXTENSION.get(extension(filename), "application/x-ole-storage"), "container")
    try:
        matches = puremagic.magic_string(data)
    except (puremagic.PureError, ValueError):
        matches = []
    for match in matches:
        mime = match.mime_type or mimetypes.types_map.get(match.extension.lower(), "")
        if mime:
            return Sniffed(_ALIASES.get(mime, mime), "signature")
    if matches:
        return Sniffed("application/octet-stream", "signature")
    if data and _looks_like_text(data):
        return Sniffed("text/csv" if extension(filename) == "csv" else "text/plain", "text")
    return Sniffed("application/octet-stream", "none")


def check(data: bytes, filename: str) -> Sniffed:
    """Sniff and apply the policy; raises ``Refused`` (→ 415) for anything not allowed."""
    ext = extension(filename)
    if ext in BLOCKED_EXTENSIONS:
        raise Refused(f"files named .{ext} are not accepted (the downloader's system would run them)")
    found = sniff(data, filename)
    if found.content_type not in ALLOWED_TYPES:
        raise Refused(
            f"the content is {found.content_type}, which is not an accepted type", found.content_type
        )
    if found.content_type == "application/zip":
        members = _zip_type(data)[1]
        bad = next((m for m in members if extension(m.rstrip("/")) in BLOCKED_EXTENSIONS), None)
        if bad is not None:
            raise Refused(
                f"the ZIP archive holds {bad[:100]!r}, a type that is not accepted", found.content_type
            )
    return found


def sanitise_filename(raw: str | None, fallback: str = "attachment") -> str:
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # no directories, whoever's separator
    kept = []
    for ch in name:
        category = unicodedata.category(ch)
        if category[0] == "C" or category in ("Zl", "Zp"):  # control, format (bidi), surrogates, unassigned
            continue
        kept.append("_" if ch in _WINDOWS_FORBIDDEN else (" " if category == "Zs" else ch))
    name = " ".join("".join(kept).split())  # one plain space between words
    name = name.strip(" .")
    if not name:
        return fallback
    stem, dot, ext = name.partition(".")
    if stem.upper().rstrip(" ") in WINDOWS_RESERVED:
        name = "_" + name
    encoded = name.encode()
    if len(encoded) > MAX_NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        if not dot or len(ext.encode()) > 20:
            stem, ext = name, ""
        suffix = f".{ext}" if ext else ""
        budget = MAX_NAME_BYTES - len(suffix.encode())
        stem = stem.encode()[:budget].decode("utf-8", "ignore").rstrip(" .")
        name = (stem or fallback) + suffix
    return name


def ascii_fallback(name: str) -> str:
    """The name for clients that ignore ``filename*``: diacritics dropped, anything else non-ASCII → _."""
    plain = unicodedata.normalize("NFKD", name)
    out = "".join(ch for ch in plain if not unicodedata.combining(ch))
    out = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\%' else "_" for ch in out)
    return out or "attachment"


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """RFC 6266: a quoted ASCII ``filename`` plus ``filename*`` (RFC 8187, UTF-8) with the real name."""
    return f"{disposition}; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
