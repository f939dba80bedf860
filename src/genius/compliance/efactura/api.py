"""HTTP API for efactura (under /v1/compliance)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["compliance"])
