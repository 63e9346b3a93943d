"""What the GitLab, PagerDuty, Opsgenie, Jira and focus kinds share: the vendors' rate-limit
header dialects translated for ``ApiClient``, and the time and window arithmetic of cursors.

``ApiClient`` reads GitHub's names (``X-RateLimit-Remaining``, ``X-RateLimit-Reset`` in epoch
seconds, ``Retry-After``). The others say the same things differently, as each documents:

- GitLab: ``RateLimit-Limit``, ``RateLimit-Remaining``, ``RateLimit-Reset`` (epoch seconds),
  and ``Retry-After`` on a 429;
- PagerDuty: ``ratelimit-limit``, ``ratelimit-remaining``, ``ratelimit-reset`` (SECONDS until the
  window resets) and no ``Retry-After``;
- Opsgenie: on a 429 only ``X-RateLimit-State: THROTTLED``, ``X-RateLimit-Reason`` and
  ``X-RateLimit-Period-In-Sec`` (its rolling window: waiting one period is enough);
- Jira: ``Retry-After`` on a 429, ``X-RateLimit-Reset`` as an ISO 8601 time
  (``2026-03-10T10:01Z``).

``HeaderDialect`` is an httpx transport that adds the GitHub names to each answer (never
overriding ones the vendor sent), so one client does every vendor's waiting: no kind sleeps on
its own."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from leadline.connect.client import ApiClient, ConnectError

VENDORS = ("gitlab", "pagerduty", "opsgenie", "jira")


def translated(vendor: str, headers: Mapping[str, str], status: int, now: float) -> dict[str, str]:
    """The ``X-RateLimit-*`` / ``Retry-After`` headers a vendor's answer means (to add)."""
    lower = {k.lower(): v for k, v in headers.items()}
    out: dict[str, str] = {}
    if vendor in ("gitlab", "pagerduty"):
        for name in ("limit", "remaining"):
            if f"ratelimit-{name}" in lower:
                out[f"x-ratelimit-{name}"] = lower[f"ratelimit-{name}"].strip()
        reset = lower.get("ratelimit-reset", "").strip()
        if reset.isdigit():
            seconds = int(reset)
            epoch = now + seconds if vendor == "pagerduty" else float(seconds)
            out["x-ratelimit-reset"] = str(int(epoch))
            if vendor == "pagerduty" and status == 429:
                out["retry-after"] = str(seconds)
    elif vendor == "opsgenie":
        period = lower.get("x-ratelimit-period-in-sec", "").strip()
        if status == 429 and period.isdigit():
            out["retry-after"] = period
    elif vendor == "jira":
        reset = lower.get("x-ratelimit-reset", "").strip()
        moment = _iso(reset)
        if moment is not None:
            out["x-ratelimit-reset"] = str(int(moment.timestamp()))
    return {k: v for k, v in out.items() if k not in lower or k == "x-ratelimit-reset"}


def _iso(text: str) -> dt.datetime | None:
    if not text or text.replace(".", "").isdigit():
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class HeaderDialect(httpx.BaseTransport):
    """An httpx transport adding the GitHub rate-limit names to a vendor's answers. ``now``
    is the client's clock (set after the client is built, so tests' simulated clocks apply)."""

    def __init__(self, vendor: str, inner: httpx.BaseTransport | None = None) -> None:
        if vendor not in VENDORS:
            raise ValueError(f"no rate-limit dialect for {vendor!r}")
        self.vendor = vendor
        self.inner = inner or httpx.HTTPTransport()
        self.now: Callable[[], float] = time.time

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        added = translated(self.vendor, response.headers, response.status_code, self.now())
        for name, value in added.items():
            response.headers[name] = value
        return response

    def close(self) -> None:
        self.inner.close()


def dialect_client(vendor: str, base_url: str, headers: Mapping[str, str]) -> ApiClient:
    """The shared API client for a vendor, its rate-limit headers read through its dialect
    (the dialect reads the client's clock, which tests replace after building it)."""
    dialect = HeaderDialect(vendor)
    client = ApiClient(base_url=base_url, headers=dict(headers), transport=dialect)
    dialect.now = lambda: client.clock.time()  # noqa: PLW0108 (the clock is replaced later)
    return client


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 time of a vendor's payload or a cursor (``Z`` or an offset) as UTC."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def field_of(item: Any, path: str, what: str) -> Any:
    """The value at a dotted ``path`` of a vendor's item; a missing one fails the run naming
    the vendor's list, the field and the item, never as a bare ``KeyError``."""
    value = item
    for step in path.split("."):
        value = value.get(step) if isinstance(value, Mapping) else None
        if value in (None, ""):
            label = item.get("id") or item.get("key") if isinstance(item, Mapping) else None
            raise ConnectError(
                f"{what}: an item{f' ({label})' if label else ''} has no {path}; the answer "
                "is not in the shape the vendor documents"
            )
    return value


def time_of(item: Any, path: str, what: str) -> dt.datetime:
    """``field_of`` read as an ISO 8601 time (a wrong one fails the run, naming it)."""
    value = field_of(item, path, what)
    try:
        return parse_time(str(value))
    except ValueError:
        raise ConnectError(f"{what}: {path} {value!r} is not an ISO 8601 time") from None


def start_of(
    cursor: Mapping[str, object] | None, key: str, since: dt.datetime | None, full: bool
) -> dt.datetime | None:
    """Where a stream starts: ``--since`` when given, nothing (everything) with ``--full``,
    else the cursor's time ``key`` (None: the stream never ran)."""
    if since is not None:
        return since.astimezone(dt.UTC) if since.tzinfo else since.replace(tzinfo=dt.UTC)
    if full or not cursor or not isinstance(cursor.get(key), str):
        return None
    return parse_time(str(cursor[key]))


@dataclass
class Mark:
    """A stream's high-water mark: the newest ``updated`` time landed and the ids landed at
    exactly that time. Vendors filter by time with overlapping or inclusive bounds (and the
    kinds ask with a second of overlap), so an item is new when it is newer than the mark, or
    at the mark and not among its ids: nothing is missed at a page or run boundary, and an
    incremental run with nothing new lands nothing."""

    at: dt.datetime | None = None
    ids: frozenset[str] = frozenset()

    @classmethod
    def of(cls, cursor: Mapping[str, Any] | None, key: str = "updated") -> Mark:
        if not cursor or not isinstance(cursor.get(key), str):
            return cls()
        ids = cursor.get(f"{key}_ids") or []
        return cls(parse_time(str(cursor[key])), frozenset(str(i) for i in ids))

    def is_new(self, at: dt.datetime, item_id: str) -> bool:
        if self.at is None or at > self.at:
            return True
        return at == self.at and item_id not in self.ids

    def advanced(self, seen: list[tuple[dt.datetime, str]]) -> Mark:
        """The mark after landing ``seen`` ((time, id) of new items)."""
        mark = self
        for at, item_id in seen:
            if mark.at is None or at > mark.at:
                mark = Mark(at, frozenset({item_id}))
            elif at == mark.at:
                mark = Mark(at, mark.ids | {item_id})
        return mark

    def cursor(self, key: str = "updated") -> dict[str, Any]:
        if self.at is None:
            return {}
        text = self.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return {key: text, f"{key}_ids": sorted(self.ids)}


def slug(text: str) -> str:
    """A file-name-safe form of a project path or connection name (``acme/api`` ->
    ``acme-api``)."""
    kept = "".join(c if c.isalnum() or c in "-_." else "-" for c in text)
    return "-".join(part for part in kept.split("-") if part) or "x"
