"""The genius CLI against the test database (as an operator would run it against production)."""

from __future__ import annotations

import json
import uuid

import jwt
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from genius.cli import app as cli
from genius.core.db.session import configure_database
from tests.conftest import PASSWORD, SECRET


@pytest.fixture
def cli_env(owner_url, platform, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GENIUS_DATABASE_URL", owner_url.render_as_string(hide_password=False))
    monkeypatch.setenv("GENIUS_SECRET_KEY", SECRET)
    monkeypatch.setenv("GENIUS_PUBLIC_URL", platform.settings.issuer)
    monkeypatch.setenv("GENIUS_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("GENIUS_ARGON2_MEMORY_KIB", "1024")
    yield
    configure_database(platform.db)  # the CLI configured its own; give the tests theirs back


def test_tenant_user_token_commands(cli_env, platform) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    slug = f"cli-{uuid.uuid4().hex[:6]}"
    try:
        r = runner.invoke(
            cli,
            [
                "tenant",
                "create",
                "--slug",
                slug,
                "--name",
                "CLI SRL",
                "--admin-email",
                f"a@{slug}.ro",
                "--admin-password",
                PASSWORD,
            ],
        )
        assert r.exit_code == 0, r.output
        created = json.loads(r.output.strip().splitlines()[-1])
        assert created["slug"] == slug
        r = runner.invoke(
            cli,
            [
                "tenant",
                "create",
                "--slug",
                slug,
                "--name",
                "x",
                "--admin-email",
                "a@b.ro",
                "--admin-password",
                PASSWORD,
            ],
        )
        assert r.exit_code == 2 and "taken" in r.output
        r = runner.invoke(
            cli,
            [
                "tenant",
                "create",
                "--slug",
                "Bad!",
                "--name",
                "x",
                "--admin-email",
                "nope",
                "--admin-password",
                "short",
            ],
        )
        assert r.exit_code == 2 and "slug" in r.output
        r = runner.invoke(cli, ["tenant", "list"])
        assert r.exit_code == 0 and slug in r.output
        r = runner.invoke(
            cli,
            ["user", "create", "--tenant", slug, "--email", f"s@{slug}.ro", "--role", "sales"],
            input=PASSWORD + "\n",
        )
        assert r.exit_code == 0, r.output
        r = runner.invoke(cli, ["token", "--tenant", slug, "--email", f"s@{slug}.ro"], input=PASSWORD + "\n")
        assert r.exit_code == 0, r.output
        token = r.output.strip().splitlines()[-1]
        assert platform.tokens.verify(token).role == "sales"
        assert jwt.get_unverified_header(token)["alg"] == "RS256"
        r = runner.invoke(
            cli, ["token", "--tenant", slug, "--email", f"s@{slug}.ro", "--password", "wrong-pass"]
        )
        assert r.exit_code == 1
    finally:
        configure_database(platform.db)
        platform.db.bound_connection = None
        with platform.db.platform_session() as s:
            s.execute(text("DELETE FROM core.tenants WHERE slug = :s"), {"s": slug})
