"""Settings: every knob is an environment variable with the ``GENIUS_`` prefix (see .env.example)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GENIUS_", env_file=".env", extra="ignore")

    # --- runtime -----------------------------------------------------------------------------
    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path(".genius")
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = Field(
        default=None, description="Externally visible base URL; the JWT issuer. Default http://HOST:PORT"
    )
    secret_key: str | None = Field(
        default=None,
        description="Encrypts keys at rest and signs web sessions. Generated under DATA_DIR when unset "
        "in the embedded mode; required otherwise.",
    )

    # --- storage -----------------------------------------------------------------------------
    database_url: str | None = Field(
        default=None, description="Owner DSN (runs migrations). Unset: embedded PostgreSQL under DATA_DIR."
    )
    app_database_url: str | None = Field(
        default=None,
        description="DSN of the non-owner application role. Unset: DATABASE_URL with the user swapped "
        "for APP_DB_ROLE / APP_DB_PASSWORD.",
    )
    app_db_role: str = "genius_app"
    app_db_password: str = "genius_app"
    db_pool_size: int = 10
    redis_url: str | None = Field(default=None, description="Unset: embedded Redis under DATA_DIR.")
    embedded_pg_shared_buffers: str = Field(
        default="512MB",
        pattern=r"^\d{1,6}[kMG]B$",
        description="shared_buffers of the embedded PostgreSQL (applied at its next start)",
    )
    relay_db_role: str = "genius_relay"
    relay_db_password: str = "genius_relay"

    # --- events and workers ----------------------------------------------------------------------
    broker_url: str | None = Field(
        default=None, description="amqp://… (RabbitMQ) in production. Unset: the Redis URL (embedded mode)."
    )
    events_exchange: str = "genius.events"
    relay_batch_size: int = 500
    relay_poll_seconds: float = 0.5
    relay_max_attempts: int = 10
    job_lease_seconds: float = Field(
        default=30.0, gt=0, description="A long job's lease: its worker renews it every third of this"
    )
    job_pickup_seconds: float = Field(
        default=600.0, gt=0, description="A queued or requeued long job not taken this long is queued again"
    )
    job_lease_sweep_seconds: float = Field(
        default=5.0, gt=0, description="How often the relay looks for lapsed job leases"
    )
    worker_heartbeat_seconds: float = 30.0
    worker_ttl_seconds: int = Field(default=120, description="A worker unseen this long is missing")
    worker_metrics_ttl_seconds: int = 60
    worker_health_interval: float = 60.0
    worker_health_timeout: float = 5.0
    worker_monitor_interval: float = 15.0
    worker_max_tasks_per_child: int = 1000
    worker_visibility_timeout: int = 3600
    worker_concurrency: int | None = Field(default=None, description="Unset: one process per CPU")

    # --- base workers ----------------------------------------------------------------------------
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_timeout: float = 30.0
    smtp_from: str = "GeniusERP <no-reply@genius.local>"
    # The demo mail catcher's folder (``genius demo`` sets it when it runs the catcher): the Shell then
    # shows the "Demo mailbox" page with what the catcher received.
    mailbox_dir: Path | None = None

    # --- CRM marketing -------------------------------------------------------------------------
    feature_campaign_send_v2: bool = Field(
        default=False, description="Flag campaign_send_v2: campaigns really send (off: the send is a 409)"
    )
    campaign_send_rate_limit: str = Field(default="10/s", description="Per user, on the campaign send")
    campaign_batch_size: int = Field(default=100, ge=1, le=100, description="Recipients per send task")
    campaign_smtp_connections: int = Field(
        default=10,
        ge=1,
        le=32,
        description="SMTP connections per campaign batch, one message in flight on each (a worker killed "
        "mid-batch leaves at most this many recipients of the batch 'interrupted', never sent twice)",
    )
    campaign_tenant_rate_limit: str = Field(
        default="",
        description="Campaign messages per tenant, e.g. '600/min' (a Redis token bucket the workers "
        "share); empty: no cap",
    )
    resend_webhook_secret: str | None = Field(
        default=None,
        description="The Svix signing secret (whsec_…) of the Resend webhook endpoints: "
        "/v1/crm/webhooks/resend/{tenant} (campaigns) and /webhooks/resend/{tenant} (outreach) "
        "refuse every event without it",
    )
    # The bounce mailbox (RFC 3464 DSNs of campaign mail, read over IMAP by the beat task
    # ``email.send.bounces_poll``); unset host: not read.
    bounce_imap_host: str | None = None
    bounce_imap_port: int = 993
    bounce_imap_username: str | None = None
    bounce_imap_password: str | None = None
    bounce_imap_folder: str = "INBOX"
    bounce_imap_processed_folder: str | None = Field(
        default=None, description="Where applied DSNs are moved (must exist); unset: they stay, read"
    )
    bounce_imap_security: Literal["tls", "starttls", "none"] = "tls"
    bounce_imap_timeout: float = 30.0
    bounce_imap_poll_seconds: float = Field(
        default=60.0, ge=30.0, description="Seconds between polls (the beat ticks every 30 s)"
    )
    bounce_imap_batch: int = Field(default=200, ge=1, le=5000, description="Messages read per poll")
    email_retry_base_seconds: float = 5.0
    slack_webhook_url: str | None = None
    slack_bot_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    storage_url: str | None = Field(
        default=None,
        description="s3://bucket/prefix (with AWS_* or GENIUS_S3_*) or file:///path. Unset: DATA_DIR/files",
    )
    s3_endpoint_url: str | None = None
    crm_import_max_bytes: int = Field(
        default=200 * 1024 * 1024, ge=1024, description="Largest CSV for POST /v1/crm/imports (413 above)"
    )
    crm_import_batch_rows: int = Field(
        default=50_000, ge=1, description="Rows per committed batch of a CRM import job (progress steps)"
    )
    crm_attachment_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1, description="Largest CRM attachment accepted (413 above it)"
    )
    demo_crm_data: bool = Field(
        default=True, description="genius demo seeds the demo tenant's CRM with Faker ro_RO data once"
    )

    # --- compliance (ANAF, REGES) --------------------------------------------------------------
    # Real endpoints by default; `genius demo` and the tests point these at the local fake servers.
    anaf_taxpayer_url: str = "https://webservicesp.anaf.ro/api/PlatitorTvaRest/v9/tva"
    anaf_taxpayer_rate: str = Field(default="1/s", description="Across all workers (a Redis limiter)")
    anaf_taxpayer_cache_seconds: int = 86400
    anaf_api_base: str = Field(default="https://api.anaf.ro", description="e-Factura and e-Transport host")
    anaf_env: Literal["test", "prod"] = Field(default="test", description="ANAF API environment")
    anaf_oauth_base: str = "https://logincert.anaf.ro/anaf-oauth2/v1"
    anaf_client_id: str | None = None
    anaf_client_secret: str | None = None
    anaf_redirect_uri: str | None = None
    anaf_timeout: float = 30.0
    timelinesai_api_key: str | None = Field(default=None, description="TimelinesAI (WhatsApp) API token")
    timelinesai_base_url: str = "https://api.timelines.ai/v1"
    timelinesai_webhook_secret: str | None = Field(
        default=None,
        description="Shared secret TimelinesAI sends (header X-Webhook-Secret) to /webhooks/timelinesai",
    )
    resend_api_key: str | None = Field(default=None, description="Resend API key (warm outreach e-mail)")
    resend_base_url: str = "https://api.resend.com"
    instantly_api_key: str | None = Field(
        default=None, description="Instantly API v2 key (cold outreach e-mail)"
    )
    instantly_base_url: str = "https://api.instantly.ai"
    instantly_campaign_id: str | None = Field(
        default=None, description="The Instantly campaign cold e-mail steps add their leads to"
    )
    instantly_webhook_secret: str | None = Field(
        default=None,
        description="Shared secret Instantly sends (custom header X-Webhook-Secret) to /webhooks/instantly",
    )
    outreach_email_from: str = Field(
        default="Genius Outreach <outreach@genius.local>",
        description="Sender of warm outreach e-mail (Resend)",
    )
    ai_summary_provider: Literal["extractive", "openai"] = Field(
        default="extractive",
        description="ai.summary: extractive (offline, no model) or openai (any chat-completions server)",
    )
    ai_summary_base_url: str = Field(
        default="https://api.openai.com/v1",
        description="OpenAI-compatible base URL (OpenAI, vLLM, llama.cpp server, Ollama's /v1)",
    )
    ai_summary_api_key: str | None = Field(default=None, description="Bearer key; unset for local servers")
    ai_summary_model: str = "gpt-4o-mini"
    ai_summary_timeout: float = 30.0
    ai_summary_max_retries: int = Field(default=3, ge=0, le=10)
    ai_summary_max_tokens: int = Field(default=400, ge=16, le=8192)
    ai_summary_sentences: int = Field(default=3, ge=1, le=20, description="Sentences the extractive keeps")
    efactura_artefacts_dir: Path | None = Field(
        default=None, description="Official CIUS-RO compiled XSLT, run with saxonche besides our rules"
    )
    etransport_xsd: Path | None = Field(
        default=None,
        description="e-Transport v2 XSD (schema_ETR_v2.xsd) checked besides our rules (optional)",
    )
    efactura_certs_dir: Path | None = Field(
        default=None, description="ANAF signing certificates (mf*.cer) pinned when verifying downloaded ZIPs"
    )
    duk_jar: Path | None = Field(default=None, description="DUKIntegrator jar for SAF-T D406 checks")
    duk_timeout: float = Field(default=900.0, description="Seconds DUKIntegrator may take on one D406 file")
    saft_max_segment_bytes: int = Field(
        default=500 * 1024 * 1024, ge=4096, description="D406 files larger than this are split (ANAF: 500 MB)"
    )
    reges_base_url: str = "https://reges.inspectiamuncii.ro"
    reges_token_url: str | None = Field(default=None, description="Keycloak token endpoint of the realm")
    reges_client_id: str | None = None
    reges_client_secret: str | None = None
    reges_username: str | None = None
    reges_password: str | None = None
    reges_xsd: Path | None = Field(
        default=None, description="REGES Online XSD (reges2025) checked besides our own checks (optional)"
    )
    reges_timeout: float = Field(default=30.0, description="seconds per REGES Online HTTP call")
    bnr_url: str = Field(
        default="https://www.bnr.ro",
        description="BNR's reference-rate feed host (nbrfxrates*.xml): RON equivalents of EUR invoices",
    )
    bnr_timeout: float = Field(default=10.0, gt=0, description="seconds per BNR feed request")
    demo_fakes: bool = Field(
        default=True,
        description="genius demo runs the local fake ANAF/REGES/BNR server and points the clients at it",
    )
    demo_fakes_port: int = 8099
    demo_reply_rate: float = Field(
        default=0.3,
        ge=0.0,
        le=1.0,
        description="genius demo: the share of WhatsApp leads who answer through the fake TimelinesAI",
    )

    # --- auth ----------------------------------------------------------------------------------
    jwt_audience: str = "genius-api"
    access_token_ttl_seconds: int = 900
    session_ttl_seconds: int = 8 * 3600
    key_cache_seconds: float = 5.0
    oidc_issuer: str | None = Field(default=None, description="External IdP issuer accepted besides ours")
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = Field(default=None, description="Unset: read from the issuer's discovery")
    oidc_algorithms: list[str] = ["RS256"]
    oidc_tenant_claim: str = "tid"
    oidc_scope_claim: str = "scp"
    oidc_role_claim: str = "role"
    oidc_client_id: str | None = Field(
        default=None,
        description="Web sign-in with the external IdP (authorization code + PKCE) when set with OIDC_ISSUER",
    )
    oidc_client_secret: str | None = Field(
        default=None, description="Unset: a public client (PKCE only); set: client_secret_basic"
    )
    oidc_login_scopes: str = "openid email profile"
    demo_password: str | None = None
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    cookie_secure: bool | None = Field(default=None, description="Unset: secure when PUBLIC_URL is https")
    api_docs_public: bool = Field(
        default=False,
        description="/docs, /redoc and /openapi.json without login; else a tenant or platform admin only",
    )
    login_throttle_enabled: bool = True
    login_max_failures: int = Field(default=5, ge=1, description="Failed logins per account and address")
    login_max_failures_account: int = Field(
        default=50, ge=1, description="Failed logins per account from all addresses"
    )
    login_lockout_base_seconds: float = Field(
        default=1.0, gt=0, description="First lockout; doubles with each further failure"
    )
    login_lockout_max_seconds: int = Field(default=900, ge=1, description="Longest lockout")
    login_failure_window_seconds: int = Field(
        default=900, ge=1, description="Failures are forgotten after this long without another"
    )

    # --- limits --------------------------------------------------------------------------------
    rate_limit_enabled: bool = True
    rate_limit_user: str = "10/s"
    rate_limit_ip: str = "1000/min"
    rate_limit_routes: dict[str, str] = Field(
        default_factory=lambda: {"POST /v1/auth/token": "20/s"},
        description='Per-route per-caller limits, JSON: {"METHOD /path": "N/s|N/min"}',
    )

    # --- observability ---------------------------------------------------------------------------
    log_level: str = "INFO"
    log_json: bool = True
    otel_exporter: Literal["none", "console", "otlp", "file"] = "none"
    otel_endpoint: str | None = None
    service_name: str = "genius"
    otel_file: Path | None = Field(
        default=None, description="OTEL_EXPORTER=file: spans as JSON lines (default DATA_DIR/spans.jsonl)"
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="Address of the metrics ports of relay, consume, beat and worker"
    )
    metrics_port_relay: int = Field(default=9101, ge=0, description="genius relay's /metrics port (0: off)")
    metrics_port_consume: int = Field(default=9102, ge=0, description="genius consume's port (0: off)")
    metrics_port_beat: int = Field(default=9103, ge=0, description="genius beat's /metrics port (0: off)")
    metrics_port_worker: int = Field(
        default=9104, ge=0, description="genius worker's /metrics port, pool children included (0: off)"
    )

    @property
    def embedded_db(self) -> bool:
        return self.database_url is None

    @property
    def embedded_redis(self) -> bool:
        return self.redis_url is None

    @property
    def issuer(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()
