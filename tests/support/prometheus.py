"""A real Prometheus (Debian's ``prometheus`` and ``promtool``) holding generated SLI counters,
for the Prometheus SLI source's tests and for cross-checks (e.g. against Google's slo-generator).

The session fixture ``prometheus_server`` writes an OpenMetrics file of two days of counters
sampled every 15 s (``ORIGIN`` .. ``END``, both included), backfills it with ``promtool tsdb
create-blocks-from openmetrics``, starts ``prometheus`` on a free loopback port with an empty
scrape config and a 100-year retention (the data is from 2024: the default 15 days would keep it
only because retention counts from the newest block), waits for ``/-/ready`` and for the data to
be queryable, yields the server and stops it. If the binaries are missing or the server does
not start, the fixture raises with the server's log: the run fails, it is never skipped.

**The data.** Every counter's increment between the sample at ``s - 15`` and the one at ``s``
is ``increment(series, s)``, a function of the hour of ``s - 15`` only, so rates are constant
within each hour and change on hour boundaries. Steps that divide an hour and are multiples of
15 s therefore see constant rates within each interval, and samples sit exactly on interval
edges: Prometheus's ``increase`` (which extrapolates from the first and last sample in the
window to the window's edges) then equals the exact counter delta, both for Prometheus 2's
closed ``[t - r, t]`` windows (no extrapolation needed) and Prometheus 3's left-open ones
(extrapolation by one scrape interval at a constant rate is exact). Series (``SERIES``):

- ``http_requests_total{service="checkout",instance="a"|"b",code="200"|"500"}``: four series,
  so "checkout-availability" sums several series per timestamp;
- ``search_requests_total`` and ``search_errors_total``: a **gap** (no samples strictly
  between ``GAP_START`` and ``GAP_END``, both hour-aligned; the counters keep counting), a
  **counter reset** at ``RESET`` (mid-interval: the sample after it holds only that 15 s
  increment, as a restarted process reports), and the errors series appears only at
  ``SEARCH_ERRORS_FROM`` (value 0 then), so earlier intervals have no *bad* series;
- ``http_request_duration_seconds`` histogram (``le`` 0.1, 0.25, 0.5, 1.0, +Inf, written as
  OpenMetrics does: ``1.0``), 40 observations per 15 s;
- ``nan_demo_requests``/``nan_demo_good`` (gauges used as counters): ``NaN`` at ``NAN_AT``
  (an hour boundary), which makes the two intervals touching it NaN.

**Expected values.** ``expected(slo, step, start, end)`` gives the exact (good, total) of each
interval start in ``[start, end)`` for the SLOs in ``SLOS`` (their normalised indicators), with
gap intervals absent — by summing the generator's increments, independently of PromQL.
"""

from __future__ import annotations

import contextlib
import http.server
import math
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ORIGIN = 1_709_251_200  # 2024-03-01T00:00:00Z
END = ORIGIN + 2 * 86_400  # 2024-03-03T00:00:00Z, the last sample
SCRAPE = 15
GAP_START = ORIGIN + 10 * 3600  # search: last sample before the gap
GAP_END = ORIGIN + 10 * 3600 + 1800  # search: first sample after it
RESET = ORIGIN + 30 * 3600 + 7 * SCRAPE  # search counters restart here
SEARCH_ERRORS_FROM = ORIGIN + 2 * 3600
NAN_AT = ORIGIN + 20 * 3600
BUCKETS = ("0.1", "0.25", "0.5", "1.0", "+Inf")


def hour(s: int) -> int:
    """The hour (since ORIGIN) of the 15 s interval that ends at sample ``s``."""
    return (s - SCRAPE - ORIGIN) // 3600


def _bucket(le: str) -> Callable[[int], float]:
    per_15s = {"0.1": 20, "0.5": 36, "1.0": 39, "+Inf": 40}
    if le == "0.25":
        return lambda h: 30 + h % 2
    return lambda h, n=per_15s[le]: n  # type: ignore[misc]


@dataclass(frozen=True)
class Series:
    """One generated series: its OpenMetrics family and type, labels, per-hour increment."""

    family: str
    kind: str
    name: str
    labels: dict[str, str]
    increment: Callable[[int], float]  # of the hour
    first: int = ORIGIN  # first sample (value 0)
    gap: tuple[int, int] | None = None  # no samples strictly inside
    reset: int | None = None
    nan_at: int | None = None

    @property
    def selector(self) -> str:
        inner = ",".join(f'{k}="{v}"' for k, v in self.labels.items())
        return f"{self.name}{{{inner}}}" if inner else self.name

    def increment_at(self, s: int) -> float:
        """The counter's increase between samples ``s - 15`` and ``s`` (0 before it exists)."""
        return float(self.increment(hour(s))) if s > self.first else 0.0

    def samples(self) -> Iterator[tuple[int, float]]:
        value = 0.0
        for s in range(self.first, END + 1, SCRAPE):
            value += self.increment_at(s)
            if s == self.reset:
                value = self.increment_at(s)
            if self.gap and self.gap[0] < s < self.gap[1]:
                continue
            yield s, (math.nan if s == self.nan_at else value)


def _checkout(instance: str, code: str, increment: Callable[[int], float]) -> Series:
    labels = {"service": "checkout", "instance": instance, "code": code}
    return Series("http_requests", "counter", "http_requests_total", labels, increment)


SEARCH = {"gap": (GAP_START, GAP_END), "reset": RESET}
SERIES: list[Series] = [
    _checkout("a", "200", lambda h: 10 + h % 5),
    _checkout("a", "500", lambda h: h % 3),
    _checkout("b", "200", lambda h: 20),
    _checkout("b", "500", lambda h: 1 if h % 4 == 0 else 0),
    Series(
        "search_requests", "counter", "search_requests_total", {}, lambda h: 50 + h % 7, **SEARCH
    ),  # type: ignore[arg-type]
    Series(
        "search_errors",
        "counter",
        "search_errors_total",
        {},
        lambda h: 2 + h % 3,
        first=SEARCH_ERRORS_FROM,
        **SEARCH,  # type: ignore[arg-type]
    ),
    *[
        Series(
            "http_request_duration_seconds",
            "histogram",
            "http_request_duration_seconds_bucket",
            {"service": "checkout", "le": le},
            _bucket(le),
        )
        for le in BUCKETS
    ],
    Series(
        "http_request_duration_seconds",
        "histogram",
        "http_request_duration_seconds_count",
        {"service": "checkout"},
        lambda h: 40,
    ),
    Series(
        "http_request_duration_seconds",
        "histogram",
        "http_request_duration_seconds_sum",
        {"service": "checkout"},
        lambda h: 6.5,
    ),
    Series("nan_demo_requests", "gauge", "nan_demo_requests", {}, lambda h: 10, nan_at=NAN_AT),
    Series("nan_demo_good", "gauge", "nan_demo_good", {}, lambda h: 9),
]


def series(name: str, **labels: str) -> list[Series]:
    return [
        s for s in SERIES if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    ]


# SLO name -> normalised indicator (as Slo.indicator holds it).
SLOS: dict[str, dict[str, Any]] = {
    "checkout-availability": {
        "good": 'http_requests_total{service="checkout",code="200"}',
        "total": 'http_requests_total{service="checkout"}',
    },
    "search-availability": {"bad": "search_errors_total", "total": "search_requests_total"},
    "search-sloth": {
        "bad": "sum(rate(search_errors_total[{{.window}}]))",
        "total": "sum(rate(search_requests_total[{{.window}}]))",
    },
    "checkout-latency": {
        "metric": 'http_request_duration_seconds{service="checkout"}',
        "op": "lte",
        "threshold": 0.25,
    },
    "checkout-latency-1s": {
        "metric": "http_request_duration_seconds_bucket",
        "op": "lt",
        "threshold": 1,
    },
    "nan-demo": {"good": "nan_demo_good", "total": "nan_demo_requests"},
}
# good/total per SLO as sums of generated series (bad ones subtracted from total).
_PARTS: dict[str, tuple[list[Series], list[Series], list[Series]]] = {
    # name: (good series, bad series, total series)
    "checkout-availability": (
        series("http_requests_total", code="200"),
        [],
        series("http_requests_total"),
    ),
    "search-availability": ([], series("search_errors_total"), series("search_requests_total")),
    "search-sloth": ([], series("search_errors_total"), series("search_requests_total")),
    "checkout-latency": (
        series("http_request_duration_seconds_bucket", le="0.25"),
        [],
        series("http_request_duration_seconds_count"),
    ),
    "checkout-latency-1s": (
        series("http_request_duration_seconds_bucket", le="1.0"),
        [],
        series("http_request_duration_seconds_count"),
    ),
    "nan-demo": (series("nan_demo_good"), [], series("nan_demo_requests")),
}


def _missing(slo: str, start: int, step: int) -> bool:
    """Whether interval ``[start, start + step)`` has no sample in Prometheus (a gap)."""
    if slo.startswith("search") and GAP_START <= start < GAP_END:
        return True
    return slo == "nan-demo" and start in (NAN_AT - step, NAN_AT)


def expected(
    slo: str, step: int, start: int = ORIGIN, end: int = END
) -> dict[int, tuple[float, float]]:
    """Exact (good, total) per interval start in ``[start, end)`` (aligned to ``step``)."""
    good_series, bad_series, total_series = _PARTS[slo]
    out: dict[int, tuple[float, float]] = {}
    for a in range(start - start % step, end, step):
        if a < start or a < ORIGIN or a + step > END or _missing(slo, a, step):
            continue
        samples = range(a + SCRAPE, a + step + 1, SCRAPE)

        def total_of(group: list[Series], samples: range = samples) -> float:
            return sum(s.increment_at(t) for s in group for t in samples)

        total = total_of(total_series)
        good = total_of(good_series) if good_series else total - total_of(bad_series)
        out[a] = (good, total)
    return out


def expected_gaps(slo: str, step: int, start: int = ORIGIN, end: int = END) -> int:
    """Intervals in ``[start, end)`` without data (what the batch message counts)."""
    return sum(
        1 for a in range(start, end, step) if _missing(slo, a, step) or a < ORIGIN or a + step > END
    )


# --- the OpenMetrics file and the server ----------------------------------------------------


def write_openmetrics(path: Path) -> Path:
    """All of ``SERIES`` in OpenMetrics text, one family after another, each series in time
    order (what ``promtool tsdb create-blocks-from openmetrics`` reads)."""
    lines: list[str] = []
    families: dict[str, list[Series]] = {}
    for one in SERIES:
        families.setdefault(one.family, []).append(one)
    for family, members in families.items():
        lines.append(f"# TYPE {family} {members[0].kind}")
        for one in members:
            selector = one.selector
            lines += [f"{selector} {_number(v)} {s}" for s, v in one.samples()]
    lines.append("# EOF")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return str(int(value)) if value == int(value) else repr(value)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_binary(name: str) -> str:
    found = shutil.which(name) or (
        f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None
    )
    if not found:
        raise RuntimeError(
            f"{name} not found; `make test` installs the Debian package prometheus "
            "(scripts/system-deps.sh)"
        )
    return found


@dataclass
class PrometheusServer:
    """A running Prometheus with the generated data; ``url`` is its base URL."""

    base: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.base / "prometheus.log"

    def start(self) -> None:
        data = self.base / "tsdb"
        data.mkdir(parents=True, exist_ok=True)
        source = write_openmetrics(self.base / "sli.om.txt")
        backfill = subprocess.run(
            [
                find_binary("promtool"),
                *("tsdb", "create-blocks-from", "openmetrics", "--quiet"),
                *(str(source), str(data)),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if backfill.returncode:
            raise RuntimeError(f"promtool backfill failed:\n{backfill.stdout}\n{backfill.stderr}")
        config = self.base / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 15s\nscrape_configs: []\n")
        command = [
            find_binary("prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=36500d",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, cwd=self.base
            )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"prometheus exited ({self.process.returncode}):\n{self._log()}")
            try:
                ready = httpx.get(f"{self.url}/-/ready", timeout=2).status_code == 200
                if ready and self._has_data():
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"prometheus not ready after {timeout:.0f} s:\n{self._log()}")

    def _has_data(self) -> bool:
        answer = httpx.get(
            f"{self.url}/api/v1/query",
            params={"query": "count(http_requests_total)", "time": END},
            timeout=5,
        ).json()
        result = answer.get("data", {}).get("result", [])
        return bool(result) and result[0]["value"][1] == "4"

    def _log(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


_shared: dict[str, Any] = {"server": None, "users": 0}


@pytest.fixture(scope="session")
def prometheus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    """A real Prometheus holding ``SERIES`` (see the module docstring); fails if it cannot
    start. Test modules import this fixture (there is no conftest for it), which makes one
    fixture per module: the server is shared, started by the first and stopped by the last."""
    if _shared["server"] is None:
        server = PrometheusServer(tmp_path_factory.mktemp("prometheus"))
        try:
            server.start()
        except BaseException:
            server.stop()
            raise
        _shared["server"] = server
    _shared["users"] += 1
    try:
        yield _shared["server"]
    finally:
        _shared["users"] -= 1
        if _shared["users"] == 0:
            _shared["server"].stop()
            _shared["server"] = None


# --- a tiny HTTP server in front of it: slow or failing answers ------------------------------


@dataclass
class Behaviour:
    """What the proxy does: sleep before answering, fail the first N requests or all after
    the first N (a server going down mid-run)."""

    delay: float = 0.0
    fail_first: int = 0
    status: int = 503
    retry_after: str | None = None
    fail_after: int | None = None  # fail every request after this many succeeded
    requests: list[float] = field(default_factory=list)  # monotonic arrival times


class Proxy:
    """A local HTTP server forwarding GETs to ``upstream`` (a real Prometheus) or, with no
    upstream, answering an empty success; it can sleep or fail as ``behaviour`` says."""

    def __init__(self, upstream: str | None, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        handler = _handler(upstream, behaviour)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Proxy:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(
    upstream: str | None, behaviour: Behaviour
) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            behaviour.requests.append(time.monotonic())
            if behaviour.delay:
                time.sleep(behaviour.delay)
            count = len(behaviour.requests)
            late = behaviour.fail_after is not None and count > behaviour.fail_after
            if count <= behaviour.fail_first or late:
                body = b"upstream overloaded"
                self.send_response(behaviour.status)
                if behaviour.retry_after is not None:
                    self.send_header("Retry-After", behaviour.retry_after)
                self._finish(body, "text/plain")
                return
            if upstream is None:
                body = b'{"status":"success","data":{"resultType":"matrix","result":[]}}'
                self.send_response(200)
                self._finish(body, "application/json")
                return
            answer = httpx.get(upstream + self.path, timeout=30)
            self.send_response(answer.status_code)
            self._finish(answer.content, answer.headers.get("content-type", "application/json"))

        def _finish(self, body: bytes, content_type: str) -> None:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)  # unless the client timed out and left

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
