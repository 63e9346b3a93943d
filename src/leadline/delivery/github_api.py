"""GitHub REST API exports (``leadline ingest github-api``) to delivery facts.

For history a webhook never saw: save what these endpoints return, one JSON array per file
(``gh api --paginate`` output), and ingest the files in any order:

- ``GET /repos/{o}/{r}/deployments`` and ``.../deployments/{id}/statuses``;
- ``GET /repos/{o}/{r}/pulls?state=closed`` (merged pull requests into the default branch);
- ``GET /repos/{o}/{r}/commits`` (commits of the default branch);
- ``GET /repos/{o}/{r}/pulls/{n}/reviews`` and ``.../pulls/comments`` (reviews, for the
  cycle-time breakdown; pull requests of every state land as ``pull_requests`` facts).

Each item's kind is read from its shape and its repository from its URLs (``--service``
overrides). Rows are the webhooks' rows (``github_rows``), so a deployment from an export and
from a webhook merge. Items are not deliveries: each gets a stable id (``api:deployment:<id>``)
so re-ingesting an overlapping export stores nothing twice.

GitHub's ``pulls/{n}/commits`` items do not name their pull request (they look exactly like
``/commits`` items), so to give a pull request its real first commit, add that array to the
pull request item as ``"commits"``; the change's ``committed_at`` is then the earliest commit.
Likewise ``pulls/{n}/files`` as ``"files"`` gives per-file line counts (``pull_request_files``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from leadline.config import DeliverySettings
from leadline.delivery.events import (
    Delivery,
    EventFileSource,
    EventParser,
    Facts,
    FieldMissing,
    ParseContext,
    UnknownEvent,
)
from leadline.delivery.github_rows import (
    Repo,
    at,
    change_row,
    deployment_row,
    listed_paths,
    lookup,
    maybe_time,
    need,
    pull_row,
    revert_rows,
    status_row,
)
from leadline.delivery.pull_requests import rest_pull_facts, rest_review_facts
from leadline.ingest.registry import Template, register

# https://api.github.com/repos/{o}/{r}/... and https://github.com/{o}/{r}/...
_API_URL = re.compile(r"/repos/([^/]+)/([^/]+)/")
_WEB_URL = re.compile(r"^https?://[^/]+/([^/]+)/([^/]+)/(commit|pull)/")
_DEPLOYMENT_ID = re.compile(r"/deployments/(\d+)(/|$)")


def infer_kind(item: Any) -> str | None:
    """Which endpoint an item comes from, by its shape."""
    if not isinstance(item, Mapping):
        return None
    keys = item.keys()
    if {"state", "deployment_url"} <= keys:
        return "api.deployment_status"
    if {"sha", "environment", "task"} <= keys:
        return "api.deployment"
    if {"merge_commit_sha", "base", "head", "number"} <= keys:
        return "api.pull_request"
    if "pull_request_url" in keys and ({"submitted_at", "diff_hunk"} & keys):
        return "api.review"  # pulls/{n}/reviews and pulls/comments items
    if "sha" in keys and isinstance(item.get("commit"), Mapping):
        return "api.commit"
    return None


def repo_from_urls(item: Mapping[str, Any], *names: str) -> Repo:
    """The repository named by the first of the item's URL fields that names one."""
    for name in names:
        url = item.get(name)
        if not isinstance(url, str):
            continue
        found = _API_URL.search(url) or _WEB_URL.search(url)
        if found:
            return Repo(f"{found.group(1)}/{found.group(2)}", found.group(2))
    raise FieldMissing(names[0], "does not name a repository (repos/{owner}/{repo})")


def deployment_facts(item: Mapping[str, Any], settings: DeliverySettings) -> Facts | None:
    """A deployment as created; its statuses come from the statuses export."""
    repo = repo_from_urls(item, "url", "statuses_url", "repository_url")
    return Facts(deployments=[deployment_row(repo, item, "", settings)])


def status_facts(item: Mapping[str, Any], settings: DeliverySettings) -> Facts | None:
    """One status of a deployment, which ``deployment_url`` names."""
    url = str(need(item, "deployment_url"))
    found = _DEPLOYMENT_ID.search(url)
    if not found:
        raise FieldMissing("deployment_url", "does not name a deployment", url)
    repo = repo_from_urls(item, "deployment_url", "url", "repository_url")
    row = status_row(repo, found.group(1), item, "")
    return Facts(deployments=[row]) if row else None


def pull_facts(item: Mapping[str, Any], settings: DeliverySettings) -> Facts | None:
    """A merged pull request into its repository's default branch, as a change."""
    full_name = lookup(item, "base.repo.full_name")
    if full_name:
        name = lookup(item, "base.repo.name") or str(full_name).rsplit("/", 1)[-1]
        repo = Repo(str(full_name), str(name))
    else:
        repo = repo_from_urls(item, "url", "html_url")
    default_branch = lookup(item, "base.repo.default_branch")
    first = first_commit_at(item.get("commits"))
    files = listed_paths(item, ("files",))  # pulls/{n}/files attached: a monorepo maps by them
    row = pull_row(repo, item, default_branch, settings, "", first_commit_at=first, paths=files)
    facts = rest_pull_facts(repo, item, first)  # the request, for cycle time
    facts.changes.extend([row] if row else [])
    facts.incidents.extend(revert_rows(repo, item, row, settings))  # a failure signal
    return facts or None


def first_commit_at(commits: Any) -> dt.datetime | None:
    """The earliest author or committer time of a pull request's commits, when attached."""
    if not isinstance(commits, list):
        return None  # a single pull request's ``commits`` is a count, not the list
    times = [t for index, c in enumerate(commits) for t in commit_times(c, f"commits[{index}]")]
    return min(times) if times else None


def commit_times(item: Any, path: str) -> list[dt.datetime]:
    """A commit's author and committer times (a rebase or squash moves only the latter)."""
    found = []
    for role in ("author", "committer"):
        moment = maybe_time(lookup(item, f"commit.{role}.date"), at(path, f"commit.{role}.date"))
        if moment is not None:
            found.append(moment)
    return found


def commit_facts(item: Mapping[str, Any], settings: DeliverySettings) -> Facts | None:
    """A commit of the default branch as a change; when it reached the branch is unknown."""
    sha = str(need(item, "sha"))
    times = commit_times(item, "")
    if not times:
        raise FieldMissing("commit.author.date")
    repo = repo_from_urls(item, "url", "html_url", "comments_url")
    message = str(lookup(item, "commit.message") or "").split("\n", 1)[0]
    author = lookup(item, "author.login") or lookup(item, "commit.author.name")
    extra = {"message": message, "author": author, "parents": len(item.get("parents") or [])}
    row = change_row(
        repo,
        sha,
        committed_at=min(times),
        merged_at=None,
        updated_at=max(times),
        extra=extra,
        paths=listed_paths(item, ("files",)),  # GET .../commits/{sha} lists them; lists do not
    )
    return Facts(changes=[row])


HANDLERS: dict[str, Callable[[Mapping[str, Any], DeliverySettings], Facts | None]] = {
    "api.deployment": deployment_facts,
    "api.deployment_status": status_facts,
    "api.pull_request": pull_facts,
    "api.commit": commit_facts,
    "api.review": lambda item, _settings: rest_review_facts(item),
}


def item_id(kind: str | None, item: Any) -> str | None:
    """A stable id for an item, or None when it lacks the fields (then its content hash)."""
    if not isinstance(item, Mapping):
        return None
    if kind == "api.commit":
        try:
            repo = repo_from_urls(item, "url", "html_url").full_name
        except FieldMissing:
            return None
        values = [repo, item.get("sha")]
    else:
        # A pull request can still change (labels, reopening): a new version is a new item.
        fields = {"api.pull_request": ("id", "updated_at")}.get(kind or "", ("id",))
        values = [item.get(f) for f in fields]
    if kind == "api.review":  # a review and a review comment may share a number
        values.append("comment" if "diff_hunk" in item else "review")
    prefix = {"api.deployment_status": "status", "api.pull_request": "pull"}.get(
        kind or "", (kind or "").removeprefix("api.")
    )
    if kind not in HANDLERS or any(v in (None, "") for v in values):
        return None
    if isinstance(item.get("commits"), list):  # the same pull request, now with its commits
        values.append(f"commits={len(item['commits'])}")
    if isinstance(item.get("files"), list):  # ... or with its files
        values.append(f"files={len(item['files'])}")
    return ":".join(["api", prefix, *(str(v) for v in values)])


class GitHubApiParser(EventParser):
    """Items of GitHub REST responses to facts; each item is one 'delivery'."""

    source = "github-api"
    # Items carry no headers; an envelope may still name the kind and id explicitly.
    event_header = "x-leadline-event"
    delivery_header = "x-leadline-delivery"

    def infer(self, payload: Any) -> str | None:
        return infer_kind(payload)

    def delivery_id(self, delivery: Delivery) -> str:
        """``api:<kind>:<id>``: the same item in two overlapping exports is stored once."""
        given = delivery.headers.get(self.delivery_header)
        synthesised = item_id(self.event_type(delivery), delivery.payload)
        return given or synthesised or super().delivery_id(delivery)

    def normalise(self, event_type: str, payload: Any, ctx: ParseContext) -> Facts | None:
        handler = HANDLERS.get(event_type)
        if handler is None:
            raise UnknownEvent(f"{event_type!r} is not a GitHub REST item leadline reads")
        return handler(payload, ctx.settings)


@register
class GitHubApiSource(EventFileSource):
    name = "github-api"
    summary = (
        "GitHub REST API exports: JSON arrays of deployments, deployment statuses, pull "
        "requests (with their commits and files attached), reviews and review comments, and "
        "commits, as the API returns them."
    )
    parser = GitHubApiParser()

    def templates(self) -> list[Template]:
        text = (
            '[{"url": "https://api.github.com/repos/OWNER/REPO/deployments/1", "id": 1, '
            '"sha": "<commit sha>", "ref": "main", "task": "deploy", '
            '"environment": "production", "created_at": "2026-03-01T12:00:00Z", '
            '"updated_at": "2026-03-01T12:00:00Z", "description": null, "payload": {}}]\n'
        )
        return [Template("github-api-deployments.json", text)]
