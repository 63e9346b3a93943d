"""The GitLab test server as the GitLab connector tests use it: one project, acme/shop/checkout
(42), with 25 deployments, three merge requests and two incidents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from leadline.connect.kinds import _gitlab_rest as gitlab_rest
from tests.connect.servers.gitlab import TOKEN, GitLabServer, deployment, incident, merge_request
from tests.connect.servers.vendor import serving
from tests.connect.support_kinds import T0

PATH = "acme/shop/checkout"
DAY0 = T0 - dt.timedelta(days=10)


def deployed(number: int) -> dt.datetime:
    return DAY0 + dt.timedelta(minutes=number)


@pytest.fixture(scope="module")
def server() -> Iterator[GitLabServer]:
    yield from serving(GitLabServer())  # type: ignore[misc]


@pytest.fixture
def gitlab(server: GitLabServer, monkeypatch: pytest.MonkeyPatch) -> GitLabServer:
    """The server with one project: 25 deployments (three pages of 10: the page size is made
    small to keep the test fast), three merge requests (merged, open, closed) and two
    incidents (closed, open)."""
    monkeypatch.setattr(gitlab_rest, "PER_PAGE", 10)
    server.reset()
    server.projects.clear()
    server.groups.clear()
    server.group_ids.clear()
    server.shared.clear()
    server.items.clear()
    server.remaining = None
    server.add_project(PATH, 42)
    server.add(
        PATH,
        "deployments",
        *(deployment(n, n, f"{n:040x}", "success", deployed(n)) for n in range(1, 26)),
    )
    merged_sha = "ab" * 20
    server.add(
        PATH,
        "merge_requests",
        merge_request(1, PATH, "merged", DAY0, DAY0 + dt.timedelta(hours=3), merge_sha=merged_sha),
        merge_request(2, PATH, "opened", DAY0, DAY0 + dt.timedelta(hours=4)),
        merge_request(3, PATH, "closed", DAY0, DAY0 + dt.timedelta(hours=5)),
    )
    closed = DAY0 + dt.timedelta(hours=2)
    server.add(
        PATH,
        "issues",
        incident(1, PATH, DAY0, closed, closed=closed),
        incident(2, PATH, DAY0 + dt.timedelta(hours=6), DAY0 + dt.timedelta(hours=6)),
    )
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    return server
