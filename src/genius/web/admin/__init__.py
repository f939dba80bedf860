"""The Shell's administration pages (users, roles, service accounts, company settings) and the
single sign-on login with the organisation's identity provider (OIDC)."""

from genius.web.admin.pages import router

__all__ = ["router"]
