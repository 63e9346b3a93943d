"""Issue 16, items 12 and 10: security headers, Secure cookies over https, CSRF on API writes
by session cookie, and a bounded token lifetime."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leadline.context import App
from leadline.web.app import create_app
from tests.conftest import make_settings
from tests.web.support import add_user, csrf_of, login, token_for


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert (
        "'unsafe-inline'"
        not in headers["content-security-policy"].split("script-src")[1].split(";")[0]
    )
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"]


def test_cookies_are_secure_behind_a_trusted_https_proxy(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "home", web={"trust_forwarded_proto": True})
    with TestClient(create_app(settings, background=False)) as client:
        answer = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "secure" in answer.headers["set-cookie"].lower()


def test_forwarded_proto_is_ignored_unless_trusted(client: TestClient) -> None:
    answer = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" not in answer.headers["set-cookie"].lower()


def test_cookies_are_secure_over_https(client: TestClient) -> None:
    answer = client.get("https://testserver/login")
    assert "secure" in answer.headers["set-cookie"].lower()


def test_an_api_write_by_cookie_needs_the_csrf_header(client: TestClient) -> None:
    assert login(client, "ada").status_code == 303
    assert client.patch("/api/v1/risk/register/R-404", json={}).status_code == 403
    token = csrf_of(client.get("/login").text)
    answer = client.patch("/api/v1/risk/register/R-404", json={}, headers={"X-CSRF-Token": token})
    assert answer.status_code not in (401, 403)


def test_an_api_write_by_bearer_needs_no_csrf(client: TestClient, web_app: App) -> None:
    bearer = {"Authorization": f"Bearer {token_for(web_app, 'ada', ['read', 'write'])}"}
    answer = client.patch("/api/v1/risk/register/R-404", json={}, headers=bearer)
    assert answer.status_code not in (401, 403)


def test_a_token_of_a_billion_days_is_a_clear_error(web_app: App) -> None:
    from leadline.cli import app as cli

    add_user(web_app, "tim", "viewer")
    home = str(web_app.settings.resolved_home)
    result = CliRunner().invoke(
        cli, ["--home", home, "token", "create", "--user", "tim", "--days", "1000000000"]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
