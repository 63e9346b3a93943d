"""``opsgenie``: alerts (``GET /v2/alerts``) and, with ``--incidents``, incidents
(``GET /v1/incidents``) from Opsgenie's REST API, landed through the ``opsgenie`` ingest source
as REST list pages (``{"data": [...]}``), what ``leadline ingest opsgenie`` reads from a file.

Opsgenie lists newest first by ``sort=updatedAt&order=desc`` (100 a page, ``offset`` +
``limit`` at most 20,000) and gives the next page's exact URL in ``paging.next``. A run reads
pages until it meets an item it has landed (``dialects.Mark``: the newest ``updatedAt``
landed and the ids at it), or, for a back-fill, one older than ``--since``; then it lands what
it read OLDEST FIRST, in batches of at most ``BATCH`` items each with its cursor, so a run cut
short resumes without a gap. A run with nothing new costs one request per stream. ``--query``
narrows alerts with Opsgenie's search syntax (e.g. ``tag: prod``); which alerts are incidents
and their services is the source's ``[delivery.opsgenie]`` settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from leadline.connect.client import ApiClient
from leadline.connect.dialects import HeaderDialect, Mark, parse_time, slug
from leadline.connect.kinds.base import (
    ConnectionProblem,
    ConnectionSpec,
    Cursors,
    KindOption,
    Pull,
    json_file,
    register_kind,
)

SOURCE = "opsgenie"
LIMIT = 100
BATCH = 500
MAX_OFFSET = 20_000  # Opsgenie refuses offset + limit beyond it
STREAMS = {"alerts": "/v2/alerts", "incidents": "/v1/incidents"}
SCOPES = (
    "An API key from *Settings > API key management* (or an API integration's key) with only "
    "the **Read** access right; leave *Create and update*, *Delete* and *Configuration "
    "access* off (the alert and incident lists need none of them)."
)


@register_kind
class OpsgenieKind:
    name = "opsgenie"
    summary = "Opsgenie alerts (and incidents with --incidents)"
    options = (
        KindOption(
            "base-url",
            "The API (https://api.eu.opsgenie.com for an EU account).",
            default="https://api.opsgenie.com",
        ),
        KindOption("query", "An alert search query to narrow the alerts (e.g. 'tag: prod')."),
        KindOption("incidents", "Also pull Opsgenie incidents (Incident API).", flag=True),
    )
    scopes_doc = SCOPES
    needs_token = True

    def check(self, options: Mapping[str, Any]) -> list[str]:
        url = str(options.get("base-url") or "https://api.opsgenie.com")
        return [] if url.startswith(("http://", "https://")) else [f"--base-url {url!r}"]

    def client(self, conn: ConnectionSpec) -> ApiClient:
        base = str(conn.option("base-url", "https://api.opsgenie.com")).rstrip("/")
        dialect = HeaderDialect("opsgenie")
        client = ApiClient(
            base_url=base,
            headers={"Authorization": f"GenieKey {conn.secret()}"},
            transport=dialect,
        )
        dialect.now = lambda: client.clock.time()  # noqa: PLW0108 (the clock is replaced later)
        return client

    def pull(
        self,
        conn: ConnectionSpec,
        cursors: Cursors,
        client: ApiClient | None,
        since: dt.datetime | None,
        full: bool,
    ) -> Iterator[Pull]:
        assert client is not None
        streams = ["alerts", "incidents"] if conn.option("incidents") else ["alerts"]
        for stream in streams:
            fresh = full or since is not None
            mark = Mark() if fresh else Mark.of(cursors.get(stream))
            items = newer_items(client, stream, conn.option("query"), mark, since)
            yield from batches(conn, stream, mark, items)


def newer_items(
    client: ApiClient,
    stream: str,
    query: str | None,
    mark: Mark,
    since: dt.datetime | None,
) -> list[dict[str, Any]]:
    """The items newer than ``mark`` (and not older than ``since``), oldest first."""
    params: dict[str, Any] = {"sort": "updatedAt", "order": "desc", "limit": LIMIT, "offset": 0}
    if query and stream == "alerts":
        params["query"] = query
    found: list[dict[str, Any]] = []
    read = 0
    for page in client.next_url_pages(STREAMS[stream], params):
        read += len(page.items)
        done = False
        for item in page.items:
            at = parse_time(str(item["updatedAt"]))
            if (since is not None and at < since) or (mark.at is not None and at < mark.at):
                done = True  # newest first: every later item is older still
                break
            if mark.is_new(at, str(item["id"])):
                found.append(item)
        if done:
            break
        if read + LIMIT > MAX_OFFSET:
            if mark.at is not None:  # landing these would leave a gap before them
                raise ConnectionProblem(
                    f"more than {MAX_OFFSET:,} Opsgenie {stream} changed since the last sync "
                    "and its list API reads no further: sync again with --since DATE"
                )
            break  # a back-fill: the newest 20,000 are what the API can give
    found.reverse()
    return found


def batches(
    conn: ConnectionSpec, stream: str, mark: Mark, items: list[dict[str, Any]]
) -> Iterator[Pull]:
    """``items`` (oldest first) in batches, each advancing the stream's mark past it."""
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        mark = mark.advanced([(parse_time(str(i["updatedAt"])), str(i["id"])) for i in chunk])
        first, last = (_stamp(chunk[0]), _stamp(chunk[-1]))
        name = f"{slug(conn.name)}-{stream}-{first}-{last}"
        files = [json_file(f"{name}.json", {"data": chunk})]
        yield Pull(SOURCE, files, {stream: mark.cursor()}, label=name)


def _stamp(item: Mapping[str, Any]) -> str:
    return parse_time(str(item["updatedAt"])).strftime("%Y%m%dT%H%M%S%f")[:-3]
