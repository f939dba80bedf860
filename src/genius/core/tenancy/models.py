"""Tenancy owns no table of its own: the tenant directory lives in ``core.directory`` (shared with auth)."""

from genius.core.directory.models import Tenant

__all__ = ["Tenant"]
