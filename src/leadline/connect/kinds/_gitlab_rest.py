"""What the ``gitlab`` kind's project and group streams share: the REST lists' paging (a
keyset by ``updated_after``) and each REST item as the webhook delivery the ``gitlab`` ingest
source reads (so a synced fact is the fact the same payload gives from a file)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from leadline.connect.client import ApiClient, ConnectError
from leadline.connect.dialects import field_of, time_of
from leadline.connect.kinds.base import ConnectionSpec, iso

SOURCE = "gitlab"
PER_PAGE = 100
OVERLAP = dt.timedelta(seconds=1)
PROJECT_KEYS = ("id", "name", "path_with_namespace", "default_branch", "web_url")
# stream: (REST list, its query, the X-Gitlab-Event of the delivery it becomes); the same
# list exists per project and (merge requests, incidents) per group, with the same items.
STREAMS: dict[str, tuple[str, dict[str, str], str]] = {
    "deployments": ("deployments", {}, "Deployment Hook"),
    "merge_requests": ("merge_requests", {"state": "all", "scope": "all"}, "Merge Request Hook"),
    "incidents": ("issues", {"issue_type": "incident", "scope": "all"}, "Issue Hook"),
}
Stamped = tuple[dt.datetime, str, dict[str, Any]]  # (updated_at, id, item)


def pages(
    client: ApiClient,
    url: str,
    stream: str,
    start: dt.datetime,
    what: str,
    *,
    extra: Mapping[str, str] | None = None,
) -> Iterator[list[Stamped]]:
    """A stream's items from ``start`` on, one list page at a time, oldest first.

    Pages are asked by moving ``updated_after`` (inclusive, as GitLab documents) to the newest
    item read, less a second, not by page number: with page numbers an item updated while the
    run pages moves to the end and shifts an unread one back onto a page already read, which
    would be skipped for good. The overlap's items come again; the caller's mark skips them.
    Only a whole page inside one second (a bulk update) is followed by GitLab's ``Link``."""
    _rest, query, _event = STREAMS[stream]
    params: dict[str, Any] = {**query, **(extra or {}), "order_by": "updated_at", "sort": "asc"}
    params["per_page"] = PER_PAGE
    after = start - OVERLAP
    asked: tuple[str, dict[str, Any] | None] = (url, {**params, "updated_after": iso(after)})
    while True:
        response = client.get(asked[0], params=asked[1])
        items = response.json()
        if not isinstance(items, list):
            raise ConnectError(f"{what}: the answer is not a list")
        stamped = [(time_of(i, "updated_at", what), str(field_of(i, "id", what)), i) for i in items]
        yield stamped
        following = response.links.get("next", {}).get("url")
        if not following or not stamped:
            return
        newest = max(at for at, _, _ in stamped)
        if newest - OVERLAP > after:
            after = newest - OVERLAP
            asked = (url, {**params, "updated_after": iso(after)})
        else:
            asked = (following, None)


def history_start(conn: ConnectionSpec, client: ApiClient) -> dt.datetime:
    """Where a first run (or ``--full``) starts: ``--history-days`` before now."""
    now = dt.datetime.fromtimestamp(client.clock.time(), dt.UTC)
    return now - dt.timedelta(days=int(conn.option("history-days", 365)))


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def project_of(item: Mapping[str, Any]) -> dict[str, Any]:
    """A project as a webhook names it (and as the ``<name>:project`` cursor keeps it)."""
    return {key: item.get(key) for key in PROJECT_KEYS}


def delivery(
    stream: str, event: str, project: Mapping[str, Any], item: Mapping[str, Any]
) -> dict[str, Any]:
    """A REST item as the webhook delivery the ``gitlab`` source reads."""
    key = f"api:{stream}:{project['id']}:{item['id']}@{item['updated_at']}"
    build = {"deployments": deployment_hook, "merge_requests": merge_request_hook}
    body = build.get(stream, incident_hook)(project, item)
    body["api_item"] = dict(item)
    return {"headers": {"x-gitlab-event": event, "idempotency-key": key}, "body": body}


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
        "project": project_of(project),
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
        "project": project_of(project),
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
        "project": project_of(project),
        "object_attributes": attrs,
        "labels": _labels(item),
    }
