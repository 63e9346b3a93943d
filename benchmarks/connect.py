"""Requests a GitHub connection costs: a back-fill of a synthetic organisation (200 repositories
x 1 year by default), then an incremental run with nothing new, then one with one change.

The github kind (``leadline.connect.kinds.github``) pulls through the real ``ApiClient`` from the
local GitHub API of the tests (tests/connect/servers/github.py), served in process
(``httpx.WSGITransport``), with GitHub's primary rate limit of 5,000 requests an hour on a
simulated clock shared by server and client: the client's waits for ``X-RateLimit-Reset`` are
simulated, not slept, so the run shows how it paces itself to the budget. Cursors are kept in
memory as ``leadline sync`` commits them (landing is measured by the tests, not here).

Reports per run: requests sent, requests charged to the rate limit (304s are not), 304s,
rate-limit waits, simulated hours, the most requests charged in one rate-limit window (must
stay <= the limit) and wall seconds. Exits non-zero if a window went over the limit, if the
empty incremental run cost more than one request per repository plus one per 100 repositories,
or if any of those requests was charged.

With ``--land``, instead: ``leadline sync`` end to end (HTTP on 127.0.0.1, landing every pull
in a fresh home's store and lake), timed, for a back-fill and an empty incremental run; keep
``--repos`` small enough for one rate-limit window (the clock is real there).

Usage: ``connect.py [--repos 200] [--days 365] [--merges-per-week 2] [--limit 5000] [--land]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.connect.servers.github import (  # noqa: E402
    FakeClock,
    GitHubServer,
    add_deployment,
    add_merge,
    synthetic_org,
)

from common import report  # noqa: E402
from leadline.connect.client import ApiClient  # noqa: E402
from leadline.connect.kinds.base import ConnectionSpec, Cursor, kind  # noqa: E402

TOKEN = "ghp_benchmark"


def run(server: GitHubServer, cursors: dict[str, Cursor], repos: int) -> dict[str, Any]:
    """One sync's pulls, cursors applied as sync commits them; what it cost."""
    spec = ConnectionSpec(
        "acme", "github", {"org": "acme", "history-days": "400"}, token_env="GITHUB_TOKEN"
    )
    github = kind("github")
    client = ApiClient(
        "http://github.test",
        {"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.github+json"},
        transport=httpx.WSGITransport(app=server),
        clock=server.clock,
    )
    charged_before, started_clock = server.charged, server.clock.time()
    server.max_used = server.used
    started = time.perf_counter()
    pulls = items = 0
    with client:
        for pull in github.pull(spec, dict(cursors), client, None, False):
            pulls += 1
            items += sum(len(f.data) > 2 for f in pull.files)
            cursors.update(pull.cursor_updates)
    stats = client.stats
    return {
        "seconds": time.perf_counter() - started,
        "repos": repos,
        "requests": stats.requests,
        "charged": server.charged - charged_before,
        "not_modified": stats.not_modified,
        "rate_limit_waits": stats.rate_limit_waits,
        "simulated_hours": round((server.clock.time() - started_clock) / 3600, 2),
        "max_charged_in_a_window": server.max_used,
        "limit": server.limit,
        "pulls": pulls,
        "files": items,
    }


def land(repos: dict[str, Any], limit: int) -> None:
    """``leadline sync`` end to end into a fresh home: wall time, batches, facts landed."""
    import os
    import tempfile

    from leadline.config import load_settings
    from leadline.connect.manage import add_connection
    from leadline.connect.sync import sync_connection
    from leadline.context import App

    server = GitHubServer(repos, token=TOKEN, limit=limit)
    server.start()
    os.environ["GITHUB_TOKEN"] = TOKEN
    with tempfile.TemporaryDirectory() as home:
        app = App(load_settings(home=home))
        with app.store.session() as session:
            options = {"org": "acme", "base-url": server.url, "history-days": "400"}
            add_connection(
                session,
                "github",
                "acme",
                options,
                token_env="GITHUB_TOKEN",
                token_file=None,
                schedule=None,
                actor="benchmark",
            )
        for case in ("back-fill, landed", "incremental, nothing new, landed"):
            started = time.perf_counter()
            result = sync_connection("acme", settings=app.settings, store=app.store)
            seconds = time.perf_counter() - started
            report(
                "connect-github",
                case,
                seconds,
                repos=len(repos),
                status=result.status,
                batches=result.batches,
                facts_landed=result.facts_landed,
                requests=result.requests,
                not_modified=result.not_modified,
            )
        app.close()
    server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--merges-per-week", type=float, default=2.0)
    parser.add_argument("--limit", type=int, default=5000)
    parser.add_argument("--land", action="store_true", help="time leadline sync end to end")
    args = parser.parse_args()
    clock = FakeClock(dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp())
    start = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
    made = time.perf_counter()
    repos, counters = synthetic_org(
        "acme", args.repos, start=start, days=args.days, merges_per_week=args.merges_per_week
    )
    if args.land:
        land(repos, args.limit)
        return 0
    server = GitHubServer(repos, token=TOKEN, clock=clock, limit=args.limit)
    generated = time.perf_counter() - made
    size = {
        "deployments": sum(len(r.deployments) for r in repos.values()),
        "pull_requests": sum(len(r.pulls) for r in repos.values()),
        "commits": sum(len(r.commits) for r in repos.values()),
        "generation_seconds": round(generated, 2),
    }
    cursors: dict[str, Cursor] = {}
    failed = False
    back_fill = run(server, cursors, args.repos)
    report("connect-github", "back-fill", back_fill.pop("seconds"), **back_fill, **size)
    failed |= back_fill["max_charged_in_a_window"] > args.limit

    empty = run(server, cursors, args.repos)
    report("connect-github", "incremental, nothing new", empty.pop("seconds"), **empty)
    budget = args.repos + -(-args.repos // 100)
    failed |= empty["requests"] > budget or empty["charged"] > 0

    repo = repos["acme/service-007"]
    moment = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    sha = add_merge(repo, moment, counters, random.Random(1))
    add_deployment(repo, sha, moment + dt.timedelta(minutes=10), counters, ("success",))
    one = run(server, cursors, args.repos)
    report("connect-github", "incremental, one merge and deployment", one.pop("seconds"), **one)
    failed |= one["max_charged_in_a_window"] > args.limit
    if failed:
        print("FAILED: over the rate limit, or the empty run cost too much", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
