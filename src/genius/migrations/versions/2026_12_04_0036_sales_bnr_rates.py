"""sales: BNR reference rates, cached (issue 17: EUR invoices carry the RON equivalent at BNR's rate)

``sales.bnr_rates`` holds every rate of every fixing the client has read (as BNR publishes it: the value
and its multiplier); ``sales.bnr_rate_days`` maps a document date to the fixing whose rate applies to it
(the last one published before that day), written only once that answer can no longer change. Both are
platform tables, without ``tid``: BNR's rates are public and the same for every tenant, so one fetch a
day serves them all (per-tenant copies would fetch and store the same rows once per tenant).

Revision ID: 0036_sales_bnr_rates
Revises: 0035_outreach_daily_stats
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0036_sales_bnr_rates"
down_revision: str | None = "0035_outreach_daily_stats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE sales.bnr_rates (
            rate_date date NOT NULL,
            currency varchar(3) NOT NULL,
            value numeric(16, 6) NOT NULL CHECK (value > 0),
            multiplier integer NOT NULL DEFAULT 1 CHECK (multiplier > 0),
            fetched_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_bnr_rates PRIMARY KEY (rate_date, currency)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE sales.bnr_rate_days (
            day date NOT NULL,
            rate_date date NOT NULL,
            fetched_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_bnr_rate_days PRIMARY KEY (day)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS sales.bnr_rate_days")
    op.execute("DROP TABLE IF EXISTS sales.bnr_rates")
