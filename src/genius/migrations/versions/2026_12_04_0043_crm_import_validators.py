"""crm: the import's SQL validators, rewritten so PostgreSQL runs them several times faster

Same results, row for row (``tests/vettify/test_import_validators.py`` compares them with the
definitions of migration 0009 on edge cases and generated files). What changes is how they run:

* ``crm.import_email`` was a STRICT SQL function whose body (a CASE) is not strict, so the planner
  could not inline it, and its pattern bounded each domain label with ``{0,61}``, which PostgreSQL's
  regex engine expands into a large automaton. Now it is not STRICT (a NULL still gives NULL), so it
  is inlined into the plan, and the label length (at most 63) is a second, cheap test on the domain.
* ``crm.import_phone`` and ``crm.import_cui`` called a second SQL function with an expensive
  argument that its body uses several times, which also blocks inlining: each row paid a SQL function
  call. They are PL/pgSQL now, computing each intermediate value once.

On 100,000 generated rows: e-mail 1.15 s → 0.19 s, CUI 1.05 s → 0.33 s, phone 0.60 s → 0.47 s.

Revision ID: 0043_crm_import_validators
Revises: 0042_sales_uit_amendments
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0043_crm_import_validators"
down_revision: str | None = "0042_sales_uit_amendments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The local part and the domain's shape are the pattern of migration 0009 with ``{0,61}`` widened to
# ``*``; ``[^.]{64}`` on the domain puts back the 63-character bound on each label.
UPGRADE = r"""
CREATE OR REPLACE FUNCTION crm.import_email(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN length(t) <= 320
        AND t ~ '^[A-Za-z0-9!#$%&''*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&''*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z-]*[A-Za-z])?$'
        AND split_part(t, '@', 2) !~ '[^.]{64}'
    THEN lower(t) END
$$;

CREATE OR REPLACE FUNCTION crm.import_phone(t text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
AS $$
DECLARE
    d text := regexp_replace(t, '[\s().\-/]', '', 'g');
BEGIN
    IF d LIKE '00%' THEN
        d := '+' || substr(d, 3);
    ELSIF d ~ '^0[2-9][0-9]{8}$' THEN
        d := '+40' || substr(d, 2);
    END IF;
    RETURN substring(d FROM '^\+[1-9][0-9]{7,14}$');
END
$$;

CREATE OR REPLACE FUNCTION crm.import_cui(t text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT
AS $$
DECLARE
    n text := regexp_replace(upper(btrim(translate(t, ' -', ''))), '^RO', '');
    p text;
BEGIN
    IF n !~ '^[1-9][0-9]{1,9}$' THEN
        RETURN NULL;
    END IF;
    p := lpad(left(n, -1), 9, '0');  -- the body without its check digit, weighted by 753217532
    IF (10 * (7 * substr(p, 1, 1)::int + 5 * substr(p, 2, 1)::int + 3 * substr(p, 3, 1)::int
            + 2 * substr(p, 4, 1)::int + 1 * substr(p, 5, 1)::int + 7 * substr(p, 6, 1)::int
            + 5 * substr(p, 7, 1)::int + 3 * substr(p, 8, 1)::int + 2 * substr(p, 9, 1)::int)) % 11 % 10
        = right(n, 1)::int THEN
        RETURN n;
    END IF;
    RETURN NULL;
END
$$;
"""

# Migration 0009's definitions, as they were (CREATE OR REPLACE keeps the grants).
DOWNGRADE = r"""
CREATE OR REPLACE FUNCTION crm.import_email(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT CASE WHEN length(t) <= 320
        AND t ~ '^[A-Za-z0-9!#$%&''*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&''*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z-]{0,61}[A-Za-z])?$'
    THEN lower(t) END
$$;

CREATE OR REPLACE FUNCTION crm.import_phone(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT substring(crm.import_phone_digits(regexp_replace(t, '[\s().\-/]', '', 'g'))
                     FROM '^\+[1-9][0-9]{7,14}$')
$$;

CREATE OR REPLACE FUNCTION crm.import_cui(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT crm.import_cui_check(regexp_replace(upper(btrim(translate(t, ' -', ''))), '^RO', '')) $$;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
