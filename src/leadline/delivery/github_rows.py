"""GitHub payload fields to delivery rows, shared by the webhook parser (``github``) and the
REST export (``github-api``), so a deployment or change seen both ways merges into one fact."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from leadline.catalog.services import Subject
from leadline.config import DeliverySettings
from leadline.delivery.events import SUBJECT, FieldMissing
from leadline.delivery.reverts import detect, revert_incident
from leadline.delivery.schemas import FAILURE, HOTFIX, PENDING, ROLLBACK, SUCCESS

VENDOR = "github"  # the ``source`` column of every fact from GitHub, webhook or REST export
ANNOTATION = "github.com/project-slug"
DEPLOYMENT_STATES = {
    "success": SUCCESS,
    "failure": FAILURE,
    "error": FAILURE,
    "pending": PENDING,
    "queued": PENDING,
    "in_progress": PENDING,
    "inactive": None,  # replaced by a newer deployment: says nothing about this one's outcome
}


# --- payload access -----------------------------------------------------------------------------


def lookup(payload: Any, path: str) -> Any:
    """The value at a dotted path, or None when any step is absent (payloads vary by age)."""
    value = payload
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def need(payload: Any, path: str, shown: str | None = None) -> Any:
    """The value at a dotted path; a missing or empty one rejects the delivery, naming it."""
    value = lookup(payload, path)
    if value is None or value == "":
        raise FieldMissing(shown or path)
    return value


def at(path: str, name: str) -> str:
    """A field's dotted path under ``path`` (empty for a REST item's own top-level fields)."""
    return f"{path}.{name}" if path else name


def to_time(value: Any, path: str) -> dt.datetime:
    """A UTC-aware time from ISO-8601 (``Z`` or an offset) or epoch seconds: GitHub sends both
    (push payloads give ``repository.pushed_at`` as an integer)."""
    if value is None or value == "":
        raise FieldMissing(path)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    if not isinstance(value, str):
        raise FieldMissing(path, "is not a timestamp", value)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise FieldMissing(path, "is not an ISO-8601 timestamp", value) from None
    if moment.tzinfo is None:  # GitHub always sends an offset; a bare time is read as UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def maybe_time(value: Any, path: str) -> dt.datetime | None:
    """Like ``to_time`` for optional fields: absent is None, malformed still rejects."""
    return None if value is None or value == "" else to_time(value, path)


def label_names(labels: Any) -> list[str]:
    """Label names from label objects (webhooks, REST) or plain strings."""
    names = []
    for label in labels or []:
        name = label.get("name") if isinstance(label, Mapping) else label
        if isinstance(name, str) and name:
            names.append(name)
    return names


def extra_json(values: Mapping[str, Any]) -> str:
    """Source-specific details as stable JSON (sorted keys: the same input, the same text)."""
    return json.dumps(values, sort_keys=True, default=str)


# --- markers ------------------------------------------------------------------------------------


def starts_with_marker(texts: Iterable[str], markers: Iterable[str]) -> bool:
    """Labels and branch names are marked by a prefix: ``hotfix``, ``hotfix/login-500``."""
    lowered = [m.lower() for m in markers if m]
    return any(t.lower().startswith(m) for t in texts for m in lowered)


def mentions_marker(texts: Iterable[str], markers: Iterable[str]) -> bool:
    """Free text (a task, a description, a payload) is marked when it mentions a marker."""
    lowered = [m.lower() for m in markers if m]
    return any(m in t.lower() for t in texts for m in lowered)


def change_type_of(texts: list[str], settings: DeliverySettings) -> str | None:
    """Rollback before hotfix: rolling back a hotfix is still going back to a known version."""
    if mentions_marker(texts, settings.rollback_markers):
        return ROLLBACK
    if mentions_marker(texts, settings.hotfix_markers):
        return HOTFIX
    return None


# --- shared rows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Repo:
    """The repository an event is about; its full name maps it to a catalog service."""

    full_name: str
    name: str

    @property
    def subject(self) -> Subject:
        return Subject(ANNOTATION, self.full_name, self.name)

    def deployment_id(self, deployment_id: Any) -> str:
        """GitHub deployment ids are global; the repository makes the key readable."""
        return f"github:{self.full_name}:{deployment_id}"


def repo_of(payload: Any) -> Repo:
    """The ``repository`` object every repository webhook carries."""
    full_name = str(need(payload, "repository.full_name"))
    name = lookup(payload, "repository.name") or full_name.rsplit("/", 1)[-1]
    return Repo(full_name, str(name))


def deployment_row(
    repo: Repo, deployment: Mapping[str, Any], path: str, settings: DeliverySettings
) -> dict[str, Any]:
    """A deployment as created: pending, at its creation time.

    Its version is ``created_at``, not ``updated_at``: GitHub moves a deployment's
    ``updated_at`` to its latest status, and this observation says nothing about that status;
    versioned at the status's time it could tie with, and then override, the real outcome.
    """
    created = to_time(deployment.get("created_at"), at(path, "created_at"))
    return {
        "deployment_id": repo.deployment_id(need(deployment, "id", at(path, "id"))),
        "environment": str(need(deployment, "environment", at(path, "environment"))),
        "status": PENDING,
        "created_at": created,
        "finished_at": created,
        "commit_sha": str(need(deployment, "sha", at(path, "sha"))),
        "change_type": deployment_change_type(deployment, settings),
        "source": VENDOR,
        "updated_at": created,
        "extra": extra_json({"ref": deployment.get("ref"), "task": deployment.get("task")}),
        SUBJECT: repo.subject,
    }


def deployment_change_type(deployment: Mapping[str, Any], settings: DeliverySettings) -> str | None:
    """Rollback or hotfix, as the deployment's task, description or payload says."""
    texts = [str(deployment.get(k) or "") for k in ("task", "description")]
    texts.append(json.dumps(deployment.get("payload") or {}, sort_keys=True))
    return change_type_of(texts, settings)


def status_row(
    repo: Repo,
    deployment_id: Any,
    status: Mapping[str, Any],
    path: str,
    deployment: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """A deployment at one of its statuses; None for ``inactive``. Without the deployment
    object (REST statuses) the commit and creation time stay null and merge from the
    deployment's own row."""
    state = str(need(status, "state", at(path, "state")))
    if state not in DEPLOYMENT_STATES:
        raise FieldMissing(at(path, "state"), "is not a GitHub deployment state", state)
    outcome = DEPLOYMENT_STATES[state]
    if outcome is None:
        return None
    deployment = deployment or {}
    moment = to_time(status.get("created_at") or status.get("updated_at"), at(path, "created_at"))
    environment = status.get("environment") or deployment.get("environment")
    if not environment:
        raise FieldMissing(at(path, "environment"))
    return {
        "deployment_id": repo.deployment_id(deployment_id),
        "environment": str(environment),
        "status": outcome,
        "created_at": maybe_time(deployment.get("created_at"), "deployment.created_at"),
        "finished_at": moment,
        "commit_sha": deployment.get("sha"),
        "change_type": None,
        "source": VENDOR,
        "updated_at": maybe_time(status.get("updated_at"), at(path, "updated_at")) or moment,
        "extra": None,
        SUBJECT: repo.subject,
    }


def change_row(
    repo: Repo,
    change_id: str,
    *,
    committed_at: dt.datetime,
    merged_at: dt.datetime | None,
    updated_at: dt.datetime,
    extra: Mapping[str, Any],
    paths: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """One change; its id is a commit sha, so every source of that commit merges into it.
    ``paths``: the files it touched when the payload lists them (monorepos map by them)."""
    return {
        "change_id": change_id,
        "commit_sha": change_id,
        "committed_at": committed_at,
        "merged_at": merged_at,
        "deployment_id": None,
        "source": VENDOR,
        "updated_at": updated_at,
        "extra": extra_json(extra),
        SUBJECT: replace(repo.subject, paths=paths),
    }


def listed_paths(item: Mapping[str, Any], keys: Iterable[str]) -> tuple[str, ...] | None:
    """The files a commit touched, from lists of paths (push payloads' ``added``, ``modified``,
    ``removed``) or of file objects (REST ``files[].filename`` and ``previous_filename``);
    None when the item lists none of them (the payload does not say)."""
    found: list[str] = []
    listed = False
    for key in keys:
        values = item.get(key)
        if not isinstance(values, list):
            continue
        listed = True
        for value in values:
            names = (
                [value.get("filename"), value.get("previous_filename")]
                if isinstance(value, Mapping)
                else [value]
            )
            found += [n for n in names if isinstance(n, str) and n]
    return tuple(dict.fromkeys(found)) if listed else None


PUSH_PATH_KEYS = ("added", "modified", "removed")


def pull_row(
    repo: Repo,
    pull: Mapping[str, Any],
    default_branch: str | None,
    settings: DeliverySettings,
    path: str,
    *,
    first_commit_at: dt.datetime | None = None,
    paths: tuple[str, ...] | None = None,
) -> dict[str, Any] | None:
    """A merged pull request into the default branch as a change; None otherwise. ``paths``:
    its files, when an export attaches them (monorepos map by them)."""
    merged_at = maybe_time(pull.get("merged_at"), at(path, "merged_at"))
    if merged_at is None or pull.get("merged") is False:
        return None
    if default_branch is not None and lookup(pull, "base.ref") != default_branch:
        return None
    sha = str(need(pull, "merge_commit_sha", at(path, "merge_commit_sha")))
    created = to_time(pull.get("created_at"), at(path, "created_at"))
    labels = label_names(pull.get("labels"))
    head = lookup(pull, "head.ref")
    extra: dict[str, Any] = {
        "number": pull.get("number"),
        "title": pull.get("title"),
        "labels": labels,
        "head": head,
    }
    if starts_with_marker(
        [*labels, *([head] if isinstance(head, str) else [])], settings.hotfix_markers
    ):
        extra["hotfix"] = True
    committed = min(created, first_commit_at) if first_commit_at else created
    updated = maybe_time(pull.get("updated_at"), at(path, "updated_at")) or merged_at
    return change_row(
        repo,
        sha,
        committed_at=committed,
        merged_at=merged_at,
        updated_at=updated,
        extra=extra,
        paths=paths,
    )


def revert_rows(
    repo: Repo,
    pull: Mapping[str, Any],
    change: Mapping[str, Any] | None,
    settings: DeliverySettings,
) -> list[dict[str, Any]]:
    """The incident a merged revert pull request stands for (delivery.reverts), if it is one."""
    if change is None:
        return []
    title = str(pull.get("title") or "")
    target = detect(
        title, str(lookup(pull, "head.ref") or ""), str(pull.get("body") or ""), settings.reverts
    )
    if target is None:
        return []
    number = pull.get("number")
    return [
        revert_incident(
            change,
            vendor=VENDOR,
            repository=repo.full_name,
            number=number,
            title=title,
            target=target,
        )
    ]
