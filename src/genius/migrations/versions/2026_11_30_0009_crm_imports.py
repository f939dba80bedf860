"""crm: CSV imports (jobs, saved mappings, staging)

Tables (all tenant tables: ``tid`` + forced RLS):

* ``crm.imports``: one row per uploaded file: detected encoding/separator, header, preview, the mapping,
  the duplicate policy and the live progress (counts, rows/s, ETA) that the job commits per batch;
* ``crm.import_batches``: the ledger of committed batches, written in the batch's own transaction, so a
  retried or resumed job skips exactly what is already imported;
* ``crm.import_errors``: every rejected row (row number, original cells, reason) for ``errors.csv``;
* ``crm.import_mappings``: named, reusable column mappings per entity.

``crm.leads``, ``crm.contacts`` and ``crm.accounts`` get ``import_id``/``import_row`` (provenance: the
job that created the row), so a re-run can tell its own rows from rows that existed before.

Validation runs set-based in SQL, so the checks live here as IMMUTABLE functions that mirror
``genius.vettify.schemas`` (tests compare them on the same inputs): ``crm.import_email`` (ASCII syntax,
lower-case; internationalised addresses, which email-validator accepts, are rejected), ``crm.import_phone`` (E.164; Romanian national numbers get +40) and ``crm.import_cui``
(python-stdnum's ``ro.cui`` checksum). Each returns the normalised value or NULL when invalid.
Staging itself is a per-import TEMPORARY table (filled with COPY): private to the job's session, so
it needs no grant and no RLS, and it disappears with the session.

Revision ID: 0009_crm_imports
Revises: 0008_compliance_reges
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import context, op

from genius.core.db.rls import quote_ident, tenant_rls_sql

revision: str = "0009_crm_imports"
down_revision: str | None = "0008_compliance_reges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ["crm.imports", "crm.import_batches", "crm.import_errors", "crm.import_mappings"]
PROVENANCE_TABLES = ["crm.leads", "crm.contacts", "crm.accounts"]

FUNCTIONS_SQL = r"""
CREATE FUNCTION crm.import_email(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT CASE WHEN length(t) <= 320
        AND t ~ '^[A-Za-z0-9!#$%&''*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&''*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z-]{0,61}[A-Za-z])?$'
    THEN lower(t) END
$$;

CREATE FUNCTION crm.import_phone_digits(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT CASE
        WHEN t LIKE '00%' THEN '+' || substr(t, 3)
        WHEN t ~ '^0[2-9][0-9]{8}$' THEN '+40' || substr(t, 2)
        ELSE t END
$$;

CREATE FUNCTION crm.import_phone(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT substring(crm.import_phone_digits(regexp_replace(t, '[\s().\-/]', '', 'g'))
                     FROM '^\+[1-9][0-9]{7,14}$')
$$;

CREATE FUNCTION crm.import_cui_check(n text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT CASE WHEN n ~ '^[1-9][0-9]{1,9}$' THEN
        CASE WHEN (10 * (
              7 * substr(lpad(left(n, -1), 9, '0'), 1, 1)::int
            + 5 * substr(lpad(left(n, -1), 9, '0'), 2, 1)::int
            + 3 * substr(lpad(left(n, -1), 9, '0'), 3, 1)::int
            + 2 * substr(lpad(left(n, -1), 9, '0'), 4, 1)::int
            + 1 * substr(lpad(left(n, -1), 9, '0'), 5, 1)::int
            + 7 * substr(lpad(left(n, -1), 9, '0'), 6, 1)::int
            + 5 * substr(lpad(left(n, -1), 9, '0'), 7, 1)::int
            + 3 * substr(lpad(left(n, -1), 9, '0'), 8, 1)::int
            + 2 * substr(lpad(left(n, -1), 9, '0'), 9, 1)::int
        )) % 11 % 10 = right(n, 1)::int THEN n END
    END
$$;

CREATE FUNCTION crm.import_cui(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT crm.import_cui_check(regexp_replace(upper(btrim(translate(t, ' -', ''))), '^RO', '')) $$;
"""

FUNCTIONS = [
    "crm.import_cui(text)",
    "crm.import_cui_check(text)",
    "crm.import_phone(text)",
    "crm.import_phone_digits(text)",
    "crm.import_email(text)",
]


def upgrade() -> None:
    op.execute(FUNCTIONS_SQL)
    op.execute(
        """
        CREATE TABLE crm.import_mappings (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            name varchar(100) NOT NULL,
            entity varchar(16) NOT NULL CHECK (entity IN ('leads', 'contacts', 'accounts')),
            mapping jsonb NOT NULL CHECK (jsonb_typeof(mapping) = 'object'),
            on_duplicate varchar(8) NOT NULL DEFAULT 'skip'
                CHECK (on_duplicate IN ('skip', 'update', 'create')),
            created_by varchar(200) NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_import_mappings_name UNIQUE (tid, entity, name)
        );

        CREATE TABLE crm.imports (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            entity varchar(16) NOT NULL CHECK (entity IN ('leads', 'contacts', 'accounts')),
            status varchar(12) NOT NULL DEFAULT 'uploaded' CHECK (status IN
                ('uploaded', 'queued', 'running', 'cancelling', 'completed', 'cancelled', 'failed')),
            filename varchar(255) NOT NULL DEFAULT '',
            storage_key varchar(300) NOT NULL,
            size_bytes bigint NOT NULL,
            sha256 char(64) NOT NULL,
            encoding varchar(16) NOT NULL,
            delimiter varchar(1) NOT NULL,
            columns jsonb NOT NULL,
            preview jsonb NOT NULL,
            mapping jsonb,
            on_duplicate varchar(8) NOT NULL DEFAULT 'skip'
                CHECK (on_duplicate IN ('skip', 'update', 'create')),
            mapping_id uuid REFERENCES crm.import_mappings(id) ON DELETE SET NULL,
            total integer,
            processed integer NOT NULL DEFAULT 0,
            created integer NOT NULL DEFAULT 0,
            updated integer NOT NULL DEFAULT 0,
            skipped integer NOT NULL DEFAULT 0,
            rejected integer NOT NULL DEFAULT 0,
            rows_per_second real,
            eta_seconds real,
            error text,
            correlation_id varchar(64),
            created_by varchar(200) NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            queued_at timestamptz,
            started_at timestamptz,
            finished_at timestamptz
        );
        CREATE INDEX ix_imports_tid_created ON crm.imports (tid, created_at, id);

        CREATE TABLE crm.import_batches (
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            import_id uuid NOT NULL REFERENCES crm.imports(id) ON DELETE CASCADE,
            batch_no integer NOT NULL,
            first_row integer NOT NULL,
            last_row integer NOT NULL,
            created integer NOT NULL,
            updated integer NOT NULL,
            skipped integer NOT NULL,
            rejected integer NOT NULL,
            seconds real NOT NULL,
            committed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (import_id, batch_no)
        );

        CREATE TABLE crm.import_errors (
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            import_id uuid NOT NULL REFERENCES crm.imports(id) ON DELETE CASCADE,
            row_no integer NOT NULL,
            reason text NOT NULL,
            cells jsonb NOT NULL,
            PRIMARY KEY (import_id, row_no)
        );
        """
    )
    for table in PROVENANCE_TABLES:
        op.execute(f"ALTER TABLE {table} ADD COLUMN import_id uuid, ADD COLUMN import_row integer")
    for table in TENANT_TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)
    role = context.config.attributes.get("app_role")
    if role:
        r = quote_ident(role)
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA crm TO {r}")
        op.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA crm TO {r}")


def downgrade() -> None:
    for table in ("crm.import_errors", "crm.import_batches", "crm.imports", "crm.import_mappings"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    for table in PROVENANCE_TABLES:
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS import_row, DROP COLUMN IF EXISTS import_id")
    for fn in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
