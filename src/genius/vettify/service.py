"""CRM domain services: CRUD with search and keyset pages, lead qualify/convert, opportunity stages.

Every function takes the caller's tenant session (``app.tid`` set, RLS enforced) and never commits:
the API's ``TenantDB`` commits when the endpoint returns, so the change, its audit entry and its
outbox event land together or not at all.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, literal, literal_column, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.util import ClauseAdapter

from genius.core.audit import service as audit
from genius.core.db.base import utcnow
from genius.core.events.service import publish
from genius.core.kit.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Problem,
    field_error,
)
from genius.vettify import events, fuzzy, verification, vocabulary
from genius.vettify.models import Account, Activity, Contact, CrmRecord, Lead, Opportunity, StageChange
from genius.vettify.schemas import (
    OPEN_STAGES,
    REASON_REQUIRED,
    TRANSITIONS,
    ConvertIn,
    LeadStatus,
    Stage,
)

R = TypeVar("R", bound=CrmRecord)
Expr = ColumnElement[Any] | InstrumentedAttribute[Any]


@dataclass(frozen=True)
class Actor:
    """Who is acting, for ``created_by``, stage history, audit entries and event payloads."""

    tid: uuid.UUID
    name: str
    request_id: str = ""
    correlation_id: str | None = None


# --- entity descriptions --------------------------------------------------------------------------
@dataclass(frozen=True)
class EntitySpec(Generic[R]):
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


@contextmanager
def bitmap_plans(session: Session) -> Iterator[None]:
    """Planner settings for one statement: index bitmaps only (no sort-index walk, no full scan)."""
    names = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")
    before = session.execute(select(*[func.current_setting(n) for n in names])).one()
    session.execute(select(*[func.set_config(n, "off", True) for n in names]))
    try:
        yield
    finally:
        session.execute(select(*[func.set_config(n, v, True) for n, v in zip(names, before, strict=True)]))


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
class BadCursor(Problem):
    status, code, title = 400, "bad-cursor", "Invalid cursor"


def _encode_cursor(sort: str, value: Any, row_id: uuid.UUID) -> str:
    if isinstance(value, datetime | date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps([sort, value, str(row_id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode_cursor(cursor: str, sort: str, sample: Expr) -> tuple[Any, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        got_sort, value, row_id = json.loads(raw)
        if got_sort != sort:
            raise BadCursor("The cursor was made for another sort order; start again without it.")
        rid = uuid.UUID(str(row_id))
        python_type = _python_type(sample)
        if python_type is datetime:
            value = datetime.fromisoformat(str(value))
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
        elif python_type is Decimal:
            value = Decimal(str(value))
        elif not isinstance(value, str):
            raise ValueError("bad value")
        return value, rid
    except BadCursor:
        raise
    except (
        ValueError,
        TypeError,
        binascii.Error,
        json.JSONDecodeError,
        InvalidOperation,
        UnicodeDecodeError,
    ):
        raise BadCursor("The cursor is not valid; start again without it.") from None


def _python_type(expr: Expr) -> type:
    try:
        return expr.type.python_type
    except NotImplementedError:
        return str


@dataclass
class PageResult(Generic[R]):
    items: list[R]
    next: str | None
    total: int | None


def parse_sort(spec: EntitySpec[Any], sort: str | None) -> tuple[str, bool]:
    sort = sort or spec.default_sort
    desc = sort.startswith("-")
    key = sort.lstrip("-+")
    if key not in spec.sorts:
        raise field_error(
            "sort", f"must be one of {', '.join(sorted(spec.sorts))} (prefix - for descending)", where="query"
        )
    return key, desc


def list_records(
    session: Session,
    spec: EntitySpec[R],
    *,
    search: str | None = None,
    filters: dict[str, Any] | None = None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    count: bool = False,
) -> PageResult[R]:
    model = spec.model
    key, desc = parse_sort(spec, sort)
    sort_expr = spec.sorts[key]
    where: list[ColumnElement[bool]] = [model.deleted_at.is_(None)]
    for name, value in (filters or {}).items():
        if value is None:
            continue
        column = spec.filters[name]
        where.append(column.in_(value) if isinstance(value, list) else column == value)
    if not (search and search.strip()):
        return _page_of(session, spec, where, key, desc, sort_expr, cursor, limit, count)
    # Terms that start no word of the tenant's vocabulary are replaced by the most similar words
    # ("dumitresku" → "dumitrescu"): every search, misspelt or not, is one indexed full-text query.
    corrected = vocabulary.correct(session, model.__tablename__, search_terms(search))
    if corrected.impossible:
        return PageResult([], None, 0 if count else None)
    where.append(search_condition(spec, tsquery_text(search, corrected.replacements)))
    # The planner's estimates for prefix searches are poor: it either walks the sort index testing
    # every row (a scan of the tenant when the term is rare) or reads every match (slow when common).
    # Look among the most recent rows first; if they hold a full page it is the right page, else
    # the matches are few and are fetched through the full-text index and sorted.
    page = None if count else _recent_window_page(session, spec, where, key, desc, sort_expr, cursor, limit)
    if page is None:
        with bitmap_plans(session):
            page = _page_of(session, spec, where, key, desc, sort_expr, cursor, limit, count)
    return page


SEARCH_WINDOW = 20_000  # most recent rows (in the page's order) a search looks at first
# Without filters those rows are neighbours on disk: a longer look costs less than the index read.
UNFILTERED_WINDOW_FACTOR = 2.5


def _recent_window_page(
    session: Session,
    spec: EntitySpec[R],
    where: list[ColumnElement[bool]],
    key: str,
    desc: bool,
    sort_expr: Expr,
    cursor: str | None,
    limit: int,
) -> PageResult[R] | None:
    """The page from the first ``SEARCH_WINDOW`` rows in sort order (``where[-1]`` is the search), or
    None when they hold less than a full page. Correct because any other match sorts after them."""
    if not isinstance(sort_expr, InstrumentedAttribute):
        return None
    model = spec.model
    table = model.__table__
    conditions = list(where[:-1])
    column = table.c[sort_expr.key]
    if cursor:
        value, rid = _decode_cursor(cursor, key, sort_expr)
        pair = tuple_(column, table.c.id)
        bound = tuple_(literal(value, sort_expr.type), literal(rid))
        conditions.append(pair < bound if desc else pair > bound)
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
    items: list[R] = [row[0] for row in rows[:limit]]
    last_row, last_value = rows[limit - 1][0], rows[limit - 1][1]
    return PageResult(items, _encode_cursor(key, last_value, last_row.id), None)


def _page_of(
    session: Session,
    spec: EntitySpec[R],
    where: list[ColumnElement[bool]],
    key: str,
    desc: bool,
    sort_expr: Expr,
    cursor: str | None,
    limit: int,
    count: bool,
) -> PageResult[R]:
    model = spec.model
    base: Select[Any] = select(model).where(and_(*where))
    total = None
    if count:
        total = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    query = base
    if cursor:
        value, rid = _decode_cursor(cursor, key, sort_expr)
        pair = tuple_(sort_expr, model.id)
        bound = tuple_(literal(value, sort_expr.type), literal(rid))
        query = query.where(pair < bound if desc else pair > bound)
    order = [sort_expr.desc(), model.id.desc()] if desc else [sort_expr.asc(), model.id.asc()]
    rows = session.execute(
        query.add_columns(sort_expr.label("_sort")).order_by(*order).limit(limit + 1)
    ).all()
    items: list[R] = [row[0] for row in rows[:limit]]
    nxt = None
    if len(rows) > limit:
        last_row, last_value = rows[limit - 1][0], rows[limit - 1][1]
        nxt = _encode_cursor(key, last_value, last_row.id)
    return PageResult(items, nxt, total)


# --- one record -----------------------------------------------------------------------------------
def get_record(session: Session, spec: EntitySpec[R], record_id: uuid.UUID, *, lock: bool = False) -> R:
    query = select(spec.model).where(spec.model.id == record_id, spec.model.deleted_at.is_(None))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.scalars(query).first()
    if row is None:
        raise NotFound(f"No {spec.name} {record_id}.")
    return row


def etag(row: CrmRecord) -> str:
    return f'"{row.version}"'


def check_if_match(row: CrmRecord, if_match: str | None, *, required: bool) -> None:
    """``If-Match`` against the row's version: 412 when stale; 428 when missing and required."""
    if if_match is None or not if_match.strip():
        if required:
            raise PreconditionRequired(
                "Send If-Match with the ETag of the version you are changing (GET it first).",
                current_etag=etag(row),
            )
        return
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" in tags or etag(row) in tags:
        return
    raise PreconditionFailed(
        "The record changed since you read it; GET it again and reapply your change.",
        current_etag=etag(row),
    )


def _ensure_exists(
    session: Session, spec: EntitySpec[Any], record_id: uuid.UUID | None, field_name: str
) -> None:
    """References are checked through RLS: a foreign key alone would accept another tenant's id."""
    if record_id is None:
        return
    found = session.scalar(
        select(spec.model.id).where(spec.model.id == record_id, spec.model.deleted_at.is_(None))
    )
    if found is None:
        raise field_error(field_name, f"no {spec.name} with this id")


def _apply(row: CrmRecord, changes: dict[str, Any]) -> bool:
    changed = False
    for name, value in changes.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def create_record(session: Session, spec: EntitySpec[R], actor: Actor, values: dict[str, Any]) -> R:
    row = spec.model(tid=actor.tid, created_by=actor.name, **values)
    session.add(row)
    session.flush()
    return row


def update_record(
    session: Session,
    spec: EntitySpec[R],
    actor: Actor,
    record_id: uuid.UUID,
    changes: dict[str, Any],
    if_match: str | None,
) -> R:
    row = get_record(session, spec, record_id, lock=True)
    check_if_match(row, if_match, required=True)
    _check_references(session, spec, changes)
    if isinstance(row, Lead):
        _lead_changes(row, changes)
    cui_changed = isinstance(row, Account) and "cui" in changes and changes["cui"] != row.cui
    if cui_changed:
        _unique_cui(session, changes["cui"], exclude=row.id)
        changes["compliance_status"] = "pending" if changes["cui"] else "unchecked"
        changes["official"] = None
        changes["checked_at"] = None
    if _apply(row, changes):
        row.touch()
        if cui_changed and isinstance(row, Account):
            verification.request_verification(
                session, row, requested_by=actor.name, correlation_id=actor.correlation_id
            )
        session.flush()
    return row


def delete_record(
    session: Session, spec: EntitySpec[R], actor: Actor, record_id: uuid.UUID, if_match: str | None
) -> None:
    row = get_record(session, spec, record_id, lock=True)
    check_if_match(row, if_match, required=False)
    if isinstance(row, Lead) and row.status == LeadStatus.converted:
        raise Conflict("A converted lead is read-only.")
    row.deleted_at = utcnow()
    row.touch()
    session.flush()
    audit.record(
        session,
        actor.tid,
        f"crm.{spec.name}.deleted",
        actor=actor.name,
        target=f"crm.{spec.name}:{row.id}",
        data={"id": str(row.id), "version": row.version, "soft": True},
        request_id=actor.request_id,
    )


def _check_references(session: Session, spec: EntitySpec[Any], values: dict[str, Any]) -> None:
    refs: dict[str, EntitySpec[Any]] = {
        "account_id": ACCOUNTS,
        "contact_id": CONTACTS,
        "lead_id": LEADS,
        "opportunity_id": OPPORTUNITIES,
    }
    for name, target in refs.items():
        if name in values and name in {c.key for c in spec.model.__table__.columns}:
            _ensure_exists(session, target, values[name], name)


# --- accounts -------------------------------------------------------------------------------------
def _unique_cui(session: Session, cui: str | None, *, exclude: uuid.UUID | None = None) -> None:
    if not cui:
        return
    query = select(Account.id).where(
        Account.cui == cui, Account.deleted_at.is_(None), Account.merged_into_id.is_(None)
    )
    if exclude is not None:
        query = query.where(Account.id != exclude)
    existing = session.scalar(query.limit(1))
    if existing is not None:
        raise Conflict(
            f"An account with CUI {cui} already exists.",
            code="duplicate",
            existing_id=str(existing),
            errors=[
                {
                    "field": "cui",
                    "in": "body",
                    "message": "already used by another account",
                    "type": "duplicate",
                }
            ],
        )


def create_account(session: Session, actor: Actor, values: dict[str, Any]) -> Account:
    _unique_cui(session, values.get("cui"))
    account = create_record(session, ACCOUNTS, actor, values)
    verification.request_verification(
        session, account, requested_by=actor.name, correlation_id=actor.correlation_id
    )
    return account


def find_account_by_cui(session: Session, cui: str) -> uuid.UUID | None:
    return session.scalar(
        select(Account.id)
        .where(Account.cui == cui, Account.deleted_at.is_(None), Account.merged_into_id.is_(None))
        .order_by(Account.created_at)
        .limit(1)
    )


# --- contacts, activities -------------------------------------------------------------------------
def create_contact(session: Session, actor: Actor, values: dict[str, Any]) -> Contact:
    _check_references(session, CONTACTS, values)
    return create_record(session, CONTACTS, actor, values)


def create_activity(session: Session, actor: Actor, values: dict[str, Any]) -> Activity:
    _check_references(session, ACTIVITIES, values)
    if values.get("occurred_at") is None:
        values.pop("occurred_at", None)
    if values.get("done") is None:
        values.pop("done", None)
    return create_record(session, ACTIVITIES, actor, values)


# --- leads ----------------------------------------------------------------------------------------
def create_lead(session: Session, actor: Actor, values: dict[str, Any]) -> Lead:
    lead = create_record(session, LEADS, actor, values)
    publish(
        session,
        "crm.lead.created",
        events.LeadCreated(
            lead_id=lead.id,
            first_name=lead.first_name,
            last_name=lead.last_name,
            email=lead.email,
            company_name=lead.company_name,
            cui=lead.cui,
            source=lead.source,
            created_by=actor.name,
            created_at=lead.created_at,
        ),
        tid=actor.tid,
        aggregate_id=lead.id,
        correlation_id=actor.correlation_id,
    )
    return lead


def _lead_changes(lead: Lead, changes: dict[str, Any]) -> None:
    if lead.status == LeadStatus.converted:
        raise Conflict("A converted lead is read-only.", code="lead-converted")
    status = changes.get("status")
    if status is not None and status != lead.status:
        if status not in (LeadStatus.new, LeadStatus.disqualified):
            raise field_error("status", "only new or disqualified here; use /qualify and /convert")
        changes["status"] = str(status)
        if status == LeadStatus.new:
            changes["qualified_at"] = None


def qualify_lead(session: Session, actor: Actor, lead_id: uuid.UUID, if_match: str | None) -> Lead:
    lead = get_record(session, LEADS, lead_id, lock=True)
    check_if_match(lead, if_match, required=False)
    if lead.status == LeadStatus.converted:
        raise Conflict("The lead is already converted.", code="lead-converted")
    if lead.status != LeadStatus.qualified:
        lead.status = LeadStatus.qualified.value
        lead.qualified_at = utcnow()
        lead.touch()
        session.flush()
    return lead


@dataclass(frozen=True)
class Conversion:
    account_id: uuid.UUID
    contact_id: uuid.UUID
    opportunity_id: uuid.UUID | None
    account_created: bool
    contact_created: bool
    repeated: bool


def _lead_person_name(lead: Lead) -> str:
    return " ".join(p for p in (lead.first_name, lead.last_name) if p) or (lead.email or "")


def convert_lead(session: Session, actor: Actor, lead_id: uuid.UUID, body: ConvertIn) -> Conversion:
    """Create or link the account, contact and opportunity in the caller's transaction.

    The lead row is locked first, so concurrent converts of one lead serialise: the second sees
    ``converted`` and returns the same ids (idempotent), never a second account.
    """
    lead = get_record(session, LEADS, lead_id, lock=True)
    if lead.status == LeadStatus.converted:
        assert lead.converted_account_id is not None and lead.converted_contact_id is not None
        return Conversion(
            lead.converted_account_id,
            lead.converted_contact_id,
            lead.converted_opportunity_id,
            account_created=False,
            contact_created=False,
            repeated=True,
        )
    if lead.status != LeadStatus.qualified:
        raise Conflict(
            f"Only a qualified lead can be converted (this one is {lead.status}); qualify it first.",
            code="lead-not-qualified",
        )

    # Account: the one given, else the one with the lead's CUI, else a new one.
    account_created = False
    if body.account_id is not None:
        account = get_record_or_field_error(session, ACCOUNTS, body.account_id, "account_id")
    else:
        existing = find_account_by_cui(session, lead.cui) if lead.cui else None
        if existing is not None:
            account = get_record(session, ACCOUNTS, existing)
        else:
            name = lead.company_name or _lead_person_name(lead)
            account = create_record(
                session,
                ACCOUNTS,
                actor,
                {
                    "name": name[:300],
                    "cui": lead.cui,
                    "email": lead.email if not lead.company_name else None,
                    "phone": lead.phone if not lead.company_name else None,
                    "city": lead.city,
                    "county": lead.county,
                    "owner": lead.owner,
                },
            )
            verification.request_verification(
                session, account, requested_by=actor.name, correlation_id=actor.correlation_id
            )
            account_created = True

    # Contact: the one given, else the account's contact with the lead's e-mail, else a new one.
    contact_created = False
    if body.contact_id is not None:
        contact = get_record_or_field_error(session, CONTACTS, body.contact_id, "contact_id")
    else:
        found = None
        if lead.email and not account_created:
            found = session.scalars(
                select(Contact).where(
                    Contact.account_id == account.id,
                    func.lower(Contact.email) == lead.email.lower(),
                    Contact.deleted_at.is_(None),
                )
            ).first()
        if found is not None:
            contact = found
        else:
            contact = create_record(
                session,
                CONTACTS,
                actor,
                {
                    "account_id": account.id,
                    "first_name": lead.first_name,
                    "last_name": lead.last_name,
                    "email": lead.email,
                    "phone": lead.phone,
                    "job_title": lead.job_title,
                    "city": lead.city,
                    "county": lead.county,
                    "owner": lead.owner,
                },
            )
            contact_created = True

    opportunity_id = None
    if body.create_opportunity:
        opportunity = create_opportunity(
            session,
            actor,
            {
                "name": (body.opportunity_name or f"{account.name} - {_lead_person_name(lead) or 'lead'}")[
                    :300
                ],
                "account_id": account.id,
                "contact_id": contact.id,
                "lead_id": lead.id,
                "amount": body.amount,
                "currency": body.currency,
                "expected_close_date": body.expected_close_date,
                "owner": lead.owner,
            },
        )
        opportunity_id = opportunity.id

    now = utcnow()
    lead.status = LeadStatus.converted.value
    lead.converted_at = now
    lead.converted_by = actor.name
    lead.converted_account_id = account.id
    lead.converted_contact_id = contact.id
    lead.converted_opportunity_id = opportunity_id
    lead.touch()
    session.flush()
    payload = events.LeadConverted(
        lead_id=lead.id,
        account_id=account.id,
        contact_id=contact.id,
        opportunity_id=opportunity_id,
        account_created=account_created,
        contact_created=contact_created,
        converted_by=actor.name,
        converted_at=now,
    )
    publish(
        session,
        "crm.lead.converted",
        payload,
        tid=actor.tid,
        aggregate_id=lead.id,
        correlation_id=actor.correlation_id,
    )
    audit.record(
        session,
        actor.tid,
        "crm.lead.converted",
        actor=actor.name,
        target=f"crm.lead:{lead.id}",
        data=payload.model_dump(mode="json"),
        request_id=actor.request_id,
    )
    return Conversion(account.id, contact.id, opportunity_id, account_created, contact_created, False)


def get_record_or_field_error(session: Session, spec: EntitySpec[R], record_id: uuid.UUID, name: str) -> R:
    try:
        return get_record(session, spec, record_id)
    except NotFound:
        raise field_error(name, f"no {spec.name} with this id") from None


# --- opportunities --------------------------------------------------------------------------------
def _history(
    session: Session, actor: Actor, opp: Opportunity, from_stage: str | None, reason: str | None
) -> StageChange:
    change = StageChange(
        tid=actor.tid,
        opportunity_id=opp.id,
        from_stage=from_stage,
        to_stage=opp.stage,
        reason=reason,
        changed_by=actor.name,
        changed_at=utcnow(),
    )
    session.add(change)
    return change


def create_opportunity(session: Session, actor: Actor, values: dict[str, Any]) -> Opportunity:
    _check_references(session, OPPORTUNITIES, values)
    values["stage"] = str(values.get("stage") or Stage.prospecting)
    opp = create_record(session, OPPORTUNITIES, actor, values)
    _history(session, actor, opp, None, None)
    session.flush()
    return opp


def change_stage(
    session: Session,
    actor: Actor,
    opportunity_id: uuid.UUID,
    stage: Stage,
    reason: str | None,
    if_match: str | None,
) -> tuple[Opportunity, bool]:
    opp = get_record(session, OPPORTUNITIES, opportunity_id, lock=True)
    check_if_match(opp, if_match, required=False)
    current = Stage(opp.stage)
    if stage == current:
        return opp, False
    allowed = TRANSITIONS[current]
    if stage not in allowed:
        raise Conflict(
            f"An opportunity in {current} cannot move to {stage}.",
            code="stage-transition",
            allowed=sorted(s.value for s in allowed),
        )
    reopening = current not in OPEN_STAGES
    if (stage in REASON_REQUIRED or reopening) and not reason:
        raise field_error("reason", f"a reason is required to move to {stage}")
    opp.stage = stage.value
    opp.stage_reason = reason
    if stage in REASON_REQUIRED:
        opp.closed_at = utcnow()
        opp.probability = 100 if stage == Stage.won else 0
    elif reopening:
        opp.closed_at = None
    opp.touch()
    change = _history(session, actor, opp, current.value, reason)
    session.flush()
    payload = events.OpportunityStageChanged(
        opportunity_id=opp.id,
        account_id=opp.account_id,
        from_stage=current.value,
        to_stage=stage.value,
        reason=reason,
        amount=opp.amount,
        currency=opp.currency,
        changed_by=actor.name,
        changed_at=change.changed_at,
    )
    publish(
        session,
        "crm.opportunity.stage_changed",
        payload,
        tid=actor.tid,
        aggregate_id=opp.id,
        correlation_id=actor.correlation_id,
    )
    audit.record(
        session,
        actor.tid,
        "crm.opportunity.stage_changed",
        actor=actor.name,
        target=f"crm.opportunity:{opp.id}",
        data=payload.model_dump(mode="json"),
        request_id=actor.request_id,
    )
    return opp, True


def stage_history(session: Session, opportunity_id: uuid.UUID) -> Sequence[StageChange]:
    get_record(session, OPPORTUNITIES, opportunity_id)
    return session.scalars(
        select(StageChange)
        .where(StageChange.opportunity_id == opportunity_id)
        .order_by(StageChange.changed_at, StageChange.id)
    ).all()
