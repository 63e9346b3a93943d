"""Template rendering shared by every page: the Jinja2 environment and the common context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from leadline.webkit.deps import csrf_token, current_principal

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def nav(request: Request) -> tuple[tuple[str, str], ...]:
    """The nav of the app's registered pages (``web.registry``), in order."""
    pages = getattr(request.app.state, "pages", None)
    return pages.nav if pages is not None else ()


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    base = {
        "csrf": csrf_token(request),
        "who": current_principal(request),
        "nav": nav(request),
        "path": request.url.path,
        "sso": getattr(request.app.state, "oidc", None) is not None,
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
