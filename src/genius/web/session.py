"""Web sessions: a signed, HttpOnly, SameSite=Lax cookie, plus a CSRF token checked on every form post.

The cookie carries the user and tenant ids and the CSRF token; role and scopes are re-read from the
database on each request, so revoking a user takes effect immediately.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from genius.config import Settings

SESSION_COOKIE = "genius_session"
PRELOGIN_CSRF_COOKIE = "genius_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class WebSession:
    user_id: uuid.UUID
    tid: uuid.UUID
    csrf: str


class SessionCodec:
    def __init__(self, settings: Settings) -> None:
        assert settings.secret_key
        self._serializer = URLSafeTimedSerializer(settings.secret_key, salt="genius-web-session")
        self.max_age = settings.session_ttl_seconds
        secure = settings.cookie_secure
        self.secure = secure if secure is not None else settings.issuer.startswith("https://")

    def encode(self, user_id: uuid.UUID, tid: uuid.UUID) -> tuple[str, WebSession]:
        session = WebSession(user_id, tid, secrets.token_urlsafe(24))
        return self._serializer.dumps({"u": str(user_id), "t": str(tid), "c": session.csrf}), session

    def decode(self, value: str | None) -> WebSession | None:
        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=self.max_age)
            return WebSession(uuid.UUID(data["u"]), uuid.UUID(data["t"]), str(data["c"]))
        except (BadSignature, KeyError, ValueError, TypeError):
            return None


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected and given and hmac.compare_digest(expected, given))
