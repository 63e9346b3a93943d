"""The small demo organisation, built once for the QBR and demo tests of this package."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from leadline.context import App
from leadline.demo.run import DemoResult, build_demo
from tests.conftest import make_settings

AS_OF = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 25, 12)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[App, DemoResult]]:
    app = App(make_settings(tmp_path_factory.mktemp("scorecard-demo") / "home"))
    result = build_demo(app, seed=1, size="small", as_of=AS_OF)
    yield app, result
    app.close()
