"""A real HTTP fake ANAF/REGES server (uvicorn on a free port) and the official data folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from genius.compliance.fakes.app import FakeStates, create_fake_app, settings_for
from genius.config import Settings
from tests.conftest import LiveServer, free_port


def _find_shared_data() -> Path:
    """``../shared/data`` next to the project; a clone elsewhere (CI) finds the machine's copy.

    GENIUS_TEST_SHARED_DATA overrides. The folder is read in place, never copied."""
    if explicit := os.environ.get("GENIUS_TEST_SHARED_DATA"):
        return Path(explicit)
    beside = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    for candidate in (beside, Path("/work/shared/data")):
        if candidate.is_dir():
            return candidate
    return beside


SHARED_DATA = _find_shared_data()


def shared_data(*parts: str) -> Path:
    """A path in ``../shared/data``; the test is skipped (with the reason) when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"official reference data not available: {path} is absent")
    return path


@dataclass
class FakeAnaf:
    url: str
    states: FakeStates

    def settings(self, base: Settings, **extra: Any) -> Settings:
        return base.model_copy(update={**settings_for(self.url), **extra})


@pytest.fixture
def fake_anaf() -> Iterator[FakeAnaf]:
    """A fresh fake server per test (its state is the test's own)."""
    states = FakeStates()
    port = free_port()
    with LiveServer(create_fake_app(states), port) as server:
        yield FakeAnaf(server.url, states)
