"""Request plumbing: the leadline App, who is asking (session cookie, bearer token or anonymous
reader), role checks and CSRF tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session

from leadline.context import App
from leadline.store.base import utcnow
from leadline.webkit.users import (
    ANONYMOUS,
    Principal,
    end_sessions,
    get_user,
    principal_of,
    principal_of_token,
)

CSRF_KEY = "csrf"
USER_KEY = "user"
GENERATION_KEY = "generation"  # the user's session generation when the session was issued
CSRF_HEADER = "x-csrf-token"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


class LoginRequired(Exception):
    """Raised by page dependencies; the app answers with a redirect to the login page."""


def leadline_app(request: Request) -> App:
    app: App = request.app.state.leadline
    return app


def db(request: Request) -> Iterator[Session]:
    with leadline_app(request).store.session() as session:
        yield session


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_principal(request: Request) -> Principal | None:
    """The authenticated principal, the anonymous reader when allowed, else None."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    app = leadline_app(request)
    found: Principal | None = None
    token = _bearer(request)
    with app.store.session() as session:
        if token is not None:
            found = principal_of_token(session, token, utcnow())
        elif name := request.session.get(USER_KEY):
            user = get_user(session, str(name))
            live = user is not None and user.active
            if live and user is not None and _current(request, user.session_generation):
                found = principal_of(user)
    if found is None and token is None and app.settings.web.anonymous_read:
        found = ANONYMOUS
    request.state.principal = found
    return found


def _current(request: Request, generation: int | None) -> bool:
    """The session was issued under the user's present generation (not before a logout, a
    password or role change)."""
    return request.session.get(GENERATION_KEY) == (generation or 0)


def start_session(request: Request, name: str) -> None:
    """A fresh session (and CSRF token) for ``name``, under the user's present generation."""
    with leadline_app(request).store.session() as session:
        user = get_user(session, name)
        generation = user.session_generation if user is not None else None
    request.session.clear()
    request.session[USER_KEY] = name
    request.session[GENERATION_KEY] = generation or 0


def end_session(request: Request) -> None:
    """Log out: the cookie is cleared and, server-side, every session of the user ends (a copy
    of the cookie taken earlier no longer works)."""
    name = request.session.get(USER_KEY)
    if name is not None and current_principal(request) is not None:
        with leadline_app(request).store.session() as session:
            user = get_user(session, str(name))
            if user is not None:
                end_sessions(user)
    request.session.clear()


def api_reader(request: Request) -> Principal:
    """API dependency: 401 without credentials, 403 without the read scope, and 403 on a write
    by session cookie without the CSRF header (a bearer token cannot be sent by another site,
    a cookie can)."""
    who = current_principal(request)
    if who is None:
        raise HTTPException(
            401,
            "log in or send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not who.can_read():
        raise HTTPException(403, "this token has no read scope")
    if request.method in WRITES and _bearer(request) is None and not who.anonymous:
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return who


def api_admin(request: Request) -> Principal:
    who = api_reader(request)
    if not who.is_admin:
        raise HTTPException(403, "admins only")
    return who


def page_reader(request: Request) -> Principal:
    who = current_principal(request)
    if who is None:
        raise LoginRequired()
    return who


def page_admin(request: Request) -> Principal:
    who = page_reader(request)
    if not who.is_admin:
        raise HTTPException(403, "admins only")
    return who


def require_editor(who: Principal, pillar: str) -> None:
    if not who.can_edit(pillar):
        raise HTTPException(403, f"editing {pillar} needs an editor of {pillar} or an admin")


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get(CSRF_KEY)
    if not expected or not submitted or not secrets.compare_digest(str(expected), submitted):
        raise HTTPException(403, "the form's CSRF token is missing or stale; reload the page")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
