"""The worker fleet of the seeds (001 §8): one Celery queue per worker tag.

Every tag gets its queue declared; ``implemented`` tags have tasks in this code base and are served
by ``genius demo`` and ``genius worker`` by default.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkerTag:
    tag: str
    description: str
    implemented: bool = False
    heavy: bool = False  # long CPU-bound tasks: prefetch 1, few per child


FLEET: list[WorkerTag] = [
    WorkerTag("email.send", "SMTP mail, single and batch (aiosmtplib)", implemented=True),
    WorkerTag("notify.slack", "Slack webhook and chat.postMessage (slack_sdk)", implemented=True),
    WorkerTag("pdf.render", "HTML/template to PDF (WeasyPrint)", implemented=True, heavy=True),
    WorkerTag("ocr", "Text from images and PDFs (Tesseract 5)", heavy=True),
    WorkerTag("tax.vat", "VAT rules and validation"),
    WorkerTag("anaf.taxpayer", "ANAF taxpayer (CUI) lookup"),
    WorkerTag("anaf.efactura", "ANAF e-Factura submission and status"),
    WorkerTag("anaf.etransport", "ANAF e-Transport declarations"),
    WorkerTag("anaf.saft", "SAF-T D406 generation and validation", heavy=True),
    WorkerTag("reges", "REGES Online (employment register)"),
    WorkerTag("ai.llm", "Local LLM", heavy=True),
    WorkerTag("ai.gpt4o", "Hosted LLM proxy"),
    WorkerTag("ai.forecast", "Forecasting", heavy=True),
    WorkerTag("ai.summary", "Summaries"),
    WorkerTag("ai.classify", "Classification"),
    WorkerTag("ai.churn", "Churn scoring"),
    WorkerTag("etl.sync", "ETL and lakehouse sync", heavy=True),
    WorkerTag("match.ai", "Matching (RFQ, 3-way match)"),
    WorkerTag("hr.payroll", "Payroll engine", heavy=True),
    WorkerTag("report.kpi", "KPI reports"),
    WorkerTag("image.resize", "Image resizing"),
    WorkerTag("data.mask", "Data masking and anonymisation"),
    WorkerTag("gdpr.consent.ai", "AI consent management"),
    WorkerTag("gdpr.rtbf", "Right to be forgotten orchestration"),
    WorkerTag("gdpr.classify", "PII classification"),
    WorkerTag("gdpr.audit.ai", "AI audit trails"),
    WorkerTag("registry", "Worker Registry jobs (health checks, missing-worker detection)", implemented=True),
]

TAGS = {w.tag: w for w in FLEET}
IMPLEMENTED = [w.tag for w in FLEET if w.implemented]
