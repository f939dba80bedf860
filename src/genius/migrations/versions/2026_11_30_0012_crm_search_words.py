"""crm: search vocabulary (the words of each entity's search vector, with their trigrams)

Revision ID: 0012_crm_search_words
Revises: 0011_compliance_saft
Create Date: 2026-11-30

A misspelt search term ("dumitresku") matches no row. Testing every row's name for trigram
similarity costs a scan of the tenant (or, with pg_trgm's GIN index, a recheck of every row that
shares a few trigrams: seconds for a short term on a million leads). Names repeat, so the distinct
words are few: a term is corrected against the tenant's vocabulary first ("dumitrescu") and the
corrected term is an ordinary full-text search. This is pg_trgm's own advice (its "text search
integration" section) and works with or without pg_trgm installed.

``crm.search_words`` holds, per tenant and entity, the leading letters ``[a-z]+`` (three or more)
of every lexeme of the ``search`` column: "ion.popescu1@gmail.com" gives "ion", so a term made of
letters that starts no stored word cannot match the full-text prefix query either.
``crm.search_trigrams`` holds each word's trigrams (pg_trgm's padding) with the word's trigram count,
so similar words are found through a btree (with pg_trgm installed, its GIN index on the words serves
instead, and the trigram table stays empty). Statement-level triggers with transition tables keep
both up to date in one set-based statement per INSERT/UPDATE/COPY; words are never removed (a
stale word only offers a correction that finds nothing).
"""

from collections.abc import Sequence

from alembic import context, op
from sqlalchemy import text

from genius.core.db.rls import quote_ident, tenant_rls_sql

revision: str = "0012_crm_search_words"
down_revision: str | None = "0011_compliance_saft"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ["crm.search_words", "crm.search_trigrams"]
SEARCHED_TABLES = ["accounts", "contacts", "leads", "opportunities", "activities", "campaigns"]


# Statement-level trigger body (AFTER INSERT / AFTER UPDATE ... REFERENCING NEW TABLE AS new_rows);
# TG_ARGV[0] is the entity (table) name. The words in one lock order, for concurrent writers.
NEW_WORDS = """
    WITH found AS (
        SELECT DISTINCT n.tid, substring(l.lexeme FROM '^[a-z]+') AS word
        FROM new_rows AS n, unnest(n.search) AS l
    ), added AS (
        INSERT INTO crm.search_words (tid, entity, word)
        SELECT tid, TG_ARGV[0], word FROM found WHERE length(word) >= 3 ORDER BY tid, word
        ON CONFLICT DO NOTHING
        RETURNING tid, word
    )
"""
WITH_TRIGRAM_ROWS = """
    INSERT INTO crm.search_trigrams (tid, entity, trigram, trigram_count, word)
    SELECT a.tid, TG_ARGV[0], t.trigram, t.trigram_count, a.word
    FROM added AS a, crm.word_trigrams(a.word) AS t;
"""
WORDS_ONLY = "SELECT count(*) INTO n FROM added;"  # pg_trgm indexes the words themselves


def upgrade() -> None:
    has_trgm = bool(
        op.get_bind().execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).scalar()
    )
    op.execute(
        """
        CREATE TABLE crm.search_words (
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            entity varchar(16) NOT NULL,
            word text COLLATE "C" NOT NULL,
            PRIMARY KEY (tid, entity, word)
        );
        CREATE TABLE crm.search_trigrams (
            tid uuid NOT NULL REFERENCES core.tenants(id) ON DELETE CASCADE,
            entity varchar(16) NOT NULL,
            trigram text COLLATE "C" NOT NULL,
            trigram_count smallint NOT NULL,
            word text COLLATE "C" NOT NULL,
            PRIMARY KEY (tid, entity, trigram, trigram_count, word)
        );

        -- A word's distinct trigrams as pg_trgm pads them ("  w", " wo", …, "rd ").
        CREATE FUNCTION crm.word_trigrams(w text) RETURNS TABLE (trigram text, trigram_count smallint)
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$
            WITH t AS (
                SELECT DISTINCT substr('  ' || w || ' ', i, 3) AS trigram
                FROM generate_series(1, length(w) + 1) AS i
            )
            SELECT trigram, (SELECT count(*) FROM t)::smallint FROM t
        $$;

        """
    )
    op.execute(
        "CREATE FUNCTION crm.collect_search_words() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "DECLARE n bigint;\nBEGIN\n"
        + NEW_WORDS
        + (WORDS_ONLY if has_trgm else WITH_TRIGRAM_ROWS)
        + "RETURN NULL;\nEND\n$$"
    )
    for table in SEARCHED_TABLES:
        op.execute(
            f"""
            CREATE TRIGGER search_words_insert AFTER INSERT ON crm.{table}
                REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION crm.collect_search_words('{table}');
            CREATE TRIGGER search_words_update AFTER UPDATE ON crm.{table}
                REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION crm.collect_search_words('{table}');
            """
        )
        # Existing rows: the same as the trigger does, once (the tables are new or small here).
        op.execute(
            f"""
            INSERT INTO crm.search_words (tid, entity, word)
            SELECT DISTINCT n.tid, '{table}', substring(l.lexeme FROM '^[a-z]+')
            FROM crm.{table} AS n, unnest(n.search) AS l
            WHERE length(substring(l.lexeme FROM '^[a-z]+')) >= 3
            ON CONFLICT DO NOTHING
            """  # noqa: S608 (a constant table name)
        )
    if has_trgm:
        # With pg_trgm the similar words come from its GIN index (vocabulary.similar_words).
        op.execute("CREATE INDEX ix_search_words_trgm ON crm.search_words USING gin (word gin_trgm_ops)")
    else:
        op.execute(
            """
            INSERT INTO crm.search_trigrams (tid, entity, trigram, trigram_count, word)
            SELECT w.tid, w.entity, t.trigram, t.trigram_count, w.word
            FROM crm.search_words AS w, crm.word_trigrams(w.word) AS t
            ON CONFLICT DO NOTHING
            """
        )
    for table in TENANT_TABLES:
        for statement in tenant_rls_sql(table):
            op.execute(statement)
    role = context.config.attributes.get("app_role")
    if role:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA crm TO {quote_ident(role)}")


def downgrade() -> None:
    for table in SEARCHED_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS search_words_insert ON crm.{table}")
        op.execute(f"DROP TRIGGER IF EXISTS search_words_update ON crm.{table}")
    op.execute("DROP FUNCTION IF EXISTS crm.collect_search_words()")
    op.execute("DROP FUNCTION IF EXISTS crm.word_trigrams(text)")
    for table in reversed(TENANT_TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
