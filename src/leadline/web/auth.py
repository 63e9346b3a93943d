"""Login and logout pages: argon2-checked passwords, throttled per address and user name,
the session cookie rotated on login."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from leadline.audit import record
from leadline.webkit.deps import (
    check_csrf,
    client_address,
    end_session,
    leadline_app,
    start_session,
)
from leadline.webkit.pages import render
from leadline.webkit.users import authenticate

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only local paths: a login link must not send the user to another site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(request, csrf)
    app = leadline_app(request)
    limiter = request.app.state.login_limiter
    client = client_address(request)
    wait = limiter.retry_after(client, username)
    if wait > 0:
        context = {"next": _safe_next(next), "error": f"Too many attempts; wait {wait:.0f} s."}
        return render(request, "login.html", context, status_code=429)
    with app.store.session() as session:
        user = authenticate(session, username, password)
        if user is not None:
            record(
                session,
                actor=user.name,
                via="web",
                action="login",
                entity_type="user",
                entity_id=user.name,
            )
    if user is None:
        limiter.failed(client, username)
        context = {"next": _safe_next(next), "error": "Wrong user name or password."}
        return render(request, "login.html", context, status_code=401)
    limiter.succeeded(client, username)
    start_session(request, user.name)  # a fresh session (and CSRF token) for the user
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    end_session(request)
    return RedirectResponse("/login", status_code=303)
