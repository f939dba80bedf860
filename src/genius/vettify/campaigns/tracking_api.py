"""Public tracking endpoints of campaign mail (no login: the signed token is the credential).

``/v1/crm/track/open/{token}`` (pixel), ``/click/{token}?u=`` (redirect), ``/unsubscribe/{token}``
(GET: a Romanian confirmation page; POST: RFC 8058 one-click, suppresses the address). A token that
does not verify (forged, altered, another kind, or a click whose target was changed) is a 404 and
nothing is recorded. Each verified hit runs in its tenant's own transaction, opened here: there is no
principal, the tenant comes from the verified token.
"""

from __future__ import annotations

import base64
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from genius.core.auth.deps import PlatformDep
from genius.core.kit.errors import NotFound
from genius.core.platform import Platform
from genius.vettify.campaigns import marketing
from genius.vettify.campaigns.tracking import TOKEN_PATTERN, Kind, verify
from genius.vettify.sequences import service as sequences
from genius.web.kit import context, render

router = APIRouter(prefix="/v1/crm/track", tags=["crm"])

Token = Annotated[str, Path(pattern=TOKEN_PATTERN, description="Signed tracking token")]
Target = Annotated[str, Query(max_length=2000, pattern=r"^https?://[^\s]+$", description="The link's target")]
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown, forged or altered link"}}


def _verified(platform: Platform, kind: Kind, token: str, url: str = "") -> tuple[uuid.UUID, uuid.UUID]:
    found = verify(platform.settings.secret_key or "", kind, token, url)
    if found is None:
        raise NotFound("Unknown link.")
    return found


def _track(platform: Platform, kind: Kind, token: str, url: str = "") -> None:
    tid, rid = _verified(platform, kind, token, url)
    with platform.db.tenant_session(tid) as s:
        # a campaign recipient's id, else an e-mail sequence step's message (its ledger row's id)
        if not marketing.track(s, rid, kind, url or None) and not sequences.track(s, rid, kind):
            raise NotFound("Unknown link.")


@router.get("/open/{token}", responses=NOT_FOUND, summary="Open pixel (a 1x1 GIF)")
def track_open(token: Token, platform: PlatformDep) -> Response:
    _track(platform, "open", token)
    return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})


@router.get(
    "/click/{token}",
    responses={302: {"description": "To the link's target"}, **NOT_FOUND},
    summary="Click redirect",
)
def track_click(token: Token, u: Target, platform: PlatformDep) -> Response:
    _track(platform, "click", token, u)
    return RedirectResponse(u, status_code=302, headers={"Cache-Control": "no-store"})


@router.get("/unsubscribe/{token}", responses=NOT_FOUND, summary="Unsubscribe: the confirmation page")
def unsubscribe_page(token: Token, request: Request, platform: PlatformDep) -> Response:
    _verified(platform, "unsubscribe", token)
    return render(request, "vettify/unsubscribe.html", context(request, token=token, done=False))


@router.post(
    "/unsubscribe/{token}",
    responses=NOT_FOUND,
    summary="One-click unsubscribe (RFC 8058: body List-Unsubscribe=One-Click)",
)
def unsubscribe(token: Token, request: Request, platform: PlatformDep) -> Response:
    tid, rid = _verified(platform, "unsubscribe", token)
    with platform.db.tenant_session(tid) as s:
        if marketing.unsubscribe(s, tid, rid) is None and sequences.unsubscribe(s, tid, rid) is None:
            raise NotFound("Unknown link.")
    return render(request, "vettify/unsubscribe.html", context(request, token=token, done=True))
