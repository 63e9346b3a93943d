"""GitLab merge requests, approvals and notes to pull-request facts (``delivery.pr_tables``), for
the cycle-time breakdown.

- ``merge_request`` (every action) into the default branch: the request (opened
  ``created_at``, merged ``merged_at``, else ``updated_at`` of the merge action, as
  ``gitlab._merge_request`` reads it). GitLab's webhook carries no line counts and no commit
  times before ``last_commit``: size and coding time stay unknown from webhooks alone.
- ``merge_request`` with action ``approved`` / ``approval``: a review, by the approver
  (``user``), at ``updated_at``.
- ``note`` on a merge request (``noteable_type`` ``MergeRequest``), not a system note: a review
  comment, by ``object_attributes.author_id``, at ``created_at``.

Authors and reviewers are GitLab user ids (``gitlab-user:12``): merge-request payloads name
the author only by id, and a comment by the author is not a review.
"""

from __future__ import annotations

from typing import Any

from leadline.delivery.events import SUBJECT, Facts, FieldMissing
from leadline.delivery.gitlab import (
    SOURCE,
    default_branch,
    extra_json,
    need,
    optional_time,
    project_subject,
    utc_time,
)

APPROVALS = frozenset({"approved", "approval"})


def _user(value: Any) -> str | None:
    return None if value in (None, "") else f"gitlab-user:{value}"


def mr_id(full_path: str, iid: Any) -> str:
    """The request's key: its project and ``iid`` (GitLab's ``!128``)."""
    return f"{SOURCE}:{full_path}!{iid}"


def request_row(payload: dict[str, Any], attrs: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The merge request ``attrs`` (at ``path`` in the payload) as a fact; None when it
    targets another branch than the project's default one."""
    full_path, subject = project_subject(payload)
    if str(need(payload, f"{path}.target_branch")) != default_branch(payload):
        return None
    iid = need(payload, f"{path}.iid")
    created = utc_time(attrs.get("created_at"), f"{path}.created_at")
    updated = optional_time(attrs.get("updated_at"), f"{path}.updated_at") or created
    merged = optional_time(attrs.get("merged_at"), f"{path}.merged_at")
    if merged is None and attrs.get("action") == "merge":
        merged = updated  # the merge updates it (as gitlab._merge_request reads it)
    if merged is None and attrs.get("state") != "merged":
        merge_sha = None
    else:
        merge_sha = attrs.get("merge_commit_sha") or (attrs.get("last_commit") or {}).get("id")
    return {
        "pr_id": mr_id(full_path, iid),
        "repo": full_path,
        "number": int(iid),
        "title": attrs.get("title"),
        "author": _user(attrs.get("author_id")),
        "created_at": created,
        "first_commit_at": None,
        "merged_at": merged,
        "merge_commit_sha": merge_sha or None,
        "additions": None,
        "deletions": None,
        "changed_files": None,
        "source": SOURCE,
        "updated_at": max(updated, merged) if merged else updated,
        "extra": extra_json(source_branch=attrs.get("source_branch")),
        SUBJECT: subject,
    }


def merge_request_facts(payload: dict[str, Any]) -> Facts:
    """The request at every action; an approval is also a review by the approver."""
    attrs = need(payload, "object_attributes")
    row = request_row(payload, attrs, "object_attributes")
    if row is None:
        return Facts()
    reviews = []
    if attrs.get("action") in APPROVALS:
        approver = need(payload, "user.id")
        at = utc_time(attrs.get("updated_at"), "object_attributes.updated_at")
        reviews.append(
            _review(row, f"approval:{approver}:{at.isoformat()}", _user(approver), "approved", at)
        )
    return Facts(pull_requests=[row], pull_request_reviews=reviews)


def note_facts(payload: dict[str, Any]) -> Facts | None:
    """A comment on a merge request is a review comment; notes on issues, commits and
    snippets, and system notes ("added 1 commit"), are not."""
    attrs = need(payload, "object_attributes")
    if attrs.get("noteable_type") != "MergeRequest" or attrs.get("system"):
        return None
    request = payload.get("merge_request")
    if not isinstance(request, dict):
        raise FieldMissing("merge_request")
    row = request_row(payload, request, "merge_request")
    if row is None:
        return None
    at = utc_time(attrs.get("created_at"), "object_attributes.created_at")
    note_id = need(payload, "object_attributes.id")
    author = _user(attrs.get("author_id") or (payload.get("user") or {}).get("id"))
    review = _review(row, f"note:{note_id}", author, "commented", at)
    return Facts(pull_requests=[row], pull_request_reviews=[review])


def _review(
    request: dict[str, Any], key: str, who: str | None, state: str, at: Any
) -> dict[str, Any]:
    return {
        "review_id": f"{request['pr_id']}:{key}",
        "pr_id": request["pr_id"],
        "reviewer": who,
        "state": state,
        "submitted_at": at,
        "source": SOURCE,
        "updated_at": at,
        "extra": None,
        SUBJECT: request[SUBJECT],
    }
