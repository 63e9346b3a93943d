"""A PagerDuty REST API v2 test server, as PagerDuty documents it:

- auth: ``Authorization: Token token=<key>`` (else 401 with error code 2006);
- ``GET /incidents`` with ``since``/``until`` (the incidents *created* in the range, which may
  not span more than six months: 400, code 2001), ``statuses[]``, ``service_ids[]``,
  ``sort_by=created_at:asc``, and classic pagination: ``offset``, ``limit`` (default 25, at
  most 100), ``total`` (null unless ``total=true``) and ``more``; ``offset + limit`` past
  10,000 is refused (400);
- rate limits: ``ratelimit-limit``, ``ratelimit-remaining`` and ``ratelimit-reset`` (seconds
  until the window resets) on every answer; over the limit, 429 with error code 2020 and the
  same headers (no ``Retry-After``).

Incidents follow the documented ``GET /incidents`` example (``incident`` builds one)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.connect.servers.vendor import VendorServer, iso, json_response, parse_time

TOKEN = "u+pagerduty-test-key"
MAX_RANGE = dt.timedelta(days=183)  # "six months"


class PagerDutyServer(VendorServer):
    name = "pagerduty"

    def __init__(self) -> None:
        super().__init__()
        self.incidents: list[dict[str, Any]] = []
        self.limit = 960  # requests a minute
        self.remaining: int | None = None
        self.window = 60
        self.now: Callable[[], float] = time.time

    def authorised(self, request: Request) -> bool:
        return request.headers.get("Authorization") == f"Token token={TOKEN}"

    def unauthorised(self) -> Response:
        return json_response({"error": {"message": "Authentication required", "code": 2006}}, 401)

    def error_body(self, status: int) -> Any:
        return {"error": {"message": "Bad gateway", "code": status}}

    def rate_headers(self) -> dict[str, str]:
        remaining = self.limit if self.remaining is None else self.remaining
        return {
            "ratelimit-limit": str(self.limit),
            "ratelimit-remaining": str(remaining),
            "ratelimit-reset": str(self.window),
        }

    def rate_limited(self) -> tuple[int, dict[str, str], Any]:
        headers = self.rate_headers() | {"ratelimit-remaining": "0", "ratelimit-reset": "7"}
        return 429, headers, {"error": {"message": "Rate Limit Exceeded", "code": 2020}}

    def route(self, request: Request) -> Response:
        if request.path != "/incidents":
            return json_response({"error": {"message": "Not Found", "code": 2100}}, 404)
        if self.remaining is not None:
            self.remaining -= 1
        args = request.args
        now = dt.datetime.fromtimestamp(self.now(), dt.UTC)
        since = parse_time(args["since"]) if "since" in args else now - dt.timedelta(days=30)
        until = parse_time(args["until"]) if "until" in args else now
        if until - since > MAX_RANGE:
            return self.invalid("The date range must be six months or less")
        offset, limit = int(args.get("offset", 0)), min(int(args.get("limit", 25)), 100)
        if offset + limit > 10_000:
            return self.invalid("Offset must be less than 10000")
        found = [i for i in self.incidents if since <= parse_time(i["created_at"]) < until]
        statuses = args.getlist("statuses[]")
        if statuses:
            found = [i for i in found if i["status"] in statuses]
        services = args.getlist("service_ids[]")
        if services:
            found = [i for i in found if i["service"]["id"] in services]
        found.sort(key=lambda i: (i["created_at"], i["incident_number"]))
        if args.get("sort_by", "").endswith(":desc"):
            found.reverse()
        page = found[offset : offset + limit]
        body = {
            "incidents": page,
            "limit": limit,
            "offset": offset,
            "total": len(found) if args.get("total") == "true" else None,
            "more": offset + limit < len(found),
        }
        return json_response(body, headers=self.rate_headers())

    def invalid(self, message: str) -> Response:
        body = {"error": {"message": "Invalid Input Provided", "code": 2001, "errors": [message]}}
        return json_response(body, 400, self.rate_headers())


def incident(
    number: int,
    created: dt.datetime,
    *,
    status: str = "resolved",
    changed: dt.datetime | None = None,
    service_id: str = "PSV7K2Q",
    service: str = "Checkout API",
    urgency: str = "high",
    priority: str | None = "P1",
) -> dict[str, Any]:
    """A ``GET /incidents`` item (the documented example's fields)."""
    incident_id = f"Q{number:012d}"
    changed = changed or created
    return {
        "id": incident_id,
        "type": "incident",
        "summary": f"[#{number}] Checkout error rate above 5%",
        "self": f"https://api.pagerduty.com/incidents/{incident_id}",
        "html_url": f"https://acme.pagerduty.com/incidents/{incident_id}",
        "incident_number": number,
        "title": "Checkout error rate above 5%",
        "created_at": iso(created),
        "updated_at": iso(changed),
        "status": status,
        "incident_key": f"key-{number}",
        "service": {
            "id": service_id,
            "type": "service_reference",
            "summary": service,
            "self": f"https://api.pagerduty.com/services/{service_id}",
            "html_url": f"https://acme.pagerduty.com/services/{service_id}",
        },
        "assignments": [],
        "assigned_via": "escalation_policy",
        "last_status_change_at": iso(changed),
        "resolved_at": iso(changed) if status == "resolved" else None,
        "urgency": urgency,
        "priority": {"id": "PSO2DQ9", "type": "priority", "summary": priority}
        if priority
        else None,
        "alert_counts": {"all": 1, "triggered": 0, "resolved": 1},
        "is_mergeable": True,
    }
