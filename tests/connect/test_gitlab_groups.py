"""The ``gitlab`` connector on a group (tests/connect/servers/gitlab.py): merge requests and
incidents asked of the group, deployments per project; an empty run costs the project list,
one request per project and two; the facts equal the per-project ones; archived and shared
projects follow the project list; per-project cursors move to group cursors with nothing missed
or doubled, and a stopped run resumes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from leadline.connect.kinds import gitlab as gitlab_kind
from leadline.context import App
from tests.conftest import make_settings
from tests.connect import support_gitlab
from tests.connect.servers.gitlab import GitLabServer, deployment, incident, merge_request
from tests.connect.support_gitlab import DAY0, PATH, deployed
from tests.connect.support_kinds import FakeClock, add_connection, cursors, sync, table

server = support_gitlab.server  # the fixtures, for pytest
gitlab = support_gitlab.gitlab


def test_a_group_lists_its_subgroups_projects_on_each_run(app: App, gitlab: GitLabServer) -> None:
    clock = FakeClock()
    gitlab.now = clock.time
    gitlab.add_project("acme/web", 43)
    gitlab.add(
        "acme/web", "deployments", deployment(900, 1, "d" * 40, "failed", deployed(3), title="x")
    )
    add_connection(
        app, "acme-group", "gitlab", {"group": "acme", "base-url": gitlab.url}, "GITLAB_TOKEN"
    )
    result = sync(app, "acme-group", clock)
    assert result.status == "ok", result.error
    listing = gitlab.requests_to("/groups/")
    assert [(s.path, s.arg("include_subgroups")) for s in listing] == [
        ("/api/v4/groups/acme/projects", "true"),
        ("/api/v4/groups/acme/merge_requests", None),
        ("/api/v4/groups/acme/issues", None),
    ]
    asked = {s.path.rsplit("/", 1)[-1]: s for s in listing[1:]}
    assert (asked["merge_requests"].arg("state"), asked["merge_requests"].arg("scope")) == (
        "all",
        "all",
    )
    assert asked["issues"].arg("issue_type") == "incident"
    for seen in asked.values():
        assert (seen.arg("order_by"), seen.arg("sort")) == ("updated_at", "asc")
        assert seen.arg("updated_after") == "2025-03-10T08:59:59Z"  # a year back
        assert seen.arg("non_archived") == "false"  # the project list decides
    assert not gitlab.requests_to("/projects/42/merge_requests")
    by_id = {d["deployment_id"]: d for d in table(app, "deployments")}
    assert by_id["gitlab:acme/web:900"]["status"] == "failure"
    assert len(by_id) == 26
    assert "acme/web:project" not in cursors(app, "acme-group")  # a group's are listed anew
    assert cursors(app, "acme-group")["group:acme:merge_requests"]["projects"] == ["42", "43"]


def _second_project(server: GitLabServer) -> None:
    """acme/web (43): two merge requests (merged, open) and an incident (ids are global)."""
    server.add_project("acme/web", 43)
    server.add(
        "acme/web",
        "merge_requests",
        merge_request(
            1,
            "acme/web",
            "merged",
            DAY0,
            DAY0 + dt.timedelta(hours=1),
            mr_id=6001,
            merge_sha="c" * 40,
        ),
        merge_request(2, "acme/web", "opened", DAY0, DAY0 + dt.timedelta(hours=7), mr_id=6002),
    )
    moment = DAY0 + dt.timedelta(hours=8)
    server.add("acme/web", "issues", {**incident(1, "acme/web", DAY0, moment), "id": 9101})


def _group(app: App, server: GitLabServer, clock: FakeClock, name: str = "acme-group") -> None:
    server.now = clock.time
    options = {"group": "acme", "base-url": server.url}
    add_connection(app, name, "gitlab", options, "GITLAB_TOKEN")


FACTS = ("deployments", "changes", "incidents", "pull_requests")


def test_group_facts_equal_the_per_project_facts(
    app: App, gitlab: GitLabServer, tmp_path: Path
) -> None:
    _second_project(gitlab)
    clock = FakeClock()
    _group(app, gitlab, clock)
    assert sync(app, "acme-group", clock).status == "ok"
    other = App(make_settings(tmp_path / "home-listed"))
    try:
        options = {"project": [PATH, "acme/web"], "base-url": gitlab.url}
        add_connection(other, "listed", "gitlab", options, "GITLAB_TOKEN")
        assert sync(other, "listed", clock).status == "ok"
        for name in FACTS:
            assert table(other, name) == table(app, name), name
    finally:
        other.close()
    assert len(table(app, "pull_requests")) == 5
    assert len(table(app, "incidents")) == 3


def test_empty_group_run_costs_one_request_per_project_and_three(
    app: App, gitlab: GitLabServer
) -> None:
    _second_project(gitlab)
    clock = FakeClock()
    _group(app, gitlab, clock)
    assert sync(app, "acme-group", clock).status == "ok"
    gitlab.reset()
    result = sync(app, "acme-group", clock)
    assert (result.status, result.batches, result.facts_landed) == ("ok", 0, 0)
    # the project list, two projects' deployments, the group's merge requests and incidents
    assert result.requests == 5
    asked = gitlab.requests_to("/groups/acme/merge_requests")[0].arg("updated_after")
    assert asked == "2026-02-28T15:59:59Z"  # the newest merge request (acme/web !2), less 1 s
    # one new merge request: the same five requests, one batch, landed once
    gitlab.reset()
    later = DAY0 + dt.timedelta(days=1)
    gitlab.add(
        "acme/web",
        "merge_requests",
        merge_request(3, "acme/web", "opened", later, later, mr_id=6003),
    )
    result = sync(app, "acme-group", clock)
    assert (result.status, result.batches, result.requests) == ("ok", 1, 5)
    assert len(table(app, "pull_requests")) == 6
    result = sync(app, "acme-group", clock)
    assert (result.batches, result.facts_landed, result.requests) == (0, 0, 5)
    assert len(table(app, "pull_requests")) == 6


def test_per_project_cursors_move_to_the_group_cursor_without_missing_or_doubling(
    app: App, gitlab: GitLabServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection that pulled per project (before group lists): its first group run asks
    from the oldest per-project cursor and lands each project's items past its own cursor."""
    _second_project(gitlab)
    clock = FakeClock()
    _group(app, gitlab, clock)
    with monkeypatch.context() as patched:  # as before: every stream per project
        patched.setattr(gitlab_kind, "within", lambda project, path: False)
        result = sync(app, "acme-group", clock)
    assert (result.status, result.requests) == ("ok", 9)  # list, 3 + 2 pages, 3 per acme/web
    kept = cursors(app, "acme-group")
    assert kept[f"{PATH}:merge_requests"]["updated"].startswith("2026-02-28T14:00:00")
    assert kept["acme/web:merge_requests"]["updated"].startswith("2026-02-28T16:00:00")
    assert not any(k.startswith("group:") for k in kept)
    # meanwhile: acme/web gets a merge request; an old checkout one is merged
    later = DAY0 + dt.timedelta(days=1)
    gitlab.add(
        "acme/web",
        "merge_requests",
        merge_request(3, "acme/web", "opened", later, later, mr_id=6003),
    )
    merged = merge_request(2, PATH, "merged", DAY0, later, merge_sha="ef" * 20)
    gitlab.items[(PATH, "merge_requests")][1] = {**merged, "project_id": 42}
    gitlab.reset()
    result = sync(app, "acme-group", clock)
    assert result.status == "ok", result.error
    assert (result.batches, result.requests) == (1, 5)
    assert [r.rows_accepted for r in result.results] == [2]  # the new and the merged, once
    asked = gitlab.requests_to("/groups/acme/merge_requests")[0].arg("updated_after")
    assert asked == "2026-02-28T13:59:59Z"  # the oldest per-project cursor (checkout's), less 1 s
    assert len(table(app, "pull_requests")) == 6
    assert sorted(c["change_id"] for c in table(app, "changes")) == ["ab" * 20, "c" * 40, "ef" * 20]
    kept = cursors(app, "acme-group")
    assert kept["group:acme:merge_requests"]["projects"] == ["42", "43"]
    assert kept["group:acme:incidents"]["projects"] == ["42", "43"]
    gitlab.reset()
    result = sync(app, "acme-group", clock)
    assert (result.batches, result.facts_landed, result.requests) == (0, 0, 5)
    asked = gitlab.requests_to("/groups/acme/merge_requests")[0].arg("updated_after")
    assert asked == "2026-03-01T08:59:59Z"  # the group cursor now: the newest, less 1 s


def test_a_project_joining_the_group_is_read_from_the_history_window(
    app: App, gitlab: GitLabServer
) -> None:
    """acme/web joins after the group cursors exist: the next run asks the group lists from
    --history-days back and lands acme/web's older items, and nothing of checkout's again."""
    clock = FakeClock()
    _group(app, gitlab, clock)
    assert sync(app, "acme-group", clock).status == "ok"
    assert cursors(app, "acme-group")["group:acme:merge_requests"]["projects"] == ["42"]
    _second_project(gitlab)
    gitlab.reset()
    result = sync(app, "acme-group", clock)
    assert result.status == "ok", result.error
    assert (result.batches, result.requests) == (2, 5)  # its merge requests, its incident
    assert [r.rows_accepted for r in result.results] == [2, 1]  # acme/web's only
    lists = [s for s in gitlab.requests_to("/groups/acme/") if "projects" not in s.path]
    assert [s.arg("updated_after") for s in lists] == ["2025-03-10T08:59:59Z"] * 2  # a year back
    assert (len(table(app, "pull_requests")), len(table(app, "incidents"))) == (5, 3)
    assert cursors(app, "acme-group")["group:acme:incidents"]["projects"] == ["42", "43"]
    gitlab.reset()
    result = sync(app, "acme-group", clock)
    assert (result.batches, result.requests) == (0, 5)


def test_archived_and_shared_projects_follow_the_project_list(
    app: App, gitlab: GitLabServer
) -> None:
    """An archived project of the group is not listed, so its merge requests (in the group
    list, asked with non_archived=false) are not landed; a project shared with the group from
    elsewhere is listed but not in the group's lists, so it is asked per project."""
    gitlab.add_project("acme/old", 44)
    gitlab.archive("acme/old")
    gitlab.add(
        "acme/old", "merge_requests", merge_request(1, "acme/old", "opened", DAY0, DAY0, mr_id=7001)
    )
    gitlab.add_project("other/lib", 45)
    gitlab.share("other/lib", "acme")
    gitlab.add(
        "other/lib",
        "merge_requests",
        merge_request(1, "other/lib", "opened", DAY0, DAY0, mr_id=7002),
    )
    clock = FakeClock()
    _group(app, gitlab, clock)
    result = sync(app, "acme-group", clock)
    assert result.status == "ok", result.error
    urls = {s.path for s in gitlab.requests_to("/merge_requests")}
    assert urls == {"/api/v4/groups/acme/merge_requests", "/api/v4/projects/45/merge_requests"}
    assert not gitlab.requests_to("/projects/44/")
    rows = [repr(row) for row in table(app, "pull_requests")]
    assert len(rows) == 4  # checkout's three and other/lib's one
    assert not any("acme/old" in row for row in rows)
    assert sum("other/lib" in row for row in rows) == 1


def test_a_group_by_id_is_asked_its_path_once(app: App, gitlab: GitLabServer) -> None:
    clock = FakeClock()
    gitlab.now = clock.time
    options = {"group": str(gitlab.group_ids["acme"]), "base-url": gitlab.url}
    add_connection(app, "by-id", "gitlab", options, "GITLAB_TOKEN")
    assert sync(app, "by-id", clock).status == "ok"
    assert cursors(app, "by-id")[f"group:{options['group']}"]["full_path"] == "acme"
    assert len(table(app, "pull_requests")) == 3
    gitlab.reset()
    result = sync(app, "by-id", clock)
    assert (result.batches, result.requests) == (0, 4)  # list, deployments, two group lists
    assert not gitlab.requests_to(f"/groups/{options['group']}?")


def test_a_group_run_stopped_midway_resumes_without_doubling(
    app: App, gitlab: GitLabServer
) -> None:
    """25 new merge requests across two projects; the group list's third page is refused
    (403): the two pages before it landed with the projects' own cursors (a first group run),
    and the next run asks from the older of those, landing the rest, each merge request once."""
    gitlab.add_project("acme/web", 43)
    for n in range(1, 26):
        path = PATH if n % 2 else "acme/web"
        at = DAY0 + dt.timedelta(days=1, minutes=n)
        item = merge_request(10 + n, path, "opened", at, at, mr_id=8000 + n)
        gitlab.add(path, "merge_requests", item)
    group_list = "/groups/acme/merge_requests"

    def refuse_the_third_page() -> None:
        if len(gitlab.requests_to(group_list)) == 2 and not gitlab.faults:
            gitlab.fail_next(403, path=group_list)

    clock = FakeClock()
    _group(app, gitlab, clock)
    gitlab.after_page = refuse_the_third_page
    try:
        result = sync(app, "acme-group", clock)
    finally:
        gitlab.after_page = None
    assert result.status == "partial"
    assert len(table(app, "pull_requests")) == 3 + 16  # pages 1 (3 + 7) and 2 (9 new)
    kept = cursors(app, "acme-group")
    assert (
        kept["group:acme:merge_requests"]["updated_ids"],
        kept["group:acme:merge_requests"]["projects"],
    ) == (["8016"], [])
    assert kept[f"{PATH}:merge_requests"]["updated_ids"] == ["8015"]
    assert kept["acme/web:merge_requests"]["updated_ids"] == ["8016"]
    gitlab.reset()
    result = sync(app, "acme-group", clock)
    assert result.status == "ok", result.error
    assert len(table(app, "pull_requests")) == 3 + 25
    assert gitlab.requests_to(group_list)[0].arg("updated_after") == "2026-03-01T09:14:59Z"
    assert cursors(app, "acme-group")["group:acme:merge_requests"]["projects"] == ["42", "43"]
    gitlab.reset()
    result = sync(app, "acme-group", clock)
    assert (result.batches, result.requests) == (0, 5)
    assert gitlab.requests_to(group_list)[0].arg("updated_after") == "2026-03-01T09:24:59Z"
