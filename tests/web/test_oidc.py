"""OIDC login: off unless configured; the redirect to the provider; a first login creates the
user with the default role and logs them in; provider errors are refused. The provider's
network calls (discovery, token exchange) are replaced by their results."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from authlib.integrations.starlette_client import OAuthError  # type: ignore[import-untyped]
from fastapi.testclient import TestClient
from sqlalchemy import select

from leadline.audit import AuditEntry
from leadline.context import App
from leadline.web.oidc import name_of
from leadline.webkit.models import User
from tests.conftest import make_settings

METADATA = {
    "issuer": "https://idp.example",
    "authorization_endpoint": "https://idp.example/authorize",
    "token_endpoint": "https://idp.example/token",
    "jwks_uri": "https://idp.example/jwks",
}


@pytest.fixture
def sso(web_app: App) -> Iterator[tuple[TestClient, Any]]:
    from leadline.web.app import create_app

    settings = make_settings(
        web_app.settings.home,
        web={
            "oidc_issuer": "https://idp.example",
            "oidc_client_id": "leadline",
            "oidc_client_secret": "s3cret",
            "oidc_default_role": "viewer",
        },
    )
    api = create_app(settings, background=False)
    provider = api.state.oidc

    async def metadata() -> dict[str, str]:
        provider.server_metadata.update(METADATA)
        return METADATA

    provider.load_server_metadata = metadata
    with TestClient(api) as client:
        yield client, provider


def test_sso_is_off_unless_configured(client: TestClient) -> None:
    assert "single sign-on" not in client.get("/login").text
    assert client.get("/login/oidc").status_code == 404


def test_login_redirects_to_the_provider(sso: tuple[TestClient, Any]) -> None:
    client, _ = sso
    assert 'href="/login/oidc"' in client.get("/login").text
    answer = client.get("/login/oidc", follow_redirects=False)
    assert answer.status_code == 302
    target = urlparse(answer.headers["location"])
    query = parse_qs(target.query)
    assert f"{target.scheme}://{target.netloc}{target.path}" == METADATA["authorization_endpoint"]
    assert query["client_id"] == ["leadline"]
    assert query["redirect_uri"] == ["http://testserver/login/oidc/callback"]
    assert query["scope"] == ["openid profile email"] and query["state"][0]
    assert query["nonce"][0]


def test_first_login_creates_a_viewer_and_logs_in(
    sso: tuple[TestClient, Any], web_app: App
) -> None:
    client, provider = sso

    async def token(_request: Any) -> dict[str, Any]:
        return {"userinfo": {"sub": "x-1", "preferred_username": "new.person"}}

    provider.authorize_access_token = token
    answer = client.get("/login/oidc/callback?code=c&state=s", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert client.get("/api/v1/catalog/teams").status_code == 200
    assert client.get("/api/v1/audit").status_code == 403  # a viewer
    with web_app.store.session() as session:
        user = session.scalars(select(User).where(User.name == "new.person")).one()
        assert (user.role, user.password_hash) == ("viewer", None)
        login = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "login", AuditEntry.actor == "new.person")
        ).one()
        assert login.note == "oidc"


def test_provider_errors_and_nameless_identities_are_refused(
    sso: tuple[TestClient, Any],
) -> None:
    client, provider = sso

    async def failing(_request: Any) -> dict[str, Any]:
        raise OAuthError(error="mismatching_state")

    provider.authorize_access_token = failing
    answer = client.get("/login/oidc/callback?code=c&state=forged")
    assert answer.status_code == 401 and "mismatching_state" in answer.text

    async def nameless(_request: Any) -> dict[str, Any]:
        return {"userinfo": {}}

    provider.authorize_access_token = nameless
    assert client.get("/login/oidc/callback?code=c&state=s").status_code == 401
    assert client.get("/api/v1/catalog/teams").status_code == 401


def test_name_of_prefers_username_then_email_then_subject() -> None:
    assert name_of({"sub": "1", "email": "a@x", "preferred_username": "ann"}) == "ann"
    assert name_of({"sub": "1", "email": "a@x"}) == "a@x"
    assert name_of({"sub": "1", "preferred_username": " "}) == "1"
    assert name_of({}) is None
