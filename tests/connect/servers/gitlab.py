"""A GitLab REST API v4 test server (GitLab.com or self-managed), as GitLab documents it:

- auth: ``PRIVATE-TOKEN: <token>`` or ``Authorization: Bearer <token>``, else 401
  ``{"message": "401 Unauthorized"}``;
- offset pagination: ``page``/``per_page`` (default 20, at most 100), answered with ``Link``
  (``rel="next"``, ``"prev"``, ``"first"``, ``"last"``) and ``x-next-page``, ``x-page``,
  ``x-per-page``, ``x-prev-page``, ``x-total``, ``x-total-pages``;
- rate limits: ``RateLimit-Limit``, ``RateLimit-Observed``, ``RateLimit-Remaining``,
  ``RateLimit-Reset`` (epoch seconds) and ``RateLimit-ResetTime`` on every answer; over the
  budget, 429 with ``Retry-After`` and the same headers;
- ``GET /groups/:id`` (id or URL-encoded path: ``full_path``), ``GET /groups/:id/projects``
  (``include_subgroups``; ``archived``; ``with_shared``, default true: projects shared with
  the group too), ``GET /projects/:id`` (id or URL-encoded path), and per project
  ``deployments``, ``merge_requests`` and ``issues`` filtered by ``updated_after`` (on or
  after, as documented) and ordered by ``order_by=updated_at&sort=asc``; issues by
  ``issue_type``; merge requests by ``state``;
- per group ``merge_requests`` and ``issues``: the items of the group's and its subgroups'
  projects (not of projects shared with it), from non-archived projects unless
  ``non_archived=false``, filtered, ordered and paged as the project lists.

Payloads follow the documentation's example responses (``deployment``, ``merge_request``,
``incident`` build them)."""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from tests.connect.servers.vendor import VendorServer, iso, json_response, parse_time

TOKEN = "glpat-test-token-0001"
_GROUP = re.compile(r"^/api/v4/groups/(?P<group>.+)/projects$")
_GROUP_LIST = re.compile(r"^/api/v4/groups/(?P<group>.+)/(?P<kind>merge_requests|issues)$")
_GROUP_INFO = re.compile(r"^/api/v4/groups/(?P<group>[^/]+(?:/[^/]+)*)$")
_LIST = re.compile(
    r"^/api/v4/projects/(?P<project>.+)/(?P<kind>deployments|merge_requests|issues)$"
)
_PROJECT = re.compile(r"^/api/v4/projects/(?P<project>.+)$")


class GitLabServer(VendorServer):
    name = "gitlab"

    def __init__(self) -> None:
        super().__init__()
        self.projects: dict[str, dict[str, Any]] = {}  # path_with_namespace -> project
        self.groups: dict[str, list[str]] = {}  # group path -> project paths
        self.group_ids: dict[str, int] = {}  # group path -> id
        self.shared: dict[str, list[str]] = {}  # group path -> projects shared with it
        self.items: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (project, kind) -> items
        self.limit = 2000  # requests per window (RateLimit-Limit)
        self.remaining: int | None = None  # None: never runs out
        self.window = 60.0
        self.now: Callable[[], float] = time.time
        self.reset_at = 0.0
        self.after_page: Callable[[], None] | None = None  # called once a list page is built

    # --- data -------------------------------------------------------------------------------

    def add_project(self, path: str, project_id: int, default_branch: str = "main") -> None:
        """A project, listed by its group and (with ``include_subgroups``) every ancestor."""
        self.projects[path] = project(path, project_id, self.url, default_branch)
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            group = "/".join(parts[:depth])
            self.groups.setdefault(group, []).append(path)
            self.group_ids.setdefault(group, 500 + len(self.group_ids))

    def archive(self, path: str) -> None:
        self.projects[path]["archived"] = True

    def share(self, path: str, group: str) -> None:
        """Share a project with a group outside its own (listed by the group's projects)."""
        self.shared.setdefault(group, []).append(path)

    def add(self, path: str, kind: str, *items: dict[str, Any]) -> None:
        """Items of a project's list; merge requests and issues name their project by id."""
        if kind != "deployments":
            items = tuple({**i, "project_id": self.projects[path]["id"]} for i in items)
        self.items.setdefault((path, kind), []).extend(items)

    # --- protocol ---------------------------------------------------------------------------

    def authorised(self, request: Request) -> bool:
        given = request.headers.get("PRIVATE-TOKEN") or ""
        bearer = request.headers.get("Authorization") or ""
        return given == TOKEN or bearer == f"Bearer {TOKEN}"

    def rate_headers(self) -> dict[str, str]:
        now = self.now()
        if now >= self.reset_at:
            self.reset_at = math.floor(now) + self.window
        remaining = self.limit if self.remaining is None else self.remaining
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Observed": str(self.limit - remaining),
            "RateLimit-Remaining": str(remaining),
            "RateLimit-Reset": str(int(self.reset_at)),
            "RateLimit-ResetTime": email.utils.formatdate(self.reset_at, usegmt=True),
        }

    def rate_limited(self) -> tuple[int, dict[str, str], Any]:
        headers = self.rate_headers() | {"RateLimit-Remaining": "0"}
        headers["Retry-After"] = str(max(int(self.reset_at - self.now()), 1))
        return 429, headers, {"message": "Retry later"}

    def route(self, request: Request) -> Response:
        if self.remaining is not None:
            if self.remaining <= 0 and self.now() < self.reset_at:
                status, headers, body = self.rate_limited()
                return json_response(body, status, headers)
            if self.remaining <= 0:
                self.remaining = self.limit
            self.remaining -= 1
        path = request.path
        if match := _GROUP.match(path):
            group = self.group(match["group"])
            if group is None:
                return json_response({"message": "404 Group Not Found"}, 404)
            paths = self.groups[group]
            if request.args.get("include_subgroups") != "true":
                paths = [p for p in paths if p.rsplit("/", 1)[0] == group]
            if request.args.get("with_shared", "true") == "true":
                paths = paths + self.shared.get(group, [])
            found = [self.projects[p] for p in paths]
            if request.args.get("archived") in ("true", "false"):
                archived = request.args["archived"] == "true"
                found = [p for p in found if p["archived"] == archived]
            return self.paged(request, found)
        if match := _GROUP_LIST.match(path):
            group = self.group(match["group"])
            if group is None:
                return json_response({"message": "404 Group Not Found"}, 404)
            projects = [self.projects[p] for p in self.groups[group]]
            if request.args.get("non_archived", "true") == "true":
                projects = [p for p in projects if not p["archived"]]
            kind = match["kind"]
            items = [
                i for p in projects for i in self.items.get((p["path_with_namespace"], kind), [])
            ]
            response = self.paged(request, self.filtered(request, kind, items))
            if self.after_page is not None:
                self.after_page()
            return response
        if match := _GROUP_INFO.match(path):
            group = self.group(match["group"])
            if group is None:
                return json_response({"message": "404 Group Not Found"}, 404)
            info = {"id": self.group_ids[group], "path": group.rsplit("/", 1)[-1]}
            info |= {"full_path": group, "web_url": f"{self.url}/groups/{group}"}
            return json_response(info, headers=self.rate_headers())
        if match := _LIST.match(path):
            found = self.find(match["project"])
            if found is None:
                return json_response({"message": "404 Project Not Found"}, 404)
            items = self.items.get((found["path_with_namespace"], match["kind"]), [])
            response = self.paged(request, self.filtered(request, match["kind"], items))
            if self.after_page is not None:
                self.after_page()
            return response
        if match := _PROJECT.match(path):
            found = self.find(match["project"])
            if found is None:
                return json_response({"message": "404 Project Not Found"}, 404)
            return json_response(found, headers=self.rate_headers())
        return json_response({"error": "404 Not Found"}, 404)

    def group(self, key: str) -> str | None:
        """A group's path from its id or (URL-decoded) path."""
        if key.isdigit():
            return next((g for g, i in self.group_ids.items() if i == int(key)), None)
        return key if key in self.groups else None

    def find(self, key: str) -> dict[str, Any] | None:
        if key.isdigit():
            return next((p for p in self.projects.values() if p["id"] == int(key)), None)
        return self.projects.get(key)

    def filtered(self, request: Request, kind: str, items: list[dict[str, Any]]) -> list[Any]:
        after = request.args.get("updated_after")
        out = list(items)
        if after:
            moment = parse_time(after)
            out = [i for i in out if _updated(i) >= moment]
        if kind == "issues" and request.args.get("issue_type"):
            out = [i for i in out if i["issue_type"] == request.args["issue_type"]]
        state = request.args.get("state")
        if kind == "merge_requests" and state and state != "all":
            out = [i for i in out if i["state"] == state]
        if request.args.get("order_by") == "updated_at":
            out.sort(key=lambda i: (_updated(i), i["id"]))
            if request.args.get("sort", "desc") == "desc":
                out.reverse()
        return out

    def paged(self, request: Request, items: list[Any]) -> Response:
        per_page = min(max(int(request.args.get("per_page", 20)), 1), 100)
        page = max(int(request.args.get("page", 1)), 1)
        total_pages = max(math.ceil(len(items) / per_page), 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        base = f"{self.url}{request.path}"

        def link(number: int) -> str:
            query = {**request.args.to_dict(), "page": number, "per_page": per_page}
            return f"{base}?{urlencode(query)}"

        rels = [(page + 1, "next")] if page < total_pages else []
        rels += [(page - 1, "prev")] if page > 1 else []
        rels += [(1, "first"), (total_pages, "last")]
        headers = self.rate_headers() | {
            "Link": ", ".join(f'<{link(n)}>; rel="{rel}"' for n, rel in rels),
            "x-next-page": str(page + 1) if page < total_pages else "",
            "x-page": str(page),
            "x-per-page": str(per_page),
            "x-prev-page": str(page - 1) if page > 1 else "",
            "x-total": str(len(items)),
            "x-total-pages": str(total_pages),
        }
        return json_response(chunk, headers=headers)


def _updated(item: dict[str, Any]) -> dt.datetime:
    """An item's ``updated_at``; a broken item without one sorts last (tests send such)."""
    text = item.get("updated_at")
    return parse_time(text) if text else dt.datetime.max.replace(tzinfo=dt.UTC)


# --- payloads shaped like GitLab's documented examples -----------------------------------------


def project(path: str, project_id: int, base: str, default_branch: str = "main") -> dict[str, Any]:
    namespace, name = path.rsplit("/", 1)
    return {
        "id": project_id,
        "description": None,
        "name": name,
        "name_with_namespace": f"{namespace} / {name}",
        "path": name,
        "path_with_namespace": path,
        "created_at": "2025-01-10T09:00:00.000Z",
        "default_branch": default_branch,
        "web_url": f"{base}/{path}",
        "namespace": {"id": 9, "name": namespace, "path": namespace, "kind": "group"},
        "last_activity_at": "2026-03-02T12:00:00.000Z",
        "archived": False,
    }


def deployment(
    deployment_id: int,
    iid: int,
    sha: str,
    status: str,
    updated: dt.datetime,
    *,
    environment: str = "production",
    title: str = "Deploy",
) -> dict[str, Any]:
    """A ``GET /projects/:id/deployments`` item (the documented example's fields)."""
    created = updated - dt.timedelta(minutes=3)
    return {
        "id": deployment_id,
        "iid": iid,
        "ref": "main",
        "sha": sha,
        "created_at": iso(created),
        "updated_at": iso(updated),
        "finished_at": iso(updated) if status in ("success", "failed", "canceled") else None,
        "status": status,
        "user": {"id": 1, "name": "Administrator", "username": "root", "state": "active"},
        "environment": {"id": 9, "name": environment, "tier": "production"},
        "deployable": {
            "id": 7000 + deployment_id,
            "status": status,
            "stage": "deploy",
            "name": "deploy",
            "ref": "main",
            "tag": False,
            "created_at": iso(created),
            "finished_at": iso(updated),
            "commit": {
                "id": sha,
                "short_id": sha[:8],
                "title": title,
                "message": title,
                "author_name": "Administrator",
                "created_at": iso(created),
            },
            "pipeline": {"id": 36, "ref": "main", "sha": sha, "status": status},
        },
    }


def merge_request(
    iid: int,
    path: str,
    state: str,
    created: dt.datetime,
    updated: dt.datetime,
    *,
    mr_id: int | None = None,
    merge_sha: str | None = None,
    title: str = "Add feature",
    labels: list[str] | None = None,
) -> dict[str, Any]:
    """A ``GET /projects/:id/merge_requests`` item."""
    merged = state == "merged"
    return {
        "id": mr_id or 5000 + iid,
        "iid": iid,
        "project_id": 3,
        "title": title,
        "description": "",
        "state": state,
        "created_at": iso(created),
        "updated_at": iso(updated),
        "merged_at": iso(updated) if merged else None,
        "closed_at": iso(updated) if state == "closed" else None,
        "target_branch": "main",
        "source_branch": f"feature-{iid}",
        "author": {"id": 12, "username": "ana", "name": "Ana"},
        "labels": labels or [],
        "draft": False,
        "sha": f"{iid:040x}",
        "merge_commit_sha": merge_sha if merged else None,
        "squash_commit_sha": None,
        "reference": f"!{iid}",
        "references": {"short": f"!{iid}", "relative": f"!{iid}", "full": f"{path}!{iid}"},
        "web_url": f"https://gitlab.example.com/{path}/-/merge_requests/{iid}",
    }


def incident(
    iid: int,
    path: str,
    created: dt.datetime,
    updated: dt.datetime,
    *,
    closed: dt.datetime | None = None,
    severity: str = "CRITICAL",
    title: str = "Checkout down",
) -> dict[str, Any]:
    """A ``GET /projects/:id/issues?issue_type=incident`` item."""
    return {
        "id": 9000 + iid,
        "iid": iid,
        "project_id": 3,
        "title": title,
        "description": "",
        "state": "closed" if closed else "opened",
        "created_at": iso(created),
        "updated_at": iso(updated),
        "closed_at": iso(closed) if closed else None,
        "labels": [],
        "type": "INCIDENT",
        "issue_type": "incident",
        "severity": severity,
        "author": {"id": 12, "username": "ana", "name": "Ana"},
        "web_url": f"https://gitlab.example.com/{path}/-/issues/{iid}",
        "references": {"short": f"#{iid}", "relative": f"#{iid}", "full": f"{path}#{iid}"},
    }
