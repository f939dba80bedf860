"""The compliance API: every sub-package's router, under ``/v1/compliance``."""

from __future__ import annotations

from fastapi import APIRouter

from genius.compliance.efactura.api import router as efactura_router
from genius.compliance.etransport.api import router as etransport_router
from genius.compliance.reges.api import router as reges_router
from genius.compliance.saft.api import router as saft_router
from genius.compliance.taxpayer.api import router as taxpayer_router

router = APIRouter()
for sub in (taxpayer_router, efactura_router, etransport_router, saft_router, reges_router):
    router.include_router(sub)
