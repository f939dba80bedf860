"""The demo mailbox pages: what the mail catcher received for the signed-in user's tenant.

A message's HTML is shown in a sandboxed frame from its own URL, whose response carries a policy of
its own (no script, no network, no forms): mail HTML is untrusted content."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from genius.core.auth.scopes import Scope
from genius.mailbox import store
from genius.web.kit import PageUser, context, error_page, page_requires, platform_of, render

router = APIRouter(include_in_schema=False)
MailboxUser = Annotated[PageUser, Depends(page_requires(Scope.TENANT_ADMIN))]
MessageIdPath = Annotated[str, Path(min_length=52, max_length=52, pattern=r"^[0-9]{19}-[0-9a-f]{32}$")]
PAGE_SIZE = 50

# The frame's own policy: styles and inline images of the mail only, nothing fetched, nothing run.
FRAME_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox"
)


def _folder(request: Request) -> FilePath | None:
    folder: FilePath | None = platform_of(request).settings.mailbox_dir
    return folder


@router.get("/mailbox", response_class=HTMLResponse)
def mailbox(
    request: Request,
    user: MailboxUser,
    before: Annotated[str | None, Query(max_length=52, pattern=r"^[0-9]{19}-[0-9a-f]{32}$")] = None,
) -> Response:
    folder = _folder(request)
    rows = store.messages(folder, user.account.tid, limit=PAGE_SIZE + 1, before=before) if folder else []
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    ctx = context(
        request,
        account=user.account,
        tenant=user.tenant,
        enabled=folder is not None,
        rows=rows,
        next_url=f"/mailbox?before={rows[-1].id}" if more else None,
        first_url="/mailbox" if before else None,
    )
    return render(request, "mailbox/list.html", ctx)


@router.get("/mailbox/{message_id}", response_class=HTMLResponse)
def mailbox_message(request: Request, user: MailboxUser, message_id: MessageIdPath) -> Response:
    folder = _folder(request)
    found = store.message(folder, user.account.tid, message_id) if folder else None
    if found is None:
        return error_page(request, 404)
    ctx = context(request, account=user.account, tenant=user.tenant, message=found)
    return render(request, "mailbox/message.html", ctx)


@router.get("/mailbox/{message_id}/html")
def mailbox_message_html(request: Request, user: MailboxUser, message_id: MessageIdPath) -> Response:
    folder = _folder(request)
    found = store.message(folder, user.account.tid, message_id) if folder else None
    if found is None or found.html is None:
        return Response(status_code=404)
    return Response(
        found.html,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": FRAME_POLICY,
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "no-store",
        },
    )
