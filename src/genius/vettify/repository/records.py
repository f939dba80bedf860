"""CRM records' SQL: entity descriptions, search (full text, recent window, vocabulary), keyset pages
and the one-record lookups the services need.

Every function takes the caller's tenant session (``app.tid`` set, RLS enforced); none validates input
or decides a business rule (``genius.vettify.service`` does), none commits.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Text,
    and_,
    cast,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.util import ClauseAdapter

from genius.core.kit.pagination import Page, cursor_after, decode_cursor, page_of
from genius.vettify import fuzzy
from genius.vettify.models import Account, Activity, Contact, CrmRecord, Lead, Opportunity, StageChange
from genius.vettify.repository import vocabulary

R = TypeVar("R", bound=CrmRecord)
Expr = ColumnElement[Any] | InstrumentedAttribute[Any]


# --- entity descriptions --------------------------------------------------------------------------
@dataclass(frozen=True)
class EntitySpec(Generic[R]):
    """A CRM entity as the list and record queries see it: its model, sort keys and filter columns."""

    name: str  # singular, used in audit actions and messages
    model: type[R]
    sorts: dict[str, Expr]
    filters: dict[str, InstrumentedAttribute[Any]]
    fuzzy_name: Expr | None = None
    default_sort: str = "-created_at"
    extra: dict[str, Any] = field(default_factory=dict)


# Inline constants (not bind parameters), so the expressions match the trigram indexes' expressions.
_EMPTY: ColumnElement[str] = literal_column("''")
_SPACE: ColumnElement[str] = literal_column("' '")


def _text(col: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    return func.coalesce(col, _EMPTY)


def _person(first: InstrumentedAttribute[Any], last: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    return _text(first).op("||")(_SPACE).op("||")(_text(last))


ACCOUNTS: EntitySpec[Account] = EntitySpec(
    "account",
    Account,
    sorts={
        "created_at": Account.created_at,
        "updated_at": Account.updated_at,
        "name": Account.name,
    },
    filters={
        "cui": Account.cui,
        "city": Account.city,
        "county": Account.county,
        "industry": Account.industry,
        "owner": Account.owner,
        "compliance_status": Account.compliance_status,
    },
    fuzzy_name=Account.name,
)
CONTACTS: EntitySpec[Contact] = EntitySpec(
    "contact",
    Contact,
    sorts={
        "created_at": Contact.created_at,
        "updated_at": Contact.updated_at,
        "last_name": _text(Contact.last_name),
    },
    filters={
        "account_id": Contact.account_id,
        "email": Contact.email,
        "city": Contact.city,
        "owner": Contact.owner,
    },
    fuzzy_name=_person(Contact.first_name, Contact.last_name),
)
LEADS: EntitySpec[Lead] = EntitySpec(
    "lead",
    Lead,
    sorts={
        "created_at": Lead.created_at,
        "updated_at": Lead.updated_at,
        "last_name": _text(Lead.last_name),
        "company_name": _text(Lead.company_name),
    },
    filters={
        "status": Lead.status,
        "source": Lead.source,
        "city": Lead.city,
        "county": Lead.county,
        "cui": Lead.cui,
        "email": Lead.email,
        "owner": Lead.owner,
    },
    fuzzy_name=_person(Lead.first_name, Lead.last_name).op("||")(_SPACE).op("||")(_text(Lead.company_name)),
)
OPPORTUNITIES: EntitySpec[Opportunity] = EntitySpec(
    "opportunity",
    Opportunity,
    sorts={
        "created_at": Opportunity.created_at,
        "updated_at": Opportunity.updated_at,
        "name": Opportunity.name,
        "amount": func.coalesce(Opportunity.amount, 0),
    },
    filters={
        "stage": Opportunity.stage,
        "account_id": Opportunity.account_id,
        "contact_id": Opportunity.contact_id,
        "currency": Opportunity.currency,
        "owner": Opportunity.owner,
    },
    fuzzy_name=Opportunity.name,
)
ACTIVITIES: EntitySpec[Activity] = EntitySpec(
    "activity",
    Activity,
    sorts={
        "created_at": Activity.created_at,
        "updated_at": Activity.updated_at,
        "occurred_at": Activity.occurred_at,
    },
    filters={
        "kind": Activity.kind,
        "account_id": Activity.account_id,
        "contact_id": Activity.contact_id,
        "lead_id": Activity.lead_id,
        "opportunity_id": Activity.opportunity_id,
        "owner": Activity.owner,
    },
    fuzzy_name=Activity.subject,
    default_sort="-occurred_at",
)


# --- search ---------------------------------------------------------------------------------------
FUZZY_THRESHOLD = fuzzy.THRESHOLD
_TOKEN = re.compile(r"[\w@.+\-]+")
_WORD = re.compile(r"\w")


def search_terms(q: str) -> list[str]:
    """The query's terms (at most 8), each made only of word characters and ``@ . + -`` (so e-mails
    and CUIs still match) and safe to quote in a ``to_tsquery`` text."""
    terms = []
    for raw in _TOKEN.findall(q):
        term = raw.strip(".+-@")
        if term and _WORD.search(term):
            terms.append(term)
        if len(terms) == 8:
            break
    return terms


def tsquery_text(q: str, replacements: Mapping[str, Sequence[str]] | None = None) -> str | None:
    """Prefix AND query over the search terms; a term with replacements (spelling corrections)
    matches any of them instead."""
    parts = []
    for term in search_terms(q):
        alternatives = (replacements or {}).get(term)
        if alternatives:
            parts.append("(" + " | ".join(f"'{word}':*" for word in alternatives) + ")")
        else:
            parts.append(f"'{term}':*")
    return " & ".join(parts) or None


FUZZY_CANDIDATES = 1000  # rows the duplicate finder's name rule scores at most without pg_trgm


def _prefix_tsquery(q: str, size: int) -> str | None:
    """Each word's first ``size`` letters, more for long words (a bit over half of the word): a typo
    is looked for in the rest of the word, among the rows that share its beginning."""
    words = [w for w in (re.sub(r"\W", "", raw) for raw in _TOKEN.findall(q)) if len(w) >= 2]
    if any(len(w) >= 4 for w in words):
        words = [w for w in words if len(w) >= 4]  # "SRL", "SA", "de": they match nearly every row
    prefixes = [f"'{w[: max(size, round(len(w) * 0.55))]}':*" for w in words[:8]]
    return " | ".join(prefixes) or None


_PLANNER = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")
# The settings as they were and turned off, in one round trip: the materialised CTE is read before the
# outer target list sets them. Built once: each search used to build and run three statements (1 ms).
_PLANS_OFF = text(
    "WITH before AS MATERIALIZED (SELECT current_setting('enable_seqscan') AS seq,"
    " current_setting('enable_indexscan') AS idx, current_setting('enable_indexonlyscan') AS ios)"
    " SELECT seq, idx, ios, set_config('enable_seqscan', 'off', true),"
    " set_config('enable_indexscan', 'off', true), set_config('enable_indexonlyscan', 'off', true)"
    " FROM before"
)
_PLANS_BACK = text("SELECT " + ", ".join(f"set_config('{n}', :{n}, true)" for n in _PLANNER))


@contextmanager
def bitmap_plans(session: Session) -> Iterator[None]:
    """Planner settings for one statement: index bitmaps only (no sort-index walk, no full scan)."""
    connection = session.connection()  # Core statements: the ORM's execution path adds 50 µs to each
    before = connection.execute(_PLANS_OFF).one()
    try:
        yield
    finally:
        connection.execute(_PLANS_BACK, dict(zip(_PLANNER, before[: len(_PLANNER)], strict=True)))


def fuzzy_candidates(
    session: Session, spec: EntitySpec[Any], q: str, where: Sequence[ColumnElement[bool]] = ()
) -> list[uuid.UUID] | None:
    """Ids whose name is similar to ``q`` (word similarity ≥ ``FUZZY_THRESHOLD``), scored in Python
    among at most ``FUZZY_CANDIDATES`` rows that share a word's beginning (full-text index): the
    duplicate finder's name rule without pg_trgm. None when ``q`` is too short."""
    prefix = _prefix_tsquery(q, 3)
    if spec.fuzzy_name is None or prefix is None or len(q.strip()) < 3:
        return None
    model = spec.model
    tsquery = func.to_tsquery(literal_column("'simple'::regconfig"), func.crm.unaccent_ro(prefix))
    with bitmap_plans(session):  # through the full-text index, even when few or no rows match
        rows = session.execute(
            select(model.id, spec.fuzzy_name)
            .where(*where, model.deleted_at.is_(None), model.search.op("@@")(tsquery))
            .limit(FUZZY_CANDIDATES)
        ).all()
    term = q.strip()[:200]
    return [row[0] for row in rows if fuzzy.word_similarity(term, row[1] or "") >= FUZZY_THRESHOLD]


def search_condition(spec: EntitySpec[Any], tsq: str | None) -> ColumnElement[bool]:
    if not tsq:
        return literal(False)
    tsquery = func.to_tsquery(literal_column("'simple'::regconfig"), func.crm.unaccent_ro(tsq))
    return spec.model.search.op("@@")(tsquery)


# --- keyset pages ---------------------------------------------------------------------------------
SEARCH_WINDOW = 20_000  # most recent rows (in the page's order) a search looks at first
# Without filters those rows are neighbours on disk: a longer look costs less than the index read.
UNFILTERED_WINDOW_FACTOR = 2.5


@dataclass(frozen=True)
class Listing:
    """A validated list request: ``key``/``desc`` is the sort (one of ``spec.sorts``), ``filters`` maps
    ``spec.filters`` names to a value or a list of values."""

    key: str
    desc: bool
    filters: Mapping[str, Any] = field(default_factory=dict)
    search: str | None = None
    cursor: str | None = None
    limit: int = 50
    count: bool = False
    # Count at most this many matches: a list page says "more than 10,000" instead of paying for an
    # exact count over a million rows (the total is then ``count_cap + 1``).
    count_cap: int | None = None


def _python_type(expr: Expr) -> type:
    try:
        python_type: type = expr.type.python_type
    except NotImplementedError:
        return str
    return python_type


def _cursor_key(spec: EntitySpec[Any], listing: Listing) -> tuple[Any, uuid.UUID]:
    assert listing.cursor is not None
    sort_type = _python_type(spec.sorts[listing.key])
    value, rid = decode_cursor(listing.cursor, listing.key, (sort_type, uuid.UUID))
    return value, rid


def list_page(session: Session, spec: EntitySpec[R], listing: Listing) -> Page[R]:
    model = spec.model
    sort_expr = spec.sorts[listing.key]
    where: list[ColumnElement[bool]] = [model.deleted_at.is_(None)]
    for name, value in listing.filters.items():
        if value is None:
            continue
        column = spec.filters[name]
        where.append(column.in_(value) if isinstance(value, list) else column == value)
    search = listing.search
    if not (search and search.strip()):
        return _page_of(session, spec, where, listing, sort_expr)
    # Terms that start no word of the tenant's vocabulary are replaced by the most similar words
    # ("dumitresku" → "dumitrescu"): every search, misspelt or not, is one indexed full-text query.
    corrected = vocabulary.correct(session, model.__tablename__, search_terms(search))
    if corrected.impossible:
        return Page(items=[], next=None, total=0 if listing.count else None)
    where.append(search_condition(spec, tsquery_text(search, corrected.replacements)))
    # The planner's estimates for prefix searches are poor: it either walks the sort index testing
    # every row (a scan of the tenant when the term is rare) or reads every match (slow when common).
    # Look among the most recent rows first; if they hold a full page it is the right page, else
    # the matches are few and are fetched through the full-text index and sorted.
    page = None if listing.count else _recent_window_page(session, spec, where, listing, sort_expr)
    if page is None:
        with bitmap_plans(session):
            page = _page_of(session, spec, where, listing, sort_expr)
    return page


def matching_ids(session: Session, spec: EntitySpec[Any], search: str, limit: int) -> list[str]:
    """Ids of up to ``limit`` live records matching ``search`` (the list's own full-text search, with
    the same corrections), as their canonical text, for other modules' filters: no row is loaded, and
    building and printing 1,000 UUID objects cost more than the query.

    The first ``limit`` matches in the index bitmap's order (the table's physical order: the same
    rows on every call until they change), not the newest: ordering needs every match's row read,
    5.2 ms instead of 2.2 for a surname with 3,275 matches among 100,000 leads."""
    model = spec.model
    corrected = vocabulary.correct(session, model.__tablename__, search_terms(search))
    if corrected.impossible:
        return []
    condition = search_condition(spec, tsquery_text(search, corrected.replacements))
    matches = select(model.id).where(model.deleted_at.is_(None), condition).limit(limit).subquery()
    # One row of comma-separated ids, split in Python: 1,000 rows read one by one cost 0.75 ms more.
    joined = select(func.string_agg(cast(matches.c.id, Text), literal_column("','")))
    with bitmap_plans(session):
        ids = session.connection().execute(joined).scalar()
    return ids.split(",") if ids else []


def _recent_window_page(
    session: Session, spec: EntitySpec[R], where: list[ColumnElement[bool]], listing: Listing, sort_expr: Expr
) -> Page[R] | None:
    """The page from the first ``SEARCH_WINDOW`` rows in sort order (``where[-1]`` is the search), or
    None when they hold less than a full page. Correct because any other match sorts after them."""
    if not isinstance(sort_expr, InstrumentedAttribute):
        return None
    model = spec.model
    table = model.__table__
    conditions = list(where[:-1])
    column = table.c[sort_expr.key]
    desc, limit = listing.desc, listing.limit
    if listing.cursor:
        conditions.append(cursor_after((column, table.c.id), _cursor_key(spec, listing), desc=desc))
    order = [column.desc(), table.c.id.desc()] if desc else [column.asc(), table.c.id.asc()]
    filtered = len(where) > 2  # more than "not deleted" and the search itself
    size = SEARCH_WINDOW if filtered else int(SEARCH_WINDOW * UNFILTERED_WINDOW_FACTOR)
    window = select(table).where(*conditions).order_by(*order).limit(size).subquery("recent")
    recent = aliased(model, window)
    recent_sort = getattr(recent, sort_expr.key)
    recent_order = [recent_sort.desc(), recent.id.desc()] if desc else [recent_sort.asc(), recent.id.asc()]
    search = ClauseAdapter(window).traverse(where[-1])
    rows = session.execute(
        select(recent, recent_sort.label("_sort")).where(search).order_by(*recent_order).limit(limit + 1)
    ).all()
    if len(rows) <= limit:
        return None
    page = page_of(rows, limit, listing.key, key=lambda row: (row[1], row[0].id))
    return page.map(lambda row: row[0])


def _page_of(
    session: Session, spec: EntitySpec[R], where: list[ColumnElement[bool]], listing: Listing, sort_expr: Expr
) -> Page[R]:
    model = spec.model
    desc, limit = listing.desc, listing.limit
    base: Select[Any] = select(model).where(and_(*where))
    total = None
    if listing.count:
        counted = select(model.id).where(and_(*where))
        if listing.count_cap is not None:
            counted = counted.limit(listing.count_cap + 1)
        total = int(session.scalar(select(func.count()).select_from(counted.subquery())) or 0)
    query = base
    if listing.cursor:
        query = query.where(cursor_after((sort_expr, model.id), _cursor_key(spec, listing), desc=desc))
    order = [sort_expr.desc(), model.id.desc()] if desc else [sort_expr.asc(), model.id.asc()]
    rows = session.execute(
        query.add_columns(sort_expr.label("_sort")).order_by(*order).limit(limit + 1)
    ).all()
    page = page_of(rows, limit, listing.key, key=lambda row: (row[1], row[0].id), total=total)
    return page.map(lambda row: row[0])


# --- one record -----------------------------------------------------------------------------------
def find(session: Session, spec: EntitySpec[R], record_id: uuid.UUID, *, lock: bool = False) -> R | None:
    """The live (not deleted) record, locked ``FOR UPDATE`` and reloaded with ``lock``."""
    query = select(spec.model).where(spec.model.id == record_id, spec.model.deleted_at.is_(None))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).first()


def merged_into(session: Session, spec: EntitySpec[Any], record_id: uuid.UUID) -> uuid.UUID | None:
    """The live record a merged-away one now lives in, following later merges of the survivor too."""
    column = getattr(spec.model, "merged_into_id", None)
    if column is None:
        return None
    current, seen = record_id, {record_id}
    while True:
        row = session.execute(select(column, spec.model.deleted_at).where(spec.model.id == current)).first()
        if row is None:
            return None
        target, deleted_at = row
        if deleted_at is None:
            return current if current != record_id else None
        if target is None or target in seen:
            return None
        seen.add(target)
        current = target


def exists(session: Session, spec: EntitySpec[Any], record_id: uuid.UUID) -> bool:
    found = session.scalar(
        select(spec.model.id).where(spec.model.id == record_id, spec.model.deleted_at.is_(None))
    )
    return found is not None


def add(session: Session, row: Any) -> None:
    """Insert a new row now (its defaults and id are then readable)."""
    session.add(row)
    session.flush()


def account_with_cui(session: Session, cui: str, *, exclude: uuid.UUID | None = None) -> uuid.UUID | None:
    """The oldest live, unmerged account with this CUI (other than ``exclude``)."""
    query = select(Account.id).where(
        Account.cui == cui, Account.deleted_at.is_(None), Account.merged_into_id.is_(None)
    )
    if exclude is not None:
        query = query.where(Account.id != exclude)
    return session.scalar(query.order_by(Account.created_at).limit(1))


def contact_of_account_by_email(session: Session, account_id: uuid.UUID, email: str) -> Contact | None:
    return session.scalars(
        select(Contact).where(
            Contact.account_id == account_id,
            func.lower(Contact.email) == email.lower(),
            Contact.deleted_at.is_(None),
        )
    ).first()


def stage_history(session: Session, opportunity_id: uuid.UUID) -> Sequence[StageChange]:
    return session.scalars(
        select(StageChange)
        .where(StageChange.opportunity_id == opportunity_id)
        .order_by(StageChange.changed_at, StageChange.id)
    ).all()


def any_account_created_by(session: Session, actor: str) -> bool:
    return session.scalar(select(Account.id).where(Account.created_by == actor).limit(1)) is not None


def transaction_lock(session: Session, name: str) -> None:
    """An advisory lock on ``name`` until the transaction ends (a second caller waits here)."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(name))))


def with_phone(session: Session, spec: EntitySpec[R], phone: str, limit: int) -> Sequence[R]:
    """Live records with this phone number (E.164, as stored; the ``(tid, phone)`` index), newest first."""
    model = spec.model
    phone_column = getattr(model, "phone")  # noqa: B009 - accounts, contacts and leads have one
    return session.scalars(
        select(model)
        .where(phone_column == phone, model.deleted_at.is_(None))
        .order_by(model.created_at.desc(), model.id.desc())
        .limit(limit)
    ).all()


def live_rows_by_ids(
    session: Session, spec: EntitySpec[Any], ids: Sequence[uuid.UUID], columns: Sequence[str]
) -> Sequence[Row[Any]]:
    """``columns`` of the live records among ``ids``, as plain rows in no particular order."""
    if not ids:
        return []
    table = spec.model.__table__
    stmt = select(*[table.c[name] for name in columns])
    return (
        session.connection()
        .execute(stmt.where(table.c.id.in_(list(ids)), table.c.deleted_at.is_(None)))
        .all()
    )


def live_by_ids(session: Session, spec: EntitySpec[R], ids: Sequence[uuid.UUID]) -> Sequence[R]:
    """The live records among ``ids`` (primary key lookups), in no particular order."""
    if not ids:
        return []
    model = spec.model
    return session.scalars(select(model).where(model.id.in_(list(ids)), model.deleted_at.is_(None))).all()
