"""Cross-check against Google's ``slo-generator`` (PyPI ``slo-generator``, the dev extra): on
the same real Prometheus (tests/support/prometheus.py), slo-generator's SLI, error budget and
burn rate for four SLOs (a good/total ratio over several series, a bad/total ratio with a
counter reset, and two histogram latency SLOs) over 1h, 6h and 1d windows at two instants
must equal leadline's, pulled into a leadline home by ``leadline ingest prometheus``.

**How slo-generator is run.** ``slo_generator.compute.compute`` with a v2 SLO configuration
and a shared configuration (a ``prometheus`` backend, one error budget policy whose steps are
the windows), no export. Its Prometheus backend issues one instant query per figure,
``sum(increase(q[<window>s]))`` (methods ``good_bad_ratio`` and ``distribution_cut``), but in
2.6.0 it does not pass the evaluation ``timestamp`` on to Prometheus, so every query runs at
the wall clock's now (google/slo-generator pull request #605 proposes the fix). The data is
from 2024, so the tests hand ``compute`` (through its ``client`` argument) the backend's own
HTTP client, ``prometheus_http_client.Prometheus``, with the instant pinned to the evaluation
timestamp. Everything else (queries, counting, report) is slo-generator's.

**What must agree, and how exactly.** slo-generator reports its figures rounded: the SLI to 6
decimals (``round(good / (good + bad), 6)``), the burn rate to 1 decimal, and the budget
figures are computed from the rounded SLI; its event counts are ``int()``s (exact here: the
data holds whole events). So per SLO, window ``w`` and instant ``T``, with leadline's figures
over ``[T − w, T)``:

- events: slo-generator's good and bad counts equal leadline's good and total − good;
- SLI: leadline's equals good ÷ (good + bad) from slo-generator's counts, and slo-generator's
  ``sli_measurement`` equals leadline's rounded to 6 decimals;
- error budget: ``error_budget_target`` = 1 − goal; leadline's remaining, 1 − (1 − SLI) ÷
  (1 − goal), equals 1 − (bad ÷ events) ÷ ``error_budget_target``; slo-generator's
  ``error_budget_measurement``, ``gap`` and ``error_budget_consumed_ratio`` (percent) equal
  leadline's with the SLI rounded as slo-generator rounds it (and so are within
  0.5e-6 ÷ (1 − goal) of leadline's remaining);
- burn rate: leadline's equals (bad ÷ events) ÷ ``error_budget_target``, and slo-generator's
  ``error_budget_burn_rate`` is that, from the 6-decimal SLI, rounded to 1 decimal.

"Equal" is ``math.isclose(rel_tol=1e-9)``: floating-point rounding only. The instants and
windows sit on the data's 15 s scrape grid and on leadline's 5-minute step grid, where a single
``increase`` over the whole window and leadline's sum of per-step ``increase``s are both the
exact counter delta (the 6h window at 36h and both 1d windows hold search's counter reset, which
both handle). The deliberate difference, a gap in the data, is
``test_a_gap_is_counted_by_slo_generator_only``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest
import yaml
from prometheus_http_client import Prometheus
from slo_generator.compute import compute

from leadline.config import Settings
from leadline.context import App
from leadline.ingest.runner import run_ingest
from leadline.lake.engines import Lake
from leadline.reliability import metrics, prometheus, report
from leadline.reliability.models import Slo
from tests.conftest import make_settings
from tests.support import prometheus as support
from tests.support.prometheus import END, GAP_END, GAP_START, ORIGIN, RESET, SLOS

prometheus_server = support.prometheus_server  # the session fixture, for pytest

HOUR = 3600
DAY = 86_400
STEP = 300  # leadline's step (reliability.step_seconds)
WINDOWS = {"1h": HOUR, "6h": 6 * HOUR, "1d": DAY}
# Evaluation instants: windows [T − w, T) after search's gap (10:00–10:30 on day 1), so nothing
# is missing; the 6h window at 36h and the 1d windows hold search's counter reset (30h + 105 s).
INSTANTS = (ORIGIN + 36 * HOUR, END)
REL = 1e-9

# The SLOs: leadline's indicator (tests/support/prometheus.py's SLOS), objective, and the same
# SLO as slo-generator's v2 `spec.service_level_indicator` plus `method`.
GOALS = {
    "checkout-availability": 0.99,
    "search-availability": 0.95,
    "checkout-latency": 0.75,
    "checkout-latency-1s": 0.97,
}
SLO_GENERATOR_SPECS = {
    "checkout-availability": """
method: good_bad_ratio
service_level_indicator:
  filter_good: http_requests_total{service="checkout",code="200"}
  filter_valid: http_requests_total{service="checkout"}
""",
    # Only bad and total counters: good = total - bad, written with the `[window]` placeholder
    # (then slo-generator applies no operators of its own).
    "search-availability": """
method: good_bad_ratio
service_level_indicator:
  filter_good: >-
    sum(increase(search_requests_total[window])) - sum(increase(search_errors_total[window]))
  filter_bad: sum(increase(search_errors_total[window]))
  operators: []
""",
    # distribution_cut: good = the `le` bucket (exact label match: the data spells 1 as "1.0"),
    # valid = the histogram's _count.
    "checkout-latency": """
method: distribution_cut
service_level_indicator:
  expression: http_request_duration_seconds_bucket{service="checkout"}
  threshold_bucket: "0.25"
""",
    "checkout-latency-1s": """
method: distribution_cut
service_level_indicator:
  expression: http_request_duration_seconds_bucket{service="checkout"}
  threshold_bucket: "1.0"
""",
}


def naive(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).replace(tzinfo=None)


def iso(epoch: int) -> str:
    return naive(epoch).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- slo-generator -----------------------------------------------------------------------------


class PinnedPrometheus(Prometheus):  # type: ignore[misc]
    """slo-generator's Prometheus HTTP client, evaluating every query at ``at`` (its backend
    leaves the client's ``time`` at the wall clock: see the module docstring)."""

    def __init__(self, url: str, at: int) -> None:
        super().__init__()
        self.url = url
        self.at = at

    def query(self, **kwargs: Any) -> str:
        return str(super().query(**{"time": self.at, **kwargs}))


def slo_generator_configs(name: str, url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """slo-generator's v2 SLO configuration for ``name`` and its shared configuration (fresh
    dicts: ``compute`` writes into them)."""
    steps = "".join(
        f"""
      - name: {label}
        window: {width}
        burn_rate_threshold: 1000
        alert: false
        message_alert: burning
        message_ok: fine"""
        for label, width in WINDOWS.items()
    )
    shared = yaml.safe_load(
        f"""
backends:
  prometheus:
    url: {url}
error_budget_policies:
  default:
    steps:{steps}
"""
    )
    spec = yaml.safe_load(SLO_GENERATOR_SPECS[name])
    slo_config = {
        "apiVersion": "sre.google.com/v2",
        "kind": "ServiceLevelObjective",
        "metadata": {"name": name, "labels": {"service_name": "leadline-cross-check"}},
        "spec": {
            "description": f"{name} (leadline cross-check)",
            "backend": "prometheus",
            "goal": GOALS[name],
            "error_budget_policy": "default",
            **spec,
        },
    }
    return slo_config, shared


def slo_generator_reports(name: str, url: str, at: int) -> dict[str, dict[str, Any]]:
    """slo-generator's reports for ``name`` at ``at``, by window label."""
    slo_config, shared = slo_generator_configs(name, url)
    reports = compute(
        slo_config, shared, timestamp=at, client=PinnedPrometheus(url, at), do_export=False
    )
    out = {r["error_budget_policy_step_name"]: r for r in reports}
    assert set(out) == set(WINDOWS)
    for label, one in out.items():
        assert one["valid"], (name, label, one.get("errors"))
        assert one["window"] == WINDOWS[label] and one["timestamp"] == at
    return out


# --- leadline ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pulled(
    prometheus_server: support.PrometheusServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[App]:
    """A leadline home with the four SLOs (rolling 1-day windows) and both days of samples
    pulled from the Prometheus fixture at a 5-minute step."""
    settings: Settings = make_settings(
        tmp_path_factory.mktemp("slo-generator") / "home", reliability={"step_seconds": STEP}
    )
    app = App(settings)
    with app.store.session() as session:
        for name, goal in GOALS.items():
            indicator = SLOS[name]
            session.add(
                Slo(
                    name=name,
                    service="checkout",
                    objective=goal,
                    window_kind="rolling",
                    window_days=1,
                    budgeting="occurrences",
                    sli_kind="threshold" if "metric" in indicator else "ratio",
                    indicator=indicator,
                )
            )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(prometheus, "wall_clock", lambda: naive(END + 90).replace(tzinfo=dt.UTC))
        outcome = run_ingest(
            "prometheus",
            [Path(prometheus_server.url)],
            settings=app.settings,
            store=app.store,
            options={"since": iso(ORIGIN), "until": iso(END)},
        )
    (result,) = outcome.results
    assert result.status == "landed" and outcome.exit_code == 0, result.problems
    yield app
    app.close()


def leadline_window(app: App, name: str, at: int, width: int) -> dict[str, Any]:
    """leadline's figures over ``[at − width, at)``: ``metrics.slo_status`` (what ``leadline slo
    status`` runs) with the SLO window starting at ``at − width`` and a burn-rate window
    ``width`` long."""
    (slo,) = report.load_slos(app, name)
    table = ibis.memtable(
        pa.table(
            {
                "slo": [name],
                "objective": [slo.objective],
                "budgeting": [slo.budgeting],
                "timeslice_target": [0.0],
                "timeslice_seconds": [0],
                "step_seconds": [STEP],
                "window_start": [naive(at - width)],
            },
            schema=report.SLO_COLUMNS,
        )
    )
    lake = Lake(app.settings, app.store)
    expr = metrics.slo_status(
        lake.table("sli_samples"), table, ibis.literal(naive(at), "timestamp(6)"), {"w": width}
    )
    (row,) = lake.execute(expr).to_pylist()
    return row


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-12)


# --- the cross-check ---------------------------------------------------------------------------


@pytest.mark.parametrize("at", INSTANTS, ids=iso)
@pytest.mark.parametrize("name", list(GOALS))
def test_slo_generator_agrees_with_leadline(
    pulled: App, prometheus_server: support.PrometheusServer, name: str, at: int
) -> None:
    """Per window: slo-generator's report against leadline's figures over ``[at − w, at)``
    and ``leadline slo status`` at ``at`` (module docstring: what must agree, how exactly)."""
    goal = GOALS[name]
    theirs = slo_generator_reports(name, prometheus_server.url, at)
    (status,) = report.status(pulled, at=naive(at), slo=name)["slos"]
    assert status["window"] == "1d" and status["coverage"] == 1.0
    for label, width in WINDOWS.items():
        ours = leadline_window(pulled, name, at, width)
        sg = theirs[label]
        where = f"{name} {label} at {iso(at)}: leadline {ours}, slo-generator {sg}"
        good, bad, events = sg["good_events_count"], sg["bad_events_count"], sg["events_count"]
        # Events.
        assert ours["coverage"] == 1.0, where
        assert close(good, ours["good"]) and close(bad, ours["total"] - ours["good"]), where
        assert events == good + bad and close(events, ours["total"]), where
        # SLI.
        assert close(ours["sli"], good / events), where
        rounded = round(ours["sli"], 6)
        assert close(sg["sli_measurement"], rounded), where
        assert close(sg["gap"], rounded - goal), where
        # Error budget.
        assert sg["goal"] == goal and close(sg["error_budget_target"], 1 - goal), where
        error_ratio = bad / events
        assert close(ours["error_budget_remaining"], 1 - error_ratio / sg["error_budget_target"])
        assert close(sg["error_budget_measurement"], 1 - rounded), where
        assert close(sg["error_budget_consumed_ratio"], 100 * (1 - rounded) / (1 - goal)), where
        consumed = sg["error_budget_consumed_ratio"] / 100
        assert abs(ours["error_budget_remaining"] - (1 - consumed)) <= 0.5e-6 / (1 - goal) + 1e-12
        assert close(sg["error_budget_remaining_minutes"], width * (rounded - goal) / 60), where
        # Burn rate.
        assert close(ours["burn_rate_w"], error_ratio / sg["error_budget_target"]), where
        assert sg["error_budget_burn_rate"] == round((1 - rounded) / (1 - goal), 1), where
        # `leadline slo status` (the SLO's 1-day window, its burn rates) says the same.
        assert close(status["burn_rates"][label], ours["burn_rate_w"]), where
        if label == "1d":
            assert close(status["sli"], ours["sli"]), where
            assert close(status["error_budget_remaining"], ours["error_budget_remaining"])
            assert close(status["events"]["total"], events), where
            assert close(status["events"]["bad"], bad), where
        if label == "1h":
            assert close(status["burn_rate_1h"], ours["burn_rate_w"]), where


def test_the_cross_check_is_not_vacuous(
    pulled: App, prometheus_server: support.PrometheusServer
) -> None:
    """The figures compared above differ between SLOs, windows and instants, burn budgets at
    different rates, and the windows that should hold search's counter reset do."""
    at = INSTANTS[0]
    assert at - 6 * HOUR <= RESET < at and END - DAY <= RESET < END
    seen = set()
    for name in GOALS:
        for at in INSTANTS:
            for label, one in slo_generator_reports(name, prometheus_server.url, at).items():
                seen.add(round(one["sli_measurement"], 6))
                assert one["events_count"] > 0, (name, label)
    assert len(seen) >= 12
    burns = {
        name: slo_generator_reports(name, prometheus_server.url, END)["1d"][
            "error_budget_burn_rate"
        ]
        for name in GOALS
    }
    assert min(burns.values()) < 1 < max(burns.values()), burns


def test_a_gap_is_counted_by_slo_generator_only(
    pulled: App, prometheus_server: support.PrometheusServer
) -> None:
    """The deliberate difference: **a gap in the data.** search's series have no samples
    strictly between GAP_START and GAP_END (10:00–10:30 on day 1) while its counters keep
    counting. slo-generator's single ``increase`` over the whole day spans the gap: the jump
    between the samples either side of it counts as events of the window, so the 30 minutes
    nobody observed count like observed ones. leadline sums per-interval increases: the six
    5-minute intervals inside the gap have no samples, count neither good nor bad, and show up
    as coverage below 1 (``leadline slo status``), never silently good or bad. So over the day
    holding the gap, slo-generator's events exceed leadline's by exactly the gap's events
    (here 120 scrapes x 53 requests, 3 of them errors), and its SLI and burn rate are those of
    the day including them."""
    name, at = "search-availability", ORIGIN + DAY
    assert at - DAY <= GAP_START < GAP_END <= at
    sg = slo_generator_reports(name, prometheus_server.url, at)["1d"]
    ours = leadline_window(pulled, name, at, DAY)

    def gap_events(series: str) -> float:
        (one,) = support.series(series)
        return sum(one.increment_at(s) for s in range(GAP_START + 15, GAP_END + 1, 15))

    gap_total, gap_bad = gap_events("search_requests_total"), gap_events("search_errors_total")
    assert (gap_total, gap_bad) == (120 * 53, 120 * 3)
    leadline_bad = ours["total"] - ours["good"]
    assert ours["coverage"] == 1 - (GAP_END - GAP_START) / DAY
    assert sg["events_count"] - ours["total"] == gap_total
    assert sg["bad_events_count"] - leadline_bad == gap_bad
    # Each side is internally consistent: slo-generator's SLI is that of the whole day ...
    sg_sli = 1 - (leadline_bad + gap_bad) / (ours["total"] + gap_total)
    assert close(sg["sli_measurement"], round(sg_sli, 6))
    assert sg["error_budget_burn_rate"] == round((1 - round(sg_sli, 6)) / 0.05, 1)
    # ... leadline's that of the observed intervals, and they differ.
    assert close(ours["sli"], 1 - leadline_bad / ours["total"])
    assert close(ours["burn_rate_w"], (leadline_bad / ours["total"]) / 0.05)
    assert not math.isclose(ours["sli"], sg_sli, rel_tol=1e-6)
    # The gap's error ratio (3/53) is above the observed intervals' (errors start at 02:00), so
    # counting it lowers slo-generator's SLI below leadline's and raises its burn rate.
    assert gap_bad / gap_total > leadline_bad / ours["total"]
    assert sg_sli < ours["sli"]
    assert sg["error_budget_measurement"] / sg["error_budget_target"] > ours["burn_rate_w"]
