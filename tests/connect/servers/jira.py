"""A Jira REST API test server (Cloud and Data Center), as Atlassian documents it:

- auth: Cloud ``Authorization: Basic base64(email:api_token)``; Data Center
  ``Authorization: Bearer <personal access token>``; else 401;
- ``GET /rest/api/3/search/jql`` (Cloud's enhanced search): ``jql``, ``maxResults`` (at most
  100), ``nextPageToken``, ``fields``, ``expand``; answers ``{"issues", "nextPageToken",
  "isLast"}``, the token absent on the last page (as Cloud does);
- ``GET /rest/api/2/search`` (Data Center, and Cloud's removed endpoint): ``startAt``,
  ``maxResults`` and ``total``;
- ``GET /rest/api/{2,3}/myself``: the user's ``timeZone``, in which JQL reads dates;
- JQL: ``project = KEY``, ``updated >= "yyyy-MM-dd HH:mm"`` (minutes, the user's time zone)
  and ``ORDER BY updated ASC``; anything else is a 400 like Jira's;
- rate limits: 429 with ``Retry-After`` (seconds), ``X-RateLimit-Reset`` (ISO 8601,
  ``yyyy-MM-ddTHH:mmZ``), ``X-RateLimit-Limit``, ``X-RateLimit-Remaining: 0`` and
  ``RateLimit-Reason``.

Issues follow the documented search example (``issue`` builds one, with ``changelog``)."""

from __future__ import annotations

import base64
import datetime as dt
import re
import time
import zoneinfo
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.connect.servers.vendor import VendorServer, json_response

EMAIL, TOKEN = "bot@acme.example", "ATATT3xFfGF0-jira-test-token"
PAT = "NjQ2-jira-dc-personal-access-token"
_PROJECT = re.compile(r"project\s*=\s*\"?(?P<key>[A-Z][A-Z0-9]*)\"?", re.I)
_UPDATED = re.compile(r"updated\s*>=\s*\"(?P<at>\d{4}-\d{2}-\d{2} \d{2}:\d{2})\"", re.I)
_ORDER = re.compile(r"\s+ORDER\s+BY\s+updated\s+ASC\s*$", re.I)
JIRA_TIME = "%Y-%m-%dT%H:%M:%S.000%z"


class JiraServer(VendorServer):
    name = "jira"

    def __init__(self) -> None:
        super().__init__()
        self.issues: list[dict[str, Any]] = []
        self.time_zone = "Europe/Berlin"
        self.tokens: dict[str, int] = {}  # nextPageToken -> offset
        self.now: Callable[[], float] = time.time
        self.after_search: Callable[[], None] | None = None  # called once a page is built

    def authorised(self, request: Request) -> bool:
        given = request.headers.get("Authorization") or ""
        basic = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
        return given in (f"Basic {basic}", f"Bearer {PAT}")

    def unauthorised(self) -> Response:
        body = {"errorMessages": ["You are not authenticated."], "errors": {}}
        return json_response(body, 401)

    def error_body(self, status: int) -> Any:
        return {"errorMessages": ["Bad gateway"], "errors": {}}

    def rate_limited(self) -> tuple[int, dict[str, str], Any]:
        reset = dt.datetime.fromtimestamp(self.now() + 5, dt.UTC)  # the request's time + 5 s
        headers = {
            "Retry-After": "5",
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%MZ"),
            "X-RateLimit-Limit": "100",
            "X-RateLimit-Remaining": "0",
            "RateLimit-Reason": "jira-burst-based",
        }
        return 429, headers, {"errorMessages": ["Rate limit exceeded."], "errors": {}}

    def route(self, request: Request) -> Response:
        path = request.path
        if path in ("/rest/api/3/myself", "/rest/api/2/myself"):
            return json_response(
                {"accountId": "5b10a2844c20165700ede21g", "timeZone": self.time_zone}
            )
        if path not in ("/rest/api/3/search/jql", "/rest/api/2/search"):
            return json_response({"errorMessages": ["Not found"], "errors": {}}, 404)
        try:
            found = self.search(request.args.get("jql", ""))
        except ValueError as error:
            return json_response({"errorMessages": [str(error)], "errors": {}}, 400)
        if self.after_search is not None:  # the page is built: a change now is for the next
            found = [dict(i) for i in found]
            self.after_search()
        size = min(int(request.args.get("maxResults", 50)), 100)
        if path.endswith("/jql"):
            token = request.args.get("nextPageToken")
            start = self.tokens.get(token, -1) if token else 0
            if start < 0:
                return json_response({"errorMessages": ["Invalid nextPageToken"]}, 400)
            page = found[start : start + size]
            body: dict[str, Any] = {"issues": page, "isLast": start + size >= len(found)}
            if not body["isLast"]:
                token = f"tok{len(self.tokens) + 1:04d}"
                self.tokens[token] = start + size
                body["nextPageToken"] = token
            return json_response(body)
        start = int(request.args.get("startAt", 0))
        body = {
            "expand": "names,schema",
            "startAt": start,
            "maxResults": size,
            "total": len(found),
            "issues": found[start : start + size],
        }
        return json_response(body)

    def search(self, jql: str) -> list[dict[str, Any]]:
        """The issues a JQL of the supported clauses selects, in its order."""
        ordered = _ORDER.search(jql) is not None
        rest = _ORDER.sub("", jql)
        found = list(self.issues)
        if match := _PROJECT.search(rest):
            found = [i for i in found if i["fields"]["project"]["key"] == match["key"].upper()]
            rest = rest.replace(match.group(0), "")
        if match := _UPDATED.search(rest):
            zone = zoneinfo.ZoneInfo(self.time_zone)
            local = dt.datetime.strptime(match["at"], "%Y-%m-%d %H:%M").replace(tzinfo=zone)
            found = [i for i in found if updated(i) >= local]
            rest = rest.replace(match.group(0), "")
        if re.sub(r"[()\s]|\bAND\b", "", rest, flags=re.I):
            raise ValueError(f"Error in the JQL Query: unsupported clause in {jql!r}")
        if ordered:
            found.sort(key=lambda i: (updated(i), i["key"]))
        return found


def updated(issue: dict[str, Any]) -> dt.datetime:
    return dt.datetime.strptime(issue["fields"]["updated"], JIRA_TIME)


def issue(
    key: str,
    created: dt.datetime,
    updated_at: dt.datetime,
    *,
    done: bool = False,
    issue_type: str = "Incident",
    component: str = "checkout",
) -> dict[str, Any]:
    """A search result issue with ``expand=changelog`` (the documented example's fields)."""
    number = int(key.rsplit("-", 1)[1])
    status = (
        {"name": "Done", "statusCategory": {"id": 3, "key": "done", "name": "Done"}}
        if done
        else {"name": "In Progress", "statusCategory": {"id": 4, "key": "indeterminate"}}
    )
    started = created + dt.timedelta(minutes=10)
    histories = [
        {
            "id": f"{number}01",
            "created": started.strftime(JIRA_TIME),
            "items": [{"field": "status", "fromString": "To Do", "toString": "In Progress"}],
        }
    ]
    return {
        "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
        "id": str(10000 + number),
        "self": f"https://acme.atlassian.net/rest/api/3/issue/{10000 + number}",
        "key": key,
        "fields": {
            "summary": f"Checkout failing ({key})",
            "issuetype": {"id": "10004", "name": issue_type, "subtask": False},
            "project": {"id": "10000", "key": key.split("-", maxsplit=1)[0], "name": "Operations"},
            "status": status,
            "priority": {"name": "High", "id": "2"},
            "components": [{"id": "10100", "name": component}],
            "labels": [],
            "created": created.strftime(JIRA_TIME),
            "updated": updated_at.strftime(JIRA_TIME),
            "resolutiondate": updated_at.strftime(JIRA_TIME) if done else None,
            "statuscategorychangedate": (updated_at if done else started).strftime(JIRA_TIME),
        },
        "changelog": {"startAt": 0, "maxResults": 1, "total": 1, "histories": histories},
    }
