"""`.env.example` documents every setting, so operators never have to read the code."""

from __future__ import annotations

import re
from pathlib import Path

from genius.config import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_env_example_lists_every_setting() -> None:
    documented = set(re.findall(r"^#?\s*GENIUS_([A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.M))
    expected = {name.upper() for name in Settings.model_fields}
    assert expected - documented == set(), "settings missing from .env.example"
    assert documented - expected == set(), ".env.example names settings that do not exist"
