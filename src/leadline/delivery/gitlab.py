"""GitLab webhook deliveries to delivery facts (``leadline ingest gitlab FILE...``).

Payload shapes follow GitLab's "Webhook events" documentation. What each event becomes:

- ``push`` to the project's default branch: one change per listed commit (GitLab lists at most
  the newest 20; the git source fills the rest). A push carries no push time, so ``merged_at``
  is the newest commit timestamp of the push. Pushes to other branches are ignored.
- ``merge_request`` with action ``merge`` into the default branch: one change keyed by the
  merge commit (``merge_commit_sha``; for fast-forward merges, which have none, the MR's
  ``last_commit.id``), ``committed_at`` = the MR's creation, ``merged_at`` = ``merged_at`` when
  sent, else ``updated_at`` (the merge updates it). Hotfix labels or branch prefixes set
  ``"hotfix": true`` in ``extra``.
- ``deployment``: one deployment at its status (created/running/blocked -> pending,
  success, failed -> failure, canceled/skipped -> cancelled), finished at ``status_changed_at``.
  The payload has only a short sha; the full one is read from ``commit_url`` when it matches.
  Rollback or hotfix markers in the environment or the deployed commit's title set
  ``change_type``.
- ``pipeline``: accepted and ignored; deployments come from deployment events, which name the
  environment and the outcome directly.
- ``issue`` / ``work_item`` of type Incident, or labelled with an incident label: one incident,
  resolved at ``closed_at`` while closed (a reopen clears it: the newest observation wins).
- ``merge_request`` (every action), approvals and ``note`` events on merge requests: the
  request and its reviews for the cycle-time breakdown (``delivery.merge_requests``).
- ``tag_push`` is known and ignored; any other ``object_kind`` is stored raw as unknown.

Delivery ids: ``Idempotency-Key`` (stable across GitLab's retries), else
``X-Gitlab-Event-UUID``, else ``X-Gitlab-Webhook-UUID``, else a hash of the payload.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from typing import Any

from leadline.catalog.services import Subject
from leadline.config import DeliverySettings
from leadline.delivery.events import (
    SUBJECT,
    Delivery,
    EventFileSource,
    EventParser,
    Facts,
    FieldMissing,
    ParseContext,
    UnknownEvent,
)
from leadline.delivery.github_rows import PUSH_PATH_KEYS, listed_paths
from leadline.delivery.reverts import detect, revert_incident
from leadline.delivery.schemas import CANCELLED, FAILURE, HOTFIX, PENDING, ROLLBACK, SUCCESS
from leadline.ingest.registry import register

SOURCE = "gitlab"
ANNOTATION = "gitlab.com/project-slug"
# X-Gitlab-Event header values to the payload's object_kind.
HOOKS = {
    "push hook": "push",
    "tag push hook": "tag_push",
    "merge request hook": "merge_request",
    "note hook": "note",
    "deployment hook": "deployment",
    "pipeline hook": "pipeline",
    "issue hook": "issue",
    "confidential issue hook": "issue",
}
IGNORED_KINDS = frozenset({"tag_push", "pipeline"})
DEPLOYMENT_STATUSES = {
    "created": PENDING,
    "running": PENDING,
    "blocked": PENDING,
    "success": SUCCESS,
    "failed": FAILURE,
    "canceled": CANCELLED,
    "skipped": CANCELLED,
}
_TIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)"
    r"\s*(?P<zone>Z|UTC|[+-]\d{2}:?\d{2})?$"
)


def utc_time(value: Any, field_name: str) -> dt.datetime:
    """A UTC-aware datetime from the timestamp styles vendors send: ``2021-06-10 19:14:09
    UTC``, ``2021-06-10T19:14:09Z``, ``2021-04-28 21:50:00 +0200``, ``...+02:00``, fractions.
    Without a zone the time is read as UTC. Anything else rejects the delivery, naming the
    field, because a guessed time would silently skew lead times."""
    if value is None or value == "":
        raise FieldMissing(field_name)
    match = _TIME.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise FieldMissing(field_name, "is not a timestamp", value)
    zone = match["zone"] or "Z"
    if zone in ("Z", "UTC"):
        zone = "+00:00"
    elif ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    try:
        parsed = dt.datetime.fromisoformat(f"{match['date']}T{match['time']}{zone}")
    except ValueError:
        raise FieldMissing(field_name, "is not a timestamp", value) from None
    return parsed.astimezone(dt.UTC)


def optional_time(value: Any, field_name: str) -> dt.datetime | None:
    """Like ``utc_time`` for fields that may be absent or null."""
    return None if value is None or value == "" else utc_time(value, field_name)


def need(mapping: Any, path: str) -> Any:
    """The value at a dotted path (``project.path_with_namespace``); FieldMissing names the
    whole path when any step is absent or null, so the reject says exactly what to fix."""
    value = mapping
    for step in path.split("."):
        if not isinstance(value, dict) or value.get(step) in (None, ""):
            raise FieldMissing(path)
        value = value[step]
    return value


def extra_json(**values: Any) -> str:
    """``extra`` as compact JSON with sorted keys (stable text, so merges compare equal)."""
    return json.dumps(
        {k: v for k, v in values.items() if v is not None}, sort_keys=True, separators=(",", ":")
    )


def has_marker(texts: list[str], markers: list[str]) -> bool:
    """Whether any text contains any marker, case-insensitively ("Revert ..." is a rollback)."""
    lowered = [t.lower() for t in texts if t]
    return any(m.lower() in text for m in markers if m for text in lowered)


class GitLabParser(EventParser):
    source = SOURCE
    event_header = "x-gitlab-event"
    delivery_header = "x-gitlab-event-uuid"
    fallback_headers = ("idempotency-key", "x-gitlab-event-uuid", "x-gitlab-webhook-uuid")

    def delivery_id(self, delivery: Delivery) -> str:
        """Idempotency-Key first: GitLab documents it as stable across retries, whereas the
        event UUID is shared by recursive hooks and the webhook UUID is per request."""
        for name in self.fallback_headers:
            if delivery.headers.get(name):
                return delivery.headers[name]
        return super().delivery_id(delivery)

    def event_type(self, delivery: Delivery) -> str | None:
        """The payload's ``object_kind`` (it tells an issue from a work item, which share the
        Issue Hook header), else the header mapped to it."""
        inferred = self.infer(delivery.payload)
        if inferred:
            return inferred
        header = delivery.headers.get(self.event_header)
        if not header:
            return None
        return HOOKS.get(header.strip().lower(), header.strip().lower().replace(" ", "_"))

    def infer(self, payload: Any) -> str | None:
        kind = payload.get("object_kind") if isinstance(payload, dict) else None
        return kind if isinstance(kind, str) and kind else None

    def normalise(self, event_type: str, payload: Any, ctx: ParseContext) -> Facts | None:
        from leadline.delivery.merge_requests import merge_request_facts, note_facts

        def merge_request(payload: dict[str, Any], settings: DeliverySettings) -> Facts | None:
            """The request's facts (cycle time) and, once merged, its change."""
            facts = merge_request_facts(payload)
            merged = _merge_request(payload, settings)  # its change, and a revert's incident
            facts.changes.extend(getattr(merged, "changes", []))
            facts.incidents.extend(getattr(merged, "incidents", []))
            return facts or None

        handlers = {
            "push": _push,
            "merge_request": merge_request,
            "note": lambda payload, _settings: note_facts(payload),
            "deployment": _deployment,
            "issue": _incident,
            "work_item": _incident,
        }
        if event_type in IGNORED_KINDS:
            return None
        handler = handlers.get(event_type)
        if handler is None:
            raise UnknownEvent(f"GitLab event {event_type!r} is not one leadline reads")
        if not isinstance(payload, dict):
            raise FieldMissing("object_kind", "is missing: the payload is not a JSON object")
        return handler(payload, ctx.settings)


def project_subject(payload: dict[str, Any]) -> tuple[str, Subject]:
    """The project's full path and whose events these are; the fallback name is the project's
    path (its last path segment), which is what catalogs usually name services after."""
    full_path = str(need(payload, "project.path_with_namespace"))
    name = full_path.rsplit("/", 1)[-1]
    return full_path, Subject(ANNOTATION, full_path, name)


def default_branch(payload: dict[str, Any]) -> str:
    return str(need(payload, "project.default_branch"))


def _push(payload: dict[str, Any], settings: DeliverySettings) -> Facts | None:
    """Commits that reached the default branch; other branches are work in progress."""
    _, subject = project_subject(payload)
    ref = str(need(payload, "ref"))
    if ref != f"refs/heads/{default_branch(payload)}":
        return None
    stamped = _stamped_commits(payload.get("commits") or [])
    if not stamped:
        return None  # a branch created without new commits, or deleted
    pushed = max(moment for _, moment in stamped)
    rows = [
        {
            "change_id": sha,
            "commit_sha": sha,
            "committed_at": moment,
            "merged_at": pushed,
            "deployment_id": None,
            "source": SOURCE,
            "updated_at": pushed,
            "extra": extra_json(ref=ref),
            # the files each commit touched (monorepos map changes by them: catalog.services)
            SUBJECT: replace(subject, paths=listed_paths(commit, PUSH_PATH_KEYS)),
        }
        for (sha, moment), commit in zip(stamped, payload.get("commits") or [], strict=True)
    ]
    return Facts(changes=rows)


def _stamped_commits(commits: list[Any]) -> list[tuple[str, dt.datetime]]:
    """(sha, UTC commit time) of each listed commit; a commit without either is rejected."""
    out = []
    for index, commit in enumerate(commits):
        if not isinstance(commit, dict):
            raise FieldMissing(f"commits.{index}", "is not an object")
        sha = commit.get("id")
        if not sha:
            raise FieldMissing(f"commits.{index}.id")
        out.append((str(sha), utc_time(commit.get("timestamp"), f"commits.{index}.timestamp")))
    return out


def _merge_request(payload: dict[str, Any], settings: DeliverySettings) -> Facts | None:
    """A merge into the default branch is one change; opening, updating or closing is not."""
    _, subject = project_subject(payload)
    attrs = need(payload, "object_attributes")
    if attrs.get("action") != "merge":
        return None  # opened, updated, closed, or an edit of an already merged MR
    if need(payload, "object_attributes.target_branch") != default_branch(payload):
        return None
    sha = attrs.get("merge_commit_sha") or (attrs.get("last_commit") or {}).get("id")
    if not sha:
        raise FieldMissing("object_attributes.merge_commit_sha")
    created = utc_time(attrs.get("created_at"), "object_attributes.created_at")
    updated = utc_time(attrs.get("updated_at"), "object_attributes.updated_at")
    merged = optional_time(attrs.get("merged_at"), "object_attributes.merged_at") or updated
    labels = _label_titles(attrs.get("labels") or payload.get("labels"))
    source_branch = str(attrs.get("source_branch") or "")
    hotfix = _is_hotfix(labels, source_branch, settings.hotfix_markers)
    row = {
        "change_id": str(sha),
        "commit_sha": str(sha),
        "committed_at": created,
        "merged_at": merged,
        "deployment_id": None,
        "source": SOURCE,
        "updated_at": max(updated, merged),
        "extra": extra_json(
            merge_request=attrs.get("iid"), title=attrs.get("title"), hotfix=hotfix or None
        ),
        SUBJECT: subject,
    }
    title = str(attrs.get("title") or "")
    target = detect(title, source_branch, str(attrs.get("description") or ""), settings.reverts)
    if target is None:
        return Facts(changes=[row])
    revert = revert_incident(
        row,
        vendor=SOURCE,
        repository=subject.value,
        number=attrs.get("iid"),
        title=title,
        target=target,
    )
    return Facts(changes=[row], incidents=[revert])  # a merged revert: a failure signal


def _label_titles(labels: Any) -> list[str]:
    if not isinstance(labels, list):
        return []
    return [str(label.get("title")) for label in labels if isinstance(label, dict)]


def _is_hotfix(labels: list[str], branch: str, markers: list[str]) -> bool:
    """A label equal to a marker, or a source branch starting with one ("hotfix/login")."""
    wanted = {m.lower() for m in markers if m}
    if any(label.lower() in wanted for label in labels):
        return True
    return any(branch.lower().startswith(m) for m in wanted)


def _deployment(payload: dict[str, Any], settings: DeliverySettings) -> Facts | None:
    """One deployment at its latest status; the status time versions the observation."""
    full_path, subject = project_subject(payload)
    number = need(payload, "deployment_id")
    status_text = str(need(payload, "status"))
    status = DEPLOYMENT_STATUSES.get(status_text.lower())
    if status is None:
        raise FieldMissing("status", "is not a GitLab deployment status", status_text)
    changed = utc_time(payload.get("status_changed_at"), "status_changed_at")
    environment = str(need(payload, "environment"))
    row = {
        "deployment_id": f"gitlab:{full_path}:{number}",
        "environment": environment,
        "status": status,
        "created_at": changed if status_text == "created" else None,
        "finished_at": changed,
        "commit_sha": _full_sha(payload),
        "change_type": _change_type(
            [environment, str(payload.get("commit_title") or "")], settings
        ),
        "source": SOURCE,
        "updated_at": changed,
        "extra": extra_json(
            gitlab_status=status_text,
            environment_tier=payload.get("environment_tier"),
            deployable_id=payload.get("deployable_id"),
        ),
        SUBJECT: subject,
    }
    return Facts(deployments=[row])


def _full_sha(payload: dict[str, Any]) -> str | None:
    """The full sha is only in ``commit_url``; use it when it extends ``short_sha``."""
    short = payload.get("short_sha")
    url = payload.get("commit_url")
    if isinstance(url, str) and url:
        tail = url.rstrip("/").rsplit("/", 1)[-1]
        if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", tail) and (
            not short or tail.startswith(str(short))
        ):
            return tail
    return str(short) if short else None


def _change_type(texts: list[str], settings: DeliverySettings) -> str | None:
    if has_marker(texts, settings.rollback_markers):
        return ROLLBACK
    if has_marker(texts, settings.hotfix_markers):
        return HOTFIX
    return None


def _incident(payload: dict[str, Any], settings: DeliverySettings) -> Facts | None:
    """Issues and work items of type Incident (or labelled as incidents); others ignored."""
    full_path, subject = project_subject(payload)
    attrs = need(payload, "object_attributes")
    labels = _label_titles(attrs.get("labels") or payload.get("labels"))
    if not _is_incident(attrs, labels, settings.incident_labels):
        return None
    iid = need(payload, "object_attributes.iid")
    created = utc_time(attrs.get("created_at"), "object_attributes.created_at")
    updated = optional_time(attrs.get("updated_at"), "object_attributes.updated_at") or created
    resolved = None
    if attrs.get("state") == "closed":
        closed = optional_time(attrs.get("closed_at"), "object_attributes.closed_at")
        resolved = closed or updated
    severity = attrs.get("severity")
    row = {
        "incident_id": f"gitlab:{full_path}:issue:{iid}",
        "severity": None if severity in (None, "", "unknown") else str(severity),
        "started_at": created,
        "resolved_at": resolved,
        "deployment_id": None,
        "title": attrs.get("title"),
        "source": SOURCE,
        "updated_at": max(updated, resolved) if resolved else updated,
        "extra": extra_json(url=attrs.get("url")),
        SUBJECT: subject,
    }
    return Facts(incidents=[row])


def _is_incident(attrs: dict[str, Any], labels: list[str], incident_labels: list[str]) -> bool:
    """GitLab names the type ``type: "Incident"`` (17.2+) or ``issue_type: "incident"``
    (older); labels configured as incident labels count too."""
    kinds = {str(attrs.get("type") or "").lower(), str(attrs.get("issue_type") or "").lower()}
    if "incident" in kinds:
        return True
    wanted = {label.lower() for label in incident_labels}
    return any(label.lower() in wanted for label in labels)


@register
class GitLabSource(EventFileSource):
    name = "gitlab"
    summary = (
        "GitLab webhook deliveries (JSON, JSON array or NDJSON; bare payloads or "
        '{"headers", "body"} envelopes): push, merge request, deployment and incident events'
    )
    parser = GitLabParser()
