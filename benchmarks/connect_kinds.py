"""Requests the gitlab, pagerduty, opsgenie, jira and focus connections cost: a back-fill of a
year of synthetic history, an incremental run with nothing new, and one with one change.

Each kind pulls through its real client (httpx + tenacity, or boto3 for focus) from the tests'
local vendor servers on 127.0.0.1 (tests/connect/servers/, and moto's S3 server for focus);
cursors are applied in memory as ``leadline sync`` commits them (landing is measured by the
tests, not here); the clock is simulated. Volumes (a year): GitLab 20 projects x (730
deployments, 365 merge requests, 24 incidents); PagerDuty 3,000 incidents; Opsgenie 10,000
alerts; Jira 5,000 issues; focus 365 daily exports.

Exits non-zero when an empty incremental run costs more than it should: GitLab (a group) the
project list, one deployments request per project and the group's merge-request and incident
lists; PagerDuty, Opsgenie and Jira one; focus one list request.

Usage: ``connect_kinds.py [--scale 1.0]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.connect.servers import gitlab, jira, opsgenie, pagerduty  # noqa: E402
from tests.connect.support_kinds import T0, FakeClock  # noqa: E402

from leadline.connect.kinds import gitlab as gitlab_kind  # noqa: E402
from leadline.connect.kinds.base import ConnectionSpec, kind  # noqa: E402

YEAR = dt.timedelta(days=365)


def run(spec: ConnectionSpec, cursors: dict[str, Any], clock: FakeClock) -> tuple[int, int, float]:
    """One sync's pulls without landing: (requests, batches it would land, wall seconds)."""
    connector = kind(spec.kind)
    client = connector.client(spec)
    started = time.perf_counter()
    batches = 0
    try:
        if client is not None:
            client.clock = clock
        for pull in connector.pull(spec, cursors, client, None, False):
            batches += 1 if pull.files or pull.paths else 0
            cursors.update(pull.cursor_updates)
        requests = client.stats.requests if client is not None else COUNTED[0]
    finally:
        if client is not None:
            client.close()
    return requests, batches, time.perf_counter() - started


COUNTED = [0]  # focus: S3 requests (boto3's, counted by an event hook)


def _count() -> None:
    COUNTED[0] += 1


def measure(
    name: str, spec: ConnectionSpec, clock: FakeClock, change: Callable[[], None], bound: int
) -> list[str]:
    cursors: dict[str, Any] = {}
    rows, failures = [], []
    for label in ("back-fill, a year", "incremental, nothing new", "incremental, one change"):
        if label.endswith("one change"):
            change()
        COUNTED[0] = 0
        requests, batches, seconds = run(spec, cursors, clock)
        rows.append(f"| {name} | {label} | {requests:,} | {batches:,} | {seconds:.2f} s |")
        if label.endswith("nothing new") and requests > bound:
            failures.append(f"{name}: the empty run cost {requests} requests (at most {bound})")
    print("\n".join(rows), flush=True)
    return failures


def bench_gitlab(scale: float, clock: FakeClock) -> list[str]:
    server = gitlab.GitLabServer()
    server.start()
    server.now = clock.time
    projects = max(int(20 * scale), 1)
    start = T0 - YEAR - dt.timedelta(days=2)  # the last item two days before now
    for p in range(projects):
        path = f"acme/team{p:02d}/service{p:02d}"
        server.add_project(path, 100 + p)
        server.add(
            path,
            "deployments",
            *(
                gitlab.deployment(
                    p * 10_000 + n, n, f"{n:040x}", "success", start + dt.timedelta(hours=12 * n)
                )
                for n in range(1, 731)
            ),
        )
        server.add(
            path,
            "merge_requests",
            *(
                gitlab.merge_request(
                    n,
                    path,
                    "merged",
                    start + dt.timedelta(days=n - 1),
                    start + dt.timedelta(days=n - 1, hours=5),
                    mr_id=p * 10_000 + n,
                    merge_sha=f"{n:040x}",
                )
                for n in range(1, 366)
            ),
        )
        server.add(
            path,
            "issues",
            *(
                gitlab.incident(
                    n,
                    path,
                    start + dt.timedelta(days=15 * n),
                    start + dt.timedelta(days=15 * n, hours=2),
                    closed=start + dt.timedelta(days=15 * n, hours=2),
                )
                for n in range(1, 25)
            ),
        )
    os.environ["BENCH_GITLAB_TOKEN"] = gitlab.TOKEN
    options = {"group": "acme", "base-url": server.url}
    spec = ConnectionSpec("bench-gitlab", "gitlab", options, token_env="BENCH_GITLAB_TOKEN")

    def change() -> None:
        path = "acme/team00/service00"
        later = T0 - dt.timedelta(minutes=5)
        server.add(path, "deployments", gitlab.deployment(999_999, 999, "f" * 40, "failed", later))

    try:
        failures = measure(f"gitlab ({projects} projects)", spec, clock, change, projects + 3)
        return failures + gitlab_migration(spec, clock, f"gitlab ({projects} projects)")
    finally:
        server.stop()


def gitlab_migration(spec: ConnectionSpec, clock: FakeClock, name: str) -> list[str]:
    """A connection that pulled every stream per project (as before the group lists: the
    kind told no project is in the group), then its first run with the group lists (read
    from the oldest per-project cursor), then an empty run."""
    cursors: dict[str, Any] = {}
    real = gitlab_kind.within
    gitlab_kind.within = lambda project, path: False  # type: ignore[assignment]
    try:
        per_project = run(spec, cursors, clock)
    finally:
        gitlab_kind.within = real  # type: ignore[assignment]
    first, empty = run(spec, cursors, clock), run(spec, cursors, clock)
    labels = ("per project (as before), a year", "first run with group lists", "then nothing new")
    for label, found in zip(labels, (per_project, first, empty), strict=True):
        requests, batches, seconds = found
        print(f"| {name} | {label} | {requests:,} | {batches:,} | {seconds:.2f} s |", flush=True)
    return [f"{name}: the first group run landed {first[1]} batches (nothing was new)"] * (
        first[1] != 0
    )


def bench_pagerduty(scale: float, clock: FakeClock) -> list[str]:
    server = pagerduty.PagerDutyServer()
    server.start()
    server.now = clock.time
    count = max(int(3000 * scale), 1)
    step = YEAR / (count + 1)
    server.incidents = [
        pagerduty.incident(
            n, T0 - YEAR + step * n, changed=T0 - YEAR + step * n + dt.timedelta(minutes=40)
        )
        for n in range(1, count + 1)
    ]
    os.environ["BENCH_PAGERDUTY_TOKEN"] = pagerduty.TOKEN
    options = {"base-url": server.url}
    spec = ConnectionSpec("bench-pd", "pagerduty", options, token_env="BENCH_PAGERDUTY_TOKEN")

    def change() -> None:
        server.incidents.append(pagerduty.incident(count + 1, T0 - dt.timedelta(minutes=3)))

    try:
        return measure(f"pagerduty ({count:,} incidents)", spec, clock, change, 1)
    finally:
        server.stop()


def bench_opsgenie(scale: float, clock: FakeClock) -> list[str]:
    server = opsgenie.OpsgenieServer()
    server.start()
    count = max(int(10_000 * scale), 1)
    step = YEAR / (count + 1)
    server.alerts = [
        opsgenie.alert(
            n,
            T0 - YEAR + step * n,
            T0 - YEAR + step * n + dt.timedelta(minutes=30),
        )
        for n in range(1, count + 1)
    ]
    os.environ["BENCH_OPSGENIE_KEY"] = opsgenie.TOKEN
    options = {"base-url": server.url}
    spec = ConnectionSpec("bench-og", "opsgenie", options, token_env="BENCH_OPSGENIE_KEY")

    def change() -> None:
        moment = T0 - dt.timedelta(minutes=3)
        server.alerts.append(opsgenie.alert(count + 1, moment, moment, status="open"))

    try:
        return measure(f"opsgenie ({count:,} alerts)", spec, clock, change, 1)
    finally:
        server.stop()


def bench_jira(scale: float, clock: FakeClock) -> list[str]:
    server = jira.JiraServer()
    server.start()
    server.now = clock.time
    count = max(int(5000 * scale), 1)
    step = YEAR / (count + 1)
    first = T0 - YEAR - dt.timedelta(hours=3)  # the last update before now
    server.issues = [
        jira.issue(
            f"OPS-{n}",
            first + step * n,
            first + step * n + dt.timedelta(hours=3),
            done=True,
        )
        for n in range(1, count + 1)
    ]
    os.environ["BENCH_JIRA_TOKEN"] = jira.TOKEN
    options = {"base-url": server.url, "jql": "project = OPS", "email": jira.EMAIL}
    spec = ConnectionSpec("bench-jira", "jira", options, token_env="BENCH_JIRA_TOKEN")

    def change() -> None:
        moment = T0 - dt.timedelta(minutes=3)
        server.issues.append(jira.issue(f"OPS-{count + 1}", moment, moment))

    try:
        return measure(f"jira ({count:,} issues)", spec, clock, change, 1)
    finally:
        server.stop()


def bench_focus(scale: float, clock: FakeClock) -> list[str]:
    from moto.server import ThreadedMotoServer

    from leadline.connect.kinds import focus

    for key, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }.items():
        os.environ[key] = value
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    real = focus.s3_client

    def counted(endpoint_url: str | None, region: str | None) -> Any:
        client = real(endpoint_url, region)
        client.meta.events.register(
            "before-send", lambda **_: COUNTED.__setitem__(0, COUNTED[0] + 1)
        )
        return client

    focus.s3_client = counted  # type: ignore[assignment]
    s3 = real(endpoint, "us-east-1")
    s3.create_bucket(Bucket="bench")
    days = max(int(365 * scale), 1)
    body = b"BilledCost,BillingCurrency\n1.00,USD\n"
    for day in range(days):
        moment = (T0 - YEAR + dt.timedelta(days=day)).strftime("%Y-%m-%d")
        s3.put_object(Bucket="bench", Key=f"focus/{moment}/export.csv.gz", Body=body)
    options = {"url": "s3://bench/focus/", "endpoint-url": endpoint}
    spec = ConnectionSpec("bench-focus", "focus", options)

    def change() -> None:
        s3.put_object(Bucket="bench", Key="focus/new/export.csv.gz", Body=body)

    try:
        return measure(f"focus ({days} S3 exports)", spec, clock, change, 1)
    finally:
        focus.s3_client = real  # type: ignore[assignment]
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="volumes x this")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the servers' request lines
    print("| kind | run | requests | batches | wall time |")
    print("|---|---|---|---|---|")
    failures: list[str] = []
    for bench in (bench_gitlab, bench_pagerduty, bench_opsgenie, bench_jira, bench_focus):
        failures += bench(args.scale, FakeClock())
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
