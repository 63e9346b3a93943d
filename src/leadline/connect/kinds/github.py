"""GitHub (and GitHub Enterprise Server with ``--base-url``): an organisation's repositories, or
named ones, pulled through the REST endpoints the ``github-api`` ingest source reads.

Per repository, three streams, each its own pull (one batch) and cursor, hold what changed:

- deployments, newest first, until one already seen (the first page asked with ``If-None-Match``:
  a 304 costs nothing against GitHub's rate limit); each new deployment's statuses, and again
  the statuses of deployments whose latest state was not final (queued, pending, in_progress);
- when the repository was pushed since the cursor (its ``pushed_at``; a merge is a push):
  closed pull requests by last update back to the cursor's (inclusive), the reviews of those
  merged, and the commits of the default branch since the cursor with a day of overlap (items
  have stable ids, so one read again is stored once). A commit pushed more than a day after
  its commit date (a fast-forward of an old branch) is not read as a commit; its pull request
  still lands as the change.

The organisation's repository list is asked conditionally too, and only its pages are extra
requests: an incremental run with nothing new costs one conditional request per repository
plus one per hundred repositories, all answered 304. A back-fill starts at ``--since`` or
``history_days`` ago (365). Tokens: see ``scopes_doc``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from leadline.connect.client import ApiClient
from leadline.connect.kinds.base import (
    ConnectionSpec,
    Cursor,
    Cursors,
    KindOption,
    Pull,
    iso,
    json_file,
    register_kind,
)
from leadline.ingest.registry import InputFile

SOURCE = "github-api"
Lists = list[tuple[str, list[Any]]]  # (file name, items) of one pull
PUBLIC_API = "https://api.github.com"
PER_PAGE = 100
FINAL_STATES = frozenset({"success", "failure", "error", "inactive"})
PENDING_DAYS = 7  # a deployment without a final status after this long is not re-checked
COMMIT_OVERLAP = dt.timedelta(days=1)


def parse_time(text: Any) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)
    except ValueError:
        return None


@register_kind
class GitHubKind:
    name: ClassVar[str] = "github"
    summary: ClassVar[str] = (
        "GitHub or GitHub Enterprise Server: deployments and their statuses, merged pull "
        "requests with reviews, and default-branch commits of an organisation's repositories"
    )
    needs_token: ClassVar[bool] = True
    options: ClassVar[tuple[KindOption, ...]] = (
        KindOption("org", "The organisation whose repositories to pull (or give --repo)."),
        KindOption("repo", "A repository OWNER/NAME to pull (repeat for several).", multiple=True),
        KindOption(
            "base-url",
            "The API root: https://api.github.com (default), or a GitHub Enterprise Server's "
            "https://HOST/api/v3.",
        ),
        KindOption("history-days", "How far back a first sync reads (days; default 365)."),
        KindOption(
            "include-archived", "Also pull the organisation's archived repositories.", flag=True
        ),
    )
    scopes_doc: ClassVar[str] = (
        "A fine-grained personal access token (or GitHub App) with read-only repository "
        "permissions Metadata, Contents (commits), Pull requests (pull requests and reviews) "
        "and Deployments, on the organisation's repositories; a classic token needs `repo` "
        "(private repositories) or `public_repo` (public only), plus `read:org` to list an "
        "organisation's private repositories."
    )

    def check(self, options: Mapping[str, Any]) -> list[str]:
        problems = []
        if not options.get("org") and not options.get("repo"):
            problems.append("give --org ORGANISATION or at least one --repo OWNER/NAME")
        for repo in options.get("repo") or []:
            if str(repo).count("/") != 1 or not all(str(repo).split("/")):
                problems.append(f"--repo {repo!r} is not OWNER/NAME")
        days = options.get("history-days")
        if days not in (None, "") and not str(days).isdigit():
            problems.append(f"--history-days {days!r} is not a number of days")
        base = options.get("base-url")
        if base and not str(base).startswith(("http://", "https://")):
            problems.append(f"--base-url {base!r} is not an http(s) URL")
        return problems

    def client(self, conn: ConnectionSpec) -> ApiClient:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "Authorization": f"Bearer {conn.secret()}",
        }
        return ApiClient(str(conn.option("base-url", PUBLIC_API)), headers)

    def pull(
        self,
        conn: ConnectionSpec,
        cursors: Cursors,
        client: ApiClient | None,
        since: dt.datetime | None,
        full: bool,
    ) -> Iterator[Pull]:
        assert client is not None
        days = int(conn.option("history-days", 365))
        start = since or dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        org = conn.option("org")
        org_update: dict[str, Cursor] = {}
        if org:
            repos, org_update = self._org_repos(client, conn, str(org), cursors)
        else:
            repos = [self._repo(client, str(r), cursors) for r in conn.option("repo", [])]
        # --full or --since: read again from the start, whatever the cursors say
        kept = {} if full or since is not None else cursors
        for repo in repos:
            yield from _RepoSync(client, conn, repo["full_name"], kept, start).pull(repo)
        if org_update:
            yield Pull(SOURCE, cursor_updates=org_update, label=f"{org} repositories")

    # --- repositories -----------------------------------------------------------------------

    def _org_repos(
        self, client: ApiClient, conn: ConnectionSpec, org: str, cursors: Cursors
    ) -> tuple[list[dict[str, Any]], dict[str, Cursor]]:
        stream = f"org:{org}:repos"
        cursor = cursors.get(stream, {})
        pages = client.links(
            f"/orgs/{org}/repos",
            {"type": "all", "sort": "pushed", "direction": "desc", "per_page": PER_PAGE},
            etag=cursor.get("etag"),
        )
        listed = [_repo_summary(item) for page in pages for item in page.items]
        if pages.not_modified:
            return list(cursor.get("repos", [])), {}
        if not conn.option("include-archived"):
            listed = [r for r in listed if not r["archived"]]
        listed.sort(key=lambda r: r["full_name"])
        return listed, {stream: {"etag": pages.etag, "repos": listed}}

    def _repo(self, client: ApiClient, full_name: str, cursors: Cursors) -> dict[str, Any]:
        """A named repository, asked conditionally (a 304: as its cursor last saw it)."""
        cursor = cursors.get(f"{full_name}:repo", {})
        response = client.get(f"/repos/{full_name}", etag=cursor.get("etag"))
        if response.status_code == 304:
            return {
                "full_name": full_name,
                "default_branch": cursor.get("default_branch"),
                "pushed_at": cursor.get("pushed_at"),
                "archived": False,
                "etag": cursor.get("etag"),
            }
        return {**_repo_summary(response.json()), "etag": response.headers.get("etag")}


def _all(client: ApiClient, path: str, params: dict[str, Any]) -> list[Any]:
    """Every item of a Link-paginated list."""
    return [item for page in client.links(path, params) for item in page.items]


@dataclass
class _RepoSync:
    """One repository: three streams, each its own pull and cursor (``OWNER/NAME:deployments``,
    ``:pulls``, ``:commits``), so a run cut short (time box, kill) keeps every stream it
    finished. ``cursors`` holds the repository's committed cursors (empty: back-fill)."""

    client: ApiClient
    conn: ConnectionSpec
    full_name: str
    cursors: Cursors
    start: dt.datetime

    def old(self, stream: str) -> Cursor:
        return dict(self.cursors.get(f"{self.full_name}:{stream}", {}))

    def pull(self, repo: dict[str, Any]) -> Iterator[Pull]:
        # named repositories: what a 304 on the repository falls back on next time
        meta: dict[str, Cursor] = {}
        if repo.get("etag"):
            meta[f"{self.full_name}:repo"] = {
                "etag": repo.get("etag"),
                "pushed_at": repo.get("pushed_at"),
                "default_branch": repo.get("default_branch"),
            }
        yield from self._stream("deployments", self.deployments, {})
        pushed = parse_time(repo.get("pushed_at"))
        for stream, read in (
            ("pulls", self.pulls),
            ("commits", lambda old: self.commits(old, repo.get("default_branch"))),
        ):
            was = parse_time(self.old(stream).get("pushed_at"))
            if pushed is None or was is None or pushed > was:
                extra = meta if stream == "commits" else {}
                yield from self._stream(stream, read, extra, pushed_at=repo.get("pushed_at"))
            elif (
                stream == "commits" and meta and meta[f"{self.full_name}:repo"] != self.old("repo")
            ):
                yield Pull(SOURCE, cursor_updates=meta, label=self.full_name)

    def _stream(
        self,
        stream: str,
        read: Any,
        extra: dict[str, Cursor],
        pushed_at: str | None = None,
    ) -> Iterator[Pull]:
        old = self.old(stream)
        lists, new = read(old)
        if pushed_at is not None:
            new["pushed_at"] = pushed_at
        files: list[InputFile] = [
            json_file(f"github/{self.conn.name}/{self.full_name}/{name}.json", items)
            for name, items in lists
            if items
        ]
        updates = {**extra, f"{self.full_name}:{stream}": new} if new != old else dict(extra)
        if files or updates:
            yield Pull(SOURCE, files, updates, label=f"{self.full_name} {stream}")

    def deployments(self, old: Cursor) -> tuple[Lists, Cursor]:
        """New deployments (newest first, until one seen) and the statuses to (re)read."""
        new = dict(old)
        last_id = int(old.get("last_id") or 0)
        pages = self.client.links(
            f"/repos/{self.full_name}/deployments", {"per_page": PER_PAGE}, etag=old.get("etag")
        )
        found: list[Any] = []
        for page in pages:
            fresh = [
                d
                for d in page.items
                if int(d.get("id") or 0) > last_id
                and (parse_time(d.get("created_at")) or self.start) >= self.start
            ]
            found += fresh
            if len(fresh) < len(page.items):
                break  # the rest is older: seen before, or before the back-fill's start
        new["etag"] = pages.etag
        if found:
            new["last_id"] = max(int(d["id"]) for d in found)
        created = {int(d["id"]): d.get("created_at") for d in found}
        for key, when in (old.get("pending") or {}).items():
            created.setdefault(int(key), when)
        statuses: list[Any] = []
        recent = dt.datetime.now(dt.UTC) - dt.timedelta(days=PENDING_DAYS)
        pending: dict[str, Any] = {}
        for deployment_id, when in created.items():
            path = f"/repos/{self.full_name}/deployments/{deployment_id}/statuses"
            items = _all(self.client, path, {"per_page": PER_PAGE})
            statuses += items
            latest = max(items, key=_status_order, default=None)
            final = latest is not None and latest.get("state") in FINAL_STATES
            if not final and (parse_time(when) or recent) >= recent:
                pending[str(deployment_id)] = when
        new["pending"] = pending
        return [("deployments", found), ("deployment-statuses", statuses)], new

    def pulls(self, old: Cursor) -> tuple[Lists, Cursor]:
        """Closed pull requests updated since the cursor, and the reviews of the merged ones."""
        new = dict(old)
        bound = parse_time(old.get("updated")) or self.start
        pages = self.client.links(
            f"/repos/{self.full_name}/pulls",
            {"state": "closed", "sort": "updated", "direction": "desc", "per_page": PER_PAGE},
        )
        found: list[Any] = []
        for page in pages:
            # >=: another pull request may share the cursor's second; read again, stored once
            fresh = [p for p in page.items if (parse_time(p.get("updated_at")) or bound) >= bound]
            found += fresh
            if len(fresh) < len(page.items):
                break
        if found:
            new["updated"] = max(p["updated_at"] for p in found)
        reviews: list[Any] = []
        for item in found:
            if item.get("merged_at"):
                path = f"/repos/{self.full_name}/pulls/{item['number']}/reviews"
                reviews += _all(self.client, path, {"per_page": PER_PAGE})
        return [("pulls-closed", found), ("reviews", reviews)], new

    def commits(self, old: Cursor, branch: str | None) -> tuple[Lists, Cursor]:
        """Commits of the default branch since the cursor (a day's overlap), newest first."""
        new = dict(old)
        was = parse_time(old.get("since"))
        since = was - COMMIT_OVERLAP if was else self.start
        params: dict[str, Any] = {"since": iso(since), "per_page": PER_PAGE}
        if branch:
            params["sha"] = branch
        found = _all(self.client, f"/repos/{self.full_name}/commits", params)
        dates = [d for c in found if (d := parse_time(_committed(c)))]
        if dates:
            new["since"] = iso(max(dates))
        return [("commits", found)], new


def _status_order(status: Mapping[str, Any]) -> tuple[str, int]:
    return str(status.get("created_at") or ""), int(status.get("id") or 0)


def _committed(commit: Mapping[str, Any]) -> Any:
    return ((commit.get("commit") or {}).get("committer") or {}).get("date")


def _repo_summary(item: Mapping[str, Any]) -> dict[str, Any]:
    """What a sync keeps of a repository (its cursor's inputs)."""
    return {
        "full_name": str(item.get("full_name") or ""),
        "default_branch": item.get("default_branch"),
        "pushed_at": item.get("pushed_at"),
        "archived": bool(item.get("archived")),
    }
