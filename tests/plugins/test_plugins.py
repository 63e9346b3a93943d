"""A third-party plugin (tests/plugins/example_plugin, found through the ``leadline.plugins``
entry point of its dist-info) adds an ingest source with its lake table, a command, an API
route, a page and a metric, exactly as the built-in pillars do."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from leadline.context import App
from leadline.setup import initialise
from tests.conftest import make_settings
from tests.web.support import login, token_for

CATALOG = """
apiVersion: leadline.io/v1
kind: Catalog
business_units:
  - name: a
  - name: b
value_streams:
  - name: vs1
    business_unit: a
  - name: vs2
    business_unit: b
teams:
  - name: t1
    value_stream: vs1
  - name: t2
    value_stream: vs1
  - name: t3
    value_stream: vs2
"""


def _load_catalog(app: App, tmp_path: Path) -> None:
    from tests.catalog.helpers import ingest, write

    report = ingest(app, "catalog-yaml", write(tmp_path / "catalog.yaml", CATALOG))
    assert report.exit_code == 0


def _leadline(example: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``leadline ARGS`` in a fresh interpreter with the example plugin on PYTHONPATH."""
    path = os.pathsep.join(p for p in (str(example), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "leadline", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_the_plugin_registers_after_the_built_in_pillars(example_plugin: Path) -> None:
    from leadline import plugins

    manager = plugins.manager()
    names = [manager.get_name(p) for p in manager.get_plugins()]
    assert set(plugins.DEFAULT_PLUGINS) | {"example"} == set(names)
    assert manager.get_plugin("example").__name__ == "leadline_example.plugin"
    answers = plugins.call_in_order(manager.hook.leadline_pages)
    assert answers[-1][0].path == "/example"  # registration order: built-ins, then installed


def test_its_source_lands_in_its_lake_table(example_plugin: Path, app: App, tmp_path: Path) -> None:
    from leadline.ingest.registry import sources
    from leadline.ingest.runner import run_ingest
    from leadline.lake.models import LakeFile
    from leadline.lake.tables import fact_tables

    assert "example-notes" in sources()
    assert "example_notes" in fact_tables()
    initialise(app)
    notes = tmp_path / "notes.txt"
    notes.write_text("# plugin notes\nfirst\nsecond\n", encoding="utf-8")
    report = run_ingest("example-notes", [notes], settings=app.settings, store=app.store)
    assert report.exit_code == 0
    assert report.totals()["rows_accepted"] == 2
    with app.store.session() as session:
        landed = session.scalar(
            select(func.sum(LakeFile.rows)).where(LakeFile.table_name == "example_notes")
        )
    assert landed == 2


def test_its_metric_is_in_the_registry(example_plugin: Path, app: App, tmp_path: Path) -> None:
    from leadline.semantic import registry
    from leadline.semantic.evaluation import Evaluation

    metric = registry.get("example.teams")
    assert metric.pillar == "example" and "example.teams" in registry.metrics()
    initialise(app)
    _load_catalog(app, tmp_path)
    ev = Evaluation(app)
    window = ev.default_window(metric)
    assert ev.values("example.teams", "business-unit", [window]) == [{"a": 2.0, "b": 1.0}]
    assert ev.values("example.teams", "value-stream", [window]) == [{"vs1": 2.0, "vs2": 1.0}]
    assert ev.values("example.teams", "organisation", [window]) == [{"organisation": 3.0}]


def test_its_api_route_and_page_are_served(
    example_plugin: Path, web_app: App, client: TestClient, tmp_path: Path
) -> None:
    _load_catalog(web_app, tmp_path)
    reader = {"Authorization": "Bearer " + token_for(web_app, "vic", ["read"])}
    answer = client.get("/api/v1/example/teams?by=business-unit", headers=reader)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"by": "business-unit", "teams": {"a": 2.0, "b": 1.0}}
    assert client.get("/api/v1/example/teams").status_code == 401
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/example/teams"]
    listed = client.get("/api/v1/metrics", headers=reader)
    assert "example.teams" in listed.text
    assert login(client, "vic").status_code == 303
    page = client.get("/example")
    assert page.status_code == 200, page.text[:500]
    assert "The organisation has 3 teams (example.teams)." in page.text
    nav = client.get("/catalog").text
    assert '<a href="/example">Example</a>' in nav  # in the nav of every page, last
    assert nav.index('href="/strategy"') < nav.index('href="/example"')


def test_its_command_and_source_are_in_the_cli(example_plugin: Path, tmp_path: Path) -> None:
    helped = _leadline(example_plugin, "--help")
    assert helped.returncode == 0, helped.stderr
    assert "example-hello" in helped.stdout and "dora" in helped.stdout
    hello = _leadline(example_plugin, "example-hello", "--name", "plugins")
    assert hello.returncode == 0, hello.stderr
    assert hello.stdout.strip() == "hello plugins, from the example plugin"
    notes = tmp_path / "notes.txt"
    notes.write_text(textwrap.dedent("one\ntwo\nthree\n"), encoding="utf-8")
    home = tmp_path / "home"
    landed = _leadline(example_plugin, "--home", str(home), "ingest", "example-notes", str(notes))
    assert landed.returncode == 0, landed.stdout + landed.stderr
    from leadline.lake.models import LakeFile

    ingested = App(make_settings(home))
    query = select(LakeFile.table_name, func.sum(LakeFile.rows)).group_by(LakeFile.table_name)
    with ingested.store.session() as session:
        landed = {str(table): rows for table, rows in session.execute(query)}
    ingested.close()
    assert landed == {"example_notes": 3}


def test_its_connector_kind_syncs_through_its_source(example_plugin: Path, tmp_path: Path) -> None:
    """``connect add example-notes`` (the plugin's kind) then ``sync`` twice: the first lands
    the directory's two files through the plugin's source, the second finds nothing new."""
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a.txt").write_text("one\ntwo\n", encoding="utf-8")
    (drop / "b.txt").write_text("three\n", encoding="utf-8")
    home = str(tmp_path / "home")
    kinds = _leadline(example_plugin, "--home", home, "connect", "kinds")
    assert kinds.returncode == 0 and "example-notes" in kinds.stdout, kinds.stderr
    added = _leadline(
        example_plugin, "--home", home, "connect", "add", "example-notes", "notes",
        "--directory", str(drop),
    )  # fmt: skip
    assert added.returncode == 0, added.stdout + added.stderr
    for _ in range(2):
        synced = _leadline(example_plugin, "--home", home, "sync", "notes")
        assert synced.returncode == 0, synced.stdout + synced.stderr
    from leadline.lake.models import LakeFile

    app = App(make_settings(Path(home)))
    with app.store.session() as session:
        rows = session.scalar(select(func.sum(LakeFile.rows)))
    app.close()
    assert rows == 3


def test_without_it_nothing_of_it_is_registered() -> None:
    from leadline.connect.kinds.base import kind_names
    from leadline.ingest.registry import sources
    from leadline.semantic import registry

    assert "example-notes" not in sources()
    assert "example-notes" not in kind_names() and "github" in kind_names()
    assert registry.find("example.teams") is None
