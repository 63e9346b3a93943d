"""An Opsgenie REST API test server, as Opsgenie documents it:

- auth: ``Authorization: GenieKey <key>`` (else 401 ``{"message": "Could not authenticate"}``);
- ``GET /v2/alerts`` and ``GET /v1/incidents`` with ``query``, ``offset``, ``limit``
  (default 20, at most 100), ``sort`` and ``order`` (``desc`` by default); answers
  ``{"data", "paging": {"next", "first", "last"}, "took", "requestId"}`` with the next page's
  exact URL in ``paging.next`` (and ``X-Paging-Next``), absent on the last page; ``offset +
  limit`` past 20,000 is refused (422);
- rate limits: over the limit, 429 with ``X-RateLimit-State: THROTTLED``,
  ``X-RateLimit-Reason`` (the domain and interval) and ``X-RateLimit-Period-In-Sec``; no
  ``Retry-After``.

Queries: only ``status: open`` / ``status: closed`` are read (enough for the tests); the
connector itself pages by ``sort=updatedAt&order=desc``."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from tests.connect.servers.vendor import VendorServer, iso, json_response

TOKEN = "eb24alp-faa2-4ba2-a551q-1alpf565c889"
LISTS = {"/v2/alerts": "alerts", "/v1/incidents": "incidents"}


class OpsgenieServer(VendorServer):
    name = "opsgenie"

    def __init__(self) -> None:
        super().__init__()
        self.alerts: list[dict[str, Any]] = []
        self.incidents: list[dict[str, Any]] = []

    def authorised(self, request: Request) -> bool:
        return request.headers.get("Authorization") == f"GenieKey {TOKEN}"

    def unauthorised(self) -> Response:
        return json_response({"message": "Could not authenticate", "took": 0.0}, 401)

    def error_body(self, status: int) -> Any:
        return {"message": "Bad gateway", "took": 0.0}

    def rate_limited(self) -> tuple[int, dict[str, str], Any]:
        headers = {
            "X-RateLimit-State": "THROTTLED",
            "X-RateLimit-Reason": "ALERT_MINUTE",
            "X-RateLimit-Period-In-Sec": "60",
        }
        return 429, headers, {"message": "You are making too many requests!", "took": 0.0}

    def route(self, request: Request) -> Response:
        kind = LISTS.get(request.path)
        if kind is None:
            return json_response({"message": "Not found", "took": 0.0}, 404)
        args = request.args
        offset = int(args.get("offset", 0))
        limit = min(int(args.get("limit", 20)), 100)
        if offset + limit > 20_000:
            return json_response({"message": "offset + limit must be at most 20000"}, 422)
        items = list(self.alerts if kind == "alerts" else self.incidents)
        query = args.get("query", "").replace(" ", "")
        if query.startswith("status:"):
            wanted = query.split(":", 1)[1]
            items = [i for i in items if i["status"] == wanted]
        sort = args.get("sort", "createdAt")
        items.sort(key=lambda i: (i[sort], i["id"]), reverse=args.get("order", "desc") == "desc")
        page = items[offset : offset + limit]
        base = f"{self.url}{request.path}"

        def link(at: int) -> str:
            return f"{base}?{urlencode({**args.to_dict(), 'offset': at, 'limit': limit})}"

        last = max((len(items) - 1) // limit * limit, 0)
        paging = {"first": link(0), "last": link(last)}
        headers = {"X-Paging-First": paging["first"], "X-Paging-Last": paging["last"]}
        if offset + limit < len(items):
            paging["next"] = headers["X-Paging-Next"] = link(offset + limit)
        if offset > 0:
            paging["prev"] = link(max(offset - limit, 0))
        body = {"data": page, "paging": paging, "took": 0.012, "requestId": f"req-{len(self.seen)}"}
        return json_response(body, headers=headers)


def alert(
    number: int,
    created: dt.datetime,
    updated: dt.datetime,
    *,
    status: str = "closed",
    service: str = "checkout",
    close_ms: int | None = 2_700_000,
    priority: str = "P2",
) -> dict[str, Any]:
    """A ``GET /v2/alerts`` item (the documented List alerts fields)."""
    return {
        "id": f"70413a06-38d6-4c85-92b8-{number:012d}",
        "tinyId": str(number),
        "alias": f"alert-{number}",
        "message": f"Checkout errors ({number})",
        "status": status,
        "acknowledged": status == "closed",
        "isSeen": True,
        "tags": [f"service:{service}"],
        "snoozed": False,
        "count": 1,
        "lastOccurredAt": iso(created),
        "createdAt": iso(created),
        "updatedAt": iso(updated),
        "source": "prometheus",
        "owner": "",
        "priority": priority,
        "responders": [],
        "integration": {"id": "37c8f316", "name": "Prometheus", "type": "API"},
        "report": {"closeTime": close_ms} if status == "closed" and close_ms else {},
    }


def incident(
    number: int,
    created: dt.datetime,
    updated: dt.datetime,
    *,
    status: str = "resolved",
    service_id: str = "9f1c2d3e-0000-4000-8000-0000000000aa",
    service: str = "search",
) -> dict[str, Any]:
    """A ``GET /v1/incidents`` item."""
    return {
        "id": f"1a2b3c4d-0000-4000-8000-{number:012d}",
        "serviceId": service_id,
        "tinyId": str(number),
        "message": f"Search unavailable ({number})",
        "status": status,
        "tags": [f"service:{service}"],
        "createdAt": iso(created),
        "updatedAt": iso(updated),
        "priority": "P1",
        "impactedServices": [service_id],
        "impactStartDate": iso(created),
        "impactEndDate": iso(updated) if status in ("resolved", "closed") else None,
        "extraProperties": {},
    }
