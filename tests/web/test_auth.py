"""Login, sessions, CSRF, throttling, anonymous read, tokens and roles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from leadline.audit import AuditEntry
from leadline.context import App
from leadline.web.ratelimit import LoginLimiter
from leadline.webkit.models import ApiToken, User
from leadline.webkit.users import (
    ANONYMOUS,
    Principal,
    UserError,
    authenticate,
    create_token,
    revoke_token,
    save_user,
)
from tests.conftest import make_settings
from tests.web.support import PASSWORD, csrf_of, login, token_for


def test_login_sets_a_signed_http_only_lax_cookie_and_is_audited(
    client: TestClient, web_app: App
) -> None:
    answer = login(client, "vic")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    assert client.get("/api/v1/catalog/teams").status_code == 200  # the cookie works
    with web_app.store.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "login")).one()
    assert (entry.actor, entry.via) == ("vic", "web")


def test_secure_cookies_when_configured(tmp_path: Path, web_app: App) -> None:
    from leadline.web.app import create_app

    settings = make_settings(web_app.settings.home, web={"secure_cookies": True})
    with TestClient(create_app(settings, background=False), base_url="https://testserver") as c:
        assert "secure" in login(c, "vic").headers["set-cookie"].lower()


def test_wrong_password_and_unknown_user_look_the_same(client: TestClient) -> None:
    wrong = login(client, "vic", "not the password")
    unknown = login(client, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong user name or password." in wrong.text and "Wrong user name" in unknown.text
    assert client.get("/api/v1/catalog/teams").status_code == 401


def test_login_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    answer = client.post("/login", data={"username": "vic", "password": PASSWORD})
    assert answer.status_code == 403
    forged = client.post("/login", data={"username": "vic", "password": PASSWORD, "csrf": "forged"})
    assert forged.status_code == 403


def test_login_is_throttled_per_client_and_user(client: TestClient) -> None:
    for _ in range(5):
        assert login(client, "vic", "wrong-password").status_code == 401
    blocked = login(client, "vic", PASSWORD)
    assert blocked.status_code == 429  # even the right password waits
    assert login(client, "ada").status_code == 303  # another user is not blocked


def test_limiter_window_slides() -> None:
    limiter = LoginLimiter(attempts=2, window_seconds=10)
    limiter.failed("1.2.3.4", "Vic", now=0)
    limiter.failed("1.2.3.4", "vic", now=1)
    assert limiter.retry_after("1.2.3.4", "VIC", now=2) == pytest.approx(8)
    assert limiter.retry_after("5.6.7.8", "vic", now=2) == 0
    assert limiter.retry_after("1.2.3.4", "vic", now=10.5) == 0  # the first failure aged out
    limiter.succeeded("1.2.3.4", "vic")
    assert limiter.retry_after("1.2.3.4", "vic", now=3) == 0


def test_logout_ends_the_session(client: TestClient) -> None:
    login(client, "vic")
    page = client.get("/login")
    answer = client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert answer.status_code == 303
    assert client.get("/api/v1/catalog/teams").status_code == 401


def test_pages_redirect_to_login_and_back(client: TestClient) -> None:
    answer = client.get("/risk?team=x", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/risk%3Fteam%3Dx"


def test_login_never_redirects_off_site(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"username": "vic", "password": PASSWORD, "csrf": token, "next": "//evil.example"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_anonymous_read_is_off_by_default_and_read_only_when_on(web_app: App) -> None:
    from leadline.web.app import create_app

    settings = make_settings(web_app.settings.home, web={"anonymous_read": True})
    with TestClient(create_app(settings, background=False)) as anon:
        assert anon.get("/api/v1/catalog/teams").status_code == 200
        assert anon.get("/api/v1/audit").status_code == 403
        assert anon.patch("/api/v1/risk/register/R-1", json={}).status_code == 403
    assert not ANONYMOUS.can_edit("risk")


def test_tokens_are_hashed_scoped_expiring_and_revocable(client: TestClient, web_app: App) -> None:
    plain = token_for(web_app, "vic", ["read"], days=1)
    with web_app.store.session() as session:
        stored = session.scalars(select(ApiToken)).one()
        assert plain not in (stored.digest, stored.prefix) and stored.prefix == plain[:10]
    bearer = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/catalog/teams", headers=bearer).status_code == 200
    with web_app.store.session() as session:
        stored = session.scalars(select(ApiToken)).one()
        stored.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert client.get("/api/v1/catalog/teams", headers=bearer).status_code == 401
    second = token_for(web_app, "vic", ["read"])
    with web_app.store.session() as session:
        newest = max(session.scalars(select(ApiToken)), key=lambda t: t.id)
        revoke_token(session, newest.id, actor="ada")
    assert (
        client.get(
            "/api/v1/catalog/teams", headers={"Authorization": f"Bearer {second}"}
        ).status_code
        == 401
    )


def test_write_only_token_cannot_read(client: TestClient, web_app: App) -> None:
    plain = token_for(web_app, "ada", ["write"])
    answer = client.get("/api/v1/catalog/teams", headers={"Authorization": f"Bearer {plain}"})
    assert answer.status_code == 403


def test_passwords_are_argon2_and_users_audited(web_app: App) -> None:
    with web_app.store.session() as session:
        user = session.scalars(select(User).where(User.name == "vic")).one()
        assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
        assert authenticate(session, "vic", PASSWORD) is not None
        assert authenticate(session, "vic", PASSWORD + "x") is None
        entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_type == "user", AuditEntry.entity_id == "vic"
            )
        ).all()
        assert entries and all("password_hash" not in (e.after or {}) for e in entries)


@pytest.mark.parametrize(
    ("role", "pillars", "password", "message"),
    [
        ("owner", [], PASSWORD, "unknown role"),
        ("editor", ["space"], PASSWORD, "unknown pillar"),
        ("viewer", ["risk"], PASSWORD, "only editors"),
        ("viewer", [], "short", "at least 8"),
    ],
)
def test_bad_users_are_refused(
    web_app: App, role: str, pillars: list[str], password: str, message: str
) -> None:
    with web_app.store.session() as session, pytest.raises(UserError, match=message):
        save_user(session, "new", role=role, password=password, pillars=pillars, actor="t")


def test_token_for_unknown_user_or_scope_is_refused(web_app: App) -> None:
    with web_app.store.session() as session:
        with pytest.raises(UserError, match="no user"):
            create_token(session, "nobody", name="x", scopes=["read"], days=1, actor="t")
        with pytest.raises(UserError, match="scopes"):
            create_token(session, "vic", name="x", scopes=["admin"], days=1, actor="t")


def test_editor_scope_per_pillar() -> None:
    risk_editor = Principal("eve", "editor", ("risk",))
    any_editor = Principal("max", "editor", ())
    viewer = Principal("vic", "viewer")
    read_token_admin = Principal("ada", "admin", scopes=("read",))
    assert risk_editor.can_edit("risk") and not risk_editor.can_edit("finops")
    assert any_editor.can_edit("finops")
    assert not viewer.can_edit("risk")
    assert not read_token_admin.can_edit("risk") and not read_token_admin.is_admin


def test_user_and_token_commands(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from leadline.cli import app as cli

    home = str(tmp_path / "cli-home")
    runner = CliRunner()
    added = runner.invoke(
        cli,
        ["--home", home, "user", "add", "eve", "--role", "editor", "--pillar", "risk"],
        env={"LEADLINE_NEW_PASSWORD": PASSWORD},
    )
    assert added.exit_code == 0, added.output
    made = runner.invoke(cli, ["--home", home, "token", "create", "--user", "eve"])
    assert made.exit_code == 0, made.output
    assert "llt_" in made.stdout
    bad = runner.invoke(
        cli,
        ["--home", home, "user", "add", "x", "--role", "boss"],
        env={"LEADLINE_NEW_PASSWORD": PASSWORD},
    )
    assert bad.exit_code == 2 and "unknown role" in bad.output
