"""GitHub pull requests and their reviews to pull-request facts (``delivery.pr_tables``), for the
cycle-time breakdown (``delivery.cycle_time``).

Which payload fills what (docs/delivery.md, "Pull requests and reviews"):

- ``pull_request`` (any action; webhook) and a REST ``pulls`` item: the request itself: opened
  (``created_at``), author, merge (``merged_at``, ``merge_commit_sha``) and size (``additions``,
  ``deletions``, ``changed_files``: the largest seen is kept). Requests into another branch
  than the repository's default one are not measured (None).
- ``pull_request_review`` submitted and ``pull_request_review_comment`` created (webhooks),
  REST ``pulls/{n}/reviews`` items: one review each (pending reviews, not yet submitted, are
  none). The webhook's ``pull_request`` object also lands the request's times (without size:
  review payloads do not carry it).
- The first commit: a REST ``pulls`` item with its ``pulls/{n}/commits`` array attached as
  ``"commits"`` (as for changes, ``github_api``); per-file counts: its ``pulls/{n}/files``
  array attached as ``"files"`` (GitHub's file items do not name their pull request).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from leadline.delivery.events import SUBJECT, Facts, FieldMissing
from leadline.delivery.github_rows import (
    VENDOR,
    Repo,
    at,
    extra_json,
    label_names,
    lookup,
    maybe_time,
    need,
    to_time,
)

_PULL_URL = re.compile(r"/repos/([^/]+)/([^/]+)/pulls/(\d+)")
REVIEW_STATES_SKIPPED = frozenset({"pending"})  # drafted, not submitted: nobody has seen it


def pr_id(repo: Repo, number: Any) -> str:
    """The request's key: its repository and number (ids are per repository)."""
    return f"{VENDOR}:{repo.full_name}#{number}"


def pull_request_row(
    repo: Repo,
    pull: Mapping[str, Any],
    default_branch: str | None,
    path: str,
    *,
    first_commit_at: dt.datetime | None = None,
    sized: bool = True,
) -> dict[str, Any] | None:
    """A pull request into the default branch as a fact; None for other branches. ``sized``:
    the payload carries ``additions`` (full pull request objects; review payloads do not)."""
    if default_branch is not None and lookup(pull, "base.ref") not in (None, default_branch):
        return None
    number = need(pull, "number", at(path, "number"))
    created = to_time(pull.get("created_at"), at(path, "created_at"))
    merged = maybe_time(pull.get("merged_at"), at(path, "merged_at"))
    updated = maybe_time(pull.get("updated_at"), at(path, "updated_at")) or merged or created
    size = {name: _count(pull, name, path) if sized else None for name in _SIZES}
    return {
        "pr_id": pr_id(repo, number),
        "repo": repo.full_name,
        "number": int(number),
        "title": pull.get("title"),
        "author": lookup(pull, "user.login"),
        "created_at": created,
        "first_commit_at": first_commit_at,
        "merged_at": merged if pull.get("merged") is not False else None,
        "merge_commit_sha": (pull.get("merge_commit_sha") or None) if merged else None,
        **size,
        "source": VENDOR,
        "updated_at": updated,
        "extra": extra_json(
            {"head": lookup(pull, "head.ref"), "labels": label_names(pull.get("labels"))}
        ),
        SUBJECT: repo.subject,
    }


_SIZES = ("additions", "deletions", "changed_files")


def _count(item: Mapping[str, Any], name: str, path: str) -> int | None:
    """A non-negative line or file count; absent is None, anything else rejects."""
    value = item.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FieldMissing(at(path, name), "is not a non-negative integer", value)
    return value


def review_row(
    repo: Repo, number: Any, review: Mapping[str, Any], kind: str, *, path: str, when: str
) -> dict[str, Any] | None:
    """One submitted review (or review comment) of pull request ``number``; None when pending."""
    state = str(review.get("state") or ("commented" if kind == "comment" else "")).lower()
    if state in REVIEW_STATES_SKIPPED:
        return None
    submitted = to_time(review.get(when), at(path, when))
    review_id = need(review, "id", at(path, "id"))
    return {
        "review_id": f"{VENDOR}:{repo.full_name}:{kind}:{review_id}",
        "pr_id": pr_id(repo, number),
        "reviewer": lookup(review, "user.login"),
        "state": state or None,
        "submitted_at": submitted,
        "source": VENDOR,
        "updated_at": maybe_time(review.get("updated_at"), at(path, "updated_at")) or submitted,
        "extra": extra_json({"kind": kind}),
        SUBJECT: repo.subject,
    }


def file_rows(
    repo: Repo, number: Any, created: dt.datetime, files: Any, updated: dt.datetime
) -> list[dict[str, Any]]:
    """Per-file line counts of a ``pulls/{n}/files`` array attached to a pull request item."""
    if not isinstance(files, list):
        return []
    rows = []
    for index, item in enumerate(files):
        path = f"files[{index}]"
        rows.append(
            {
                "pr_id": pr_id(repo, number),
                "path": str(need(item, "filename", at(path, "filename"))),
                "additions": _count(item, "additions", path) or 0,
                "deletions": _count(item, "deletions", path) or 0,
                "created_at": created,
                "source": VENDOR,
                "updated_at": updated,
                SUBJECT: repo.subject,
            }
        )
    return rows


# --- webhooks (hooked into github.HANDLERS) -----------------------------------------------------


def _webhook_repo(payload: Any) -> tuple[Repo, str]:
    from leadline.delivery.github import default_branch_of
    from leadline.delivery.github_rows import repo_of

    return repo_of(payload), default_branch_of(payload)


def pull_request_event(payload: Any) -> Facts:
    """Every ``pull_request`` action keeps the request's newest times and size."""
    repo, branch = _webhook_repo(payload)
    row = pull_request_row(repo, need(payload, "pull_request"), branch, "pull_request")
    return Facts(pull_requests=[row] if row else [])


def review_event(payload: Any, kind: str) -> Facts | None:
    """``pull_request_review`` (``kind`` review, submitted) or ``pull_request_review_comment``
    (``kind`` comment, created): the review and the request's times."""
    wanted = "submitted" if kind == "review" else "created"
    if payload.get("action") != wanted:
        return None  # edited, dismissed, deleted: the first review's time does not move
    repo, branch = _webhook_repo(payload)
    pull = need(payload, "pull_request")
    request = pull_request_row(repo, pull, branch, "pull_request", sized=False)
    if request is None:
        return None
    name, when = ("review", "submitted_at") if kind == "review" else ("comment", "created_at")
    review = review_row(repo, pull["number"], need(payload, name), kind, path=name, when=when)
    return Facts(pull_requests=[request], pull_request_reviews=[review] if review else [])


# --- REST exports (hooked into github_api.HANDLERS) --------------------------------------------


def rest_pull_facts(
    repo: Repo, item: Mapping[str, Any], first_commit_at: dt.datetime | None
) -> Facts:
    """A REST ``pulls`` item (any state) with its attached ``commits`` and ``files``."""
    row = pull_request_row(
        repo, item, lookup(item, "base.repo.default_branch"), "", first_commit_at=first_commit_at
    )
    if row is None:
        return Facts()
    files = file_rows(repo, item["number"], row["created_at"], item.get("files"), row["updated_at"])
    return Facts(pull_requests=[row], pull_request_files=files)


def rest_review_facts(item: Mapping[str, Any]) -> Facts | None:
    """A ``pulls/{n}/reviews`` (or ``pulls/comments``) item, named by ``pull_request_url``."""
    url = str(need(item, "pull_request_url"))
    found = _PULL_URL.search(url)
    if not found:
        raise FieldMissing("pull_request_url", "does not name a pull request", url)
    repo = Repo(f"{found.group(1)}/{found.group(2)}", found.group(2))
    kind, when = ("review", "submitted_at") if "submitted_at" in item else ("comment", "created_at")
    row = review_row(repo, found.group(3), item, kind, path="", when=when)
    return Facts(pull_request_reviews=[row]) if row else None
