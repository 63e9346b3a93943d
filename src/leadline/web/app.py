"""``create_app(settings)``: the FastAPI application behind ``leadline serve``."""

from __future__ import annotations

import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadline import __version__, plugins
from leadline.config import Settings, load_settings
from leadline.context import App
from leadline.web import assets, auth, targets, webhooks
from leadline.web.guards import RequestGuard
from leadline.web.intake import IntakeWriter, PendingWorker
from leadline.web.ratelimit import LoginLimiter
from leadline.webkit import page, registry
from leadline.webkit.cache import invalidate
from leadline.webkit.deps import LoginRequired

SESSION_KEY_FILE = ".session-key"
STATIC = Path(__file__).parent / "static"


def session_secret(settings: Settings) -> str:
    """The configured key, else one generated once and kept (mode 0600) in the home."""
    if settings.web.session_secret is not None:
        return settings.web.session_secret.get_secret_value()
    path = settings.resolved_home / SESSION_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "x", encoding="utf-8", opener=_private) as handle:
                handle.write(secrets.token_urlsafe(48))
        except FileExistsError:  # another worker wrote it first
            pass
    return path.read_text(encoding="utf-8").strip()


def _private(path: str, flags: int) -> int:
    import os

    return os.open(path, flags, 0o600)


def create_app(settings: Settings | None = None, *, background: bool = True) -> FastAPI:
    """The web app over one leadline home; ``background`` runs the pending-delivery worker
    and the plugins' services (``leadline_services``: the connections' schedule)."""
    settings = settings or load_settings()
    leadline = App(settings)
    pages = registry.registered()
    page.decorate_with(targets.apply)  # the scorecard's RAG colour on every page's tiles

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        worker = PendingWorker(settings, leadline.store) if background else None
        api.state.pending_worker = worker
        writer = IntakeWriter(leadline.store)
        api.state.intake_writer = writer
        writer.start()
        hook = plugins.manager().hook.leadline_services
        services = dict(plugins.collected(hook(settings=settings, store=leadline.store)))
        api.state.services = services  # made always: an admin's run now works without the loop
        if background:
            for service in services.values():
                service.start()
        home = pages.get("/")
        if worker is not None:
            worker.start()
            if home is not None:
                args = (leadline, home.build)
                threading.Thread(target=page.warm_up, args=args, daemon=True).start()
        try:
            yield
        finally:
            for service in reversed(services.values()):
                service.stop(timeout=10)
            writer.stop()
            if worker is not None:
                worker.stop()
            leadline.close()

    api = FastAPI(
        title="leadline",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served from the package's Swagger UI (web.assets)
        redoc_url=None,
        lifespan=lifespan,
    )
    api.state.leadline = leadline
    api.state.pages = pages
    api.state.pending_worker = None
    api.state.intake_writer = None
    api.state.services = {}
    api.state.login_limiter = LoginLimiter(
        settings.web.login_attempts, settings.web.login_window_seconds
    )
    api.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie="leadline_session",
        max_age=int(settings.web.session_max_age_hours * 3600),
        same_site="lax",
        https_only=settings.web.secure_cookies,
    )
    api.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    api.add_middleware(ForgetVersionAfterWrites, leadline=leadline)
    api.add_middleware(RequestGuard, settings=settings.web)  # outermost: before any body read

    @api.exception_handler(LoginRequired)
    async def _to_login(request: Request, _error: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={_quote(target)}", status_code=303)

    _include_routes(api, settings, pages)
    return api


def _include_routes(api: FastAPI, settings: Settings, pages: registry.Pages) -> None:
    """The core's routes, and the API routes (``leadline_api_routers``) and pages
    (``leadline_pages``) the plugins register."""
    api.include_router(auth.router)
    api.include_router(webhooks.router)
    api.include_router(assets.router)
    from leadline.web import api as api_routes
    from leadline.web import forms, oidc, reports, views

    for pillar_routes in plugins.collected(plugins.manager().hook.leadline_api_routers()):
        api.include_router(pillar_routes)
    api.include_router(api_routes.router)
    api.include_router(reports.api_router)
    from leadline.web import metric_pages, metrics_api

    api.include_router(metrics_api.router)
    api.include_router(metric_pages.router)
    api.include_router(reports.router)
    api.include_router(page.page_router(pages.specs))
    for page_routes in pages.routers:
        api.include_router(page_routes)
    api.include_router(views.router)
    api.include_router(forms.router)
    api.state.oidc = oidc.oidc_client(settings)
    api.include_router(oidc.router)


class ForgetVersionAfterWrites:
    """ASGI middleware: once a request that may write starts its answer (its transaction has
    committed), the remembered data version is forgotten, so the next read sees the write."""

    def __init__(self, app: ASGIApp, leadline: App) -> None:
        self.app, self.leadline = app, leadline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return

        async def forwarding(message: Message) -> None:
            if message["type"] == "http.response.start":
                invalidate(self.leadline)
            await send(message)

        await self.app(scope, receive, forwarding)


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")
