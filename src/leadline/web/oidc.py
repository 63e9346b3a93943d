"""Optional OpenID Connect login (Authlib), on when ``web.oidc_issuer`` and
``web.oidc_client_id`` are set. The provider's discovery document gives the endpoints; Authlib
checks the state, the nonce and the ID token. A first login creates the user (no password) with
``web.oidc_default_role``; admins change roles with ``leadline user add``."""

from __future__ import annotations

from typing import Any

from authlib.integrations.starlette_client import (  # type: ignore[import-untyped]
    OAuth,
    OAuthError,
)
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from leadline.audit import record
from leadline.config import Settings
from leadline.context import App
from leadline.webkit.deps import leadline_app, start_session
from leadline.webkit.pages import render
from leadline.webkit.users import get_user, save_user

router = APIRouter(include_in_schema=False)


def oidc_client(settings: Settings) -> Any | None:
    web = settings.web
    if not (web.oidc_issuer and web.oidc_client_id):
        return None
    oauth = OAuth()
    oauth.register(
        "oidc",
        server_metadata_url=web.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_id=web.oidc_client_id,
        client_secret=web.oidc_client_secret.get_secret_value() if web.oidc_client_secret else None,
        client_kwargs={"scope": "openid profile email"},
    )
    return oauth.create_client("oidc")


def _client(request: Request) -> Any:
    client = getattr(request.app.state, "oidc", None)
    if client is None:
        raise HTTPException(404, "single sign-on is not configured")
    return client


def name_of(claims: dict[str, Any]) -> str | None:
    """The leadline user name of an identity: preferred_username, else email, else subject."""
    for claim in ("preferred_username", "email", "sub"):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip()[:128]
    return None


def sign_in(app: App, name: str) -> bool:
    """The user for an OIDC identity (created on first login); False when deactivated."""
    with app.store.session() as session:
        user = get_user(session, name)
        if user is None:
            user = save_user(
                session,
                name,
                role=app.settings.web.oidc_default_role,
                password=None,
                actor=name,
                via="web",
            )
        if not user.active:
            return False
        record(
            session,
            actor=name,
            via="web",
            action="login",
            entity_type="user",
            entity_id=name,
            note="oidc",
        )
    return True


@router.get("/login/oidc")
async def oidc_login(request: Request) -> Response:
    client = _client(request)
    redirect: Response = await client.authorize_redirect(
        request, str(request.url_for("oidc_callback"))
    )
    return redirect


@router.get("/login/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    client = _client(request)
    try:
        token = await client.authorize_access_token(request)
    except OAuthError as error:
        context = {"next": "/", "error": f"Single sign-on failed: {error.error}"}
        return render(request, "login.html", context, status_code=401)
    claims = dict(token.get("userinfo") or {})
    name = name_of(claims)
    if name is None:
        context = {"next": "/", "error": "The identity provider sent no user name."}
        return render(request, "login.html", context, status_code=401)
    if not await run_in_threadpool(sign_in, leadline_app(request), name):
        raise HTTPException(403, "this user is deactivated")
    await run_in_threadpool(start_session, request, name)
    return RedirectResponse("/", status_code=303)
