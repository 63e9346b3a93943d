"""GitHub webhook deliveries to delivery facts (rows built by ``github_rows``, shared with the
REST export).

Which payload makes which fact (see docs/delivery.md):

- ``push`` to the default branch: one change per commit (pushes elsewhere, tags and deleted
  refs carry nothing measured). ``merged_at`` is the push time: when the commit reached the
  default branch.
- ``pull_request`` closed and merged into the default branch: one change keyed by the merge
  commit, so it merges with the push's row of that commit. ``committed_at`` is the pull
  request's creation, the earliest time of the work a webhook shows; the REST export with the
  pull request's commits (``github-api``) gives the real first commit, and the merge rule keeps
  the earliest.
- ``deployment``: a pending deployment; ``deployment_status``: its outcome. An ``inactive``
  status only says a newer deployment replaced this one, so it never changes the outcome.
- ``workflow_run`` completed, of a deployment workflow on the default branch: a production
  deployment (for teams that deploy from Actions without GitHub deployments).
- ``issues`` labelled as incidents: an incident, resolved when closed, open again when reopened.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from leadline.config import DeliverySettings
from leadline.delivery.events import (
    SUBJECT,
    EventFileSource,
    EventParser,
    Facts,
    FieldMissing,
    ParseContext,
    UnknownEvent,
)
from leadline.delivery.github_rows import (
    PUSH_PATH_KEYS,
    VENDOR,
    change_row,
    change_type_of,
    deployment_change_type,
    deployment_row,
    extra_json,
    label_names,
    listed_paths,
    lookup,
    maybe_time,
    need,
    pull_row,
    repo_of,
    revert_rows,
    status_row,
    to_time,
)
from leadline.delivery.pull_requests import pull_request_event, review_event
from leadline.delivery.schemas import CANCELLED, FAILURE, SUCCESS
from leadline.ingest.registry import register

# A workflow run is a deployment when its workflow's name or file path says so.
DEPLOY_WORKFLOW = re.compile(r"deploy", re.IGNORECASE)
WORKFLOW_ENVIRONMENT = "production"
INCIDENT_ACTIONS = frozenset({"opened", "labeled", "edited", "closed", "reopened"})
# Labels naming a severity: sev1, SEV-2, severity:high, severity/low, P1.
SEVERITY_LABEL = re.compile(r"^(sev(erity)?\s*[-:/_ ]?\s*\w+|p\s*[0-5])$", re.IGNORECASE)
RUN_CONCLUSIONS = {
    "success": SUCCESS,
    "failure": FAILURE,
    "timed_out": FAILURE,
    "startup_failure": FAILURE,
    "cancelled": CANCELLED,
}

# --- webhook events -----------------------------------------------------------------------------


def default_branch_of(payload: Any) -> str:
    """The repository's default branch (``master_branch`` in older push payloads)."""
    branch = lookup(payload, "repository.default_branch") or lookup(
        payload, "repository.master_branch"
    )
    if not branch:
        raise FieldMissing("repository.default_branch")
    return str(branch)


def push_facts(payload: Any, settings: DeliverySettings) -> Facts | None:
    """Commits that reached the default branch; other branches, tags and deletions: None."""
    repo = repo_of(payload)
    ref = need(payload, "ref")
    if payload.get("deleted") or ref != f"refs/heads/{default_branch_of(payload)}":
        return None
    pushed = _push_time(payload)
    facts = Facts()
    for index, commit in enumerate(payload.get("commits") or []):
        path = f"commits[{index}]"
        sha = str(need(commit, "id", f"{path}.id"))
        committed = to_time(commit.get("timestamp"), f"{path}.timestamp")
        extra = {
            "message": str(commit.get("message") or "").split("\n", 1)[0],
            "author": lookup(commit, "author.username") or lookup(commit, "author.name"),
            "pusher": lookup(payload, "pusher.name"),
            "forced": bool(payload.get("forced")),
        }
        facts.changes.append(
            change_row(
                repo,
                sha,
                committed_at=committed,
                merged_at=pushed,
                updated_at=pushed,
                extra=extra,
                paths=listed_paths(commit, PUSH_PATH_KEYS),
            )
        )
    return facts


def _push_time(payload: Any) -> dt.datetime:
    """When the push happened: ``repository.pushed_at`` (epoch seconds in push payloads), else
    the head commit's time."""
    pushed = lookup(payload, "repository.pushed_at")
    if pushed not in (None, ""):
        return to_time(pushed, "repository.pushed_at")
    return to_time(lookup(payload, "head_commit.timestamp"), "head_commit.timestamp")


def pull_request_facts(payload: Any, settings: DeliverySettings) -> Facts | None:
    """The pull request's facts (``pull_requests``, every action) and, once merged into the
    default branch, its change."""
    facts = pull_request_event(payload)
    if payload.get("action") == "closed":
        pull, repo = need(payload, "pull_request"), repo_of(payload)
        row = pull_row(repo, pull, default_branch_of(payload), settings, "pull_request")
        facts.changes.extend([row] if row else [])
        facts.incidents.extend(revert_rows(repo, pull, row, settings))  # a failure signal
    return facts or None


def deployment_facts(payload: Any, settings: DeliverySettings) -> Facts | None:
    """A deployment was created: pending until a status says otherwise."""
    deployment = need(payload, "deployment")
    return Facts(deployments=[deployment_row(repo_of(payload), deployment, "deployment", settings)])


def deployment_status_facts(payload: Any, settings: DeliverySettings) -> Facts | None:
    """A deployment reached a state; the newest status wins when rows merge."""
    deployment = need(payload, "deployment")
    status = need(payload, "deployment_status")
    deployment_id = need(deployment, "id", "deployment.id")
    row = status_row(repo_of(payload), deployment_id, status, "deployment_status", deployment)
    if row is None:
        return None
    need(deployment, "sha", "deployment.sha")
    row["change_type"] = deployment_change_type(deployment, settings)
    return Facts(deployments=[row])


def workflow_run_facts(payload: Any, settings: DeliverySettings) -> Facts | None:
    """A finished run of a deployment workflow on the default branch is a production
    deployment; other runs (tests, other branches, unfinished) carry nothing measured."""
    run = need(payload, "workflow_run")
    if payload.get("action") != "completed" and run.get("status") != "completed":
        return None
    names = [str(run.get(k) or "") for k in ("name", "path")]
    names += [str(lookup(payload, f"workflow.{k}") or "") for k in ("name", "path")]
    if not any(DEPLOY_WORKFLOW.search(n) for n in names):
        return None
    if run.get("head_branch") != default_branch_of(payload):
        return None
    outcome = RUN_CONCLUSIONS.get(str(run.get("conclusion")))
    if outcome is None:  # skipped, neutral, stale: no deployment happened
        return None
    repo = repo_of(payload)
    finished = to_time(run.get("updated_at"), "workflow_run.updated_at")
    started = run.get("run_started_at") or run.get("created_at")
    row = {
        "deployment_id": f"github:{repo.full_name}:run:{need(run, 'id', 'workflow_run.id')}",
        "environment": WORKFLOW_ENVIRONMENT,
        "status": outcome,
        "created_at": maybe_time(started, "workflow_run.run_started_at"),
        "finished_at": finished,
        "commit_sha": str(need(run, "head_sha", "workflow_run.head_sha")),
        "change_type": change_type_of([names[0], str(run.get("display_title") or "")], settings),
        "source": VENDOR,
        "updated_at": finished,
        "extra": extra_json({"workflow": names[0], "path": names[1], "run": run.get("run_number")}),
        SUBJECT: repo.subject,
    }
    return Facts(deployments=[row])


def issues_facts(payload: Any, settings: DeliverySettings) -> Facts | None:
    """An issue labelled as an incident; unlabelled issues and other actions: None."""
    if payload.get("action") not in INCIDENT_ACTIONS:
        return None
    issue = need(payload, "issue")
    labels = label_names(issue.get("labels"))
    wanted = {label.lower() for label in settings.incident_labels}
    if not any(label.lower() in wanted for label in labels):
        return None
    repo = repo_of(payload)
    closed = issue.get("state") == "closed"
    severity = next((label for label in labels if SEVERITY_LABEL.match(label)), None)
    row = {
        "incident_id": f"github:{repo.full_name}:issue:{need(issue, 'number', 'issue.number')}",
        "severity": severity,
        "started_at": to_time(issue.get("created_at"), "issue.created_at"),
        "resolved_at": maybe_time(issue.get("closed_at"), "issue.closed_at") if closed else None,
        "deployment_id": None,
        "title": issue.get("title"),
        "source": VENDOR,
        "updated_at": to_time(issue.get("updated_at"), "issue.updated_at"),
        "extra": extra_json({"number": issue.get("number"), "labels": labels}),
        SUBJECT: repo.subject,
    }
    if closed and row["resolved_at"] is None:
        raise FieldMissing("issue.closed_at")
    return Facts(incidents=[row])


def nothing(payload: Any, settings: DeliverySettings) -> Facts | None:
    """Known events that carry nothing leadline measures (ping, check_run)."""
    return None


HANDLERS: dict[str, Callable[[Any, DeliverySettings], Facts | None]] = {
    "push": push_facts,
    "pull_request": pull_request_facts,
    "pull_request_review": lambda payload, _settings: review_event(payload, "review"),
    "pull_request_review_comment": lambda payload, _settings: review_event(payload, "comment"),
    "deployment": deployment_facts,
    "deployment_status": deployment_status_facts,
    "workflow_run": workflow_run_facts,
    "issues": issues_facts,
    "check_run": nothing,
    "ping": nothing,
}


def infer_event(payload: Any) -> str | None:
    """A bare payload's event by its shape. Order matters: deployment payloads from Actions
    also carry ``workflow_run`` and ``check_run``."""
    if not isinstance(payload, Mapping):
        return None
    keys = payload.keys()
    if {"ref", "commits"} <= keys and ("before" in keys or "after" in keys):
        return "push"
    if {"pull_request", "action"} <= keys and not {"review", "comment"} & keys:
        return "pull_request"
    if {"pull_request", "action", "review"} <= keys:
        return "pull_request_review"
    if {"pull_request", "action", "comment"} <= keys:
        return "pull_request_review_comment"
    if {"deployment_status", "deployment"} <= keys:
        return "deployment_status"
    if "deployment" in keys:
        return "deployment"
    if "workflow_run" in keys:
        return "workflow_run"
    if "check_run" in keys:
        return "check_run"
    issue = payload.get("issue")
    if "action" in keys and isinstance(issue, Mapping) and "pull_request" not in issue:
        return None if "comment" in keys else "issues"
    if {"zen", "hook_id"} <= keys:
        return "ping"
    return None


class GitHubParser(EventParser):
    """GitHub webhook payloads (``X-GitHub-Event``, ``X-GitHub-Delivery``) to facts."""

    source = "github"
    event_header = "x-github-event"
    delivery_header = "x-github-delivery"

    def infer(self, payload: Any) -> str | None:
        return infer_event(payload)

    def normalise(self, event_type: str, payload: Any, ctx: ParseContext) -> Facts | None:
        handler = HANDLERS.get(event_type)
        if handler is None:
            raise UnknownEvent(f"GitHub event {event_type!r} is not one leadline reads")
        if not isinstance(payload, Mapping):
            raise FieldMissing("body", "is not a JSON object")
        return handler(payload, ctx.settings)


@register
class GitHubSource(EventFileSource):
    name = "github"
    summary = (
        "GitHub webhook deliveries (push, pull_request, pull_request_review, "
        "pull_request_review_comment, deployment, deployment_status, workflow_run, issues) "
        "as JSON or NDJSON, bare or with their headers."
    )
    parser = GitHubParser()
    example_file = "webhooks.ndjson"
