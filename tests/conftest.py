"""Shared fixtures: isolated homes, both store back-ends, the PostgreSQL server, Spark."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadline.config import Settings, load_settings
from leadline.context import App
from tests.support.postgres import PostgresServer

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
    if request.node.get_closest_marker("spark") is None:
        yield
        return
    started = time.perf_counter()
    yield
    _spark_timing["tests"] += time.perf_counter() - started
    _spark_timing["count"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from leadline.lake.engines import spark_startup_seconds

    startup = spark_startup_seconds()
    if startup is None and not _spark_timing["count"]:
        return
    terminalreporter.write_sep("-", "Spark engine")
    terminalreporter.write_line(
        f"Spark session start-up: {startup or 0:.1f} s; {int(_spark_timing['count'])} "
        f"Spark tests took {_spark_timing['tests']:.1f} s (budget: 180 s)"
    )
