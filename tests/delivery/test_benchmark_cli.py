"""``leadline dora --benchmark 2023|2024|2025``: every level says which report it comes from;
the default is the newest; the figures do not change, only their rating. Facts: the hand-made
case of ``test_dora_report`` (api: 3 deployments in 14 days, lead p50 6 h, CFR 1/3, restore
2 h; web: 1 deployment, lead 0.5 h, CFR 1, an open incident)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leadline.delivery.cli import BenchmarkOption
from leadline.delivery.levels import BENCHMARKS
from tests.delivery.test_dora_report import WINDOW, cli_home, invoke


def test_the_option_offers_every_benchmark() -> None:
    assert tuple(o.value for o in BenchmarkOption) == BENCHMARKS


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cli_home(tmp_path_factory.mktemp("benchmark"))


def document(home: Path, *args: str) -> dict:
    result = invoke(
        home, "dora", "--by", "service", *WINDOW, "--at", "2026-04-01", "--format", "json", *args
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_benchmark_rates_the_same_figures(home: Path) -> None:
    default = document(home)
    assert default["benchmark"] == "DORA 2025"
    assert default == document(home, "--benchmark", "2025")
    api = {y: {g["key"]: g for g in document(home, "--benchmark", y)["groups"]} for y in BENCHMARKS}
    # restore 2 h: high in every year; CFR 1/3: low (> 15 % in 2023, > 20 % in 2024)
    for year in BENCHMARKS:
        group = api[year]["api"]
        assert group["deployments"] == 3 and group["change_failure_rate"] == pytest.approx(1 / 3)
        assert group["levels"] == {
            "deployment_frequency": "high",
            "lead_time": "elite",
            "change_failure_rate": "low",
            "time_to_restore": "high",
        }
        assert group["benchmark"] == f"DORA {year}"
    assert [api[y]["api"]["levels_benchmark"] for y in BENCHMARKS] == [
        "DORA 2023",
        "DORA 2024",
        "DORA 2024",
    ]
    assert api["2023"]["api"]["benchmark_buckets"] is None
    assert api["2025"]["api"]["benchmark_buckets"] == {
        "deployment_frequency": "between once per day and once per week",
        "lead_time": "less than one day",
        "change_failure_rate": None,
        "time_to_restore": "less than one day",
        "rework_rate": None,
    }
    # web: no recovery time (the incident is open): no bucket, not a made-up one
    assert api["2025"]["web"]["benchmark_buckets"]["time_to_restore"] is None
    assert api["2025"]["web"]["benchmark_buckets"]["deployment_frequency"] == (
        "between once per week and once per month"
    )


def test_the_table_says_where_levels_come_from(home: Path) -> None:
    result = invoke(home, "dora", "--by", "service", *WINDOW)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Levels: DORA 2024 clusters (benchmark DORA 2025" in text
    assert "DORA 2025 buckets" in text and "between once per day and once per week" in text
    older = invoke(home, "dora", "--by", "service", *WINDOW, "--benchmark", "2023")
    assert "Levels: DORA 2023 clusters (benchmark DORA 2023" in " ".join(older.stdout.split())
    assert "buckets" not in older.stdout
    assert invoke(home, "dora", "--benchmark", "2022").exit_code == 2
