"""Tesseract 5 through pytesseract; PDF pages rasterised with pdfium (pypdfium2) first.

Every page becomes one grayscale image and one ``tesseract … tsv`` run, which gives the words with
their confidence and box; the page text is rebuilt from those words (the same lines and paragraphs as
tesseract's own text output, without a second run).
"""

from __future__ import annotations

import io
import math
import os
import re
import subprocess
from collections.abc import Iterator
from typing import Literal

import pytesseract
from PIL import Image, ImageSequence, UnidentifiedImageError

from genius.workers.ocr.schemas import MAX_BYTES, Box, OcrResult, Page, Word

MAX_PAGES = 50
MAX_PIXELS = 40_000_000  # one page: a larger PDF page is rendered smaller, a larger image refused
PAGE_TIMEOUT = 120  # seconds of tesseract per page
REQUIRED_LANGS = ("ron", "eng")
INSTALL_HINT = "Debian: apt-get install tesseract-ocr tesseract-ocr-ron tesseract-ocr-eng"
_VERSION_RE = re.compile(r"tesseract\s+v?(\d+(?:\.\d+)*)", re.IGNORECASE)

Kind = Literal["image", "pdf"]


class InvalidInput(ValueError):
    """The input can never be OCRed as given (not an image or PDF, too large, unknown language)."""


# --- the engine itself ---------------------------------------------------------------------------


def _tesseract(*args: str) -> str:
    cmd = pytesseract.pytesseract.tesseract_cmd
    try:
        done = subprocess.run(
            [cmd, *args], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL, check=False
        )
    except FileNotFoundError:
        raise RuntimeError(f"tesseract is not installed ({cmd!r} not found; {INSTALL_HINT})") from None
    if done.returncode != 0:
        raise RuntimeError(f"{cmd} {' '.join(args)} exited {done.returncode}: {done.stderr.strip()[:200]}")
    return done.stdout + done.stderr  # older releases print the version on stderr


def tesseract_version() -> str:
    match = _VERSION_RE.search(_tesseract("--version"))
    if not match:
        raise RuntimeError("tesseract --version printed no version")
    return match.group(1)


def installed_languages() -> set[str]:
    lines = _tesseract("--list-langs").splitlines()
    # The first line is 'List of available languages in "…" (N):'.
    return {line.strip() for line in lines if line.strip() and not line.startswith("List of")}


def check_languages(lang: str) -> None:
    installed = installed_languages()
    missing = [code for code in lang.split("+") if code not in installed]
    if missing:
        raise InvalidInput(
            f"tesseract language(s) not installed: {', '.join(missing)}; "
            f"installed: {', '.join(sorted(installed - {'osd'}))}"
        )


# --- input ---------------------------------------------------------------------------------------


def detect_kind(data: bytes) -> Kind:
    if not data:
        raise InvalidInput("the file is empty")
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    # PDF readers accept the header anywhere in the first KiB.
    return "pdf" if b"%PDF-" in data[:1024] else "image"


def _flatten(image: Image.Image) -> Image.Image:
    """Grayscale on white: transparent pixels become paper, not black."""
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    return image.convert("L")


def image_pages(data: bytes) -> Iterator[tuple[Image.Image, int | None]]:
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise InvalidInput(f"not a PDF or an image format Pillow reads ({exc})") from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise InvalidInput(f"the image has {width}x{height} pixels, more than {MAX_PIXELS:,}")
    frames = int(getattr(image, "n_frames", 1))
    if frames > MAX_PAGES:
        raise InvalidInput(f"the image has {frames} frames, more than {MAX_PAGES}")
    dpi = image.info.get("dpi")
    hint = round(float(dpi[0])) if isinstance(dpi, tuple) and dpi and 70 <= float(dpi[0]) <= 2400 else None
    try:
        for frame in ImageSequence.Iterator(image):
            yield _flatten(frame), hint
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput(f"the image cannot be decoded: {exc}") from None


def pdf_pages(data: bytes, dpi: int) -> Iterator[tuple[Image.Image, int | None]]:
    import pypdfium2 as pdfium  # only in the processes that OCR PDFs

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise InvalidInput(f"the PDF cannot be opened: {exc}") from None
    try:
        count = len(pdf)
        if count == 0:
            raise InvalidInput("the PDF has no pages")
        if count > MAX_PAGES:
            raise InvalidInput(f"the PDF has {count} pages, more than {MAX_PAGES}")
        for index in range(count):
            page = pdf[index]
            try:
                width_pt, height_pt = page.get_size()
                scale = dpi / 72
                if width_pt * height_pt * scale * scale > MAX_PIXELS:
                    scale = math.sqrt(MAX_PIXELS / (width_pt * height_pt))
                bitmap = page.render(scale=scale, grayscale=True)
                image = _flatten(bitmap.to_pil())
                bitmap.close()
            finally:
                page.close()
            yield image, max(round(72 * scale), 1)
    finally:
        pdf.close()


# --- OCR -----------------------------------------------------------------------------------------


def ocr_page(image: Image.Image, number: int, lang: str, psm: int | None, dpi: int | None) -> Page:
    config = f"--psm {psm or 3}" + (f" --dpi {dpi}" if dpi else "")
    # One thread per tesseract: the worker runs several tasks side by side already.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        tsv = pytesseract.image_to_data(image, lang=lang, config=config, timeout=PAGE_TIMEOUT)
    except pytesseract.TesseractError as exc:
        raise RuntimeError(f"tesseract failed on page {number}: {exc.message}") from None
    except RuntimeError as exc:  # pytesseract's timeout
        raise TimeoutError(f"tesseract took more than {PAGE_TIMEOUT}s on page {number}") from exc
    return parse_tsv(str(tsv), number, image.width, image.height)


def parse_tsv(tsv: str, number: int, width: int, height: int) -> Page:
    """Words (level 5) with their confidence and box; the text as tesseract's lines and paragraphs."""
    words: list[Word] = []
    lines: dict[tuple[int, int, int], list[str]] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 11 or cells[0] != "5":
            continue
        text = cells[11].strip() if len(cells) > 11 else ""
        confidence = float(cells[10])
        if not text or confidence < 0:
            continue
        left, top, w, h = (int(c) for c in cells[6:10])
        words.append(
            Word(
                text=text,
                confidence=round(min(confidence, 100.0), 2),
                box=Box(left=left, top=top, width=w, height=h),
            )
        )
        block, paragraph, line = (int(c) for c in cells[2:5])
        lines.setdefault((block, paragraph, line), []).append(text)
    out: list[str] = []
    previous: tuple[int, int] | None = None
    for (block, paragraph, _), line_words in lines.items():
        if previous is not None and previous != (block, paragraph):
            out.append("")
        out.append(" ".join(line_words))
        previous = (block, paragraph)
    return Page(page=number, width=width, height=height, text="\n".join(out), words=words)


def ocr(data: bytes, lang: str = "ron+eng", dpi: int = 300, psm: int | None = None) -> OcrResult:
    kind = detect_kind(data)
    check_languages(lang)
    pages_in = pdf_pages(data, dpi) if kind == "pdf" else image_pages(data)
    pages = [ocr_page(image, n, lang, psm, hint) for n, (image, hint) in enumerate(pages_in, start=1)]
    confidences = [w.confidence for p in pages for w in p.words]
    return OcrResult(
        text="\n\n".join(p.text for p in pages if p.text),
        lang=lang,
        kind=kind,
        pages=pages,
        mean_confidence=round(sum(confidences) / len(confidences), 2) if confidences else 0.0,
    )
