"""ocr.extract on a real worker: images and PDFs the test renders itself from known text."""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
import unicodedata
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from genius.core.storage import FileStorage, TenantFiles, is_sealed
from genius.workers.ocr import engine
from genius.workers.ocr.tasks import health
from tests.conftest import SECRET

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")

LINES = ["Factură fiscală nr. 2026", "Țesătoria Șercaia din Brașov", "Total de plată: 238,00 lei"]
PAGE_TWO = ["Chitanță pentru încasare", "Mulțumim frumos"]
FONT_SIZE = 48
ORIGIN = (60, 50)
LINE_HEIGHT = 90


def font_path() -> str:
    candidates = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"]
    if shutil.which("fc-list"):
        out = subprocess.run(["fc-list", ":lang=ro", "file"], capture_output=True, text=True, check=False)
        candidates += sorted(line.split(":")[0] for line in out.stdout.splitlines() if ".ttf" in line)
    for path in candidates:
        if os.path.exists(path):
            return path
    pytest.skip("no TrueType font with Romanian letters on this machine")


def render(lines: list[str], rgba: bool = False) -> tuple[Image.Image, ImageFont.FreeTypeFont]:
    font = ImageFont.truetype(font_path(), FONT_SIZE)
    mode, paper = ("RGBA", (0, 0, 0, 0)) if rgba else ("RGB", (255, 255, 255))
    image = Image.new(mode, (1400, 120 + LINE_HEIGHT * len(lines)), paper)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((ORIGIN[0], ORIGIN[1] + i * LINE_HEIGHT), line, font=font, fill=(0, 0, 0, 255))
    return image, font


def encode(image: Image.Image, fmt: str = "PNG", **params: Any) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **params)
    return buf.getvalue()


def plain(word: str) -> str:
    """Case and diacritics folded: ``Țesătoria`` → ``tesatoria``; punctuation dropped."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def words_of(lines: list[str]) -> list[str]:
    return [plain(w) for line in lines for w in line.split() if plain(w)]


def assert_page(page: dict[str, Any], lines: list[str], width: int, height: int) -> None:
    assert (page["width"], page["height"]) == (width, height)
    found = [plain(w["text"]) for w in page["words"]]
    assert found == words_of(lines), page["text"]
    # Lines as drawn (tesseract may see them as one paragraph or several: blank lines between).
    assert [plain(line) for line in page["text"].splitlines() if line] == [plain(line) for line in lines]
    for word in page["words"]:
        assert 50 < word["confidence"] <= 100, word
        box = word["box"]
        assert box["left"] >= 0 and box["top"] >= 0 and box["width"] > 0 and box["height"] > 0
        assert box["left"] + box["width"] <= width and box["top"] + box["height"] <= height


@needs_tesseract
def test_image_rendered_from_known_text(start_worker) -> None:  # type: ignore[no-untyped-def]
    image, font = render(LINES)
    w = start_worker("ocr")
    result = w.app.send_task(
        "ocr.extract", kwargs={"data_b64": base64.b64encode(encode(image)).decode()}
    ).get(timeout=120)

    assert result["kind"] == "image" and result["lang"] == "ron+eng" and len(result["pages"]) == 1
    page = result["pages"][0]
    assert_page(page, LINES, *image.size)
    assert result["text"] == page["text"]
    assert result["mean_confidence"] > 80
    # The Romanian model keeps the diacritics (most of them: a 48 px sans-serif is not a scan).
    assert {"Factură", "fiscală", "plată:"} <= {w["text"] for w in page["words"]}
    # Boxes are where Pillow drew the words.
    first = page["words"][0]["box"]
    left, top, right, bottom = ImageDraw.Draw(image).textbbox(ORIGIN, "Factură", font=font)
    assert abs(first["left"] - left) <= 6 and abs(first["top"] - top) <= 6
    assert (
        abs(first["left"] + first["width"] - right) <= 6 and abs(first["top"] + first["height"] - bottom) <= 6
    )


@needs_tesseract
def test_two_page_pdf_from_storage(start_worker) -> None:  # type: ignore[no-untyped-def]
    one, _ = render(LINES)
    two, _ = render(PAGE_TWO)
    # 48 px at 300 dpi: 11.5 pt text, as on a scanned invoice.
    pdf = encode(one, "PDF", resolution=300.0, save_all=True, append_images=[two])
    w = start_worker("ocr", GENIUS_SECRET_KEY=SECRET)
    tid = uuid.uuid4()
    key = f"uploads/{tid}/scan.pdf"
    files = TenantFiles(FileStorage(Path(w.env["GENIUS_DATA_DIR"]) / "files"), SECRET)
    files.for_tenant(tid).put(key, pdf, "application/pdf")
    assert is_sealed(files.storage.root / key)
    # The tenant comes from the genius_tid header (stamped when a tenant is bound) or the tid argument.
    result = w.app.send_task("ocr.extract", kwargs={"key": key}, headers={"genius_tid": str(tid)}).get(
        timeout=120
    )

    assert result["kind"] == "pdf" and [p["page"] for p in result["pages"]] == [1, 2]
    # Rasterised at the default 300 dpi: the pixels of the source images again.
    assert_page(result["pages"][0], LINES, *one.size)
    assert_page(result["pages"][1], PAGE_TWO, *two.size)
    assert result["text"] == result["pages"][0]["text"] + "\n\n" + result["pages"][1]["text"]
    assert result["mean_confidence"] > 80

    coarse = w.app.send_task("ocr.extract", kwargs={"key": key, "dpi": 150, "tid": str(tid)}).get(timeout=120)
    assert [(p["width"], p["height"]) for p in coarse["pages"]] == [
        (one.width // 2, one.height // 2),
        (two.width // 2, two.height // 2),
    ]
    assert words_of([coarse["text"]]) == words_of(LINES + PAGE_TWO)
    # Another tenant cannot read it, and a key needs a tenant.
    with pytest.raises(Exception, match="not under tenant"):
        w.app.send_task("ocr.extract", kwargs={"key": key, "tid": str(uuid.uuid4())}).get(timeout=60)
    with pytest.raises(Exception, match="needs the tenant"):
        w.app.send_task("ocr.extract", kwargs={"key": key}).get(timeout=60)


@needs_tesseract
def test_invalid_input_is_a_clear_permanent_error(start_worker) -> None:  # type: ignore[no-untyped-def]
    w = start_worker("ocr")

    def run(**kwargs: Any) -> Any:
        return w.app.send_task("ocr.extract", kwargs=kwargs).get(timeout=60)

    garbage = base64.b64encode(os.urandom(4096)).decode()
    with pytest.raises(Exception, match="not a PDF or an image") as info:
        run(data_b64=garbage)
    assert isinstance(info.value, ValueError) or "InvalidInput" in type(info.value).__name__
    broken_pdf = base64.b64encode(b"%PDF-1.7\n" + os.urandom(2048)).decode()
    with pytest.raises(Exception, match="the PDF cannot be opened"):
        run(data_b64=broken_pdf)
    with pytest.raises(Exception, match="not valid base64"):
        run(data_b64="not base64!")
    with pytest.raises(Exception, match="exactly one of key or data_b64"):
        run()
    tid = uuid.uuid4()
    with pytest.raises(Exception, match=rf"no stored object 'uploads/{tid}/missing\.png'"):
        run(key=f"uploads/{tid}/missing.png", tid=str(tid))
    png = base64.b64encode(encode(render(["Salut"])[0])).decode()
    with pytest.raises(Exception, match=r"language.*not installed: xyz"):
        run(data_b64=png, lang="ron+xyz")
    with pytest.raises(Exception, match="psm must be one of"):
        run(data_b64=png, psm=0)
    # The worker is still there and the task was not retried.
    assert run(data_b64=png, lang="eng", psm=7)["text"] == "Salut"


@needs_tesseract
def test_transparent_image_is_read_on_white() -> None:
    image, _ = render(LINES[:1], rgba=True)
    result = engine.ocr(encode(image), lang="ron")
    assert words_of([result.text]) == words_of(LINES[:1])


@needs_tesseract
def test_health_reports_engine_and_languages() -> None:
    detail = health()
    assert detail.startswith("tesseract 5.") and "ron+eng" in detail


def test_health_fails_without_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    with pytest.raises(RuntimeError, match="tesseract is not installed"):
        health()


def test_health_fails_on_old_version_or_missing_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "tesseract_version", lambda: "4.1.1")
    with pytest.raises(RuntimeError, match="version 5 required"):
        health()
    monkeypatch.setattr(engine, "tesseract_version", lambda: "5.3.0")
    monkeypatch.setattr(engine, "installed_languages", lambda: {"eng", "osd"})
    with pytest.raises(RuntimeError, match="missing: ron"):
        health()
