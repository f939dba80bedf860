"""``genius anaf taxpayer CUI… [--offline] [--json] [--date YYYY-MM-DD]``.

Prints ANAF's answer for every CUI (name, registration number, VAT, VAT on collection, split VAT,
inactive, RO e-Factura), or with ``--offline`` only the local verdict (format and check digit). Exits
1 when any CUI is invalid, 3 when ANAF could not be reached for some (none invalid), 2 on a usage
error.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import redis
import structlog
import typer

from genius.compliance.taxpayer.records import CuiVerdict, TaxpayerCheck, validate_cui

app = typer.Typer(
    help="ANAF taxpayer lookup (PlatitorTvaRest v9): genius anaf taxpayer CUI… [--offline] [--json]",
    invoke_without_command=True,
    context_settings={"allow_interspersed_args": True},
)


def _redis(url: str) -> redis.Redis | None:
    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        return client
    except (redis.RedisError, ValueError, OSError):
        return None


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _print_verdict(v: CuiVerdict) -> None:
    if v.valid:
        typer.echo(f"{v.input}: valid CUI {v.cui} ({v.vat_code})")
    else:
        typer.secho(f"{v.input}: INVALID ({v.error}) {v.message}", fg=typer.colors.RED)


def _print_check(c: TaxpayerCheck) -> None:
    color = {"verified": typer.colors.GREEN, "inactive": typer.colors.YELLOW}.get(c.status, typer.colors.RED)
    typer.secho(f"{c.input}: {c.status.upper()}" + (f" — {c.message}" if c.message else ""), fg=color)
    r = c.record
    if r is None:
        return
    lines = [
        ("Name", r.name),
        ("CUI", f"{r.cui} (RO{r.cui})"),
        ("Reg. Com.", r.registration_number),
        ("Address", r.address),
        ("Phone", r.phone),
        ("CAEN", r.caen),
        ("Status", r.registration_status),
        ("VAT payer", _yes(r.vat_registered)),
        ("VAT on collection", _yes(r.vat_on_collection)),
        ("Split VAT", _yes(r.split_vat)),
        ("Inactive", _yes(r.inactive) + (f" since {r.inactive_since}" if r.inactive_since else "")),
        ("RO e-Factura", _yes(r.e_factura)),
        ("Date", str(c.date) + (" (cached)" if c.cached else "")),
    ]
    for label, value in lines:
        if value:
            typer.echo(f"  {label + ':':<19}{value}")


@app.callback(invoke_without_command=True)
def taxpayer(
    ctx: typer.Context,
    cuis: Annotated[list[str] | None, typer.Argument(help="CUIs, with or without the RO prefix")] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Only the local check (no ANAF call)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    date: Annotated[
        str | None, typer.Option("--date", help="Registries on this date, YYYY-MM-DD (default: today)")
    ] = None,
) -> None:
    """Look CUIs up at ANAF, or check them locally with --offline. Exits 1 when any CUI is invalid
    (3 when ANAF was unavailable for some)."""
    if ctx.invoked_subcommand is not None:
        return
    if not cuis:
        typer.echo(ctx.get_help())
        raise typer.Exit(2)
    day: dt.date | None = None
    if date:
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            typer.secho(f"error: --date must be YYYY-MM-DD, got {date!r}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from None
    if offline:
        verdicts = [validate_cui(c) for c in cuis]
        if as_json:
            typer.echo(
                json.dumps([v.model_dump(mode="json") for v in verdicts], indent=2, ensure_ascii=False)
            )
        else:
            for v in verdicts:
                _print_verdict(v)
        raise typer.Exit(0 if all(v.valid for v in verdicts) else 1)

    from genius.compliance.taxpayer.service import TaxpayerService
    from genius.config import Settings
    from genius.core.observability.logging import configure_logging
    from genius.embedded import EmbeddedRedis

    settings = Settings()
    if not structlog.is_configured():
        configure_logging("WARNING", False)  # on stderr: stdout is the answer (--json)
    svc = TaxpayerService.from_settings(
        settings, _redis(settings.redis_url or EmbeddedRedis(settings.data_dir).url)
    )
    try:
        checks = svc.check(cuis, day)
    finally:
        svc.close()
    if as_json:
        typer.echo(json.dumps([c.model_dump(mode="json") for c in checks], indent=2, ensure_ascii=False))
    else:
        for c in checks:
            _print_check(c)
    if not all(c.valid for c in checks):
        raise typer.Exit(1)
    raise typer.Exit(3 if any(c.status == "unavailable" for c in checks) else 0)
