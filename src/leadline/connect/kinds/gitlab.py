"""``gitlab``: a group's projects (subgroups included) or listed projects, on GitLab.com or a
self-managed instance (``--base-url``), pulled through GitLab's REST API v4 and landed through
the ``gitlab`` ingest source (the webhook receiver's), so a synced fact is the fact the same
payload gives from a file (``leadline ingest gitlab``).

Three streams, each asked ``updated_after`` its cursor (a first run or ``--full``:
``--history-days`` back, 365), ``order_by=updated_at&sort=asc``, ``per_page=100``:

- deployments, per project (GitLab has no group list of them): ``GET /projects/:id/deployments``,
  each a ``Deployment Hook`` delivery (status, ``status_changed_at`` = its ``updated_at``,
  environment, full sha);
- merge requests (``state=all``), each a ``Merge Request Hook`` delivery (action ``merge`` once
  merged, so the merge is a change; every state feeds the cycle-time tables);
- incidents (``issues?issue_type=incident``), each an ``Issue Hook`` of type Incident (resolved
  at ``closed_at``).

With ``--group``, merge requests and incidents are asked of the group once
(``GET /groups/:id/merge_requests``, ``GET /groups/:id/issues``: the group's and its
subgroups' projects, archived ones left out as the project list leaves them out), not per
project: an empty run costs the project list, one request per project and two. Listed projects
outside the group (``--project``, or projects shared with the group) keep per-project lists.

REST items name their project only by id, so each delivery carries the project as a webhook
does (path, default branch, URL: from ``GET /projects/:id`` or the group's project list) and
keeps the REST item verbatim under ``api_item``. Its delivery id (``Idempotency-Key``) is
``api:<stream>:<project id>:<item id>@<updated_at>``: a re-pull stores nothing twice, a change
lands as a newer observation. Each page is one batch with its cursor (``dialects.Mark``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from leadline.connect.client import ApiClient
from leadline.connect.dialects import Mark, dialect_client, slug, start_of
from leadline.connect.kinds import _gitlab_rest as rest
from leadline.connect.kinds._gitlab_group import Scope, group_path, pull_group_stream, within
from leadline.connect.kinds._gitlab_rest import delivery
from leadline.connect.kinds.base import (
    ConnectionSpec,
    Cursors,
    KindOption,
    Pull,
    json_file,
    register_kind,
)

__all__ = ["SOURCE", "GitLabKind", "delivery", "projects", "pull_stream"]

SOURCE = rest.SOURCE
GROUP_STREAMS = ("merge_requests", "incidents")  # the lists GitLab also offers per group
SCOPES = (
    "A personal, group or project access token with the read_api scope (read-only REST "
    "access; `read_repository` is not needed) whose user or bot has at least the Reporter "
    "role on the group or projects (Guests cannot list deployments or confidential incidents)."
)


@register_kind
class GitLabKind:
    name = "gitlab"
    summary = "GitLab projects (a group or a list): deployments, merge requests and incidents"
    options = (
        KindOption("group", "A group (path or id): its projects and its subgroups' projects."),
        KindOption("project", "A project (group/name or id); repeat for several.", multiple=True),
        KindOption(
            "base-url",
            "The instance for self-managed GitLab (e.g. https://gitlab.example.com).",
            default="https://gitlab.com",
        ),
        KindOption("history-days", "How far back a first run reaches (days; default 365)."),
    )
    scopes_doc = SCOPES
    needs_token = True

    def check(self, options: Mapping[str, Any]) -> list[str]:
        if not options.get("group") and not options.get("project"):
            return ["gitlab needs --group or at least one --project"]
        url = str(options.get("base-url") or "https://gitlab.com")
        if not url.startswith(("http://", "https://")):
            return [f"--base-url {url!r} is not an http(s) URL"]
        return []

    def client(self, conn: ConnectionSpec) -> ApiClient:
        base = str(conn.option("base-url", "https://gitlab.com")).rstrip("/")
        return dialect_client("gitlab", f"{base}/api/v4", {"PRIVATE-TOKEN": conn.secret() or ""})

    def pull(
        self,
        conn: ConnectionSpec,
        cursors: Cursors,
        client: ApiClient | None,
        since: dt.datetime | None,
        full: bool,
    ) -> Iterator[Pull]:
        assert client is not None
        found, fetched = projects(conn, cursors, client)
        group = conn.option("group")
        path = group_path(str(group), cursors, client) if group else None
        if path is not None and path.fetched:  # a group given by id: its path, asked once
            fetched |= path.fetched
        if fetched:  # asked now: kept, so later runs need not ask again
            yield Pull(SOURCE, [], fetched, label="projects")
        covered = [p for p in found if path is not None and within(p, path.full_path)]
        grouped = {str(p["id"]) for p in covered}
        for project in found:
            name = str(project["path_with_namespace"])
            per_project = ["deployments"] if str(project["id"]) in grouped else list(rest.STREAMS)
            for stream in per_project:
                cursor = cursors.get(f"{name}:{stream}")
                yield from pull_stream(
                    conn, project, stream, cursor, client, since=since, full=full
                )
        if path is not None and covered:  # (no project of its own: nothing to ask of it)
            scope = Scope(str(group), path.full_path, covered)
            for stream in GROUP_STREAMS:
                yield from pull_group_stream(
                    conn, scope, stream, cursors, client, since=since, full=full
                )


def projects(
    conn: ConnectionSpec, cursors: Cursors, client: ApiClient
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The connection's projects (id, path, default branch, URL), and the cursors of listed
    projects asked now: a group's are listed on each run (new projects join; archived ones
    are left out); listed ones are asked once and kept in a ``<name>:project`` cursor."""
    found: dict[str, dict[str, Any]] = {}
    fetched: dict[str, dict[str, Any]] = {}
    group = conn.option("group")
    if group:
        url = f"/groups/{quote(str(group), safe='')}/projects"
        params = {"include_subgroups": "true", "archived": "false", "per_page": rest.PER_PAGE}
        for page in client.links(url, params):
            for item in page.items:
                found[str(item["path_with_namespace"])] = rest.project_of(item)
    for name in conn.option("project", []):
        known = cursors.get(f"{name}:project")
        if known and known.get("path_with_namespace"):
            found[str(known["path_with_namespace"])] = dict(known)
            continue
        item = rest.project_of(client.get(f"/projects/{quote(str(name), safe='')}").json())
        found[str(item["path_with_namespace"])] = fetched[f"{name}:project"] = item
    return [found[path] for path in sorted(found)], fetched


def pull_stream(
    conn: ConnectionSpec,
    project: dict[str, Any],
    stream: str,
    cursor: Mapping[str, Any] | None,
    client: ApiClient,
    *,
    since: dt.datetime | None,
    full: bool,
) -> Iterator[Pull]:
    """One project's stream: one pull per page with new items, its cursor past them."""
    path = str(project["path_with_namespace"])
    list_name, _query, event = rest.STREAMS[stream]
    mark = Mark() if full or since is not None else Mark.of(cursor)
    start = start_of(cursor, "updated", since, full)
    if start is None:  # a first run, or --full: the history window
        start = rest.history_start(conn, client)
    url = f"/projects/{project['id']}/{list_name}"
    for stamped in rest.pages(client, url, stream, start, f"GitLab {list_name} of {path}"):
        new = [(at, item_id, i) for at, item_id, i in stamped if mark.is_new(at, item_id)]
        if not new:
            continue
        mark = mark.advanced([(at, item_id) for at, item_id, _ in new])
        deliveries = [delivery(stream, event, project, item) for _, _, item in new]
        first, last = rest.stamp(new[0][0]), rest.stamp(new[-1][0])
        name = f"{slug(conn.name)}-{slug(path)}-{stream}-{first}-{last}"
        files = [json_file(f"{name}.json", deliveries)]
        yield Pull(SOURCE, files, {f"{path}:{stream}": mark.cursor()}, label=f"{path} {stream}")
