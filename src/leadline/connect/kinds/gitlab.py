"""``gitlab``: a group's projects (subgroups included) or listed projects, on GitLab.com or a
self-managed instance (``--base-url``), pulled through GitLab's REST API v4 and landed through
the ``gitlab`` ingest source (the webhook receiver's), so a synced fact is the fact the same
payload gives from a file (``leadline ingest gitlab``).

Per project, three streams, each asked ``updated_after`` its cursor (a first run or ``--full``:
``--history-days`` back, 365) and ordered
``order_by=updated_at&sort=asc``, ``per_page=100``, following the ``Link`` header:

- ``GET /projects/:id/deployments``: each becomes a ``Deployment Hook`` delivery (status,
  ``status_changed_at`` = the deployment's ``updated_at``, environment, full sha);
- ``GET /projects/:id/merge_requests?state=all``: a ``Merge Request Hook`` delivery (action
  ``merge`` once merged, so the merge is a change; every state feeds the cycle-time tables);
- ``GET /projects/:id/issues?issue_type=incident``: an ``Issue Hook`` delivery of type Incident
  (resolved at ``closed_at``).

Pages are asked by moving ``updated_after`` past the newest item read (a keyset by the
filter), so an item updated mid-run cannot shift another out of view as page numbers would.
REST items name their project only by id, so each delivery carries the project as a webhook
does (path, default branch, URL: from ``GET /projects/:id`` or the group's project list) and
keeps the REST item verbatim under ``api_item``. Its delivery id (``Idempotency-Key``) is
``api:<stream>:<project id>:<item id>@<updated_at>``: a re-pull stores nothing twice, a change
lands as a newer observation. Each page is one batch with its cursor (``dialects.Mark``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from leadline.connect.client import ApiClient, ConnectError
from leadline.connect.dialects import Mark, dialect_client, field_of, slug, start_of, time_of
from leadline.connect.kinds.base import (
    ConnectionSpec,
    Cursors,
    KindOption,
    Pull,
    json_file,
    register_kind,
)

SOURCE = "gitlab"
PER_PAGE = 100
OVERLAP = dt.timedelta(seconds=1)
# stream: (REST path, its query, the X-Gitlab-Event of the delivery it becomes)
STREAMS: dict[str, tuple[str, dict[str, str], str]] = {
    "deployments": ("deployments", {}, "Deployment Hook"),
    "merge_requests": ("merge_requests", {"state": "all", "scope": "all"}, "Merge Request Hook"),
    "incidents": ("issues", {"issue_type": "incident", "scope": "all"}, "Issue Hook"),
}
PROJECT_KEYS = ("id", "name", "path_with_namespace", "default_branch", "web_url")
SCOPES = (
    "A personal, group or project access token with the read_api scope (read-only REST "
    "access; `read_repository` is not needed) whose user or bot has at least the Reporter "
    "role on the group or projects (Guests cannot list deployments or confidential incidents)."
)


@register_kind
class GitLabKind:
    name = "gitlab"
    summary = "GitLab projects (a group or a list): deployments, merge requests and incidents"
    options = (
        KindOption("group", "A group (path or id): its projects and its subgroups' projects."),
        KindOption("project", "A project (group/name or id); repeat for several.", multiple=True),
        KindOption(
            "base-url",
            "The instance for self-managed GitLab (e.g. https://gitlab.example.com).",
            default="https://gitlab.com",
        ),
        KindOption("history-days", "How far back a first run reaches (days; default 365)."),
    )
    scopes_doc = SCOPES
    needs_token = True

    def check(self, options: Mapping[str, Any]) -> list[str]:
        if not options.get("group") and not options.get("project"):
            return ["gitlab needs --group or at least one --project"]
        url = str(options.get("base-url") or "https://gitlab.com")
        if not url.startswith(("http://", "https://")):
            return [f"--base-url {url!r} is not an http(s) URL"]
        return []

    def client(self, conn: ConnectionSpec) -> ApiClient:
        base = str(conn.option("base-url", "https://gitlab.com")).rstrip("/")
        return dialect_client("gitlab", f"{base}/api/v4", {"PRIVATE-TOKEN": conn.secret() or ""})

    def pull(
        self,
        conn: ConnectionSpec,
        cursors: Cursors,
        client: ApiClient | None,
        since: dt.datetime | None,
        full: bool,
    ) -> Iterator[Pull]:
        assert client is not None
        found, fetched = projects(conn, cursors, client)
        if fetched:  # listed projects asked now: kept, so later runs need not ask again
            yield Pull(SOURCE, [], fetched, label="projects")
        for project in found:
            path = str(project["path_with_namespace"])
            for stream in STREAMS:
                key = f"{path}:{stream}"
                yield from pull_stream(
                    conn, project, stream, cursors.get(key), client, since=since, full=full
                )


def projects(
    conn: ConnectionSpec, cursors: Cursors, client: ApiClient
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The connection's projects (id, path, default branch, URL), and the cursors of listed
    projects asked now: a group's are listed on each run (new projects join); listed ones are
    asked once and kept in a ``<name>:project`` cursor."""
    found: dict[str, dict[str, Any]] = {}
    fetched: dict[str, dict[str, Any]] = {}
    group = conn.option("group")
    if group:
        url = f"/groups/{quote(str(group), safe='')}/projects"
        params = {"include_subgroups": "true", "archived": "false", "per_page": PER_PAGE}
        for page in client.links(url, params):
            for item in page.items:
                found[str(item["path_with_namespace"])] = _project(item)
    for name in conn.option("project", []):
        known = cursors.get(f"{name}:project")
        if known and known.get("path_with_namespace"):
            found[str(known["path_with_namespace"])] = dict(known)
            continue
        item = _project(client.get(f"/projects/{quote(str(name), safe='')}").json())
        found[str(item["path_with_namespace"])] = fetched[f"{name}:project"] = item
    return [found[path] for path in sorted(found)], fetched


def _project(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: item.get(key) for key in PROJECT_KEYS}


def pull_stream(
    conn: ConnectionSpec,
    project: dict[str, Any],
    stream: str,
    cursor: Mapping[str, Any] | None,
    client: ApiClient,
    *,
    since: dt.datetime | None,
    full: bool,
) -> Iterator[Pull]:
    """One page of one stream per pull, its cursor advanced past the page's new items.

    Pages are asked by moving ``updated_after`` to the newest item read (less a second), not
    by page number: with page numbers an item updated while the run pages moves to the end
    and shifts an unread one back onto a page already read, which would be skipped for good.
    The overlap's items were landed and are skipped by the mark."""
    path = str(project["path_with_namespace"])
    rest, query, event = STREAMS[stream]
    mark = Mark() if full or since is not None else Mark.of(cursor)
    start = start_of(cursor, "updated", since, full)
    if start is None:  # a first run, or --full: the history window
        now = dt.datetime.fromtimestamp(client.clock.time(), dt.UTC)
        start = now - dt.timedelta(days=int(conn.option("history-days", 365)))
    params: dict[str, Any] = {**query, "order_by": "updated_at", "sort": "asc"}
    params["per_page"] = PER_PAGE
    url = f"/projects/{project['id']}/{rest}"
    what = f"GitLab {rest} of {path}"
    after = start - OVERLAP
    asked: tuple[str, dict[str, Any] | None] = (url, {**params, "updated_after": _text(after)})
    while True:
        response = client.get(asked[0], params=asked[1])
        items = response.json()
        if not isinstance(items, list):
            raise ConnectError(f"{what}: the answer is not a list")
        stamped = [(time_of(i, "updated_at", what), str(field_of(i, "id", what)), i) for i in items]
        new = [(at, item_id, i) for at, item_id, i in stamped if mark.is_new(at, item_id)]
        if new:
            mark = mark.advanced([(at, item_id) for at, item_id, _ in new])
            deliveries = [delivery(stream, event, project, item) for _, _, item in new]
            first, last = new[0][0], new[-1][0]
            name = f"{slug(conn.name)}-{slug(path)}-{stream}-{_stamp(first)}-{_stamp(last)}"
            updates = {f"{path}:{stream}": mark.cursor()}
            files = [json_file(f"{name}.json", deliveries)]
            yield Pull(SOURCE, files, updates, label=f"{path} {stream}")
        following = response.links.get("next", {}).get("url")
        if not following:
            return
        newest = max(at for at, _, _ in stamped)
        if newest - OVERLAP > after:  # ask again from the newest: keyset paging by the filter
            after = newest - OVERLAP
            asked = (url, {**params, "updated_after": _text(after)})
        else:  # a whole page within the overlap (a bulk update): on by GitLab's Link
            asked = (following, None)


def _text(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def delivery(
    stream: str, event: str, project: Mapping[str, Any], item: Mapping[str, Any]
) -> dict[str, Any]:
    """A REST item as the webhook delivery the ``gitlab`` source reads."""
    key = f"api:{stream}:{project['id']}:{item['id']}@{item['updated_at']}"
    build = {"deployments": deployment_hook, "merge_requests": merge_request_hook}
    body = build.get(stream, incident_hook)(project, item)
    body["api_item"] = dict(item)
    return {"headers": {"x-gitlab-event": event, "idempotency-key": key}, "body": body}


def _hook_project(project: Mapping[str, Any]) -> dict[str, Any]:
    return {key: project.get(key) for key in PROJECT_KEYS}


def _labels(item: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"title": str(label)} for label in item.get("labels") or []]


def deployment_hook(project: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    """``GET /deployments`` item -> Deployment Hook: its status as of ``updated_at``."""
    sha = str(item.get("sha") or "")
    environment = item.get("environment") or {}
    deployable = item.get("deployable") or {}
    commit = deployable.get("commit") or {}
    return {
        "object_kind": "deployment",
        "status": item.get("status"),
        "status_changed_at": item.get("updated_at"),
        "deployment_id": item.get("id"),
        "deployable_id": deployable.get("id"),
        "environment": environment.get("name"),
        "environment_tier": environment.get("tier"),
        "project": _hook_project(project),
        "short_sha": sha[:8] or None,
        "commit_url": f"{project.get('web_url')}/-/commit/{sha}" if sha else None,
        "commit_title": commit.get("title"),
        "user": item.get("user"),
    }


def merge_request_hook(project: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    """``GET /merge_requests`` item -> Merge Request Hook (action ``merge`` once merged)."""
    state = str(item.get("state") or "")
    if state == "merged":
        action = "merge"
    elif state == "closed":
        action = "close"
    else:
        action = "open" if item.get("created_at") == item.get("updated_at") else "update"
    author = item.get("author") or {}
    attrs = {
        "id": item.get("id"),
        "iid": item.get("iid"),
        "title": item.get("title"),
        "description": item.get("description"),
        "state": state,
        "action": action,
        "created_at": item.get("created_at"),
        "updated_at": item.get("updated_at"),
        "merged_at": item.get("merged_at"),
        "merge_commit_sha": item.get("merge_commit_sha") or item.get("squash_commit_sha"),
        "last_commit": {"id": item.get("sha")},
        "target_branch": item.get("target_branch"),
        "source_branch": item.get("source_branch"),
        "author_id": author.get("id"),
        "labels": _labels(item),
        "url": item.get("web_url"),
    }
    return {
        "object_kind": "merge_request",
        "event_type": "merge_request",
        "user": author,
        "project": _hook_project(project),
        "object_attributes": attrs,
        "labels": _labels(item),
    }


def incident_hook(project: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    """``GET /issues?issue_type=incident`` item -> Issue Hook of type Incident."""
    severity = item.get("severity")
    attrs = {
        "id": item.get("id"),
        "iid": item.get("iid"),
        "title": item.get("title"),
        "state": "closed" if item.get("state") == "closed" else "opened",
        "created_at": item.get("created_at"),
        "updated_at": item.get("updated_at"),
        "closed_at": item.get("closed_at"),
        "type": "Incident",
        "issue_type": item.get("issue_type") or "incident",
        "severity": str(severity).lower() if severity else None,
        "labels": _labels(item),
        "url": item.get("web_url"),
    }
    return {
        "object_kind": "issue",
        "event_type": "issue",
        "project": _hook_project(project),
        "object_attributes": attrs,
        "labels": _labels(item),
    }
