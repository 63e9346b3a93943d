"""A GitHub REST API on 127.0.0.1 for the connector tests and the request-count benchmark.

Implements what GitHub's documentation describes for the endpoints the ``github`` kind reads:
``Link`` pagination (``page``/``per_page``, at most 100, ``rel="next"`` and ``rel="last"``),
``ETag`` and ``If-None-Match`` (a 304 is not charged to the rate limit), the primary rate limit
(``X-RateLimit-Limit/Remaining/Reset/Used/Resource``; over it a 403 "API rate limit exceeded"),
secondary rate limits (a 403 or 429 with ``Retry-After``), and error answers (a 502 from the
load balancer). Deployments, statuses and pull requests are GitHub's published examples
(../shared/reference/github: webhook bodies hold the same objects as REST answers) moved to
the synthetic repository, the tests' values set over them; reviews and commits follow GitHub's
documented REST shapes.

The data come from ``synthetic_org`` (deterministic for a seed). The clock is injectable
(``FakeClock``), shared with the client under test so rate-limit resets are simulated, not
slept. The app is a WSGI callable: tests serve it over HTTP (``VendorServer.start``), the
benchmark also in process (``httpx.WSGITransport``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from tests.connect.servers.vendor import Fault, VendorServer, iso, json_response, parse_time

API = "https://api.github.com"  # the host in item URLs (what the github-api source parses)
# GitHub's published payloads (webhook bodies hold the same objects as the REST answers)
REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "reference" / "github"
REFERENCE_SLUG = "Codertocat/Hello-World"
DOCS = "https://docs.github.com/rest"


class FakeClock:
    """Simulated wall-clock seconds: ``sleep`` advances it (shared by server and client)."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.now = start
        self._lock = threading.Lock()

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(seconds, 0.0)


class RealClock:
    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass
class Repo:
    owner: str
    name: str
    default_branch: str = "main"
    pushed_at: str = "2026-01-01T00:00:00Z"
    archived: bool = False
    deployments: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    statuses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # oldest first
    pulls: list[dict[str, Any]] = field(default_factory=list)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    commits: list[dict[str, Any]] = field(default_factory=list)  # oldest first

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def api(self) -> str:
        return f"{API}/repos/{self.full_name}"

    def summary(self) -> dict[str, Any]:
        return {
            "id": int(hashlib.sha256(self.full_name.encode()).hexdigest()[:8], 16),
            "name": self.name,
            "full_name": self.full_name,
            "private": True,
            "owner": {"login": self.owner, "type": "Organization"},
            "html_url": f"https://github.com/{self.full_name}",
            "url": self.api,
            "default_branch": self.default_branch,
            "pushed_at": self.pushed_at,
            "archived": self.archived,
        }


# --- item shapes (GitHub's examples) ----------------------------------------------------------


@cache
def _reference_text(name: str, key: str) -> str:
    return json.dumps(json.loads((REFERENCE / f"{name}.payload.json").read_text())[key])


def reference(name: str, key: str, repo: Repo) -> dict[str, Any]:
    """GitHub's published object (``key`` of the reference ``name``), moved to ``repo``: every
    field GitHub sends, the tests' values then set over it."""
    text = _reference_text(name, key).replace(REFERENCE_SLUG, repo.full_name)
    found: dict[str, Any] = json.loads(text)
    return found


def sha_of(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()


def commit_item(repo: Repo, sha: str, at: dt.datetime, message: str, parents: list[str]) -> Any:
    person = {"name": "Mona Octocat", "email": "mona@example.com", "date": iso(at)}
    return {
        "url": f"{repo.api}/commits/{sha}",
        "sha": sha,
        "node_id": f"C_{sha[:10]}",
        "html_url": f"https://github.com/{repo.full_name}/commit/{sha}",
        "comments_url": f"{repo.api}/commits/{sha}/comments",
        "commit": {
            "url": f"{repo.api}/git/commits/{sha}",
            "author": person,
            "committer": {**person, "name": "GitHub", "email": "noreply@github.com"},
            "message": message,
            "comment_count": 0,
        },
        "author": {"login": "mona", "id": 2, "type": "User"},
        "committer": {"login": "web-flow", "id": 19864447, "type": "User"},
        "parents": [{"url": f"{repo.api}/commits/{p}", "sha": p} for p in parents],
    }


def pull_item(
    repo: Repo, number: int, title: str, *, created: dt.datetime, merged: dt.datetime, sha: str
) -> Any:
    side = {
        "id": 5550001,
        "name": repo.name,
        "full_name": repo.full_name,
        "private": True,
        "html_url": f"https://github.com/{repo.full_name}",
        "url": repo.api,
        "default_branch": repo.default_branch,
    }
    found = reference("pull_request.closed", "pull_request", repo)
    text = json.dumps(found)
    for path in ("pulls", "pull", "issues"):  # the example's own number in its URLs
        text = text.replace(f"/{path}/{found['number']}", f"/{path}/{number}")
    found = json.loads(text)
    return found | {
        "url": f"{repo.api}/pulls/{number}",
        "id": 900000 + number,
        "node_id": f"PR_{number}",
        "html_url": f"https://github.com/{repo.full_name}/pull/{number}",
        "number": number,
        "state": "closed",
        "locked": False,
        "title": title,
        "user": {"login": "mona", "id": 2, "type": "User"},
        "body": None,
        "labels": [],
        "created_at": iso(created),
        "updated_at": iso(merged),
        "closed_at": iso(merged),
        "merged_at": iso(merged),
        "merge_commit_sha": sha,
        "merged": True,
        "draft": False,
        "head": found["head"]
        | {
            "label": f"{repo.owner}:feature/{number}",
            "ref": f"feature/{number}",
            "sha": sha_of(repo.full_name, "head", number),
            "repo": found["head"]["repo"] | side,
        },
        "base": found["base"]
        | {
            "label": f"{repo.owner}:{repo.default_branch}",
            "ref": repo.default_branch,
            "sha": sha_of(repo.full_name, "base", number),
            "repo": found["base"]["repo"] | side,
        },
        "author_association": "MEMBER",
    }


def review_item(repo: Repo, number: int, review_id: int, at: dt.datetime) -> Any:
    return {
        "id": review_id,
        "node_id": f"PRR_{review_id}",
        "user": {"login": "hubot", "id": 3, "type": "User"},
        "body": "Looks good",
        "state": "APPROVED",
        "html_url": f"https://github.com/{repo.full_name}/pull/{number}#pullrequestreview-{review_id}",
        "pull_request_url": f"{repo.api}/pulls/{number}",
        "submitted_at": iso(at),
        "commit_id": sha_of(repo.full_name, "head", number),
        "author_association": "MEMBER",
    }


def deployment_item(repo: Repo, deployment_id: int, sha: str, at: dt.datetime) -> Any:
    return reference("deployment", "deployment", repo) | {
        "url": f"{repo.api}/deployments/{deployment_id}",
        "id": deployment_id,
        "node_id": f"DE_{deployment_id}",
        "sha": sha,
        "ref": repo.default_branch,
        "task": "deploy",
        "payload": {},
        "original_environment": "production",
        "environment": "production",
        "description": None,
        "creator": {"login": "octocat", "id": 1, "type": "User"},
        "created_at": iso(at),
        "updated_at": iso(at),
        "statuses_url": f"{repo.api}/deployments/{deployment_id}/statuses",
        "repository_url": repo.api,
        "transient_environment": False,
        "production_environment": True,
    }


def status_item(repo: Repo, deployment_id: int, status_id: int, state: str, at: dt.datetime) -> Any:
    return reference("deployment_status", "deployment_status", repo) | {
        "url": f"{repo.api}/deployments/{deployment_id}/statuses/{status_id}",
        "id": status_id,
        "node_id": f"DES_{status_id}",
        "state": state,
        "creator": {"login": "octocat", "id": 1, "type": "User"},
        "description": f"Deployment {state}",
        "environment": "production",
        "target_url": "",
        "created_at": iso(at),
        "updated_at": iso(at),
        "deployment_url": f"{repo.api}/deployments/{deployment_id}",
        "repository_url": repo.api,
    }


# --- a synthetic organisation -----------------------------------------------------------------


@dataclass
class Counters:
    deployment: int = 1000
    status: int = 50000
    review: int = 700000


def add_merge(
    repo: Repo, at: dt.datetime, counters: Counters, rng: random.Random, revert: bool = False
) -> str:
    """A pull request merged at ``at`` (a merge commit on the default branch), reviewed once."""
    number = len(repo.pulls) + 1
    sha = sha_of(repo.full_name, "merge", number)
    title = f'Revert "Change {number - 1}"' if revert else f"Change {number}"
    created = at - dt.timedelta(hours=rng.randint(2, 72))
    parent = repo.commits[-1]["sha"] if repo.commits else sha_of(repo.full_name, "root")
    repo.commits.append(
        commit_item(repo, sha, at, f"Merge pull request #{number}\n\n{title}", [parent])
    )
    repo.pulls.append(pull_item(repo, number, title, created=created, merged=at, sha=sha))
    counters.review += 1
    repo.reviews[number] = [review_item(repo, number, counters.review, at - dt.timedelta(hours=1))]
    repo.pushed_at = iso(at)
    return sha


def add_deployment(
    repo: Repo, sha: str, at: dt.datetime, counters: Counters, states: tuple[str, ...]
) -> int:
    """A deployment of ``sha`` and its statuses, a minute apart."""
    counters.deployment += 1
    deployment_id = counters.deployment
    repo.deployments.append(deployment_item(repo, deployment_id, sha, at))
    statuses = []
    for offset, state in enumerate(states, start=1):
        counters.status += 1
        moment = at + dt.timedelta(minutes=offset)
        statuses.append(status_item(repo, deployment_id, counters.status, state, moment))
    repo.statuses[deployment_id] = statuses
    return deployment_id


def synthetic_org(
    org: str,
    repositories: int,
    *,
    start: dt.datetime,
    days: int,
    merges_per_week: float = 2.0,
    seed: int = 7,
) -> tuple[dict[str, Repo], Counters]:
    """``repositories`` repositories with ``days`` of history from ``start``: merged pull requests
    (about ``merges_per_week``, one in twelve a revert), each deployed (one in eight failing)."""
    rng = random.Random(seed)
    counters = Counters()
    repos: dict[str, Repo] = {}
    for index in range(repositories):
        repo = Repo(org, f"service-{index:03d}")
        moments = sorted(
            start + dt.timedelta(seconds=rng.randint(0, days * 86400))
            for _ in range(max(1, round(days / 7 * merges_per_week * rng.uniform(0.5, 1.5))))
        )
        for moment in moments:
            revert = len(repo.pulls) > 0 and rng.random() < 1 / 12
            sha = add_merge(repo, moment, counters, rng, revert)
            failed = rng.random() < 1 / 8
            states = ("in_progress", "failure" if failed else "success")
            add_deployment(repo, sha, moment + dt.timedelta(minutes=10), counters, states)
        repos[repo.full_name] = repo
    return repos, counters


# --- the server -------------------------------------------------------------------------------


class GitHubServer(VendorServer):
    """GitHub's REST API over ``repos`` (tests change them between syncs)."""

    name = "github"

    def __init__(
        self,
        repos: dict[str, Repo] | None = None,
        *,
        token: str = "ghp_test",
        clock: Any = None,
        limit: int = 5000,
        delay: float = 0.0,
    ) -> None:
        super().__init__()
        self.repos = repos or {}
        self.token = token
        self.clock = clock or RealClock()
        self.limit = limit
        self.window = 3600.0
        self.delay = delay  # seconds each answer takes (the kill -9 test needs a slow sync)
        self.max_per_page = 100  # GitHub's; tests lower it to get many pages from little data
        self.window_start = self.clock.time()
        self.used = 0
        self.charged = 0  # requests charged to the rate limit, over all windows
        self.max_used = 0  # the most charged in one window
        self.refused = 0  # requests answered "API rate limit exceeded"

    # --- the tests' controls ---------------------------------------------------------------

    def secondary_limit_next(self, retry_after: int | None = 1, status: int = 403) -> None:
        """The next request meets a secondary rate limit (GitHub answers 403 or 429)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        body = {
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes "
            "before you try again.",
            "documentation_url": f"{DOCS}/using-the-rest-api/rate-limits-for-the-rest-api",
        }
        self.faults.append(Fault(status, headers, body))

    def error_body(self, status: int) -> Any:
        return {"message": "Server Error" if status >= 500 else f"HTTP {status}"}

    def org_payloads(self) -> dict[str, list[Any]]:
        """Every list the kind reads, whole, as ``gh api --paginate`` would save them (the
        same payloads from files, for the sync-versus-files comparison)."""
        out: dict[str, list[Any]] = {}
        for repo in self.repos.values():
            key = repo.full_name.replace("/", "_")
            out[f"{key}-deployments.json"] = list(reversed(repo.deployments))
            out[f"{key}-statuses.json"] = [
                s for d in repo.deployments for s in reversed(repo.statuses.get(d["id"], []))
            ]
            out[f"{key}-pulls.json"] = sorted(
                repo.pulls, key=lambda p: p["updated_at"], reverse=True
            )
            out[f"{key}-reviews.json"] = [r for n in sorted(repo.reviews) for r in repo.reviews[n]]
            out[f"{key}-commits.json"] = list(reversed(repo.commits))
        return out

    # --- GitHub ----------------------------------------------------------------------------

    def authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        return header in (f"Bearer {self.token}", f"token {self.token}")

    def unauthorised(self) -> Response:
        return json_response({"message": "Bad credentials", "documentation_url": DOCS}, 401)

    def route(self, request: Request) -> Response:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            now = self.clock.time()
            if now >= self.window_start + self.window:
                self.window_start, self.used = now, 0
            if self.used >= self.limit:
                return self._over_limit()
            found = self._answer(request)
            if found is None:
                return self._headers(json_response({"message": "Not Found"}, 404), charged=True)
            items, paginated = found
            per_page = min(max(int(request.args.get("per_page", 30)), 1), self.max_per_page)
            page = max(int(request.args.get("page", 1)), 1)
            body: Any = items
            links = ""
            if paginated:
                body = items[(page - 1) * per_page : page * per_page]
                links = self._links(request, page, per_page, len(items))
            text = json.dumps(body)
            etag = f'W/"{hashlib.sha256(text.encode()).hexdigest()[:32]}"'
            if request.headers.get("If-None-Match") == etag:
                response = Response(status=304, headers={"ETag": etag})
                return self._headers(response, charged=False)  # not charged (GitHub's rule)
            response = Response(text, status=200, content_type="application/json")
            response.headers["ETag"] = etag
            if links:
                response.headers["Link"] = links
            return self._headers(response, charged=True)

    def _answer(self, request: Request) -> tuple[list[Any] | dict[str, Any], bool] | None:
        parts = [p for p in request.path.strip("/").split("/") if p]
        args = request.args
        if len(parts) == 3 and parts[0] == "orgs" and parts[2] == "repos":
            repos = [r.summary() for r in self.repos.values() if r.owner == parts[1]]
            if args.get("sort") == "pushed":
                repos.sort(key=lambda r: r["pushed_at"], reverse=args.get("direction") != "asc")
            return (repos, True) if repos else None
        if len(parts) < 3 or parts[0] != "repos":
            return None
        repo = self.repos.get(f"{parts[1]}/{parts[2]}")
        if repo is None:
            return None
        rest = parts[3:]
        if not rest:
            return repo.summary(), False
        if rest == ["deployments"]:
            return list(reversed(repo.deployments)), True  # newest first
        if len(rest) == 3 and rest[0] == "deployments" and rest[2] == "statuses":
            return list(reversed(repo.statuses.get(int(rest[1]), []))), True
        if rest == ["pulls"]:
            pulls = [p for p in repo.pulls if args.get("state", "open") in (p["state"], "all")]
            key = "updated_at" if args.get("sort") == "updated" else "created_at"
            pulls.sort(key=lambda p: p[key], reverse=args.get("direction", "desc") == "desc")
            return pulls, True
        if len(rest) == 3 and rest[0] == "pulls" and rest[2] == "reviews":
            return list(repo.reviews.get(int(rest[1]), [])), True
        if rest == ["commits"]:
            since = parse_time(args["since"]) if args.get("since") else None
            commits = [
                c
                for c in reversed(repo.commits)
                if since is None or parse_time(c["commit"]["committer"]["date"]) >= since
            ]
            return commits, True
        return None

    def _links(self, request: Request, page: int, per_page: int, total: int) -> str:
        last = max((total + per_page - 1) // per_page, 1)
        base = f"{request.host_url.rstrip('/')}{request.path}"
        query = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}

        def link(number: int, rel: str) -> str:
            target = urlencode({**query, "per_page": per_page, "page": number})
            return f'<{base}?{target}>; rel="{rel}"'

        found = []
        if page < last:
            found += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            found += [link(1, "first"), link(page - 1, "prev")]
        return ", ".join(found)

    def _headers(self, response: Response, charged: bool) -> Response:
        if charged:
            self.used += 1
            self.charged += 1
            self.max_used = max(self.max_used, self.used)
        response.headers.update(
            {
                "X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": str(max(self.limit - self.used, 0)),
                "X-RateLimit-Reset": str(int(self.window_start + self.window)),
                "X-RateLimit-Used": str(self.used),
                "X-RateLimit-Resource": "core",
            }
        )
        return response

    def _over_limit(self) -> Response:
        self.refused += 1
        body = {
            "message": "API rate limit exceeded for user ID 1.",
            "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api",
        }
        return self._headers(json_response(body, 403), charged=False)


def moment(text: str) -> dt.datetime:
    return parse_time(text)
