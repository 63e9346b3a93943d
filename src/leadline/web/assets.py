"""The app's own files outside /static: the icon browsers ask for at ``/favicon.ico`` and the
API docs page, Swagger UI served from the package (``static/vendor``) instead of a CDN, so
the docs work offline and under the app's Content-Security-Policy (no inline script)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

STATIC = Path(__file__).parent / "static"
SWAGGER_UI = "5.36.0"  # swagger-ui-dist, vendored (static/vendor/README.md)
OPENAPI_URL = "/api/v1/openapi.json"
DOCS_URL = "/api/v1/docs"

router = APIRouter(include_in_schema=False)

DOCS_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>leadline API</title>
<link rel="icon" href="/favicon.ico">
<link rel="stylesheet" href="/static/vendor/swagger-ui-{SWAGGER_UI}.css">
</head>
<body>
<main id="swagger-ui" data-url="{OPENAPI_URL}"></main>
<script src="/static/vendor/swagger-ui-bundle-{SWAGGER_UI}.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """The leadline icon (a week's cache: it changes with releases only)."""
    return FileResponse(
        STATIC / "favicon.ico",
        media_type="image/vnd.microsoft.icon",
        headers={"cache-control": "public, max-age=604800"},
    )


@router.get(DOCS_URL)
def api_docs() -> HTMLResponse:
    """Swagger UI over the OpenAPI document, from the package's own copy."""
    return HTMLResponse(DOCS_PAGE)
