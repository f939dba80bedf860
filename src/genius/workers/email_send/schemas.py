from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, EmailStr, Field, model_validator


class EmailIn(BaseModel):
    to: list[EmailStr] = Field(min_length=1, max_length=100)
    cc: list[EmailStr] = Field(default_factory=list, max_length=100)
    bcc: list[EmailStr] = Field(default_factory=list, max_length=100)
    subject: str = Field(min_length=1, max_length=998)
    text: str | None = None
    html: str | None = None
    from_address: str | None = Field(default=None, description="Default: GENIUS_SMTP_FROM")
    reply_to: EmailStr | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    list_unsubscribe: str | None = Field(default=None, description="<mailto:…>, <https://…> (RFC 2369)")
    list_unsubscribe_post: bool = Field(default=False, description="One-click unsubscribe (RFC 8058)")
    idempotency_key: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _body(self) -> EmailIn:
        if not (self.text or self.html):
            raise ValueError("a text or html body is required")
        if self.list_unsubscribe_post and not self.list_unsubscribe:
            raise ValueError("list_unsubscribe_post needs list_unsubscribe")
        return self


RecipientStatus = Literal["sent", "temporary_failure", "permanent_failure"]


class RecipientResult(BaseModel):
    recipient: str
    status: RecipientStatus
    code: int | None = None
    message: str = ""


class EmailResult(BaseModel):
    message_id: str
    recipients: list[RecipientResult]
    attempts: int = 1
