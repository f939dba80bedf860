"""``genius outreach …``: the reply classifier from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer

from genius.outreach.sentiment import classify

app = typer.Typer(help="Cold outreach", no_args_is_help=True)


def _lines(source: TextIO) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(source, start=1) if line.strip()]


@app.command("classify-reply")
def classify_reply(
    file: Annotated[str, typer.Argument(help='JSON Lines of {"text": …}; "-" reads standard input')],
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON line per reply (the default format)")
    ] = False,
) -> None:
    """Classify replies: one line out per line in, {"sentiment", "label", "opt_out", "reason"}.

    A line that is not a JSON object with a string "text" is reported on standard error with its line
    number and gets {"error": …} in its place; the exit code is then 1."""
    if file == "-":
        lines = _lines(sys.stdin)
    else:
        path = Path(file)
        if not path.is_file():
            typer.secho(f"error: no such file: {file}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2)
        with path.open(encoding="utf-8-sig") as fh:
            lines = _lines(fh)
    failed = False
    out = sys.stdout
    for number, line in lines:
        try:
            item = json.loads(line)
            text = item["text"] if isinstance(item, dict) else None
            if not isinstance(text, str):
                raise ValueError('expected an object with a string "text"')
        except (ValueError, KeyError) as exc:
            failed = True
            typer.echo(f"line {number}: {exc}", err=True)
            out.write(json.dumps({"error": f"line {number}: {exc}"}) + "\n")
            continue
        out.write(json.dumps(classify(text).as_dict(), ensure_ascii=False) + "\n")
    out.flush()
    if failed:
        raise typer.Exit(1)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="outreach")


@app.command("fake-timelinesai")
def fake_timelinesai(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8100,
    reply_rate: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Share of recipients who answer, by the subscribed webhooks"),
    ] = 0.0,
) -> None:
    """Run the local fake TimelinesAI (WhatsApp) that ``genius demo`` sends through, knowing the demo's
    20 numbers (API key ``tla_fake_key``, base URL ``http://HOST:PORT/v1``), with the fake Resend
    (``/resend``, key ``re_fake_key``) and Instantly (``/instantly``, key ``inst_fake_key``) beside it.
    With ``--reply-rate``, that share of the recipients answer through the subscribed webhooks."""
    import uvicorn

    from genius.outreach.demo import demo_accounts
    from genius.outreach.fakes import email
    from genius.outreach.fakes.timelinesai import State, create_app

    server = create_app(State(accounts=demo_accounts(), reply_rate=reply_rate))
    server.include_router(email.resend_router(email.ResendState()), prefix="/resend")
    server.include_router(email.instantly_router(email.InstantlyState()), prefix="/instantly")
    uvicorn.run(
        server,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
    )
