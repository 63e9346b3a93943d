"""JSON answers with the CLI's encoding, ETags on metric documents, and page envelopes."""

from __future__ import annotations

import hashlib
from functools import cached_property
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from leadline.output import to_json

MAX_LIMIT = 1000


class Encoded:
    """A document with its JSON body and ETag computed once (for cached documents)."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc

    @cached_property
    def body(self) -> bytes:
        return to_json(self.doc).encode()

    @cached_property
    def tag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


def json_answer(request: Request, data: Any, *, etag: bool = True) -> Response:
    """``data`` as the CLI prints it with ``--format json``; with an ETag (hash of the body),
    answering 304 when the client already has it."""
    encoded = data if isinstance(data, Encoded) else Encoded(data)
    body = encoded.body
    headers: dict[str, str] = {}
    if etag:
        tag = encoded.tag
        headers["ETag"] = tag
        headers["Cache-Control"] = "private, no-cache"
        given = request.headers.get("if-none-match", "")
        if tag in {t.strip() for t in given.split(",")} or given.strip() == "*":
            return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def paginate(
    request: Request, key: str, rows: list[Any], limit: int, offset: int, **extra: Any
) -> dict[str, Any]:
    """``{key: rows[offset:offset+limit], "count": total, "limit", "offset", "next"}``;
    ``next`` is the URL of the following page, or null on the last."""
    window = rows[offset : offset + limit]
    following = None
    if offset + limit < len(rows):
        following = str(request.url.include_query_params(limit=limit, offset=offset + limit))
    return {
        key: window,
        "count": len(rows),
        "limit": limit,
        "offset": offset,
        "next": following,
        **extra,
    }
