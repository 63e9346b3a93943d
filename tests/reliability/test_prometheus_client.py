"""The Prometheus range-query client against a real Prometheus (tests/support/prometheus.py):
exact increases, Prometheus's extrapolation, chunking under the 11,000-point limit, bad queries,
an unreachable server, slow and failing answers (a tiny local HTTP server in front)."""

from __future__ import annotations

import time

import pytest

from leadline.reliability.promclient import (
    PrometheusClient,
    PrometheusQueryError,
    PrometheusUnavailable,
    evaluation_chunks,
)
from tests.support import prometheus as support
from tests.support.prometheus import (
    END,
    NAN_AT,
    ORIGIN,
    Behaviour,
    PrometheusServer,
    Proxy,
    expected,
    free_port,
)

prometheus_server = support.prometheus_server  # the session fixture, for pytest

CHECKOUT_TOTAL = 'sum(increase(http_requests_total{service="checkout"}[60s]))'


def totals(slo: str, step: int, start: int, end: int) -> dict[int, float]:
    """Expected totals keyed by evaluation time (interval end)."""
    return {a + step: total for a, (_good, total) in expected(slo, step, start, end).items()}


def test_chunks_cover_every_evaluation_time_once() -> None:
    chunks = evaluation_chunks(0, 100, 7, 4)
    times = [t for a, b in chunks for t in range(a, b + 1, 7)]
    assert times == list(range(0, 101, 7))
    assert all((b - a) // 7 + 1 <= 4 for a, b in chunks)
    assert evaluation_chunks(10, 5, 5, 10) == []


def test_increase_per_step_is_exact_for_aligned_windows(
    prometheus_server: PrometheusServer,
) -> None:
    with PrometheusClient(prometheus_server.url) as client:
        result = client.query_range(CHECKOUT_TOTAL, ORIGIN + 60, ORIGIN + 6 * 3600, 60)
    assert result.values == totals("checkout-availability", 60, ORIGIN, ORIGIN + 6 * 3600)
    assert result.series == 1 and result.non_finite == 0 and result.requests == 1


def test_several_series_are_summed_per_timestamp(prometheus_server: PrometheusServer) -> None:
    """Without sum(), one series per instance and code comes back; the client adds them."""
    query = 'increase(http_requests_total{service="checkout"}[300s])'
    with PrometheusClient(prometheus_server.url) as client:
        result = client.query_range(query, ORIGIN + 300, ORIGIN + 5 * 3600, 300)
    assert result.series == 4
    assert result.values == totals("checkout-availability", 300, ORIGIN, ORIGIN + 5 * 3600)


def test_extrapolation_of_a_misaligned_window(prometheus_server: PrometheusServer) -> None:
    """Evaluated 5 s after the grid, the 60 s window holds 4 samples 45 s apart; Prometheus
    extrapolates to both edges (each gap < 1.1 x the 15 s interval), x 60/45: at a constant
    rate that is still the exact count, but across an hour's rate change it blends the two."""
    start = ORIGIN + 3575  # 5 s after a sample; the windows end at 3575, 3635, 3695...
    with PrometheusClient(prometheus_server.url) as client:
        result = client.query_range(CHECKOUT_TOTAL, start, start + 600, 60)
    by_end = totals("checkout-availability", 60, ORIGIN, ORIGIN + 3 * 3600)
    hour0, hour1 = by_end[ORIGIN + 60], by_end[ORIGIN + 3660]  # per 60 s
    # Windows inside one hour: 3 deltas of the hour's rate x 60/45 = the exact 4 deltas.
    assert result.values[start] == hour0  # (3515, 3575]: samples 3525..3570
    assert result.values[start + 120] == hour1  # (3635, 3695]: samples 3645..3690
    # (3575, 3635]: samples 3585..3630, deltas at 3600 (hour 0), 3615 and 3630 (hour 1): the
    # rates blend. Except for instance a's 500s, which were still 0 at 3585: a counter is not
    # extrapolated below zero, so its window is stretched by the 5 s at the end only.
    a500 = 2  # its deltas: 0, 1, 1
    blended = (hour0 + 2 * hour1) / 4 - a500
    assert result.values[start + 60] == pytest.approx(blended * 60 / 45 + a500 * 50 / 45)


def test_long_ranges_are_split_under_the_point_limit(prometheus_server: PrometheusServer) -> None:
    """Two days at 15 s is 11,520 points per series: over Prometheus's 11,000 limit."""
    query = 'sum(increase(http_requests_total{service="checkout"}[15s]))'
    with PrometheusClient(prometheus_server.url, max_points=20_000) as client:
        assert client.max_points == 11_000  # capped at the limit
        client.max_points = 20_000  # what an unsplit request would meet:
        with pytest.raises(PrometheusQueryError, match="11,000 points"):
            client.query_range(query, ORIGIN + 15, END, 15)
    with PrometheusClient(prometheus_server.url) as client:
        result = client.query_range(query, ORIGIN + 15, END, 15)
    assert result.requests == 2
    assert len(result.values) == (END - ORIGIN) // 15
    assert result.values == totals("checkout-availability", 15, ORIGIN, END)


def test_small_chunks_give_the_same_values(prometheus_server: PrometheusServer) -> None:
    with PrometheusClient(prometheus_server.url, max_points=7) as client:
        chunked = client.query_range(CHECKOUT_TOTAL, ORIGIN + 60, ORIGIN + 3600, 60)
    with PrometheusClient(prometheus_server.url) as client:
        whole = client.query_range(CHECKOUT_TOTAL, ORIGIN + 60, ORIGIN + 3600, 60)
    assert chunked.requests == 9 and whole.requests == 1
    assert chunked.values == whole.values


def test_nan_values_are_skipped_and_counted(prometheus_server: PrometheusServer) -> None:
    query = "sum(increase(nan_demo_requests[60s]))"
    with PrometheusClient(prometheus_server.url) as client:
        result = client.query_range(query, NAN_AT - 300, NAN_AT + 300, 60)
    assert result.non_finite == 2
    assert NAN_AT not in result.values and NAN_AT + 60 not in result.values
    assert result.values[NAN_AT - 60] == 40.0 and len(result.values) == 9


def test_no_data_is_an_empty_result_not_zeros(prometheus_server: PrometheusServer) -> None:
    with PrometheusClient(prometheus_server.url) as client:
        result = client.query_range("sum(increase(no_such_metric_total[60s]))", ORIGIN, END, 60)
    assert result.values == {} and result.series == 0


def test_a_bad_query_names_the_query_and_prometheus_error(
    prometheus_server: PrometheusServer,
) -> None:
    query = "sum(increase(http_requests_total{service=checkout}[60s]))"
    started = time.monotonic()
    with (
        PrometheusClient(prometheus_server.url, backoff=5) as client,
        pytest.raises(PrometheusQueryError) as caught,
    ):
        client.query_range(query, ORIGIN + 60, ORIGIN + 600, 60)
    assert time.monotonic() - started < 2  # not retried
    error = caught.value
    assert error.query == query and error.status_code == 400 and error.error_type == "bad_data"
    assert "parse error" in error.message
    assert query in str(error) and "parse error" in str(error)


def test_unreachable_server_retries_with_exponential_back_off() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()
    with (
        PrometheusClient(url, attempts=4, backoff=0.05, timeout=2) as client,
        pytest.raises(PrometheusUnavailable) as caught,
    ):
        client.query_range("up", ORIGIN, ORIGIN + 60, 60)
    elapsed = time.monotonic() - started
    assert client.delays == [0.05, 0.1, 0.2]
    assert 0.35 <= elapsed < 3
    error = caught.value
    assert error.attempts == 4 and url in str(error) and "ConnectError" in str(error)


def test_slow_answers_time_out_then_fail() -> None:
    behaviour = Behaviour(delay=1.0)
    with Proxy(None, behaviour) as proxy:
        started = time.monotonic()
        with (
            PrometheusClient(proxy.url, attempts=2, timeout=0.2, backoff=0.05) as client,
            pytest.raises(PrometheusUnavailable, match="timed out"),
        ):
            client.query_range("up", ORIGIN, ORIGIN + 60, 60)
        elapsed = time.monotonic() - started
    assert len(behaviour.requests) == 2
    assert 0.4 <= elapsed < 1.5  # two 0.2 s timeouts and one 0.05 s back-off, not 2 x 1 s


def test_slow_answers_within_the_timeout_succeed(prometheus_server: PrometheusServer) -> None:
    behaviour = Behaviour(delay=0.3)
    with (
        Proxy(prometheus_server.url, behaviour) as proxy,
        PrometheusClient(proxy.url, attempts=1, timeout=5) as client,
    ):
        result = client.query_range(CHECKOUT_TOTAL, ORIGIN + 60, ORIGIN + 600, 60)
    assert result.values == totals("checkout-availability", 60, ORIGIN, ORIGIN + 600)


@pytest.mark.parametrize("status", [503, 429, 500])
def test_transient_errors_are_retried(prometheus_server: PrometheusServer, status: int) -> None:
    behaviour = Behaviour(fail_first=2, status=status)
    with (
        Proxy(prometheus_server.url, behaviour) as proxy,
        PrometheusClient(proxy.url, attempts=3, backoff=0.02) as client,
    ):
        result = client.query_range(CHECKOUT_TOTAL, ORIGIN + 60, ORIGIN + 600, 60)
    assert result.requests == 3 and client.delays == [0.02, 0.04]
    assert result.values == totals("checkout-availability", 60, ORIGIN, ORIGIN + 600)


def test_retry_after_is_honoured_and_capped(prometheus_server: PrometheusServer) -> None:
    """The server's Retry-After replaces the back-off (5 s here), capped by backoff_max."""
    behaviour = Behaviour(fail_first=1, status=429, retry_after="0.1")
    with Proxy(prometheus_server.url, behaviour) as proxy:
        client = PrometheusClient(proxy.url, attempts=3, backoff=5, backoff_max=0.3)
        with client:
            client.query_range(CHECKOUT_TOTAL, ORIGIN + 60, ORIGIN + 600, 60)
        assert client.delays == [0.1]
        behaviour.requests.clear()
        behaviour.retry_after = "60"
        client = PrometheusClient(proxy.url, attempts=3, backoff=5, backoff_max=0.3)
        with client:
            client.query_range(CHECKOUT_TOTAL, ORIGIN + 60, ORIGIN + 600, 60)
        assert client.delays == [0.3]
    assert behaviour.requests[1] - behaviour.requests[0] >= 0.3


def test_five_hundreds_exhaust_the_attempts(prometheus_server: PrometheusServer) -> None:
    behaviour = Behaviour(fail_first=10, status=502)
    with (
        Proxy(prometheus_server.url, behaviour) as proxy,
        PrometheusClient(proxy.url, attempts=3, backoff=0.01) as client,
        pytest.raises(PrometheusUnavailable, match="HTTP 502"),
    ):
        client.query_range(CHECKOUT_TOTAL, ORIGIN + 60, ORIGIN + 600, 60)
    assert len(behaviour.requests) == 3
