"""``leadline ingest prometheus`` against a real Prometheus (tests/support/prometheus.py): exact
samples per interval for ratio, bad/total, Sloth-style and histogram SLIs, gaps, a counter reset,
NaN, incremental pulls from the watermark, idempotency, bad queries, Prometheus going down
(nothing written), rejected samples and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from leadline.config import Settings
from leadline.context import App
from leadline.ingest.models import Batch
from leadline.ingest.runner import IngestReport, run_ingest
from leadline.lake.models import LakeFile
from leadline.reliability import prometheus
from leadline.reliability.models import SliWatermark, Slo, SloDocument
from leadline.reliability.promql import (
    QueryShapeError,
    bound_problem,
    histogram_queries,
    increase_query,
    indicator_queries,
    le_pattern,
)
from tests.conftest import make_settings
from tests.support import prometheus as support
from tests.support.prometheus import (
    END,
    GAP_END,
    GAP_START,
    ORIGIN,
    RESET,
    SLOS,
    Behaviour,
    PrometheusServer,
    Proxy,
    expected,
    expected_gaps,
    free_port,
)

prometheus_server = support.prometheus_server  # the session fixture, for pytest

DAY = 86_400
Samples = dict[str, dict[int, tuple[float, float]]]


def iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The wall clock the source sees (a list so a test can move it): 90 s after END."""
    now = [END + 90]
    monkeypatch.setattr(prometheus, "wall_clock", lambda: dt.datetime.fromtimestamp(now[0], dt.UTC))
    yield now


def app_with(
    tmp_path: Path, step: int = 300, database_url: str | None = None, **reliability: Any
) -> App:
    settings: Settings = make_settings(
        tmp_path / "home", database_url, reliability={"step_seconds": step, **reliability}
    )
    return App(settings)


def add_slos(app: App, *names: str, **indicators: dict[str, Any]) -> None:
    """SLO rows with the support module's indicators (or the given ones, by name)."""
    specs = {name: SLOS[name] for name in names} | indicators
    with app.store.session() as session:
        for name, indicator in specs.items():
            session.add(
                Slo(
                    name=name,
                    service="checkout",
                    objective=0.99,
                    window_kind="rolling",
                    window_days=28,
                    budgeting="occurrences",
                    sli_kind="threshold" if "metric" in indicator else "ratio",
                    indicator=indicator,
                )
            )


def pull(app: App, path: str, **options: Any) -> IngestReport:
    return run_ingest(
        "prometheus", [Path(path)], settings=app.settings, store=app.store, options=options
    )


def samples(app: App, batch_id: int | None = None) -> Samples:
    """Committed sli_samples rows: slo -> interval start (epoch s) -> (good, total)."""
    with app.store.session() as session:
        paths = list(
            session.scalars(select(LakeFile.path).where(LakeFile.table_name == "sli_samples"))
        )
    out: Samples = {}
    for path in paths:
        for row in pq.read_table(app.settings.lake_path / path).to_pylist():
            if batch_id is not None and row["_batch_id"] != batch_id:
                continue
            assert row["step_seconds"] == app.settings.reliability.step_seconds
            assert row["source"] == "prometheus"
            start = int(row["timestamp"].timestamp())
            out.setdefault(row["slo"], {})[start] = (row["good"], row["total"])
    return out


def same(got: dict[int, tuple[float, float]], want: dict[int, tuple[float, float]]) -> bool:
    return got.keys() == want.keys() and all(
        got[k] == pytest.approx(want[k], rel=1e-12) for k in want
    )


def watermarks(app: App) -> dict[str, int]:
    with app.store.session() as session:
        marks = session.scalars(select(SliWatermark))
        return {m.slo: int(m.pulled_until.timestamp()) for m in marks}


def test_queries_issued() -> None:
    """The exact PromQL per indicator shape (the module docstring documents these)."""
    assert indicator_queries(SLOS["checkout-availability"], 60) == {
        "good": 'sum(increase(http_requests_total{service="checkout",code="200"}[60s]))',
        "total": 'sum(increase(http_requests_total{service="checkout"}[60s]))',
    }
    assert indicator_queries(SLOS["search-sloth"], 300) == {
        "bad": "sum(sum(rate(search_errors_total[300s]))) * 300",
        "total": "sum(sum(rate(search_requests_total[300s]))) * 300",
    }
    assert histogram_queries(SLOS["checkout-latency"], 60) == {
        "good": 'sum(increase(http_request_duration_seconds_bucket{service="checkout",'
        "le=~`0\\.250*`}[60s]))",
        "total": 'sum(increase(http_request_duration_seconds_count{service="checkout"}[60s]))',
    }
    gt = {"metric": 'lat_bucket{job="x", le="1"}', "op": "gt", "threshold": 2}
    assert histogram_queries(gt, 60) == {
        "bad": 'sum(increase(lat_bucket{job="x",le=~`2(\\.0*)?`}[60s]))',
        "total": 'sum(increase(lat_count{job="x"}[60s]))',
    }
    assert indicator_queries({"datasource": "p", "error_ratio": "x"}, 60) is None
    assert indicator_queries({"good": {"metric": "datadog"}, "total": {"m": 1}}, 60) is None
    with pytest.raises(QueryShapeError, match="not a counter selector"):
        increase_query("rate(x[5m])", 60)
    with pytest.raises(QueryShapeError, match="total query"):
        indicator_queries({"good": "x"}, 60)


def test_le_pattern_matches_both_spellings() -> None:
    import re

    for threshold, spellings in [(1, ["1", "1.0", "1.00"]), (0.25, ["0.25", "0.250"])]:
        pattern = re.compile(le_pattern(threshold))
        assert all(pattern.fullmatch(s) for s in spellings)
        assert not pattern.fullmatch("10") and not pattern.fullmatch("0.2")
    assert le_pattern(float("inf")) == r"\+Inf"


def test_exact_samples_for_every_slo(
    prometheus_server: PrometheusServer, tmp_path: Path, clock: list[int]
) -> None:
    app = app_with(tmp_path, step=300)
    add_slos(app, *SLOS)
    report = pull(app, prometheus_server.url, since=iso(ORIGIN), until=iso(END))
    (result,) = report.results
    assert result.status == "landed" and report.exit_code == 0, result.problems
    got = samples(app)
    for slo in SLOS:
        if slo == "search-sloth":  # rate x step: exact up to floating-point rounding
            assert same(got[slo], expected(slo, 300)), slo
        else:
            assert got[slo] == expected(slo, 300), slo
    # Gaps: 30 minutes of search data = 6 intervals; NaN touches 2 nan-demo intervals.
    assert "search-availability: [2024-03-01T00:00:00Z, 2024-03-03T00:00:00Z)" in result.message
    assert "search-availability: [" in result.message
    message = {part.split(":")[0]: part for part in (result.message or "").split("; ")}
    assert "576 sample(s), 0 missing" in message["checkout-availability"]
    assert "570 sample(s), 6 missing" in message["search-availability"]
    assert "570 sample(s), 6 missing" in message["search-sloth"]
    assert "574 sample(s), 2 missing interval(s), 2 NaN/Inf value(s) skipped" in message["nan-demo"]
    assert result.rows_read == sum(len(expected(s, 300)) for s in SLOS)
    for slo in SLOS:
        assert f"{expected_gaps(slo, 300)} missing" in message[slo]
    assert watermarks(app) == dict.fromkeys(SLOS, END)
    # The counter reset (mid-interval) and the gap, by hand: search's hour-h rate per 15 s is
    # 50 + h % 7 requests and 2 + h % 3 errors.
    reset_interval = RESET - RESET % 300
    hour = (reset_interval - ORIGIN) // 3600
    total = 20 * (50 + hour % 7)
    assert got["search-availability"][reset_interval] == (total - 20 * (2 + hour % 3), total)
    assert GAP_START not in got["search-availability"]
    assert GAP_END - 300 not in got["search-availability"]
    assert GAP_START - 300 in got["search-availability"]
    assert GAP_END in got["search-availability"]
    # Before the errors series exists there is no bad series: bad = 0.
    assert got["search-availability"][ORIGIN] == (20 * 50, 20 * 50)
    # The histogram: 30 of 40 observations per 15 s at or under 0.25 s in even hours.
    assert got["checkout-latency"][ORIGIN] == (20 * 30, 20 * 40)
    assert got["checkout-latency-1s"][ORIGIN] == (20 * 39, 20 * 40)


def test_incremental_pulls_from_the_watermark(
    prometheus_server: PrometheusServer, tmp_path: Path, clock: list[int]
) -> None:
    app = app_with(tmp_path, step=60)
    add_slos(app, "checkout-availability", "search-availability")
    first = pull(app, prometheus_server.url, since=iso(ORIGIN), until=iso(ORIGIN + DAY))
    assert first.results[0].status == "landed"
    assert watermarks(app) == dict.fromkeys(
        ["checkout-availability", "search-availability"], ORIGIN + DAY
    )
    # No --since: from each watermark; --until defaults to now - 1 min, aligned (END here).
    second = pull(app, prometheus_server.url)
    (result,) = second.results
    assert result.status == "landed" and result.batch_id is not None
    new = samples(app, result.batch_id)
    assert min(new["checkout-availability"]) == ORIGIN + DAY
    assert new["checkout-availability"] == expected("checkout-availability", 60, ORIGIN + DAY)
    assert samples(app) == {s: expected(s, 60) for s in new}
    assert watermarks(app) == dict.fromkeys(new, END)
    # The same command in the same minute: the same request, unchanged.
    again = pull(app, prometheus_server.url)
    assert again.results[0].status == "unchanged"
    # A minute later: a new request, but nothing new since the watermarks.
    clock[0] += 60
    (result,) = pull(app, prometheus_server.url, until=iso(END)).results
    assert result.status == "landed" and result.rows_read == 0
    assert "checkout-availability: up to date (2024-03-03T00:00:00Z)" in (result.message or "")
    # By default up to now - 1 min: one interval after the data ends, a gap.
    (result,) = pull(app, prometheus_server.url).results
    assert result.status == "landed" and result.rows_read == 0
    assert "[2024-03-03T00:00:00Z, 2024-03-03T00:01:00Z)" in (result.message or "")
    assert "0 sample(s), 1 missing interval(s)" in (result.message or "")
    assert samples(app) == {s: expected(s, 60) for s in new}


def test_first_pull_looks_back_thirty_days(
    prometheus_server: PrometheusServer, tmp_path: Path, clock: list[int]
) -> None:
    app = app_with(tmp_path, step=900)
    add_slos(app, "checkout-latency")
    (result,) = pull(app, prometheus_server.url).results
    assert result.status == "landed"
    assert f"checkout-latency: [{iso(END - 30 * DAY)}, {iso(END)})" in (result.message or "")
    assert samples(app) == {"checkout-latency": expected("checkout-latency", 900)}
    assert f"{28 * 96} missing interval(s)" in (result.message or "")


def test_a_bad_query_is_rejected_and_the_other_slos_land(
    prometheus_server: PrometheusServer, tmp_path: Path, clock: list[int]
) -> None:
    app = app_with(tmp_path)
    broken = "sum(rate(search_errors_total[{{.window}}])"  # one parenthesis short
    add_slos(
        app,
        "checkout-availability",
        broken={"bad": broken, "total": "search_requests_total"},
        shapeless={"good": "rate(x[5m])", "total": "x"},
    )
    report = pull(app, prometheus_server.url, since=iso(ORIGIN), until=iso(ORIGIN + 3600))
    (result,) = report.results
    assert result.status == "landed" and report.exit_code == 1
    reasons = {p.item: p.reason for p in result.problems}
    assert "SLO 'broken': query rejected" in reasons["broken"]
    assert "sum(sum(rate(search_errors_total[300s])) * 300" in reasons["broken"]
    assert "parse error" in reasons["broken"] and "bad_data" in reasons["broken"]
    assert "not a counter selector" in reasons["shapeless"]
    assert result.rows_rejected == 2
    assert samples(app) == {
        "checkout-availability": expected("checkout-availability", 300, ORIGIN, ORIGIN + 3600)
    }
    assert watermarks(app) == {"checkout-availability": ORIGIN + 3600}
    assert "not pulled (see rejects): shapeless, broken" in (result.message or "")


def test_threshold_off_the_bucket_bounds_is_refused(
    prometheus_server: PrometheusServer, tmp_path: Path, clock: list[int]
) -> None:
    """A classic histogram's threshold must be a bucket bound: 0.3 s is none of the fixture's
    (0.1, 0.25, 0.5, 1.0, +Inf), so that SLO is refused naming the value and the bounds (no
    gaps pretending to be data), while the 0.25 s SLO on the same histogram lands: 30 of 40
    observations per 15 s at or under 0.25 s in the first (even) hour: 600 of 800 per 5 min."""
    app = app_with(tmp_path)
    off = {**SLOS["checkout-latency"], "threshold": 0.3}
    add_slos(app, "checkout-latency", off_bound=off)
    report = pull(app, prometheus_server.url, since=iso(ORIGIN), until=iso(ORIGIN + 600))
    (result,) = report.results
    assert result.status == "landed" and report.exit_code == 1
    (problem,) = result.problems
    assert problem.item == "off_bound"
    assert (
        "threshold 0.3 is not a bucket boundary of the histogram; its boundaries (le) are "
        "0.1, 0.25, 0.5, 1, +Inf" in problem.reason
    )
    assert samples(app) == {"checkout-latency": {ORIGIN: (600, 800), ORIGIN + 300: (600, 800)}}
    assert set(watermarks(app)) == {"checkout-latency"}


def test_native_histogram_queries() -> None:
    """A native histogram (``histogram: native``): the interval's summed increase h, total =
    histogram_count(h), the count at or under x = histogram_fraction(-Inf, x, h) × total; good
    for lt/lte, bad for gt/gte; no ``_bucket``/``_count`` suffixes are added or removed."""
    lte = {"metric": 'rpc_seconds{job="api"}', "op": "lte", "threshold": 0.3, "histogram": "native"}
    h = 'sum(increase(rpc_seconds{job="api"}[60s]))'
    assert indicator_queries(lte, 60) == {
        "good": f"histogram_fraction(-Inf, 0.3, {h}) * histogram_count({h})",
        "total": f"histogram_count({h})",
    }
    gt = {**lte, "op": "gt", "threshold": 2}
    assert indicator_queries(gt, 60) == {
        "bad": f"histogram_fraction(-Inf, 2, {h}) * histogram_count({h})",
        "total": f"histogram_count({h})",
    }
    with pytest.raises(QueryShapeError, match="classic or native, got 'sparse'"):
        indicator_queries({**lte, "histogram": "sparse"}, 60)


def test_native_histogram_queries_parse_in_promtool(tmp_path: Path) -> None:
    """Debian's promtool (Prometheus 2.42, whose PromQL has histogram_fraction and
    histogram_count) parses the generated native-histogram queries as recording rules."""
    import shutil
    import subprocess

    promtool = shutil.which("promtool") or "/usr/bin/promtool"
    if not Path(promtool).exists():
        pytest.skip("promtool is not installed (scripts/system-deps.sh installs it)")
    native = {"metric": "rpc_seconds", "op": "lt", "threshold": 0.25, "histogram": "native"}
    queries = indicator_queries(native, 300)
    assert queries is not None
    rules = [{"record": f"leadline:test_{role}", "expr": q} for role, q in queries.items()]
    path = tmp_path / "rules.yaml"
    path.write_text(json.dumps({"groups": [{"name": "native", "rules": rules}]}))
    done = subprocess.run(
        [promtool, "check", "rules", str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 2 rules found" in done.stdout


def test_bound_problem() -> None:
    """Bounds compare as numbers (1 = 1.0); no bucket series found: no refusal (gaps)."""
    assert bound_problem(1.0, ["0.5", "1", "+Inf"]) is None
    assert bound_problem(0.25, ["0.250", "+Inf"]) is None
    assert bound_problem(0.3, []) is None
    assert bound_problem(2.0, ["1.0", "+Inf"]) == (
        "threshold 2 is not a bucket boundary of the histogram; its boundaries (le) are 1, "
        "+Inf: use one of them, or a native histogram"
    )


def test_good_above_total_is_rejected_per_sample(
    prometheus_server: PrometheusServer, tmp_path: Path, clock: list[int]
) -> None:
    app = app_with(tmp_path)
    swapped = dict(SLOS["checkout-availability"])
    swapped["good"], swapped["total"] = swapped["total"], swapped["good"]
    add_slos(app, "checkout-latency", swapped=swapped)
    report = pull(app, prometheus_server.url, since=iso(ORIGIN), until=iso(ORIGIN + 1800))
    (result,) = report.results
    assert report.exit_code == 1 and result.rows_rejected == 6 and result.rows_accepted == 6
    first = result.problems[0]
    assert first.item == "swapped@2024-03-01T00:00:00Z"
    assert first.reason.startswith(
        "SLO 'swapped' at 2024-03-01T00:00:00Z: good (620) must be between 0 and total (600)"
    )
    assert first.record["queries"] == indicator_queries(swapped, 300)
    assert set(samples(app)) == {"checkout-latency"}


def test_prometheus_down_fails_the_batch_and_writes_nothing(
    tmp_path: Path, clock: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_with(tmp_path, http_retries=3, http_timeout_seconds=1, http_backoff_seconds=0.05)
    add_slos(app, "checkout-availability", "search-availability")
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()
    report = pull(app, url, since=iso(ORIGIN), until=iso(ORIGIN + 3600))
    elapsed = time.monotonic() - started
    (result,) = report.results
    assert result.status == "failed" and report.exit_code == 1
    message = result.message or ""
    assert "pulling SLO 'checkout-availability' failed, nothing was written" in message
    assert f"Prometheus at {url} did not answer after 3 attempt(s)" in message
    assert 'http_requests_total{service="checkout",code="200"}' in message
    assert "back-off 0.05 s, 0.1 s" in message
    assert 0.15 <= elapsed < 3
    assert samples(app) == {} and watermarks(app) == {}
    with app.store.session() as session:
        batch = session.get(Batch, result.batch_id)
        assert batch is not None and batch.idempotency_key is None


def test_prometheus_going_down_mid_run_lands_nothing(
    prometheus_server: PrometheusServer,
    tmp_path: Path,
    clock: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first SLO's two queries succeed, then the server fails: the batch fails whole; the
    same command succeeds once it is back (a failed batch keeps no idempotency key)."""
    app = app_with(tmp_path, http_retries=2, http_backoff_seconds=0.01)
    add_slos(app, "checkout-availability", "search-availability")
    behaviour = Behaviour(fail_after=2, status=503)
    options = {"since": iso(ORIGIN), "until": iso(ORIGIN + 3600)}
    with Proxy(prometheus_server.url, behaviour) as proxy:
        (failed,) = pull(app, proxy.url, **options).results
        assert failed.status == "failed"
        assert "pulling SLO 'search-availability' failed" in (failed.message or "")
        assert "HTTP 503" in (failed.message or "")
        assert samples(app) == {} and watermarks(app) == {}
        behaviour.fail_after = None
        (landed,) = pull(app, proxy.url, **options).results
    assert landed.status == "landed"
    assert set(samples(app)) == {"checkout-availability", "search-availability"}


def test_url_from_the_data_source_or_settings(
    prometheus_server: PrometheusServer, tmp_path: Path, clock: list[int]
) -> None:
    app = app_with(tmp_path, prometheus_url=prometheus_server.url)
    add_slos(
        app,
        "checkout-latency",
        via_datasource={**SLOS["checkout-availability"], "datasource": "main-prometheus"},
    )
    with app.store.session() as session:
        spec = {"type": "Prometheus", "connectionDetails": {"url": prometheus_server.url}}
        document = {"kind": "DataSource", "spec": spec}
        session.add(SloDocument(kind="DataSource", name="main-prometheus", document=document))
    (result,) = pull(app, "-", since=iso(ORIGIN), until=iso(ORIGIN + 3600)).results
    assert result.status == "landed", result.problems
    assert result.file_name == "prometheus (SLO data sources)"
    got = samples(app)
    assert got["via_datasource"] == expected("checkout-availability", 300, ORIGIN, ORIGIN + 3600)
    assert got["checkout-latency"] == expected("checkout-latency", 300, ORIGIN, ORIGIN + 3600)


def test_no_url_anywhere_is_a_problem(tmp_path: Path, clock: list[int]) -> None:
    app = app_with(tmp_path)
    add_slos(app, "checkout-latency")
    (result,) = pull(app, "-", until=iso(END)).results
    assert result.rows_rejected == 1
    assert "no Prometheus URL" in result.problems[0].reason


def test_unknown_slo_and_bad_arguments(tmp_path: Path, clock: list[int]) -> None:
    app = app_with(tmp_path)
    add_slos(app, "checkout-latency")
    (result,) = pull(app, "http://127.0.0.1:1", slo="nope").results
    assert result.status == "failed" and "no SLO named 'nope'" in (result.message or "")
    (result,) = pull(app, "not-a-url").results
    assert result.status == "failed" and "expected a Prometheus base URL" in (result.message or "")
    (result,) = pull(app, "http://a:1", url="http://b:2").results
    assert result.status == "failed" and "disagree" in (result.message or "")
    (result,) = pull(app, "-", until="yesterday").results
    assert result.status == "failed" and "not an ISO-8601 time" in (result.message or "")


def test_cli(prometheus_server: PrometheusServer, tmp_path: Path, clock: list[int]) -> None:
    from leadline.cli import app as cli

    home = tmp_path / "cli-home"
    app = App(make_settings(home))
    add_slos(app, "checkout-availability", "checkout-latency")
    runner = CliRunner()
    arguments = ["--home", str(home), "ingest", "prometheus", prometheus_server.url]
    window = ["--since", "2024-03-01T00:00:00Z", "--until", "2024-03-01T01:00:00+00:00"]
    outcome = runner.invoke(
        cli, [*arguments, "--slo", "checkout-availability", *window, "--format", "json"]
    )
    assert outcome.exit_code == 0, outcome.output
    answer = json.loads(outcome.output)
    assert answer["source"] == "prometheus" and answer["rows_accepted"] == 60
    (result,) = answer["results"]
    assert result["file_name"] == f"prometheus {prometheus_server.url}"
    assert (
        "checkout-availability: [2024-03-01T00:00:00Z, 2024-03-01T01:00:00Z)" in result["message"]
    )
    assert samples(app) == {
        "checkout-availability": expected("checkout-availability", 60, ORIGIN, ORIGIN + 3600)
    }
    # '-' and --url: the URL given once for every SLO; a table by default.
    outcome = runner.invoke(
        cli,
        ["--home", str(home), "ingest", "prometheus", "-", "--url", prometheus_server.url, *window],
    )
    assert outcome.exit_code == 0, outcome.output
    assert "checkout-latency: [2024-03-01T00:00:00Z" in outcome.output
    assert watermarks(app) == {
        "checkout-availability": ORIGIN + 3600,
        "checkout-latency": ORIGIN + 3600,
    }
    app.close()


def test_watermark_and_samples_commit_together_on_each_store(
    prometheus_server: PrometheusServer, tmp_path: Path, clock: list[int], store_url: str
) -> None:
    app = app_with(tmp_path, step=900, database_url=store_url)
    add_slos(app, "checkout-availability")
    (result,) = pull(app, prometheus_server.url, since=iso(ORIGIN), until=iso(ORIGIN + DAY)).results
    assert result.status == "landed"
    (result,) = pull(app, prometheus_server.url, until=iso(END)).results
    assert result.status == "landed" and result.rows_read == 96
    assert samples(app) == {"checkout-availability": expected("checkout-availability", 900)}
    assert watermarks(app) == {"checkout-availability": END}
    app.close()


def test_force_re_pulls_what_the_dropped_batch_held(
    prometheus_server: PrometheusServer, tmp_path: Path, clock: list[int]
) -> None:
    """--force drops the earlier batch's rows, so the watermark is ignored and the range is
    pulled again (from --since, else the look-back)."""
    app = app_with(tmp_path, step=900)
    add_slos(app, "checkout-latency")
    options = {"since": iso(ORIGIN), "until": iso(END)}
    assert pull(app, prometheus_server.url, **options).results[0].status == "landed"
    report = run_ingest(
        "prometheus",
        [Path(prometheus_server.url)],
        settings=app.settings,
        store=app.store,
        options=options,
        force=True,
    )
    (result,) = report.results
    assert result.status == "landed" and "supersedes batch" in (result.message or "")
    assert samples(app) == {"checkout-latency": expected("checkout-latency", 900)}
