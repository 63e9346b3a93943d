"""``pagerduty``: incidents from PagerDuty's REST API v2 (``GET /incidents``), landed through
the ``pagerduty`` ingest source as REST list pages (``{"incidents": [...]}``), exactly what
``leadline ingest pagerduty`` reads from an exported file.

PagerDuty filters incidents by *creation* time (``since``/``until``, at most six months
apart) and pages them with ``offset``/``limit``/``more``. An incident created before the
cursor can still change (acknowledged, resolved), so the cursor keeps the newest creation time
landed (``dialects.Mark``) and the incidents still open (id -> last status change); a run asks
from the older of the two, in windows of at most 180 days (up to now), ``sort_by=
created_at:asc``, 100 a page. It lands an incident that is new, or open before and changed
since; so a run with nothing new and nothing open costs one request and lands nothing. The
first run (or ``--full``) reaches ``--history-days`` back (365), ``--since`` replaces the
cursor. Each page is one batch with its cursor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from leadline.connect.client import ApiClient
from leadline.connect.dialects import Mark, dialect_client, field_of, parse_time, slug, time_of
from leadline.connect.kinds.base import (
    ConnectionSpec,
    Cursors,
    KindOption,
    Pull,
    json_file,
    register_kind,
)

SOURCE = "pagerduty"
STREAM = "incidents"
LIMIT = 100
WHAT = "PagerDuty GET /incidents"
WINDOW = dt.timedelta(days=180)  # PagerDuty refuses since..until spans over six months
SCOPES = (
    "A read-only REST API key (Integrations > API Access Keys > *Read-only API Key*), or "
    "a scoped OAuth app token with only incidents.read (and services.read to name "
    "services). A user token works too and sees what that user may see."
)


@register_kind
class PagerDutyKind:
    name = "pagerduty"
    summary = "PagerDuty incidents (all services, or the listed ones)"
    options = (
        KindOption(
            "service", "A PagerDuty service id to limit to; repeat for several.", multiple=True
        ),
        KindOption(
            "base-url",
            "The API (https://api.eu.pagerduty.com for an EU account).",
            default="https://api.pagerduty.com",
        ),
        KindOption("history-days", "How far back a first run reaches (days).", default=365),
    )
    scopes_doc = SCOPES
    needs_token = True

    def check(self, options: Mapping[str, Any]) -> list[str]:
        days = options.get("history-days")
        if days not in (None, "") and (not str(days).isdigit() or int(days) < 1):
            return [f"--history-days {days!r} is not a whole number of days"]
        return []

    def client(self, conn: ConnectionSpec) -> ApiClient:
        base = str(conn.option("base-url", "https://api.pagerduty.com")).rstrip("/")
        token = f"Token token={conn.secret()}"
        accept = "application/vnd.pagerduty+json;version=2"
        return dialect_client("pagerduty", base, {"Authorization": token, "Accept": accept})

    def pull(
        self,
        conn: ConnectionSpec,
        cursors: Cursors,
        client: ApiClient | None,
        since: dt.datetime | None,
        full: bool,
    ) -> Iterator[Pull]:
        assert client is not None
        cursor = {} if full or since is not None else dict(cursors.get(STREAM) or {})
        mark = Mark.of(cursor, "created")
        open_now: dict[str, str] = dict(cursor.get("open") or {})
        now = dt.datetime.fromtimestamp(client.clock.time(), dt.UTC)
        start = first_day(cursor, mark, since, now, int(conn.option("history-days", 365)))
        params: dict[str, Any] = {"sort_by": "created_at:asc", "time_zone": "UTC"}
        if conn.option("service"):
            params["service_ids[]"] = list(conn.option("service"))
        while start < now:
            until = min(start + WINDOW, now)
            window = {**params, "since": _text(start), "until": _text(until)}
            for page in client.offset_pages("/incidents", "incidents", window, LIMIT):
                landed = [i for i in page.items if _wanted(i, mark, open_now)]
                if not landed:
                    continue
                mark = mark.advanced([(_created(i), str(i["id"])) for i in landed])
                for item in landed:
                    if item.get("status") == "resolved":
                        open_now.pop(str(item["id"]), None)
                    else:
                        open_now[str(item["id"])] = _version(item)
                export = {**page.response.json(), "incidents": landed}
                name = f"{slug(conn.name)}-incidents-{_stamp(landed[0])}-{_stamp(landed[-1])}"
                update = {**mark.cursor("created"), "open": dict(sorted(open_now.items()))}
                files = [json_file(f"{name}.json", export)]
                yield Pull(SOURCE, files, {STREAM: update}, label=name)
            start = until


def first_day(
    cursor: Mapping[str, Any], mark: Mark, since: dt.datetime | None, now: dt.datetime, days: int
) -> dt.datetime:
    """Where a run asks from: ``--since``; else the older of the newest creation landed and
    the creation of the oldest incident still open; else ``days`` back."""
    if since is not None:
        return since if since.tzinfo else since.replace(tzinfo=dt.UTC)
    if mark.at is None:
        return now - dt.timedelta(days=days)
    opened = [parse_time(v.split("|", 1)[0]) for v in (cursor.get("open") or {}).values()]
    return min([mark.at, *opened])


def _wanted(item: Mapping[str, Any], mark: Mark, open_now: Mapping[str, str]) -> bool:
    """New since the mark, or open when last seen and changed since."""
    item_id = str(field_of(item, "id", WHAT))
    if item_id in open_now:
        return open_now[item_id] != _version(item)
    return mark.is_new(_created(item), item_id)


def _version(item: Mapping[str, Any]) -> str:
    """``created_at|last_status_change_at``: when it opened (where a run must reach back to)
    and its latest status change (what tells it changed)."""
    changed = item.get("last_status_change_at") or item.get("updated_at")
    return f"{item['created_at']}|{changed}"


def _text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp(item: Mapping[str, Any]) -> str:
    return _created(item).strftime("%Y%m%dT%H%M%S") + f"-{item['id']}"


def _created(item: Mapping[str, Any]) -> dt.datetime:
    return time_of(item, "created_at", WHAT)
