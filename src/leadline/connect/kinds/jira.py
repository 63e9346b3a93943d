"""``jira``: issues matching a JQL filter, from Jira Cloud's enhanced search
(``GET /rest/api/3/search/jql``, ``nextPageToken`` pages) or Jira Data Center's
(``GET /rest/api/2/search``, ``startAt``/``maxResults``/``total``; ``--api server``), landed
through the ``jira`` ingest source as search pages (``{"issues": [...]}``), what ``leadline
ingest jira`` reads from a file: tickets, their starts (``expand=changelog``), and incidents.

The query is ``(<--jql>) AND updated >= "yyyy-MM-dd HH:mm" ORDER BY updated ASC``. JQL reads
dates to the minute in the *user's* time zone, so the kind asks ``/myself`` once for it (kept
in a ``myself`` cursor) and writes the cursor's time in that zone, rounded down to the minute;
the issues of that minute that were landed already (``dialects.Mark``: newest ``updated`` and
the keys at it) are skipped, so a run with nothing new costs one request and lands nothing.
The next page is asked the same way, from the newest issue read (not by ``startAt`` or the
token, under which an issue updated mid-run would shift another out of view); only a whole
page inside one minute (a bulk edit) pages on within its query.
A first run (or ``--full``) reaches ``--history-days`` back (365): Cloud's enhanced search
refuses an unbounded JQL. Each page is one batch with its cursor.
"""

from __future__ import annotations

import base64
import datetime as dt
import zoneinfo
from collections.abc import Iterator, Mapping
from typing import Any

from leadline.connect.client import ApiClient, ConnectError
from leadline.connect.dialects import Mark, dialect_client, field_of, slug, time_of
from leadline.connect.kinds.base import (
    ConnectionProblem,
    ConnectionSpec,
    Cursors,
    KindOption,
    Pull,
    json_file,
    register_kind,
)

SOURCE = "jira"
STREAM = "issues"
LIMIT = 100
API = {
    "cloud": ("/rest/api/3/search/jql", "/rest/api/3/myself"),
    "server": ("/rest/api/2/search", "/rest/api/2/myself"),
}
SCOPES = (
    "Jira Cloud: an API token of a user (or service account) who has Browse projects on "
    "the filter's projects; give the user's e-mail with `--email` (Basic auth). For an OAuth "
    "2.0 app the classic scope read:jira-work (plus read:jira-user for `/myself`), or "
    "the granular read:issue-details:jira, read:jql:jira and "
    "read:user:jira. Jira Data Center: a personal access token of such a user (Bearer)."
)


@register_kind
class JiraKind:
    name = "jira"
    summary = "Jira issues matching a JQL filter: tickets, their starts, and incidents"
    options = (
        KindOption("base-url", "The site, e.g. https://acme.atlassian.net.", required=True),
        KindOption("jql", "The JQL filter of the issues to pull (e.g. 'project = OPS')."),
        KindOption("email", "Jira Cloud: the token's user's e-mail (Basic auth)."),
        KindOption("api", "cloud (search/jql, default) or server (Data Center's search)."),
        KindOption("history-days", "How far back a first run reaches (days; default 365)."),
    )
    scopes_doc = SCOPES
    needs_token = True

    def check(self, options: Mapping[str, Any]) -> list[str]:
        problems = []
        url = str(options.get("base-url") or "")
        if not url.startswith(("http://", "https://")):
            problems.append("jira needs --base-url https://SITE (the Jira site)")
        if options.get("api") not in (None, "", *API):
            problems.append(f"--api must be one of {', '.join(API)}, not {options['api']!r}")
        jql = str(options.get("jql") or "")
        if "order by" in jql.lower():
            problems.append("--jql must not have an ORDER BY: the connector orders by updated")
        return problems

    def client(self, conn: ConnectionSpec) -> ApiClient:
        base = str(conn.option("base-url", "")).rstrip("/")
        token = conn.secret() or ""
        email = conn.option("email")
        if email:
            auth = "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()
        else:
            auth = f"Bearer {token}"
        return dialect_client("jira", base, {"Authorization": auth, "Accept": "application/json"})

    def pull(
        self,
        conn: ConnectionSpec,
        cursors: Cursors,
        client: ApiClient | None,
        since: dt.datetime | None,
        full: bool,
    ) -> Iterator[Pull]:
        assert client is not None
        search, myself = API[str(conn.option("api", "cloud"))]
        zone_name = (cursors.get("myself") or {}).get("time_zone")
        if not zone_name:
            zone_name = str(client.get(myself).json().get("timeZone") or "UTC")
            yield Pull(SOURCE, [], {"myself": {"time_zone": zone_name}}, label="time zone")
        zone = _zone(zone_name)
        mark = Mark() if full or since is not None else Mark.of(cursors.get(STREAM))
        now = dt.datetime.fromtimestamp(client.clock.time(), dt.UTC)
        days = int(conn.option("history-days", 365))
        start = since or mark.at or now - dt.timedelta(days=days)
        jql = conn.option("jql")
        position: dict[str, Any] = {}  # startAt or nextPageToken, within one query
        while True:
            params = {"jql": query(jql, start, zone), "fields": "*all", "expand": "changelog"}
            response = client.get(search, params={**params, "maxResults": LIMIT, **position})
            body = response.json()
            items = body.get("issues") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise ConnectError(f"{search}: the answer has no list of issues")
            stamped = [
                (time_of(i, "fields.updated", search), str(field_of(i, "key", search)), i)
                for i in items
            ]
            new = [(at, key, i) for at, key, i in stamped if mark.is_new(at, key)]
            if new:
                mark = mark.advanced([(at, key) for at, key, _ in new])
                first, last = new[0][0], new[-1][0]
                name = f"{slug(conn.name)}-issues-{_stamp(first)}-{_stamp(last)}-{len(new)}"
                files = [json_file(f"{name}.json", {"issues": [i for _, _, i in new]})]
                yield Pull(SOURCE, files, {STREAM: mark.cursor()}, label=name)
            following = _next_position(body, position, len(items))
            if following is None:
                return
            newest = max(at for at, _, _ in stamped)
            if _minute(newest, zone) > _minute(start, zone):  # ask again from the newest
                start, position = newest, {}
            else:  # a whole page inside one minute (a bulk edit): on within this query
                position = following


def _next_position(
    body: Mapping[str, Any], position: Mapping[str, Any], read: int
) -> dict[str, Any] | None:
    """Where this query's next page starts, or None after its last page: Cloud's
    ``nextPageToken`` (absent or ``isLast`` on the last), else ``startAt`` up to ``total``."""
    if not read or body.get("isLast"):
        return None
    token = body.get("nextPageToken")
    if token:
        return {"nextPageToken": token}
    total = body.get("total")
    start = int(position.get("startAt", 0)) + read
    return {"startAt": start} if isinstance(total, int) and start < total else None


def _minute(moment: dt.datetime, zone: dt.tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def query(jql: str | None, start: dt.datetime, zone: dt.tzinfo) -> str:
    """The search: the filter, issues updated from ``start`` (in the user's zone, to the
    minute: JQL has no seconds), oldest update first."""
    bound = f'updated >= "{_minute(start, zone)}"'
    where = f"({jql}) AND {bound}" if jql else bound
    return f"{where} ORDER BY updated ASC"


def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConnectionProblem(f"Jira names an unknown time zone {name!r}") from None


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")
