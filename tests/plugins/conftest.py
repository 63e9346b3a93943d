"""Fixtures of the plugin tests: the example plugin on the path (found through its entry point)
and, from the web tests, a web app over a fresh home with users."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import client, web_app, web_settings  # noqa: F401  (fixtures)

EXAMPLE = Path(__file__).parent / "example_plugin"


@pytest.fixture
def example_plugin(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The example plugin installed (its dist-info on ``sys.path``) for one test; afterwards the
    plugins, metrics, sources and lake tables are those of the built-in pillars again."""
    from leadline import plugins
    from leadline.ingest import registry as sources
    from leadline.lake import tables
    from leadline.semantic import registry as metrics

    # The built-in sources and tables register when their modules are first imported: load
    # them before the copies the example's are added to (restored afterwards).
    monkeypatch.setattr(sources, "_SOURCES", dict(sources.sources()))
    monkeypatch.setattr(tables, "_TABLES", dict(tables.fact_tables()))
    monkeypatch.syspath_prepend(str(EXAMPLE))
    plugins.reset()
    metrics.reset()
    yield EXAMPLE
    plugins.reset()
    metrics.reset()
    for name in [m for m in sys.modules if m.split(".")[0] == "leadline_example"]:
        del sys.modules[name]
