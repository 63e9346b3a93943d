"""``opsgenie``: alerts (``GET /v2/alerts``) and, with ``--incidents``, incidents
(``GET /v1/incidents``) from Opsgenie's REST API, landed through the ``opsgenie`` ingest source
as REST list pages (``{"data": [...]}``), what ``leadline ingest opsgenie`` reads from a file.

Opsgenie lists newest first (``order=desc``, 100 a page, ``offset`` + ``limit`` at most
20,000) and gives the next page's exact URL in ``paging.next``. Alerts are sorted by
``updatedAt``: a run reads pages down to the newest update it landed (``dialects.Mark``: that
time and the ids at it). Incidents are sorted by ``createdAt`` (the Incident API's documented
sort): a run reads down to the newest creation it landed or the oldest incident still open,
and lands the open ones whose ``updatedAt`` moved. A stream that never ran reads down to
``--since``, else ``--history-days`` back (365). Either way it lands
what it read OLDEST FIRST, in batches of at most ``BATCH`` items each with its cursor, so a run
cut short resumes without a gap. A run with nothing new costs one request per stream. ``--query``
narrows alerts with Opsgenie's search syntax (e.g. ``tag: prod``); which alerts are incidents
and their services is the source's ``[delivery.opsgenie]`` settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from leadline.connect.client import ApiClient
from leadline.connect.dialects import Mark, dialect_client, field_of, parse_time, slug, time_of
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
SCOPES = (
    "An API key from *Settings > API key management* (or an API integration's key) with only "
    "the Read access right; leave *Create and update*, *Delete* and *Configuration "
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
        KindOption("history-days", "How far back a first run reaches (days; default 365)."),
    )
    scopes_doc = SCOPES
    needs_token = True

    def check(self, options: Mapping[str, Any]) -> list[str]:
        url = str(options.get("base-url") or "https://api.opsgenie.com")
        return [] if url.startswith(("http://", "https://")) else [f"--base-url {url!r}"]

    def client(self, conn: ConnectionSpec) -> ApiClient:
        base = str(conn.option("base-url", "https://api.opsgenie.com")).rstrip("/")
        return dialect_client("opsgenie", base, {"Authorization": f"GenieKey {conn.secret()}"})

    def pull(
        self,
        conn: ConnectionSpec,
        cursors: Cursors,
        client: ApiClient | None,
        since: dt.datetime | None,
        full: bool,
    ) -> Iterator[Pull]:
        assert client is not None
        fresh = full or since is not None
        # where a stream that never ran (or --full) stops reading: --since, else the history
        now = dt.datetime.fromtimestamp(client.clock.time(), dt.UTC)
        floor = since or now - dt.timedelta(days=int(conn.option("history-days", 365)))
        alerts = Alerts({} if fresh else cursors.get("alerts"), floor, conn.option("query"))
        yield from batches(conn, alerts, newer_items(client, alerts))
        if conn.option("incidents"):
            incidents = Incidents({} if fresh else cursors.get("incidents"), floor)
            yield from batches(conn, incidents, newer_items(client, incidents))


class Alerts:
    """Alerts, newest update first: read down to the mark's ``updatedAt``."""

    name, path, sort = "alerts", "/v2/alerts", "updatedAt"

    def __init__(
        self, cursor: Mapping[str, Any] | None, floor: dt.datetime, query: str | None
    ) -> None:
        self.mark = Mark.of(cursor)
        self.floor = self.mark.at or floor
        self.query = query

    def params(self) -> dict[str, Any]:
        found = {"sort": self.sort, "order": "desc", "limit": LIMIT, "offset": 0}
        return found | ({"query": self.query} if self.query else {})

    def at(self, item: Mapping[str, Any]) -> dt.datetime:
        return time_of(item, self.sort, f"Opsgenie {self.path}")

    def wanted(self, item: Mapping[str, Any]) -> bool:
        return self.mark.is_new(self.at(item), str(field_of(item, "id", f"Opsgenie {self.path}")))

    def landed(self, chunk: list[dict[str, Any]]) -> dict[str, Any]:
        """The cursor once ``chunk`` (oldest first) has landed."""
        self.mark = self.mark.advanced([(self.at(i), str(i["id"])) for i in chunk])
        return self.mark.cursor()


class Incidents(Alerts):
    """Incidents, newest *creation* first (the Incident API's documented sort): read down to
    the mark's ``createdAt`` or the oldest incident still open, whichever is older; an open
    incident is landed again when its ``updatedAt`` moved."""

    name, path, sort = "incidents", "/v1/incidents", "createdAt"

    def __init__(self, cursor: Mapping[str, Any] | None, floor: dt.datetime) -> None:
        self.mark = Mark.of(cursor, "created")
        self.open: dict[str, str] = dict((cursor or {}).get("open") or {})
        opened = [parse_time(v.split("|", 1)[0]) for v in self.open.values()]
        floors = [t for t in (self.mark.at, *opened) if t is not None]
        self.floor = min(floors) if floors else floor
        self.query = ""  # the Incident API requires one; empty matches every incident

    def params(self) -> dict[str, Any]:
        return {"query": "", "sort": self.sort, "order": "desc", "limit": LIMIT, "offset": 0}

    def wanted(self, item: Mapping[str, Any]) -> bool:
        key = str(item["id"])
        if key in self.open:
            return self.open[key] != _version(item)
        return self.mark.is_new(self.at(item), key)

    def landed(self, chunk: list[dict[str, Any]]) -> dict[str, Any]:
        self.mark = self.mark.advanced([(self.at(i), str(i["id"])) for i in chunk])
        for item in chunk:
            if str(item.get("status") or "").lower() in ("resolved", "closed"):
                self.open.pop(str(item["id"]), None)
            else:
                self.open[str(item["id"])] = _version(item)
        return {**self.mark.cursor("created"), "open": dict(sorted(self.open.items()))}


def _version(item: Mapping[str, Any]) -> str:
    return f"{item['createdAt']}|{item.get('updatedAt')}"


def newer_items(client: ApiClient, stream: Alerts) -> list[dict[str, Any]]:
    """The stream's items to land, oldest first: pages are read newest first down to the
    stream's floor (the whole list when it has none)."""
    found: list[dict[str, Any]] = []
    read = 0
    for page in client.next_url_pages(stream.path, stream.params()):
        read += len(page.items)
        done = False
        for item in page.items:
            if stream.floor is not None and stream.at(item) < stream.floor:
                done = True  # newest first: every later item is older still
                break
            if stream.wanted(item):
                found.append(item)
        if done:
            break
        if read + LIMIT > MAX_OFFSET:
            if stream.mark.at is not None:  # landing these would leave a gap before them
                raise ConnectionProblem(
                    f"more than {MAX_OFFSET:,} Opsgenie {stream.name} changed since the last "
                    "sync and its list API reads no further: sync again with --since DATE"
                )
            break  # a back-fill: the newest 20,000 are what the API can give
    found.reverse()
    return found


def batches(conn: ConnectionSpec, stream: Alerts, items: list[dict[str, Any]]) -> Iterator[Pull]:
    """``items`` (oldest first) in batches, each with the stream's cursor past it."""
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        cursor = stream.landed(chunk)
        name = f"{slug(conn.name)}-{stream.name}-{_stamp(stream, chunk[0])}-"
        name += _stamp(stream, chunk[-1])
        files = [json_file(f"{name}.json", {"data": chunk})]
        yield Pull(SOURCE, files, {stream.name: cursor}, label=name)


def _stamp(stream: Alerts, item: Mapping[str, Any]) -> str:
    return stream.at(item).strftime("%Y%m%dT%H%M%S%f")[:-3]
