"""Input and output of ``ocr.extract``."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_BYTES = 20 * 1024 * 1024  # decoded input, from storage or inline
MAX_B64_CHARS = (MAX_BYTES + 2) // 3 * 4
LANG_RE = re.compile(r"^[A-Za-z0-9_]{1,40}(\+[A-Za-z0-9_]{1,40}){0,4}$")
# Page segmentation modes that produce text (0 is orientation detection only, 2 is not implemented).
PSM_MODES = frozenset({1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})


class OcrRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str | None = Field(default=None, description="Object in storage (an uploaded file)")
    data_b64: str | None = Field(default=None, description="The file itself, base64")
    lang: str = Field(default="ron+eng", description="Tesseract languages joined by '+'")
    dpi: int = Field(default=300, ge=72, le=600, description="Rasterisation of PDF pages")
    psm: int | None = Field(default=None, description="Tesseract page segmentation mode (default 3)")

    @model_validator(mode="after")
    def _one_source(self) -> OcrRequest:
        if (self.key is None) == (self.data_b64 is None):
            raise ValueError("give exactly one of key or data_b64")
        if self.data_b64 is not None and len(self.data_b64) > MAX_B64_CHARS + 8:
            raise ValueError(f"data_b64 holds more than {MAX_BYTES // (1024 * 1024)} MB")
        return self

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str) -> str:
        if not LANG_RE.match(value):
            raise ValueError("languages are tesseract codes joined by '+', e.g. 'ron+eng'")
        return value

    @field_validator("psm")
    @classmethod
    def _psm(cls, value: int | None) -> int | None:
        if value is not None and value not in PSM_MODES:
            raise ValueError(f"psm must be one of {sorted(PSM_MODES)}")
        return value


class Box(BaseModel):
    left: int
    top: int
    width: int
    height: int


class Word(BaseModel):
    text: str
    confidence: float = Field(ge=0, le=100)
    box: Box


class Page(BaseModel):
    page: int = Field(ge=1)
    width: int = Field(description="Pixels of the image OCRed; boxes are in this space")
    height: int
    text: str
    words: list[Word]


class OcrResult(BaseModel):
    text: str
    lang: str
    kind: Literal["image", "pdf"]
    pages: list[Page]
    mean_confidence: float = Field(description="Mean word confidence over all pages, 0 without words")
