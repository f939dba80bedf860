"""Alembic environment: migrations run as the owner; afterwards the app role's grants are re-applied."""

from alembic import context
from sqlalchemy import create_engine, pool, text

from genius.core.db import rls
from genius.modules import schemas

config = context.config
owner_url = config.attributes["owner_url"]
app_role = config.attributes["app_role"]
app_password = config.attributes["app_password"]
relay_role = config.attributes.get("relay_role", "genius_relay")
relay_password = config.attributes.get("relay_password", "genius_relay")


def run_migrations_online() -> None:
    engine = create_engine(owner_url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        # Serialise concurrent migrators (several xdist workers, a demo and a CLI call).
        conn.execute(text("SELECT pg_advisory_lock(7243001)"))
        conn.commit()
        try:
            with conn.begin():
                rls.ensure_app_role(conn, app_role, app_password)
                rls.ensure_app_role(conn, relay_role, relay_password)
            context.configure(connection=conn, version_table_schema="public", transaction_per_migration=True)
            with context.begin_transaction():
                context.run_migrations()
            # Alembic may leave an autobegun transaction behind when there was nothing to run.
            if conn.in_transaction():
                conn.commit()
            with conn.begin():
                rls.grant_app_role(conn, app_role, schemas())
                rls.grant_relay_role(conn, relay_role)
        finally:
            if conn.in_transaction():
                conn.rollback()
            conn.execute(text("SELECT pg_advisory_unlock(7243001)"))
            conn.commit()
    engine.dispose()


run_migrations_online()
