"""One page shape and one cursor codec for every list endpoint.

**Response shape** (every list): ``Page[T]`` = ``{"items": [...], "next": "<cursor>" | null,
"total": int | null}``. ``next`` is passed back as ``?cursor=`` for the following page; it is null on the
last page. ``total`` is only filled when the endpoint counts (``?count=true`` on the CRM lists).

**Keyset pages.** A list is ordered by a key that ends with a unique column (``(created_at, id)``,
``(occurred_at, item_id)``…). A page fetches ``limit + 1`` rows *after* the cursor's key; the extra row
only says that there is more. The cursor is the last item's key, tagged with the page's order (a cursor
made for ``-name`` is refused by ``-created_at``)::

    from genius.core.kit.pagination import Page, cursor_after, decode_cursor, page_of

    ORDER = "-created_at"  # any tag naming the order: the sort parameter, or the list's name

    def list_things(session, *, cursor: str | None, limit: int) -> Page[Thing]:   # repository
        query = select(Thing)
        if cursor:
            when, thing_id = decode_cursor(cursor, ORDER, (datetime, uuid.UUID))
            query = query.where(cursor_after((Thing.created_at, Thing.id), (when, thing_id), desc=True))
        rows = session.scalars(
            query.order_by(Thing.created_at.desc(), Thing.id.desc()).limit(limit + 1)
        ).all()
        return page_of(rows, limit, ORDER, key=lambda t: (t.created_at, t.id))

    @router.get("/things", response_model=Page[ThingOut])                           # api
    def things(db: TenantDB, cursor: CursorParam = None, limit: LimitParam = 50) -> Page[ThingOut]:
        return repository.list_things(db, cursor=cursor, limit=limit).map(ThingOut.model_validate)

Key values may be ``str``, ``int``, ``bool``, ``Decimal``, ``datetime`` (an offset-less one is read as
UTC), ``date`` and ``uuid.UUID``; ``decode_cursor`` returns them typed as asked, or raises
``BadCursor`` (400 problem+json) for anything it did not make.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, literal, tuple_

from genius.core.kit.errors import Problem

T = TypeVar("T")
U = TypeVar("U")

MAX_CURSOR = 600  # characters; a cursor holds a sort tag and a few key values

CURSOR_PATTERN = r"^[A-Za-z0-9_-]+={0,2}$"  # what encode_cursor makes: URL-safe base64
CursorParam = Annotated[
    str | None,
    Query(
        max_length=MAX_CURSOR,
        pattern=CURSOR_PATTERN,
        description="The previous page's next, as it was (omit for the first page); an opaque value the "
        "server made: anything else is a 400 bad-cursor",
    ),
]
LimitParam = Annotated[int, Query(ge=1, le=100, description="Items per page")]


class BadCursor(Problem):
    status, code, title = 400, "bad-cursor", "Invalid cursor"


class Page(BaseModel, Generic[T]):
    """One page of a list: the response model of every list endpoint (``response_model=Page[XOut]``),
    also what repositories return (``Page[OrmRow]``), turned into the response with ``map``."""

    items: list[T]
    next: str | None = Field(None, description="Cursor for the next page (pass as ?cursor=)")
    total: int | None = Field(None, description="Matching items, when the list was asked to count")

    def map(self, fn: Callable[[T], U]) -> Page[U]:
        return Page[Any](items=[fn(item) for item in self.items], next=self.next, total=self.total)


def encode_cursor(order: str, key: Sequence[Any]) -> str:
    """The opaque cursor for the page after the item whose key is ``key`` in the order ``order``."""
    values: list[Any] = [order]
    for value in key:
        if isinstance(value, datetime | date):
            values.append(value.isoformat())
        elif isinstance(value, Decimal | uuid.UUID):
            values.append(str(value))
        else:
            values.append(value)
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _typed(value: Any, kind: type) -> Any:
    if kind is datetime:
        parsed = datetime.fromisoformat(str(value))
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    if kind is date:
        return date.fromisoformat(str(value))
    if kind is Decimal:
        return Decimal(str(value))
    if kind is uuid.UUID:
        return uuid.UUID(str(value))
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError("bad value")
        return value
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("bad value")
        return value
    if not isinstance(value, str) or len(value) > MAX_CURSOR:
        raise ValueError("bad value")
    return value


def decode_cursor(cursor: str, order: str, types: Sequence[type]) -> tuple[Any, ...]:
    """The key in ``cursor``, typed as ``types``; ``BadCursor`` when it was made for another order or
    is not a cursor at all."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or not values:
            raise ValueError("bad cursor")
        got_order, key = values[0], values[1:]
        if got_order != order:
            if isinstance(got_order, str):
                raise BadCursor("The cursor was made for another sort order; start again without it.")
            raise ValueError("bad cursor")
        if len(key) != len(types):
            raise ValueError("bad cursor")
        return tuple(_typed(value, kind) for value, kind in zip(key, types, strict=True))
    except BadCursor:
        raise
    except (
        ValueError,
        TypeError,
        binascii.Error,
        InvalidOperation,
        UnicodeDecodeError,
    ):  # JSONDecodeError too
        raise BadCursor("The cursor is not valid; start again without it.") from None


def cursor_after(columns: Sequence[Any], key: Sequence[Any], *, desc: bool) -> ColumnElement[bool]:
    """``(columns) > (key)`` (``<`` when descending): the rows after the cursor, one index range."""
    bound = tuple_(
        *[literal(value, getattr(col, "type", None)) for col, value in zip(columns, key, strict=True)]
    )
    pair = tuple_(*columns)
    return pair < bound if desc else pair > bound


def page_of(
    rows: Sequence[T],
    limit: int,
    order: str,
    *,
    key: Callable[[T], Sequence[Any]],
    total: int | None = None,
) -> Page[T]:
    """The page from ``limit + 1`` fetched rows: the first ``limit`` and, when there was one more, the
    cursor after the last of them."""
    items = list(rows[:limit])
    nxt = encode_cursor(order, key(items[-1])) if len(rows) > limit and items else None
    return Page[Any](items=items, next=nxt, total=total)
