"""The one HTTP client every connector kind uses: httpx plus tenacity, doing what the vendors'
API documentation asks of a client, so no kind hand-rolls it.

- **Retries** with exponential backoff and full jitter (tenacity ``wait_random_exponential``)
  on 5xx answers, timeouts and connection errors, at most ``max_attempts`` tries per request.
- **Rate limits.** Primary: after an answer saying ``X-RateLimit-Remaining: 0`` the next request
  waits until ``X-RateLimit-Reset`` (epoch seconds), which paces a long back-fill to the budget.
  Secondary (GitHub's 403 or 429, and any 429): wait ``Retry-After`` seconds when given, else
  until the reset when the remaining count is 0, else at least a minute, growing exponentially
  on repeats (GitHub's documented rule), then retry. A 403 that is none of these is an error.
- **Conditional requests.** ``get(..., etag=...)`` sends ``If-None-Match``; a 304 answer is
  counted apart (``not_modified``): GitHub does not charge it to the rate limit.
- **Time box.** With ``time_box`` seconds, a request or wait that would end past the deadline
  raises ``TimeBoxExceeded`` instead: the sync keeps what it landed (cursors included) and the
  next run resumes there.
- **Counting.** ``requests`` counts every request sent (retries and 304s included).
- **Pagination** helpers: ``Link`` headers (GitHub, GitLab), ``offset``/``more`` (PagerDuty),
  ``startAt``/``nextPageToken`` (Jira) and ``paging.next`` (Opsgenie).

The clock (``Clock``: ``time`` and ``sleep``) is injectable: tests and the benchmark run rate-limit
waits on a simulated clock instead of sleeping.
"""

from __future__ import annotations

import contextlib
import email.utils
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

USER_AGENT = "leadline-connect/0.1 (+https://github.com/leadline)"
SECONDARY_WAIT_SECONDS = 60.0  # GitHub: "wait for at least one minute before retrying"
RETRYABLE_STATUS = frozenset({500, 502, 503, 504})


class Clock(Protocol):
    """Wall-clock seconds and sleeping; the system's by default, simulated in tests."""

    def time(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(seconds, 0.0))


class ConnectError(Exception):
    """A request failed for good (after retries, or an answer retrying cannot fix)."""


class HttpError(ConnectError):
    """The server answered with an error status that is not retried (401, 403, 404, 422...)."""

    def __init__(self, url: str, status: int, text: str) -> None:
        super().__init__(f"GET {url}: HTTP {status}: {text[:300]}")
        self.url, self.status = url, status


class TimeBoxExceeded(ConnectError):
    """The run's time box ends before this request (or its wait) would."""


class _Transient(Exception):
    """A 5xx, timeout or connection error: retried with backoff and jitter."""


class _RateLimited(Exception):
    """Told to wait ``wait`` seconds (Retry-After, or the reset time) before retrying."""

    def __init__(self, wait: float, reason: str) -> None:
        super().__init__(reason)
        self.wait = wait


@dataclass
class RateLimit:
    """The latest ``X-RateLimit-*`` headers seen (GitHub and GitLab send these names)."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # epoch seconds

    def update(self, headers: Mapping[str, str]) -> None:
        for attr, name in (("limit", "x-ratelimit-limit"), ("remaining", "x-ratelimit-remaining")):
            value = headers.get(name)
            if value is not None and value.strip().isdigit():
                setattr(self, attr, int(value))
        reset = headers.get("x-ratelimit-reset")
        if reset is not None:
            with contextlib.suppress(ValueError):
                self.reset = float(reset)


@dataclass
class Stats:
    """What a client has cost so far."""

    requests: int = 0  # every request sent: retries and 304s included
    not_modified: int = 0  # 304 answers to conditional requests (free on GitHub)
    retries: int = 0
    waited_seconds: float = 0.0  # rate-limit and backoff waits
    rate_limit_waits: int = 0

    @property
    def charged(self) -> int:
        """Requests GitHub charges to the rate limit (conditional 304s are not)."""
        return self.requests - self.not_modified


@dataclass
class Page:
    """One page of a list: its items and the answer (headers, links)."""

    items: list[Any]
    response: httpx.Response


@dataclass
class LinkPages:
    """Pages of a ``Link``-paginated list (GitHub, GitLab), fetched as iterated.

    With ``etag``, the first page is asked conditionally: a 304 yields no page and sets
    ``not_modified``. After iterating, ``etag`` is the first page's new ETag (keep it in the
    cursor). Stop early by leaving the loop: later pages are then never requested."""

    client: ApiClient
    url: str
    params: dict[str, Any] | None = None
    etag: str | None = None
    not_modified: bool = False
    pages: int = 0

    def __iter__(self) -> Iterator[Page]:
        url: str | None = self.url
        params = self.params
        first = True
        while url:
            response = self.client.get(url, params=params, etag=self.etag if first else None)
            if first:
                if response.status_code == 304:
                    self.not_modified = True
                    return
                self.etag = response.headers.get("etag") or self.etag
                first = False
            self.pages += 1
            items = response.json()
            yield Page(items if isinstance(items, list) else [items], response)
            url = response.links.get("next", {}).get("url")
            params = None  # the next link carries the query


@dataclass
class ApiClient:
    """An httpx client for one connection: ``base_url``, its auth ``headers``, and the policies
    in the module docstring. Use as a context manager, or call ``close()``."""

    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 30.0
    max_attempts: int = 5
    backoff_max: float = 30.0  # the largest jittered backoff between two tries
    time_box: float | None = None  # seconds from creation
    clock: Clock = field(default_factory=SystemClock)
    transport: httpx.BaseTransport | None = None
    stats: Stats = field(default_factory=Stats)
    rate: RateLimit = field(default_factory=RateLimit)
    on_request: Callable[[str], None] | None = None  # progress hook: called with each URL

    def __post_init__(self) -> None:
        self._deadline = None if self.time_box is None else self.clock.time() + self.time_box
        self._secondary_hits = 0
        self._http = httpx.Client(
            base_url=self.base_url.rstrip("/"),
            headers={"User-Agent": USER_AGENT, **self.headers},
            timeout=self.timeout,
            transport=self.transport,
            follow_redirects=True,
        )

    def limit_time(self, seconds: float | None) -> None:
        """Set (or lift) the time box, counted from now on this client's clock."""
        self.time_box = seconds
        self._deadline = None if seconds is None else self.clock.time() + seconds

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- requests ---------------------------------------------------------------------------

    def get(
        self, url: str, params: Mapping[str, Any] | None = None, etag: str | None = None
    ) -> httpx.Response:
        """GET with retries, rate-limit waits and the time box; returns a 2xx or 304 answer,
        raises ``HttpError`` for other errors and ``ConnectError`` when retries run out."""
        retrying = Retrying(
            sleep=self._sleep,
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type((_Transient, _RateLimited)),
            before_sleep=self._count_retry,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(url, params, etag)
        except _Transient as error:
            raise ConnectError(f"GET {url}: {error} ({self.max_attempts} attempts)") from None
        except _RateLimited as error:
            raise ConnectError(f"GET {url}: still rate limited: {error}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def links(
        self, url: str, params: Mapping[str, Any] | None = None, etag: str | None = None
    ) -> LinkPages:
        """The pages of a ``Link``-paginated list (see ``LinkPages``)."""
        return LinkPages(self, url, dict(params or {}), etag)

    def offset_pages(
        self, url: str, items_key: str, params: Mapping[str, Any] | None = None, limit: int = 100
    ) -> Iterator[Page]:
        """PagerDuty's classic pagination: ``offset``/``limit`` until ``more`` is false."""
        offset = 0
        while True:
            response = self.get(url, params={**(params or {}), "offset": offset, "limit": limit})
            body = response.json()
            items = body.get(items_key) or []
            yield Page(items, response)
            if not body.get("more") or not items:
                return
            offset += len(items)

    def start_at_pages(
        self, url: str, items_key: str, params: Mapping[str, Any] | None = None, size: int = 100
    ) -> Iterator[Page]:
        """Jira's pagination: ``nextPageToken`` while the answer gives one (``/search/jql``),
        else ``startAt``/``maxResults`` until ``total`` (or an empty or ``isLast`` page)."""
        start, token = 0, None
        while True:
            query: dict[str, Any] = {**(params or {}), "maxResults": size}
            if token:
                query["nextPageToken"] = token
            elif start:
                query["startAt"] = start
            response = self.get(url, params=query)
            body = response.json()
            items = body.get(items_key) or []
            yield Page(items, response)
            token = body.get("nextPageToken")
            if token:
                continue
            start += len(items)
            total = body.get("total")
            if not items or body.get("isLast") or (isinstance(total, int) and start >= total):
                return
            if "total" not in body and "isLast" not in body:
                return  # a token-paginated answer without a token: the last page

    def next_url_pages(
        self, url: str, params: Mapping[str, Any] | None = None, items_key: str = "data"
    ) -> Iterator[Page]:
        """Opsgenie's pagination: follow ``paging.next`` (an absolute URL) while given."""
        next_url: str | None = url
        query: Mapping[str, Any] | None = params
        while next_url:
            response = self.get(next_url, params=query)
            body = response.json()
            yield Page(body.get(items_key) or [], response)
            next_url = (body.get("paging") or {}).get("next")
            query = None

    # --- internals --------------------------------------------------------------------------

    def _once(self, url: str, params: Mapping[str, Any] | None, etag: str | None) -> httpx.Response:
        self._pace()
        headers = {"If-None-Match": etag} if etag else {}
        self._check_time_box(0.0, url)
        self.stats.requests += 1
        if self.on_request is not None:
            self.on_request(url)
        try:
            response = self._http.get(url, params=params, headers=headers)
        except httpx.TimeoutException as error:
            raise _Transient(f"timed out ({type(error).__name__})") from error
        except httpx.TransportError as error:
            raise _Transient(f"connection failed ({type(error).__name__}: {error})") from error
        self.rate.update(response.headers)
        status = response.status_code
        if status == 304:
            self.stats.not_modified += 1
            return response
        if status in RETRYABLE_STATUS:
            raise _Transient(f"HTTP {status}")
        if status == 429 or (status == 403 and self._is_rate_limited(response)):
            raise _RateLimited(self._rate_wait(response), f"HTTP {status} rate limited")
        if status >= 400:
            raise HttpError(str(response.request.url), status, response.text)
        self._secondary_hits = 0
        return response

    def _is_rate_limited(self, response: httpx.Response) -> bool:
        """A 403 is a rate limit when it says so (GitHub), not when the token lacks a scope."""
        headers = response.headers
        if "retry-after" in headers or headers.get("x-ratelimit-remaining") == "0":
            return True
        return "rate limit" in response.text.lower()

    def _rate_wait(self, response: httpx.Response) -> float:
        """GitHub's documented order: Retry-After, else the reset when none remain, else at
        least a minute, doubling on each repeat."""
        after = retry_after_seconds(response.headers.get("retry-after"), self.clock.time())
        if after is not None:
            return after
        if self.rate.remaining == 0 and self.rate.reset is not None:
            return max(self.rate.reset - self.clock.time(), 0.0) + 1.0
        self._secondary_hits += 1
        return SECONDARY_WAIT_SECONDS * 2.0 ** (self._secondary_hits - 1)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _RateLimited):
            self.stats.rate_limit_waits += 1
            return error.wait
        jitter = wait_random_exponential(multiplier=0.5, max=self.backoff_max)
        return float(jitter(state))

    def _count_retry(self, state: RetryCallState) -> None:
        self.stats.retries += 1

    def _pace(self) -> None:
        """The primary limit: none remaining, so wait for the reset before asking again."""
        if self.rate.remaining != 0 or self.rate.reset is None:
            return
        wait = self.rate.reset - self.clock.time() + 1.0
        if wait > 0:
            self.stats.rate_limit_waits += 1
            self._sleep(wait)
        self.rate.remaining = None  # the next answer says what the new window holds

    def _sleep(self, seconds: float) -> None:
        self._check_time_box(seconds, "a rate-limit or backoff wait")
        self.stats.waited_seconds += seconds
        self.clock.sleep(seconds)

    def _check_time_box(self, seconds: float, what: str) -> None:
        if self._deadline is not None and self.clock.time() + seconds > self._deadline:
            raise TimeBoxExceeded(
                f"the run's time box of {self.time_box:g} s ends before {what} would"
            )


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """``Retry-After`` as seconds to wait: a number of seconds or an HTTP date (RFC 9110)."""
    if value is None:
        return None
    text = value.strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(float(moment.timestamp()) - now, 0.0)
