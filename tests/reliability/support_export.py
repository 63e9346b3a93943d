"""The home the export tests share: the demo's SLO shapes on service api, and one SLO without
queries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leadline.context import App
from leadline.demo.reliability import DemoSlo, openslo_documents
from leadline.ingest.files import dump_yaml
from tests.conftest import make_settings
from tests.delivery.support_metrics import ingest, load_catalog
from tests.reliability.support_slo import add_slo


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """The demo's availability and latency SLO shapes on service api (OpenSLO, as the demo
    writes them) and an SLO fed by sli-csv only (no query: skipped)."""
    home = tmp_path / "home"
    app = App(make_settings(home))
    load_catalog(app, tmp_path)
    slos = [
        DemoSlo("api-availability", "api", "availability", 0.999),
        DemoSlo("api-latency", "api", "latency", 0.99),
    ]
    specs = tmp_path / "slos.yaml"
    specs.write_text(dump_yaml(openslo_documents(slos)), encoding="utf-8")
    assert ingest(app, "openslo", specs).exit_code == 0
    add_slo(app, "web-csv", "web", 0.99)
    app.close()
    yield home
