"""The CRM's results in the Shell's command menu (Ctrl+K): accounts, contacts, leads, opportunities.

The same search as the API's ``?search=`` (``service.list_records``: full text without diacritics, by
name, CUI, e-mail or phone, misspellings corrected from the tenant's vocabulary). A phone number typed
the Romanian way (0722 123 456) is looked up as it is stored (+40722123456); a CUI may carry ``RO``.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from genius.core.auth.scopes import Scope
from genius.core.kit.errors import Problem
from genius.core.kit.manifest import SearchHit
from genius.vettify import service
from genius.web import formats
from genius.web.kit import _

_PHONE_LIKE = re.compile(r"^[+0(][\d\s().\-/]{7,}$")
_CUI_LIKE = re.compile(r"^RO\s*(\d{2,10})$", re.IGNORECASE)


def _needle(query: str) -> str:
    q = query.replace("\x00", "").strip()[:200]
    cui = _CUI_LIKE.match(q)
    return cui.group(1) if cui else q


def _found(db: Session, spec: service.EntitySpec[Any], needle: str, limit: int) -> list[Any]:
    if _PHONE_LIKE.match(needle):  # phone numbers are not in the full-text index: exact, normalised
        found = list(service.find_by_phone(db, spec, needle, limit))
        if found:
            return found
    try:
        page = service.list_records(db, spec, service.ListQuery(search=needle, limit=limit))
    except Problem:
        return []
    return list(page.items)


def _join(*parts: str | None) -> str:
    return " · ".join(p for p in parts if p)


def _person(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p)


def command_search(db: Session, account: Any, query: str, limit: int) -> list[SearchHit]:
    if Scope.CRM_READ not in getattr(account, "scopes", ()):
        return []
    needle = _needle(query)
    if len(needle) < 2:
        return []
    hits: list[SearchHit] = []
    for row in _found(db, service.ACCOUNTS, needle, limit):
        hits.append(
            SearchHit(
                _("Account"),
                row.name,
                f"/crm/accounts/{row.id}",
                _join(f"CUI {row.cui}" if row.cui else None, row.city, row.email),
                "building",
            )
        )
    for row in _found(db, service.CONTACTS, needle, limit):
        hits.append(
            SearchHit(
                _("Contact"),
                _person(row.first_name, row.last_name) or row.email or "—",
                f"/crm/contacts/{row.id}",
                _join(row.job_title, row.email, row.phone),
                "contact",
            )
        )
    for row in _found(db, service.LEADS, needle, limit):
        hits.append(
            SearchHit(
                _("Lead"),
                _person(row.first_name, row.last_name) or row.company_name or row.email or "—",
                f"/crm/leads/{row.id}",
                _join(row.company_name, row.email, row.phone),
                "user-plus",
            )
        )
    for row in _found(db, service.OPPORTUNITIES, needle, limit):
        amount = formats.money(row.amount, row.currency) if row.amount is not None else None
        hits.append(
            SearchHit(_("Opportunity"), row.name, f"/crm/opportunities/{row.id}", _join(amount), "kanban")
        )
    return hits
