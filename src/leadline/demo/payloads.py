"""The vendor payloads of the demo's delivery history: GitHub push, pull_request,
pull_request_review, deployment and deployment_status webhooks, GitLab Push and Deployment Hooks
and PagerDuty v3 incident webhooks, each as a delivery ``{"headers": ..., "body": ...}`` (see
delivery.py), plus the ids and project slugs the demo catalog's annotations name. Deterministic:
ids are hashes of their parts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

ORG = "northwind"


def sha(*parts: Any) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()  # noqa: S324 - ids


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def pagerduty_id(service: str) -> str:
    return "P" + sha("pd", service)[:6].upper()


def project_slug(vendor: str, team_unit: str, service: str) -> str:
    return f"{ORG}/{service}" if vendor == "github" else f"{ORG}/{team_unit}/{service}"


def _repository(service: str) -> dict[str, Any]:
    return {
        "id": int(sha("repo", service)[:7], 16),
        "name": service,
        "full_name": f"{ORG}/{service}",
        "private": True,
        "default_branch": "main",
        "html_url": f"https://github.com/{ORG}/{service}",
    }


def github_push(
    service: str, commits: list[tuple[str, dt.datetime]], pushed: dt.datetime
) -> dict[str, Any]:
    listed = [
        {
            "id": c,
            "tree_id": sha("tree", c),
            "distinct": True,
            "message": f"Change {c[:7]}",
            "timestamp": at.isoformat(),
            "author": {"name": "Dev", "email": "dev@northwind.example"},
        }
        for c, at in sorted(commits, key=lambda item: item[1])
    ]
    body = {
        "ref": "refs/heads/main",
        "before": sha("before", pushed),
        "after": commits[0][0],
        "created": False,
        "deleted": False,
        "forced": False,
        "commits": listed,
        "head_commit": listed[-1],
        "repository": {**_repository(service), "pushed_at": int(pushed.timestamp())},
        "pusher": {"name": "dev"},
    }
    return {
        "headers": {"X-GitHub-Event": "push", "X-GitHub-Delivery": sha("push", service, pushed)},
        "body": body,
    }


def github_deployment(
    service: str,
    number: int,
    *,
    commit: str,
    started: dt.datetime,
    finished: dt.datetime,
    status: str,
    kind: str | None,
) -> list[dict[str, Any]]:
    deployment = {
        "id": number,
        "sha": commit,
        "ref": "main",
        "task": "deploy:hotfix" if kind == "hotfix" else "deploy",
        "environment": "production",
        "payload": {},
        "description": "rollback to previous release" if kind == "rollback" else None,
        "created_at": iso(started),
        "updated_at": iso(started),
    }
    deliveries = [
        {
            "headers": {"X-GitHub-Event": "deployment", "X-GitHub-Delivery": sha("dep", number)},
            "body": {
                "action": "created",
                "deployment": deployment,
                "repository": _repository(service),
            },
        }
    ]
    for state, at in (("in_progress", started + dt.timedelta(seconds=30)), (status, finished)):
        deliveries.append(
            {
                "headers": {
                    "X-GitHub-Event": "deployment_status",
                    "X-GitHub-Delivery": sha("status", number, state),
                },
                "body": {
                    "action": "created",
                    "deployment": deployment,
                    "deployment_status": {
                        "id": int(sha(number, state)[:8], 16),
                        "state": state,
                        "environment": "production",
                        "created_at": iso(at),
                        "updated_at": iso(at),
                    },
                    "repository": _repository(service),
                },
            }
        )
    return deliveries


def github_pull_request(
    service: str,
    number: int,
    *,
    merge_sha: str,
    times: dict[str, dt.datetime],
    size: tuple[int, int, int],
    reviewer: str | None,
) -> list[tuple[dt.datetime, dict[str, Any]]]:
    """A pull request's life as (time, delivery): ``pull_request`` opened, a
    ``pull_request_review`` when ``reviewer`` (at ``times["review"]``), and ``closed`` merged
    at ``times["merged"]`` into ``main`` as ``merge_sha``. ``size``: additions, deletions,
    files."""
    opened, merged = times["opened"], times["merged"]
    pull: dict[str, Any] = {
        "number": number,
        "title": f"Change {merge_sha[:7]}",
        "user": {"login": "dev"},
        "state": "open",
        "created_at": iso(opened),
        "updated_at": iso(opened),
        "merged_at": None,
        "merged": False,
        "merge_commit_sha": None,
        "base": {"ref": "main"},
        "head": {"ref": f"change-{merge_sha[:7]}"},
        "labels": [],
        "additions": size[0],
        "deletions": size[1],
        "changed_files": size[2],
    }

    def delivery(event: str, at: dt.datetime, body: dict[str, Any]) -> tuple[dt.datetime, Any]:
        headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": sha(event, service, number, at)}
        return at, {"headers": headers, "body": {**body, "repository": _repository(service)}}

    out = [delivery("pull_request", opened, {"action": "opened", "pull_request": pull})]
    if reviewer is not None:
        review = {
            "id": int(sha("review", service, number)[:8], 16),
            "user": {"login": reviewer},
            "state": "approved",
            "submitted_at": iso(times["review"]),
        }
        body = {"action": "submitted", "review": review, "pull_request": pull}
        out.append(delivery("pull_request_review", times["review"], body))
    closed = pull | {
        "state": "closed",
        "updated_at": iso(merged),
        "closed_at": iso(merged),
        "merged_at": iso(merged),
        "merged": True,
        "merge_commit_sha": merge_sha,
    }
    out.append(delivery("pull_request", merged, {"action": "closed", "pull_request": closed}))
    return out


def _project(unit: str, service: str) -> dict[str, Any]:
    return {
        "id": int(sha("project", service)[:6], 16),
        "name": service,
        "path_with_namespace": f"{ORG}/{unit}/{service}",
        "default_branch": "main",
        "web_url": f"https://gitlab.com/{ORG}/{unit}/{service}",
    }


def _gitlab_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def gitlab_push(
    unit: str, service: str, commits: list[tuple[str, dt.datetime]], pushed: dt.datetime
) -> dict[str, Any]:
    listed = [
        {
            "id": c,
            "message": f"Change {c[:7]}",
            "title": f"Change {c[:7]}",
            "timestamp": at.isoformat(),
            "author": {"name": "Dev", "email": "[REDACTED]"},
        }
        for c, at in sorted(commits, key=lambda item: item[1])
    ]
    body = {
        "object_kind": "push",
        "event_name": "push",
        "before": sha("before", pushed),
        "after": commits[0][0],
        "ref": "refs/heads/main",
        "checkout_sha": commits[0][0],
        "project": _project(unit, service),
        "commits": listed,
        "total_commits_count": len(listed),
    }
    return {
        "headers": {
            "X-Gitlab-Event": "Push Hook",
            "X-Gitlab-Event-UUID": sha("glpush", service, pushed),
        },
        "body": body,
    }


def gitlab_deployment(
    unit: str,
    service: str,
    *,
    number: int,
    commit: str,
    started: dt.datetime,
    finished: dt.datetime,
    status: str,
    kind: str | None,
) -> list[dict[str, Any]]:
    out = []
    for state, at in (
        ("running", started),
        ("success" if status == "success" else "failed", finished),
    ):
        body = {
            "object_kind": "deployment",
            "status": state,
            "status_changed_at": _gitlab_time(at),
            "deployment_id": number,
            "deployable_id": number * 10,
            "deployable_url": f"https://gitlab.com/{ORG}/{unit}/{service}/-/jobs/{number}",
            "environment": "production",
            "project": _project(unit, service),
            "short_sha": commit[:8],
            "commit_url": f"https://gitlab.com/-/commit/{commit}",
            "commit_title": (
                "Hotfix" if kind == "hotfix" else "Rollback" if kind == "rollback" else "Release"
            ),
        }
        out.append(
            {
                "headers": {
                    "X-Gitlab-Event": "Deployment Hook",
                    "X-Gitlab-Event-UUID": sha("gldep", number, state),
                },
                "body": body,
            }
        )
    return out


def pagerduty_event(
    service: str,
    incident_id: str,
    *,
    number: int,
    event_type: str,
    started: dt.datetime,
    at: dt.datetime,
) -> dict[str, Any]:
    status = "resolved" if event_type == "incident.resolved" else "triggered"
    incident = {
        "id": incident_id,
        "type": "incident",
        "number": number,
        "title": f"{service} degraded",
        "status": status,
        "urgency": "high",
        "created_at": iso(started),
        "service": {"id": pagerduty_id(service), "type": "service_reference", "summary": service},
        "html_url": f"https://northwind.pagerduty.com/incidents/{incident_id}",
    }
    event_id = "01" + sha("pd-event", incident_id, event_type)[:24].upper()
    return {
        "headers": {"X-Webhook-Id": event_id},
        "body": {
            "event": {
                "id": event_id,
                "event_type": event_type,
                "resource_type": "incident",
                "occurred_at": iso(at),
                "agent": None,
                "client": None,
                "data": incident,
            }
        },
    }
