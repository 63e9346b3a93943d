"""What every REST route shares: the caller (a reader, an admin), error answers, paging
parameters and cached JSON answers. Pillars' routes (``<pillar>/api.py``) and the core's use
these; the same JSON as the CLI's ``--format json``, lists paginated (``limit``, ``offset``,
``next``), documents with ETags."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from fastapi.responses import Response

from leadline.periods import Grain, Window
from leadline.webkit.cache import cached_json
from leadline.webkit.deps import api_admin, api_reader, leadline_app
from leadline.webkit.responses import MAX_LIMIT, json_answer
from leadline.webkit.users import Principal

Reader = Annotated[Principal, Depends(api_reader)]
Admin = Annotated[Principal, Depends(api_admin)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The request cannot be answered as asked."},
    401: {"description": "Not logged in and no bearer token."},
    403: {"description": "Not allowed for this user or token."},
}


def bad(error: Exception) -> HTTPException:
    """A request the core function refuses (its ``ValueError``): a 400 naming the problem."""
    return HTTPException(400, str(error))


# A series of more buckets than this is refused: each bucket costs queries, and a thousand
# years of weeks (a valid since/until/period) held the server for minutes.
MAX_BUCKETS = 1000


def bounded_series(window: Window, grain: Grain | None) -> None:
    """Refuse (400) a ``grain`` series over ``window`` of more than MAX_BUCKETS buckets."""
    if grain is None:
        return
    since, until = window.since, window.until
    months = (until.year - since.year) * 12 + until.month - since.month + 1
    count = {
        "week": window.days / 7 + 1,
        "month": months,
        "quarter": months / 3 + 1,
        "year": until.year - since.year + 1,
    }[grain]
    if count > MAX_BUCKETS:
        raise HTTPException(
            400,
            f"window: since..until holds about {int(count)} {grain}s; "
            f"a series takes at most {MAX_BUCKETS} buckets",
        )


def cached_answer(request: Request, name: str, compute: Callable[[], Any], *key: Any) -> Response:
    """The JSON document ``compute`` gives, from the report cache under ``(name, *key)``; a
    ``ValueError`` is a 400."""
    try:
        data = cached_json(leadline_app(request), name, compute, *key)
    except ValueError as error:
        raise bad(error) from None
    return json_answer(request, data)
