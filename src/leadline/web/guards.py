"""``RequestGuard``: the ASGI middleware that bounds what a request may send and hardens what the
answer tells the browser.

Why a middleware and not a dependency: a dependency runs after FastAPI has read the body, so a
500 MB upload would already be in memory before any check could refuse it. Here the declared
``Content-Length`` is checked before the app runs and streamed bytes are counted as they arrive,
so an oversized body is refused (413) after at most the limit has been read. The JSON receivers
(webhooks, the API's writes) refuse other content types (415) before reading anything.
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadline.config import WebSettings

WRITES = ("POST", "PUT", "PATCH")
JSON_RECEIVERS = ("/webhooks/", "/api/v1/")
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)  # Vega compiles chart expressions with Function ('unsafe-eval'); no inline script at all
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def body_limit(settings: WebSettings, path: str) -> int:
    """Webhook bodies may be as large as GitHub's (``max_body_mb``); forms and API JSON are
    small (``max_form_kb``)."""
    if path.startswith("/webhooks/"):
        return int(settings.max_body_mb * 1024 * 1024)
    return int(settings.max_form_kb * 1024)


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def is_https(scope: Scope, headers: Headers, settings: WebSettings) -> bool:
    """Served over https: directly, or (only when the proxy is trusted) per X-Forwarded-Proto."""
    if scope.get("scheme") == "https" or settings.secure_cookies:
        return True
    forwarded = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return settings.trust_forwarded_proto and forwarded == "https"


class RequestGuard:
    """Body-size and content-type limits on the way in; security headers and Secure cookies on
    the way out."""

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path: str = scope["path"]
        limit = body_limit(self.settings, path)
        refusal = self._refusal(scope, headers, limit)
        if refusal is not None:
            await refusal(scope, receive, self._hardening(scope, headers, send))
            return
        await self.app(scope, _counting(receive, limit), self._hardening(scope, headers, send))

    def _refusal(self, scope: Scope, headers: Headers, limit: int) -> JSONResponse | None:
        declared = headers.get("content-length", "")
        if declared.strip().isdigit() and int(declared) > limit:
            return JSONResponse({"detail": f"the body is over {limit} bytes"}, status_code=413)
        json_receiver = scope["path"].startswith(JSON_RECEIVERS)
        if (
            json_receiver
            and scope["method"] in WRITES
            and "content-type" in headers  # absent is tolerated: every browser form sends one
            and not is_json(headers["content-type"])
        ):
            return JSONResponse({"detail": "send Content-Type: application/json"}, status_code=415)
        return None

    def _hardening(self, scope: Scope, headers: Headers, send: Send) -> Send:
        secure = is_https(scope, headers, self.settings)

        async def hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in out:
                        out[name] = value
                if secure:
                    _secure_cookies(out)
            await send(message)

        return hardened


def _secure_cookies(out: MutableHeaders) -> None:
    cookies = out.getlist("set-cookie")
    if not cookies:
        return
    del out["set-cookie"]
    for cookie in cookies:
        has_secure = "; secure" in cookie.lower()
        out.append("set-cookie", cookie if has_secure else f"{cookie}; Secure")


def _counting(receive: Receive, limit: int) -> Receive:
    """``receive`` that refuses (413) once more than ``limit`` bytes have streamed in, for bodies
    without a Content-Length (chunked) or with a false one."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413, f"the body is over {limit} bytes")
        return message

    return counted
