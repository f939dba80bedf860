"""The worker fleet of the seeds (001 §8): one Celery queue per worker tag.

Every tag gets its queue declared. A tag whose ``module`` is set is implemented: that module holds its
Celery tasks and a ``health() -> str`` deep check (raising on failure); ``genius demo`` and ``genius
worker`` serve implemented tags by default. The base workers' modules are set here (``genius scaffold
worker --tag X`` fills in ``module``); a business module names the queues it serves in its manifest
(``tasks``), and they are merged in below.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class WorkerTag:
    tag: str
    description: str
    module: str | None = None  # "genius.workers.<pkg>.tasks" once implemented
    heavy: bool = False  # long CPU-bound tasks: prefetch 1, few per child

    @property
    def implemented(self) -> bool:
        return self.module is not None


FLEET: list[WorkerTag] = [
    WorkerTag(
        "email.send", "SMTP mail, single and batch (aiosmtplib)", module="genius.workers.email_send.tasks"
    ),
    WorkerTag(
        "notify.slack",
        "Slack webhook and chat.postMessage (slack_sdk)",
        module="genius.workers.notify_slack.tasks",
    ),
    WorkerTag(
        "pdf.render",
        "HTML/template to PDF (WeasyPrint)",
        module="genius.workers.pdf_render.tasks",
        heavy=True,
    ),
    WorkerTag(
        "ocr", "Text from images and PDFs (Tesseract 5)", module="genius.workers.ocr.tasks", heavy=True
    ),
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
    WorkerTag(
        "etl.sync",
        "ETL and lakehouse sync (CRM CSV import)",
        module="genius.workers.etl_sync.tasks",
        heavy=True,
    ),
    WorkerTag("match.ai", "Matching (RFQ, 3-way match)"),
    WorkerTag("hr.payroll", "Payroll engine", heavy=True),
    WorkerTag("report.kpi", "KPI reports"),
    WorkerTag("image.resize", "Image resizing"),
    WorkerTag("data.mask", "Data masking and anonymisation"),
    WorkerTag("gdpr.consent.ai", "AI consent management"),
    WorkerTag("gdpr.rtbf", "Right to be forgotten orchestration"),
    WorkerTag("gdpr.classify", "PII classification"),
    WorkerTag("gdpr.audit.ai", "AI audit trails"),
    WorkerTag("sales", "Sales: the daily e-Factura deadline notice (beat: sales.efactura.deadline_sweep)"),
    WorkerTag("outreach", "Outreach sequence scheduler (beat: outreach.scheduler.tick)"),
    WorkerTag("outreach.review", "Outreach review queue jobs (SLA sweep)"),
    WorkerTag("outreach.whatsapp", "Outreach WhatsApp sends (TimelinesAI)"),
    WorkerTag("outreach.email", "Outreach e-mail sends (Instantly cold, Resend warm)"),
    WorkerTag("registry", "Worker Registry jobs (health checks, missing-worker detection)"),
]


def _with_module_tasks(fleet: list[WorkerTag]) -> list[WorkerTag]:
    """The base workers' tasks are set above; the business modules' come from their manifests."""
    from genius.modules import task_modules

    by_queue = task_modules()
    unknown = set(by_queue) - {w.tag for w in fleet}
    if unknown:
        raise RuntimeError(f"module tasks for queues that are not in the fleet: {sorted(unknown)}")
    out = []
    for w in fleet:
        if w.tag in by_queue and w.module and w.module != by_queue[w.tag]:
            raise RuntimeError(f"queue {w.tag!r} is served by {w.module} and {by_queue[w.tag]}")
        out.append(replace(w, module=by_queue.get(w.tag, w.module)))
    return out


FLEET = _with_module_tasks(FLEET)

TAGS = {w.tag: w for w in FLEET}
IMPLEMENTED = [w.tag for w in FLEET if w.implemented]
# Every module with tasks: nothing is discovered implicitly.
TASK_MODULES = [w.module for w in FLEET if w.module]
# Deep health checks run by registry.health_check (the registry's own jobs have none).
HEALTH_CHECKS = {w.tag: f"{w.module}:health" for w in FLEET if w.module and w.tag != "registry"}
