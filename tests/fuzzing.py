"""Shared schemathesis runner: no input gives a 5xx, and data the schema allows is accepted.

`positive_data_acceptance` fails a positive case (one the OpenAPI schema allows) that the server
answers with a status outside `ACCEPTED`. Statuses that legitimately follow valid data:

* 2xx/3xx: accepted;
* 401/403: the caller's token or role does not allow it (e.g. `crm:admin` operations, a tenant admin on
  platform operations; the data is not at fault);
* 404: a generated id, tag or slug names nothing (ids are random UUIDs);
* 409: a state conflict (a duplicate slug or e-mail, a lead already converted, a stale `If-Match`);
* 412: `If-Match` names another version of the row (a precondition, not the data);
* 429: rate limiting.

Anything else (400, 413, 415, 422, …) on a positive case means the schema allows what the server
refuses, unless the case is in `ALLOWED`, a short list of rules the schema cannot state, each with
its reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, positive_data_acceptance

ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "412", "429"]


@dataclass(frozen=True)
class Allowed:
    """A refusal of schema-valid data that the schema cannot express."""

    name: str
    operation: str  # "METHOD /path" as in the schema, or "*"
    status: int
    reason: str
    matches: Callable[[str], bool] = lambda _body: True  # on the response text


def _has(*needles: str) -> Callable[[str], bool]:
    return lambda body: any(n in body for n in needles)


# e-Transport rules tying fields together (rules.py), and BR-019 (the UIT's check digits)
ETRANSPORT_CROSS_FIELD = (4, 5, 6, 7, 8, 19, 20, 25, 26, 43, 46, 68, 69, 70, 205, 206, 207, 208, 210, 211)
ETRANSPORT_CROSS_FIELD += (212, 213, 216, 217)

ALLOWED: tuple[Allowed, ...] = (
    Allowed(
        "cursor-made-by-the-server",
        "*",
        400,
        "a cursor is an opaque value the server made (the schema gives its alphabet); any other one is a "
        "bad-cursor, like an id that does not exist",
        _has("genius-erp.ro/bad-cursor"),
    ),
    Allowed(
        "referenced-record-must-exist",
        "*",
        422,
        "a body id (account_id, contact_id, merged_ids, mapping_id…) must name a live record of the tenant; "
        "random UUIDs do not (the path-id equivalent is a 404)",
        _has("with this id", '"field":"merged_ids"', '"field":"survivor_id"'),
    ),
    Allowed(
        "conversion-only-when-converting",
        "POST /v1/outreach/journeys/{journey_id}/transitions",
        422,
        "the CRM conversion details go only with to_state CONVERTED (stated in the field's description): a "
        "rule tying two fields together",
        _has('"field":"conversion"'),
    ),
    Allowed(
        "spintax-grammar",
        "*",
        422,
        "outreach template content and subjects are spintax: braces must balance and nest at most 20 deep "
        "(stated in the field's description); a grammar of nested groups no pattern can express",
        _has("not valid spintax"),
    ),
    Allowed(
        "cui-check-digit",
        "*",
        422,
        "a CUI's last digit is a checksum (stdnum.ro.cui); the schema declares the digits, not the sum",
        _has("not a valid Romanian CUI/CIF", "not a valid CUI"),
    ),
    Allowed(
        "eu-vat-id-check-digits",
        "*",
        422,
        "an EU VAT id's number follows its member state's format and check digits (stdnum.eu.vat); the "
        "schema declares the prefix and the characters, not each state's rule",
        _has("not a valid EU VAT id"),
    ),
    Allowed(
        "eu-vat-id-of-the-account-country",
        "*",
        422,
        "cross-field rule stated in the schema's description: an account's VAT id is of its country",
        _has("but the account's country is"),
    ),
    Allowed(
        "oauth-credentials",
        "POST /v1/auth/token",
        400,
        "RFC 6749 §5.2: unknown credentials are a 400 invalid_grant, and which fields a grant needs "
        "(username+password+tenant, or a client) is a cross-field rule",
        _has('"error":"invalid_grant"', '"error":"invalid_request"', '"error":"invalid_scope"'),
    ),
    Allowed(
        "email-special-use-domain",
        "*",
        422,
        "e-mail addresses are checked by email-validator, which refuses special-use and reserved domains "
        "(RFC 6761: .test, .invalid, .local, localhost…); format: email does not exclude them",
        _has("special-use or reserved name"),
    ),
    Allowed(
        "role-must-exist",
        "*",
        422,
        "a role names a row of the tenant's roles (GET /v1/roles), like an id",
        _has("genius-erp.ro/unknown-role"),
    ),
    Allowed(
        "dedicated-database-reachable",
        "POST /v1/tenants",
        422,
        "a tenant's dsn must reach a PostgreSQL server the platform can migrate",
        _has("genius-erp.ro/dedicated-database"),
    ),
    Allowed(
        "merge-cross-field",
        "POST /v1/crm/{entity}/merge",
        422,
        "cross-field rules stated in the schema's description: the survivor is not merged into itself, "
        "fields' keys depend on the path's entity and their values on the ids of the body",
        _has(
            "must not contain the survivor", "cannot be taken from another record", "must name the survivor"
        ),
    ),
    Allowed(
        "crm-record-needs-a-name",
        "*",
        422,
        "cross-field rule stated in the schema's description: a contact needs a first_name, last_name or "
        "email; a lead one of those or a company_name",
        _has("a contact needs a", "a lead needs a"),
    ),
    Allowed(
        "segment-rule-cross-field",
        "*",
        422,
        "cross-field rules stated in the schema's descriptions: a text rule's value fits its operator (a "
        "text, a list, or none), and a rule's field exists for the segment's entity (consent, stage and "
        "engagement for contacts; status, company_name, source and cui for leads)",
        _has("needs a text value", "needs a list of values", "takes no value", "is a rule for"),
    ),
    Allowed(
        "campaign-dates-in-order",
        "*",
        422,
        "cross-field rule stated in the schema's description: ends_on is not before starts_on",
        _has("ends_on must not be before starts_on"),
    ),
    Allowed(
        "custom-fields-total-size",
        "*",
        422,
        "custom_fields are at most 16 KB of JSON in all; JSON Schema has no keyword for a total size",
        _has("custom fields are limited to 16 KB"),
    ),
    Allowed(
        "date-not-in-future",
        "*",
        422,
        "a date must not be after today (ANAF's registries have no future): the bound moves every day, and "
        "JSON Schema's date format has no relative limit",
        _has('"type":"date.future"'),
    ),
    Allowed(
        "bnr-rate-unavailable",
        "*",
        422,
        "BNR's exchange rate of a date exists only once BNR has published it and can be read (the tests' "
        "BNR address is a closed port: nothing is cached, nothing reachable); which currencies BNR "
        "publishes is BNR's list, not the schema's",
        _has('"type":"bnr.unreachable"', '"type":"bnr.not-published"', '"type":"bnr.unknown-currency"'),
    ),
    Allowed(
        "snooze-in-the-coming-30-days",
        "POST /v1/outreach/review/{item_id}/snooze",
        422,
        "a review item is snoozed until a time after now and at most 30 days ahead: the bounds move with the "
        "clock, and JSON Schema's date-time format has no relative limit (the schema's description says so)",
        _has("snooze-out-of-range"),
    ),
    Allowed(
        "xml-document-content",
        "*",
        422,
        "a raw XML body must be a well-formed document of the authority's format (the schema can only say "
        "it is non-blank text); its content is checked like a file's",
        _has('"rule":"XML"', '"rule":"REGES-PARSE"'),
    ),
    Allowed(
        "etransport-cross-field-rules",
        "*",
        422,
        "ANAF's e-Transport rules that tie fields together (which operation allows which partner country, "
        "route place, customs office, purpose code or earlier notification; gross ≥ net weight; a note for "
        "document type 9999) and the UIT's check digits (BR-019, like a CUI's); every single-field rule is "
        "declared in the schema",
        _has(*(f'"rule":"BR-{n:03d}"' for n in ETRANSPORT_CROSS_FIELD)),
    ),
    Allowed(
        "invoice-totals-fit-cents",
        "POST /v1/compliance/efactura/documents",
        422,
        "every amount is bounded in the schema, but the computed totals (sums over the lines of quantity x "
        "price / base quantity, VAT = base x rate) must round to cents in 28 significant digits; JSON Schema "
        "cannot bound a sum or a product over array items",
        _has("amounts are too large to compute its totals"),
    ),
    Allowed(
        "saft-ledger-cross-field",
        "*",
        422,
        "cross-field rules of a SAF-T ledger: the period matches the report kind (a month, a calendar "
        "quarter, twelve months), ends after it starts, entries name a journal of the ledger, a line is "
        "debit or credit",
        _has(
            "report covers",
            "period_end is before period_start",
            "is not in journals",
            "either debit or credit",
        ),
    ),
    Allowed(
        "sales-line-needs-a-product-or-a-price",
        "*",
        422,
        "a sales document line without product_id needs description and unit_price, and its discount is at "
        "most quantity x unit_price (stated in the schema's descriptions; JSON Schema cannot compare fields)",
        _has("required without a product_id", "is more than quantity x unit_price"),
    ),
    Allowed(
        "sales-order-invoice-quantities",
        "POST /v1/sales/orders/{order_id}/invoices",
        422,
        "an order's invoice names each order line once, by a position the order has, for at most what is "
        "left to invoice on it (stated in the schema's descriptions; JSON Schema cannot read the order)",
        _has("the order has no line at this position", "this line is chosen twice", "more than is left"),
    ),
    Allowed(
        "sales-document-needs-a-line",
        "*",
        422,
        "a quote is sent and an order confirmed only with at least one line (a draft may have none)",
        _has("needs at least one line", "choose at least one line"),
    ),
    Allowed(
        "mail-template-markup",
        "*",
        422,
        "a campaign message is HTML or MJML with Jinja2 placeholders ({{ prenume }}…): its markup, its "
        "placeholders and what is left after sanitising are checked by the MJML compiler, Jinja2's "
        "parser and nh3; JSON Schema cannot describe a markup language",
        _has(
            "Variabile necunoscute",
            "Eroare în variabile",
            "Construcție nepermisă",
            "MJML invalid",
            "CSS invalid",
            "niciun conținut",
        ),
    ),
    Allowed(
        "sales-buyer-cnp",
        "PUT /v1/sales/customers/{account_id}/cnp",
        422,
        "a CNP's date of birth, county code and check digit are checked (python-stdnum), and only a CRM "
        "account without a CUI (a person) that exists takes one (stated in the schema's description; JSON "
        "Schema cannot compute a check digit nor read the CRM)",
        _has("not a valid CNP", "a CNP is for a person", "no CRM account with this id"),
    ),
    Allowed(
        "sales-payment-allocations",
        "POST /v1/sales/payments",
        422,
        "a payment's allocations add up to at most its amount, name each invoice once, in the payment's "
        "currency, and none exceeds its invoice's open balance (stated in the schema's descriptions; JSON "
        "Schema cannot sum array items nor read a balance)",
        _has(
            "the allocations add up to",
            "already allocated above",
            "more than the open balance",
            "the payment in",
        ),
    ),
    Allowed(
        "csv-file-content",
        "POST /v1/crm/imports",
        422,
        "the uploaded file must be a readable CSV (encoding, delimiter, a header); a binary part's content "
        "is not described by JSON Schema",
        _has('"field":"file"'),
    ),
    Allowed(
        "resend-secret-base64",
        "PUT /v1/crm/settings/resend-webhook-secret",
        422,
        "the part after whsec_ must decode as base64 (padding included) to a 16 to 128 byte key; the pattern "
        "gives only its alphabet",
        _has("after whsec_"),
    ),
)


def load_schema(app: FastAPI) -> Any:
    config = schemathesis.Config.from_dict(
        {"checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}}}
    )
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=config)


def operations(schema: Any, prefixes: Iterable[str] = ("/",)) -> list[Any]:
    ops = [result.ok() for result in schema.get_all_operations()]
    return [op for op in ops if op.path.startswith(tuple(prefixes))]


def label_of(operation: Any) -> str:
    return f"{operation.method.upper()} {operation.path}"


def allowed(label: str, status: int, body: str, extra: Iterable[Allowed] = ()) -> Allowed | None:
    for rule in (*ALLOWED, *extra):
        if rule.operation in (label, "*") and rule.status == status and rule.matches(body):
            return rule
    return None


def fuzz(
    ops: Iterable[Any],
    headers: dict[str, str],
    *,
    max_examples: int,
    skipped: Iterable[str] = (),
    extra_allowed: Iterable[Allowed] = (),
    server_errors_only: Iterable[str] = (),
) -> list[str]:
    """Run every operation; return one failure line per operation that failed (no shrinking: the
    first failing example is reported, with what was sent). Operations named in ``server_errors_only``
    ("METHOD /path") or under a path prefix listed there are only checked for 5xx."""
    max_examples = int(os.environ.get("GENIUS_FUZZ_EXAMPLES", max_examples))
    failures: dict[str, str] = {}
    hits: dict[str, int] = {}
    extra = tuple(extra_allowed)
    lenient = tuple(server_errors_only)
    for operation in ops:
        label = label_of(operation)
        if label in skipped:
            continue
        checks = [not_a_server_error]
        if not (label in lenient or operation.path.startswith(tuple(p for p in lenient if " " not in p))):
            checks.append(positive_data_acceptance)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=max_examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,  # the same cases on every run: CI is reproducible
        )
        def run(case: Any) -> None:
            if label in failures:
                return
            response = case.call(headers=headers)
            status = response.status_code
            rule = allowed(label, status, response.text, extra) if 400 <= status < 500 else None
            if rule is not None:
                hits[rule.name] = hits.get(rule.name, 0) + 1
                return
            try:
                case.validate_response(response, checks=checks)
            except (Exception, BaseExceptionGroup) as exc:  # every check failure is reported alike
                sent = {"path": case.path_parameters, "query": case.query, "body": _short(case.body)}
                failures[label] = f"{label}: {status} {response.text[:300]} <- {sent} ({type(exc).__name__})"

        run()
    print(f"allow-list hits: {hits}")  # shown with -s, or with the failure
    return list(failures.values())


def _short(body: Any) -> Any:
    text = repr(body)
    return text if len(text) <= 300 else text[:300] + "…"
