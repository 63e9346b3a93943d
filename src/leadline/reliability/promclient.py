"""A small client for Prometheus's HTTP API range queries (``GET /api/v1/query_range``), and
label values (``GET /api/v1/label/<name>/values``: a classic histogram's bucket bounds).

Only what pulling SLIs needs, with the failure handling a scheduled pull must have:

- **Retries with exponential back-off** on connection errors, timeouts, HTTP 429 and 5xx: the
  request is tried ``attempts`` times in all; before attempt *n* + 1 the client sleeps
  ``backoff * 2**(n-1)`` seconds (capped at ``backoff_max``), or the server's ``Retry-After``
  when it sends one (also capped). No jitter: one process pulls, so there is no herd to spread,
  and deterministic delays can be measured by the tests. When every attempt failed,
  :class:`PrometheusUnavailable` says where, what and how often.
- **Bad queries are not retried**: a 4xx answer or ``"status": "error"`` raises
  :class:`PrometheusQueryError` carrying the query and Prometheus's own ``errorType`` and
  ``error`` text, because retrying cannot fix a parse error.
- **Several series** in a ``matrix`` result are summed per timestamp (a query without an outer
  aggregation, or ``sum by (...)``, returns one series per label set; an SLI needs one number per
  interval). Timestamps where no series has a value are absent from the result: *no data is a
  gap, never a zero*.
- **NaN and ±Inf** values are skipped (not added) and counted, so a caller can report them; a
  timestamp whose every value was non-finite is a gap too.
- **Prometheus refuses more than 11,000 points per series per request**
  (``exceeded maximum resolution of 11,000 points per timeseries``): long ranges are split into
  consecutive chunks of at most ``max_points`` evaluation times, which together cover exactly the
  evaluation times one unlimited request would have.

Times are integer Unix seconds; a range query evaluates at ``start, start + step, ... <= end``.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

MAX_POINTS_PER_SERIES = 11_000  # Prometheus's hard limit per series and request
QUERY_RANGE_PATH = "/api/v1/query_range"
LABEL_VALUES_PATH = "/api/v1/label/{label}/values"


class PrometheusError(Exception):
    """Anything that stopped a range query."""


class PrometheusUnavailable(PrometheusError):
    """Prometheus could not be reached, timed out or answered 429/5xx on every attempt."""

    def __init__(self, url: str, query: str, attempts: int, last_error: str) -> None:
        self.url = url
        self.query = query
        self.attempts = attempts
        self.last_error = last_error
        super().__init__(
            f"Prometheus at {url} did not answer after {attempts} attempt(s) "
            f"(last error: {last_error}); query: {query}"
        )


class PrometheusQueryError(PrometheusError):
    """Prometheus rejected the query (HTTP 4xx or ``status: error``): retrying will not help."""

    def __init__(
        self, url: str, query: str, error_type: str, message: str, status_code: int
    ) -> None:
        self.url = url
        self.query = query
        self.error_type = error_type
        self.message = message
        self.status_code = status_code
        super().__init__(
            f"Prometheus at {url} rejected the query (HTTP {status_code}, {error_type}): "
            f"{message}; query: {query}"
        )


@dataclass
class RangeResult:
    """One range query's values: per evaluation time, the sum over the returned series."""

    values: dict[int, float] = field(default_factory=dict)
    series: int = 0  # the most series any one chunk returned
    non_finite: int = 0  # NaN/Inf values skipped
    requests: int = 0  # HTTP requests made, retries included
    warnings: list[str] = field(default_factory=list)


def evaluation_chunks(start: int, end: int, step: int, max_points: int) -> list[tuple[int, int]]:
    """Split ``start..end`` (every ``step``) into ranges of at most ``max_points`` evaluation
    times each; consecutive chunks neither overlap nor leave an evaluation time out."""
    if step <= 0:
        raise ValueError(f"step must be positive, got {step}")
    if max_points <= 0:
        raise ValueError(f"max_points must be positive, got {max_points}")
    chunks: list[tuple[int, int]] = []
    cursor = start
    while cursor <= end:
        last = min(cursor + (max_points - 1) * step, end - (end - cursor) % step)
        chunks.append((cursor, last))
        cursor = last + step
    return chunks


class PrometheusClient:
    """Range queries against one Prometheus (base URL, e.g. ``http://localhost:9090`` or one
    with a path prefix such as ``https://host/prometheus``)."""

    def __init__(
        self,
        base_url: str,
        *,
        attempts: int = 4,
        timeout: float = 30.0,
        backoff: float = 0.5,
        backoff_max: float = 30.0,
        max_points: int = MAX_POINTS_PER_SERIES,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.max_points = min(max_points, MAX_POINTS_PER_SERIES)
        self.sleep = sleep
        self.delays: list[float] = []  # every back-off slept, for reports and tests
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "leadline"},
        )

    def __enter__(self) -> PrometheusClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def query_range(self, query: str, start: int, end: int, step: int) -> RangeResult:
        """Evaluate ``query`` at ``start, start + step, ... <= end`` (Unix seconds), in chunks
        under the per-series point limit; series are summed per timestamp (module docstring)."""
        result = RangeResult()
        for chunk_start, chunk_end in evaluation_chunks(start, end, step, self.max_points):
            data = self._get_json(
                query,
                {"query": query, "start": chunk_start, "end": chunk_end, "step": step},
                result,
            )
            _add_matrix(self.base_url, query, data, result)
        return result

    def label_values(self, label: str, match: str, start: int, end: int) -> list[str]:
        """The values ``label`` takes on the series ``match`` selects in ``[start, end]``
        (``GET /api/v1/label/<label>/values``): a histogram's bucket bounds, for instance."""
        params = {"match[]": match, "start": start, "end": end}
        path = LABEL_VALUES_PATH.format(label=label)
        data = self._get_json(match, params, RangeResult(), path)
        return [str(v) for v in data] if isinstance(data, list) else []

    # --- HTTP ---------------------------------------------------------------------------------

    def _get_json(
        self, query: str, params: dict[str, Any], result: RangeResult, path: str = QUERY_RANGE_PATH
    ) -> Any:
        last_error = ""
        for attempt in range(1, self.attempts + 1):
            retry_after: float | None = None
            result.requests += 1
            try:
                response = self._http.get(path, params=params)
            except httpx.TimeoutException as error:
                last_error = f"timed out ({type(error).__name__})"
            except httpx.TransportError as error:
                last_error = f"{type(error).__name__}: {error}"
            else:
                if response.status_code == 429 or response.status_code >= 500:
                    last_error = f"HTTP {response.status_code}: {_error_text(response)}"
                    retry_after = _retry_after(response.headers.get("Retry-After"))
                else:
                    return self._payload(query, response, result)
            if attempt < self.attempts:
                delay = self.backoff * 2 ** (attempt - 1) if retry_after is None else retry_after
                delay = min(max(delay, 0.0), self.backoff_max)
                self.delays.append(delay)
                self.sleep(delay)
        raise PrometheusUnavailable(self.base_url, query, self.attempts, last_error)

    def _payload(self, query: str, response: httpx.Response, result: RangeResult) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise PrometheusQueryError(
                self.base_url,
                query,
                "bad_response",
                f"not a Prometheus API answer: {_error_text(response)}",
                response.status_code,
            )
        if response.status_code >= 400 or body.get("status") != "success":
            raise PrometheusQueryError(
                self.base_url,
                query,
                str(body.get("errorType") or f"http_{response.status_code}"),
                str(body.get("error") or _error_text(response)),
                response.status_code,
            )
        result.warnings += [str(w) for w in body.get("warnings") or []]
        return body.get("data")


def _add_matrix(url: str, query: str, data: Any, result: RangeResult) -> None:
    """Sum a ``matrix`` result's series into ``result.values`` per timestamp."""
    if not isinstance(data, dict) or data.get("resultType") != "matrix":
        kind = data.get("resultType") if isinstance(data, dict) else type(data).__name__
        raise PrometheusQueryError(
            url, query, "bad_response", f"expected a matrix result, got {kind!r}", 200
        )
    series = data.get("result") or []
    result.series = max(result.series, len(series))
    for one in series:
        for stamp, text in one.get("values") or []:
            value = float(text)  # Prometheus sends values as strings: "NaN", "+Inf" included
            if not math.isfinite(value):
                result.non_finite += 1
                continue
            moment = round(float(stamp))
            result.values[moment] = result.values.get(moment, 0.0) + value


def _error_text(response: httpx.Response, limit: int = 300) -> str:
    text = response.text.strip().replace("\n", " ")
    return (text[:limit] + "…") if len(text) > limit else (text or response.reason_phrase)


def _retry_after(header: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date), if usable."""
    if not header:
        return None
    try:
        return float(header)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
