"""Export and re-import: Backstage descriptors and the native YAML both come back unchanged."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from leadline.catalog.export import to_backstage, to_native
from leadline.cli import app as cli
from leadline.config import load_settings
from leadline.context import App
from leadline.ingest.files import dump_yaml
from tests.catalog.helpers import ingest, reference_files, snapshot, write

NATIVE = """
apiVersion: leadline.io/v1
kind: Catalog
organisations:
  - name: acme
    title: ACME Corporation
business_units:
  - name: retail
    title: Retail
    organisation: acme
value_streams:
  - name: checkout
    title: Checkout
    business_unit: retail
    description: From basket to paid order
teams:
  - name: payments
    title: Payments
    description: Card and wallet payments
    type: stream-aligned
    cognitive_load: 6.5
    business_unit: retail
    value_stream: checkout
    email: payments@example.com
  - name: platform
    type: platform
services:
  - name: card-authoriser
    title: Card authoriser
    owner: payments
    value_stream: checkout
    tier: "1"
    lifecycle: production
    type: service
  - name: ledger
    owner: platform
people:
  - name: ada
    title: Ada Lovelace
    email: ada@example.com
    team: payments
    role: Staff engineer
    skills: [python, kafka]
interactions:
  - team: payments
    with: platform
    mode: x-as-a-service
    started_on: 2026-01-05
    purpose: Paved road
  - team: payments
    with: platform
    mode: collaboration
    started_on: 2025-10-01
    ended_on: 2025-12-20
"""


@pytest.fixture
def second_app(tmp_path: Path, any_app: App, request: pytest.FixtureRequest) -> Iterator[App]:
    """A second, empty store on the same back-end as ``any_app``."""
    url = None
    if any_app.store.dialect == "postgresql":
        server = request.getfixturevalue("postgres_server")
        url = server.create_database(f"leadline_second_{uuid.uuid4().hex[:12]}")
    other = App(load_settings(home=tmp_path / "second", database_url=url))
    yield other
    other.close()


def _export_backstage(app: App) -> list[dict[str, Any]]:
    with app.store.session() as session:
        return to_backstage(session)


def _originals(reference: Path) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for path in reference_files(reference):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            out[(doc["kind"], doc["metadata"]["name"])] = doc
    return out


def test_backstage_round_trip_keeps_every_table(
    any_app: App, second_app: App, reference: Path, tmp_path: Path
) -> None:
    """reference -> export -> import into an empty store: every catalog table is equal."""
    ingest(any_app, "backstage", *reference_files(reference))
    exported = write(
        tmp_path / "export" / "catalog-info.yaml", dump_yaml(_export_backstage(any_app))
    )
    report = ingest(second_app, "backstage", exported)
    assert report.results[0].status == "landed"
    assert report.results[0].rows_rejected == 0
    assert snapshot(second_app) == snapshot(any_app)


def test_exported_documents_keep_the_original_fields(any_app: App, reference: Path) -> None:
    """Each exported document is the imported one: descriptions, tags, profiles (pictures
    included), children, lifecycles and owners written as in the source."""
    ingest(any_app, "backstage", *reference_files(reference))
    exported = {(d["kind"], d["metadata"]["name"]): d for d in _export_backstage(any_app)}
    originals = _originals(reference)
    assert set(exported) == set(originals)
    for key, original in originals.items():
        assert exported[key] == original, key
    assert exported[("User", "calum.leavy")]["spec"]["profile"]["picture"] == (
        "https://example.com/staff/calum.jpeg"
    )
    assert exported[("Component", "playback-order")]["metadata"]["tags"] == ["java", "playback"]


def test_export_writes_current_values_over_the_imported_document(
    app: App, reference: Path, tmp_path: Path
) -> None:
    """Fields leadline manages come from the catalog, so an overlay shows up in the export as
    annotations, and the rest of the original document is untouched."""
    ingest(app, "backstage", *reference_files(reference))
    overlay = write(
        tmp_path / "overlay.yaml",
        """
        apiVersion: leadline.io/v1
        kind: Catalog
        teams:
          - name: team-b
            type: platform
            cognitive_load: 4
        services:
          - name: podcast-api
            tier: "2"
        """,
    )
    ingest(app, "catalog-yaml", overlay)
    exported = {(d["kind"], d["metadata"]["name"]): d for d in _export_backstage(app)}
    team = exported[("Group", "team-b")]
    original = copy.deepcopy(_originals(reference)[("Group", "team-b")])
    original["metadata"]["annotations"] = {
        "leadline.io/team-type": "platform",
        "leadline.io/cognitive-load": "4",
    }
    assert team == original
    assert exported[("Component", "podcast-api")]["metadata"]["annotations"] == {
        "leadline.io/tier": "2"
    }


def test_backstage_export_through_the_cli(reference: Path, tmp_path: Path) -> None:
    """``leadline catalog export --out`` writes the same documents as stdout, and they
    re-import into a fresh home to an equal catalog."""
    runner = CliRunner()
    home, other = tmp_path / "h1", tmp_path / "h2"
    result = runner.invoke(
        cli, ["--home", str(home), "ingest", "backstage", *map(str, reference_files(reference))]
    )
    assert result.exit_code == 0, result.output  # warnings only: landed
    stdout = runner.invoke(cli, ["--home", str(home), "catalog", "export"])
    assert stdout.exit_code == 0, stdout.output
    out = tmp_path / "exported.yaml"
    written = runner.invoke(
        cli, ["--home", str(home), "catalog", "export", "--format", "backstage", "--out", str(out)]
    )
    assert written.exit_code == 0
    assert "wrote 16 documents" in written.output
    assert out.read_text(encoding="utf-8") == stdout.stdout
    assert len(list(yaml.safe_load_all(stdout.stdout))) == 16
    again = runner.invoke(cli, ["--home", str(other), "ingest", "backstage", str(out)])
    assert again.exit_code == 0  # the same five dangling references: warnings
    assert "0 rejected; 4 warnings: exit 0" in again.output
    first, second = App(load_settings(home=home)), App(load_settings(home=other))
    try:
        assert snapshot(first) == snapshot(second)
    finally:
        first.close()
        second.close()


def test_native_round_trip(any_app: App, second_app: App, tmp_path: Path) -> None:
    """native catalog -> ``to_native`` -> import into an empty store: every table is equal,
    and the import is clean."""
    first = ingest(any_app, "catalog-yaml", write(tmp_path / "catalog.yaml", NATIVE))
    assert first.exit_code == 0, first.results[0].problems
    with any_app.store.session() as session:
        document = to_native(session)
    exported = write(tmp_path / "export.yaml", dump_yaml([document]))
    second = ingest(second_app, "catalog-yaml", exported)
    assert second.exit_code == 0, second.results[0].problems
    assert snapshot(second_app) == snapshot(any_app)
    assert document["teams"][0] == {
        "name": "payments",
        "title": "Payments",
        "description": "Card and wallet payments",
        "type": "stream-aligned",
        "cognitive_load": 6.5,
        "business_unit": "retail",
        "value_stream": "checkout",
        "email": "payments@example.com",
    }


def test_native_export_through_the_cli(tmp_path: Path) -> None:
    """``catalog export --format native`` prints one ``kind: Catalog`` document that
    re-imports cleanly (exit 0) into an equal catalog."""
    runner = CliRunner()
    home, other = tmp_path / "h1", tmp_path / "h2"
    source = write(tmp_path / "catalog.yaml", NATIVE)
    assert (
        runner.invoke(cli, ["--home", str(home), "ingest", "catalog-yaml", str(source)]).exit_code
        == 0
    )
    result = runner.invoke(cli, ["--home", str(home), "catalog", "export", "--format", "native"])
    assert result.exit_code == 0
    [document] = yaml.safe_load_all(result.stdout)
    assert (document["apiVersion"], document["kind"]) == ("leadline.io/v1", "Catalog")
    assert [s["name"] for s in document["services"]] == ["card-authoriser", "ledger"]
    exported = write(tmp_path / "native.yaml", result.stdout)
    assert (
        runner.invoke(
            cli, ["--home", str(other), "ingest", "catalog-yaml", str(exported)]
        ).exit_code
        == 0
    )
    first, second = App(load_settings(home=home)), App(load_settings(home=other))
    try:
        assert snapshot(first) == snapshot(second)
    finally:
        first.close()
        second.close()
