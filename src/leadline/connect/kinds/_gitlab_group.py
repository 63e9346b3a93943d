"""The ``gitlab`` kind's group streams: a group's merge requests and incidents asked of the
group once (``GET /groups/:id/merge_requests``, ``GET /groups/:id/issues?issue_type=incident``:
the group's and its subgroups' projects), not of each project.

A group stream's cursor (``group:<group>:<stream>``) is a ``Mark`` and the ids of the projects
it covers (``projects``). A project it does not cover yet (every project of a connection
that pulled per project before: its first group run; a project that joined the group since)
is read from its own per-project cursor (``<path>:<stream>``; none: ``--history-days`` back):
the run asks from the oldest of those cursors and the group's, lands each project's items
past its own mark, and adds the project to ``projects`` once the list is read to the end.
Until then each page commits the newcomers' per-project cursors with the batch, so a run
stopped midway resumes where it stopped, missing and doubling nothing.

The list is asked with ``non_archived=false`` and each item kept only if its project is one
the connection pulls (the group's project list, which leaves archived projects out, and
``--project``): the project filter decides, as it did per project."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from leadline.connect.client import ApiClient
from leadline.connect.dialects import Mark, field_of, slug, start_of
from leadline.connect.kinds import _gitlab_rest as rest
from leadline.connect.kinds.base import ConnectionSpec, Cursors, Pull, json_file


@dataclass(frozen=True)
class GroupPath:
    """A group's full path, and the cursor that keeps it when asked now (a group by id)."""

    full_path: str
    fetched: dict[str, dict[str, Any]] = field(default_factory=dict)


def group_path(group: str, cursors: Cursors, client: ApiClient) -> GroupPath:
    """The group's full path (to tell its projects from projects shared with it): the option
    itself when a path; for an id, ``GET /groups/:id`` once, kept in a ``group:<id>`` cursor."""
    if not group.isdigit():
        return GroupPath(group.strip("/"))
    key = f"group:{group}"
    known = cursors.get(key)
    if known and known.get("full_path"):
        return GroupPath(str(known["full_path"]))
    item = client.get(f"/groups/{group}", params={"with_projects": "false"}).json()
    full_path = str(field_of(item, "full_path", f"GitLab group {group}"))
    return GroupPath(full_path, {key: {"id": item.get("id"), "full_path": full_path}})


def within(project: Mapping[str, Any], full_path: str) -> bool:
    """Whether a project lives in the group or a subgroup (GitLab paths ignore case)."""
    return str(project["path_with_namespace"]).lower().startswith(f"{full_path.lower()}/")


@dataclass(frozen=True)
class Scope:
    """What a group stream reads: the group as the option names it (path or id), its full
    path, and the projects it lands items of (the connection's projects within the group)."""

    group: str
    full_path: str
    covered: list[dict[str, Any]]


def pull_group_stream(
    conn: ConnectionSpec,
    scope: Scope,
    stream: str,
    cursors: Cursors,
    client: ApiClient,
    *,
    since: dt.datetime | None,
    full: bool,
) -> Iterator[Pull]:
    """A group stream: one pull per page with new items (or moved cursors)."""
    group, full_path = scope.group, scope.full_path
    key = f"group:{group}:{stream}"
    cursor = cursors.get(key) or {}
    by_id = {str(p["id"]): p for p in scope.covered}
    fresh = full or since is not None
    stored = set() if fresh else {str(i) for i in cursor.get("projects") or []}
    group_mark = Mark() if fresh else Mark.of(cursor)
    marks = dict.fromkeys(stored & set(by_id), group_mark)
    for pid in set(by_id) - stored:  # newcomers: from their own cursor, or the history window
        own = None if fresh else cursors.get(f"{by_id[pid]['path_with_namespace']}:{stream}")
        marks[pid] = Mark.of(own)
    ats = [m.at for m in marks.values()] or [group_mark.at]
    known = [at for at in ats if at is not None]
    start = start_of(None, "updated", since, full) if fresh else None
    if not fresh and len(known) == len(ats):
        start = min(known)
    if start is None:
        start = rest.history_start(conn, client)
    list_name, _query, event = rest.STREAMS[stream]
    url = f"/groups/{quote(group, safe='')}/{list_name}"
    what = f"GitLab {list_name} of group {full_path}"
    for stamped in rest.pages(client, url, stream, start, what, extra={"non_archived": "false"}):
        new: list[tuple[dt.datetime, dict[str, Any], dict[str, Any]]] = []
        touched: set[str] = set()
        for at, item_id, item in stamped:
            pid = str(item.get("project_id"))
            if pid in marks and marks[pid].is_new(at, item_id):
                new.append((at, item, by_id[pid]))
                marks[pid] = marks[pid].advanced([(at, item_id)])
                touched.add(pid)
        moved = group_mark.advanced([(at, item_id) for at, item_id, _ in stamped])
        if not new and moved == group_mark:
            continue
        group_mark = moved
        updates = {  # newcomers' own cursors, so a stopped run resumes where it stopped
            f"{by_id[pid]['path_with_namespace']}:{stream}": marks[pid].cursor()
            for pid in sorted(touched - stored)
        }
        updates[key] = {**group_mark.cursor(), "projects": sorted(stored)}
        files = []
        if new:
            deliveries = [rest.delivery(stream, event, p, item) for _, item, p in new]
            first, last = rest.stamp(new[0][0]), rest.stamp(new[-1][0])
            name = f"{slug(conn.name)}-{slug(full_path)}-{stream}-{first}-{last}"
            files = [json_file(f"{name}.json", deliveries)]
        yield Pull(rest.SOURCE, files, updates, label=f"group {full_path} {stream}")
    if stored != set(by_id):  # read to the end: the group cursor covers the newcomers now
        if group_mark.at is None:  # nothing since start: everything before it has landed
            group_mark = Mark(start)
        projects = sorted(by_id)
        yield Pull(rest.SOURCE, [], {key: {**group_mark.cursor(), "projects": projects}})
