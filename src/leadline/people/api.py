"""People's REST API: developer experience and skills (each the CLI's ``--format json``),
registered by ``people/plugin.py``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from leadline.people.report import devex
from leadline.people.skills import skills_matrix
from leadline.webkit.api import ERRORS, Reader, cached_answer
from leadline.webkit.deps import leadline_app
from leadline.webkit.params import Quarter

router = APIRouter(prefix="/api/v1", tags=["api"])


@router.get("/people/devex", responses=ERRORS)
def people_devex(
    request: Request, *, _who: Reader, quarter: Quarter = None, team: str | None = None
) -> Response:
    """Developer-experience survey results per team (``leadline devex``)."""
    app = leadline_app(request)
    return cached_answer(
        request, "devex", lambda: devex(app, quarter=quarter, team=team), quarter, team
    )


@router.get("/people/skills", responses=ERRORS)
def people_skills(request: Request, *, _who: Reader, team: str | None = None) -> Response:
    """Needed and present skills per team (``leadline skills``)."""
    app = leadline_app(request)
    return cached_answer(request, "skills", lambda: skills_matrix(app, team=team), team)
