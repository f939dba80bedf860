"""ETags from a row's ``version`` counter, and the ``If-Match`` check every PATCH makes.

``etag(version)`` is the strong tag ``"<version>"``; ``check_if_match`` raises 428 when the header is
missing and required, 412 when it names another version (``*`` matches any; weak tags compare equal).
"""

from __future__ import annotations

from genius.core.kit.errors import PreconditionFailed, PreconditionRequired


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(version: int, if_match: str | None, *, required: bool = True) -> None:
    current = etag(version)
    if if_match is None or not if_match.strip():
        if required:
            raise PreconditionRequired(
                "Send If-Match with the ETag of the version you are changing (GET it first).",
                current_etag=current,
            )
        return
    tags = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" not in tags and current not in tags:
        raise PreconditionFailed(
            "The record changed since you read it; GET it again and reapply your change.",
            current_etag=current,
        )
