"""Shared fixtures: isolated homes, both store back-ends, the PostgreSQL server, Spark."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from leadline.config import Settings, load_settings
from leadline.context import App
from tests.support.postgres import PostgresServer

# No per-example deadline: on a loaded 2-core CI machine an example's time says nothing about the
# code (performance is measured by `make bench`), and a missed deadline fails a correct test.
hypothesis_settings.register_profile("leadline", deadline=None)
hypothesis_settings.load_profile("leadline")

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
OUTPUT = Path(__file__).resolve().parents[1] / "test-output"
_database_numbers = itertools.count(1)
_spark_timing: dict[str, float] = {"tests": 0.0, "count": 0}


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No LEADLINE_* setting of the developer's shell leaks into a test."""
    for key in list(os.environ):
        if key.startswith("LEADLINE_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def reference() -> Path:
    """../shared/reference: public data the tests read in place (never copied)."""
    assert REFERENCE.is_dir(), f"reference data missing at {REFERENCE}"
    return REFERENCE


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    # Not under pytest's private temp dir: the server runs as the postgres user.
    base = Path(tempfile.mkdtemp(prefix="leadline-pg-"))
    server = PostgresServer(base)
    try:
        server.start()  # raises (failing the run) if the server cannot start
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on SQLite and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'home' / 'leadline.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"leadline_test_{next(_database_numbers)}")


def make_settings(home: Path, database_url: str | None = None, **extra: object) -> Settings:
    return load_settings(home=home, database_url=database_url, **extra)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """SQLite-backed settings in a fresh home (for tests where the back-end does not matter)."""
    return make_settings(tmp_path / "home")


@pytest.fixture
def any_settings(tmp_path: Path, store_url: str) -> Settings:
    """Settings on each store back-end in turn."""
    return make_settings(tmp_path / "home", store_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[App]:
    instance = App(settings)
    yield instance
    instance.close()


@pytest.fixture
def any_app(any_settings: Settings) -> Iterator[App]:
    instance = App(any_settings)
    yield instance
    instance.close()


@pytest.fixture(scope="session")
def spark_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from leadline.lake.engines import spark_session

    settings = make_settings(tmp_path_factory.mktemp("spark-home"))
    spark_session(settings)  # started once per run; its cost is reported in the summary
    return settings


@pytest.fixture(autouse=True)
def _time_spark_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each Spark test's time (and the session's start-up) rides on its report, so the
    summary adds them up in the process that prints it, with or without xdist workers."""
    if request.node.get_closest_marker("spark") is None:
        yield
        return
    from leadline.lake.engines import spark_startup_seconds

    started = time.perf_counter()
    yield
    request.node.user_properties.append(("spark_seconds", time.perf_counter() - started))
    request.node.user_properties.append(("spark_startup", spark_startup_seconds() or 0.0))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``make test``'s two workers share the suite by scopes, longest first (tests/scheduling.py).
    (xdist's own ``loadgroup`` marks do not reach pytest 9's node ids, so the scopes are chosen
    there from the node id.)"""
    from tests.scheduling import make_scheduler

    return make_scheduler(config, log)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "teardown":  # the timing fixture's teardown adds the properties
        return
    for name, value in report.user_properties:
        if name == "spark_seconds":
            _spark_timing["tests"] += float(value)
            _spark_timing["count"] += 1
        elif name == "spark_startup":
            _spark_timing["startup"] = max(_spark_timing.get("startup", 0.0), float(value))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _spark_timing["count"]:
        return
    terminalreporter.write_sep("-", "Spark engine")
    terminalreporter.write_line(
        f"Spark session start-up: {_spark_timing.get('startup', 0.0):.1f} s; "
        f"{int(_spark_timing['count'])} Spark tests took {_spark_timing['tests']:.1f} s "
        "(budget: 180 s)"
    )
