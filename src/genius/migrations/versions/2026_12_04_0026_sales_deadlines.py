"""sales: failed SPV uploads, correct-and-resend of a rejected document, e-Factura deadline notices

* ``sales.efactura_status.state`` also takes ``queued`` (a resend waiting for its upload) and
  ``failed`` (compliance gave the upload up before ANAF received it); ``deadline_notified_on`` is the
  day the deadline notice went out (the daily sweep notifies a document once).
* The immutability trigger lets an issued document change only while SPV rejected it (or its upload
  failed), and never its identity: kind, series, number, year, sequence, issue date, the invoice it
  corrects. A rejected e-Factura was never legally received, so it is corrected and resent under the
  same number.

Revision ID: 0026_sales_deadlines
Revises: 0024_crm_mail_variables
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0026_sales_deadlines"
down_revision: str | None = "0025_sales_orders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE sales.efactura_status DROP CONSTRAINT IF EXISTS efactura_status_state_check")
    op.execute(
        "ALTER TABLE sales.efactura_status ADD CONSTRAINT efactura_status_state_check "
        "CHECK (state IN ('queued', 'uploaded', 'accepted', 'rejected', 'failed'))"
    )
    op.execute("ALTER TABLE sales.efactura_status ADD COLUMN deadline_notified_on date")
    op.execute(
        """
        CREATE OR REPLACE FUNCTION sales.refuse_issued_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.status = 'issued' THEN
                IF NEW.status = 'issued'
                   AND NEW.tid = OLD.tid AND NEW.kind = OLD.kind AND NEW.series = OLD.series
                   AND NEW.number IS NOT DISTINCT FROM OLD.number
                   AND NEW.year IS NOT DISTINCT FROM OLD.year
                   AND NEW.seq IS NOT DISTINCT FROM OLD.seq
                   AND NEW.issue_date IS NOT DISTINCT FROM OLD.issue_date
                   AND NEW.corrected_id IS NOT DISTINCT FROM OLD.corrected_id
                   AND NEW.order_id IS NOT DISTINCT FROM OLD.order_id
                   AND EXISTS (
                       SELECT 1 FROM sales.efactura_status s
                       WHERE s.document_id = OLD.id AND s.state IN ('rejected', 'failed')
                   ) THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'sales document % is issued and cannot change', OLD.id
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$
        """
    )


def downgrade() -> None:
    op.execute(
        """
        CREATE OR REPLACE FUNCTION sales.refuse_issued_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.status = 'issued' THEN
                RAISE EXCEPTION 'sales document % is issued and cannot change', OLD.id
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute("ALTER TABLE sales.efactura_status DROP COLUMN deadline_notified_on")
    op.execute("DELETE FROM sales.efactura_status WHERE state IN ('queued', 'failed')")
    op.execute("ALTER TABLE sales.efactura_status DROP CONSTRAINT IF EXISTS efactura_status_state_check")
    op.execute(
        "ALTER TABLE sales.efactura_status ADD CONSTRAINT efactura_status_state_check "
        "CHECK (state IN ('uploaded', 'accepted', 'rejected'))"
    )
