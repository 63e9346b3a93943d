"""What every REST route shares: the caller (a reader, an admin), error answers, paging
parameters and cached JSON answers. Pillars' routes (``<pillar>/api.py``) and the core's use
these; the same JSON as the CLI's ``--format json``, lists paginated (``limit``, ``offset``,
``next``), documents with ETags."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from fastapi.responses import Response

from leadline.periods import FIRST_YEAR, LAST_YEAR
from leadline.webkit.cache import cached_json
from leadline.webkit.deps import api_admin, api_reader, leadline_app
from leadline.webkit.responses import MAX_LIMIT, json_answer
from leadline.webkit.users import Principal

Reader = Annotated[Principal, Depends(api_reader)]
Admin = Annotated[Principal, Depends(api_admin)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")]
Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
Quarter = Annotated[str | None, Query(pattern=r"^\d{4}Q[1-4]$", description="YYYYQN")]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The request cannot be answered as asked."},
    401: {"description": "Not logged in and no bearer token."},
    403: {"description": "Not allowed for this user or token."},
}


def bad(error: Exception) -> HTTPException:
    """A request the core function refuses (its ``ValueError``): a 400 naming the problem."""
    return HTTPException(400, str(error))


def in_range(**values: dt.date | None) -> None:
    """Refuse (400) a date or instant parameter outside the years every window allows
    (9999-12-31 plus a day overflows deep inside a report otherwise)."""
    for name, value in values.items():
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise HTTPException(
                400, f"{name}: {value.isoformat()} is outside the years {FIRST_YEAR}-{LAST_YEAR}"
            )


def cached_answer(request: Request, name: str, compute: Callable[[], Any], *key: Any) -> Response:
    """The JSON document ``compute`` gives, from the report cache under ``(name, *key)``; a
    ``ValueError`` is a 400."""
    try:
        data = cached_json(leadline_app(request), name, compute, *key)
    except ValueError as error:
        raise bad(error) from None
    return json_answer(request, data)
