"""The Shell's administration pages (users, roles, service accounts, company settings) and the
single sign-on login with the organisation's identity provider (OIDC)."""

from fastapi import APIRouter

from genius.web.admin import oidc, pages

router = APIRouter(include_in_schema=False)
router.include_router(pages.router)
router.include_router(oidc.router)

__all__ = ["router"]
