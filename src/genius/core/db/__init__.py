from genius.core.db.base import Base
from genius.core.db.session import Database, get_database, platform_session, tenant_session

__all__ = ["Base", "Database", "get_database", "platform_session", "tenant_session"]
