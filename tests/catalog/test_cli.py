"""``leadline catalog teams|services|value-streams|business-units|interactions`` in every
format, and ``leadline templates`` whose catalog templates ingest as they are and uncommented."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadline.catalog.models import (
    BusinessUnit,
    Organisation,
    Person,
    Service,
    Team,
    TeamInteraction,
    ValueStream,
)
from leadline.cli import app as cli
from leadline.config import load_settings
from leadline.context import App
from tests.catalog.helpers import by_name, rows, snapshot, write
from tests.catalog.test_roundtrip import NATIVE

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home holding the native example catalog (see test_roundtrip.NATIVE)."""
    home = tmp_path / "home"
    path = write(tmp_path / "catalog.yaml", NATIVE)
    result = runner.invoke(cli, ["--home", str(home), "ingest", "catalog-yaml", str(path)])
    assert result.exit_code == 0, result.output
    return home


def _json(home: Path, *args: str) -> dict[str, object]:
    result = runner.invoke(cli, ["--home", str(home), "catalog", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_teams_json(home: Path) -> None:
    """Teams with type, load, business unit, value stream and counts of services and people."""
    payload = _json(home, "teams")
    assert payload["count"] == 2
    assert payload["teams"] == [
        {
            "name": "payments",
            "title": "Payments",
            "type": "stream-aligned",
            "cognitive_load": 6.5,
            "business_unit": "retail",
            "value_stream": "checkout",
            "services": 1,
            "people": 1,
        },
        {
            "name": "platform",
            "title": None,
            "type": "platform",
            "cognitive_load": None,
            "business_unit": None,
            "value_stream": None,
            "services": 1,
            "people": 0,
        },
    ]


def test_services_json(home: Path) -> None:
    payload = _json(home, "services")
    assert payload["services"] == [
        {
            "name": "card-authoriser",
            "title": "Card authoriser",
            "owner_team": "payments",
            "owner": "payments",
            "value_stream": "checkout",
            "system": None,
            "tier": "1",
            "lifecycle": "production",
            "type": "service",
        },
        {
            "name": "ledger",
            "title": None,
            "owner_team": "platform",
            "owner": "platform",
            "value_stream": None,
            "system": None,
            "tier": None,
            "lifecycle": None,
            "type": None,
        },
    ]


def test_value_streams_business_units_and_interactions_json(home: Path) -> None:
    assert _json(home, "value-streams")["value_streams"] == [
        {
            "name": "checkout",
            "title": "Checkout",
            "business_unit": "retail",
            "description": "From basket to paid order",
            "teams": 1,
            "services": 1,
        }
    ]
    assert _json(home, "business-units")["business_units"] == [
        {"name": "retail", "title": "Retail", "organisation": "acme", "teams": 1}
    ]
    assert _json(home, "interactions")["interactions"] == [
        {
            "team": "payments",
            "with": "platform",
            "mode": "collaboration",
            "started_on": "2025-10-01",
            "ended_on": "2025-12-20",
            "purpose": None,
        },
        {
            "team": "payments",
            "with": "platform",
            "mode": "x-as-a-service",
            "started_on": "2026-01-05",
            "ended_on": None,
            "purpose": "Paved road",
        },
    ]


@pytest.mark.parametrize(
    ("command", "header", "first"),
    [
        ("teams", "name,title,type,cognitive_load", "payments,Payments,stream-aligned,6.5"),
        ("services", "name,title,owner_team,owner", "card-authoriser,Card authoriser,payments"),
        ("value-streams", "name,title,business_unit", "checkout,Checkout,retail"),
        ("business-units", "name,title,organisation,teams", "retail,Retail,acme,1"),
        ("interactions", "team,with,mode,started_on", "payments,platform,collaboration"),
    ],
)
def test_csv_output(home: Path, command: str, header: str, first: str) -> None:
    """CSV: a header row with the JSON keys, one row per item, empty cells for nulls."""
    result = runner.invoke(cli, ["--home", str(home), "catalog", command, "--format", "csv"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(header)
    assert lines[1].startswith(first)
    parsed = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(parsed) == _json(home, command)["count"]


@pytest.mark.parametrize(
    ("command", "cells"),
    [
        ("teams", ["payments", "Stream aligned", "6.5", "platform"]),
        ("services", ["card-authoriser", "ledger", "payments"]),
        ("value-streams", ["checkout", "From basket to paid order"]),
        ("business-units", ["retail", "acme"]),
        ("interactions", ["Collaboration", "X as a service", "2025-12-20"]),
    ],
)
def test_table_output(home: Path, command: str, cells: list[str]) -> None:
    """The default table shows the values (Team Topologies types and interaction modes
    humanised: ``stream-aligned`` is shown as "Stream aligned")."""
    result = runner.invoke(cli, ["--home", str(home), "catalog", command], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    for cell in cells:
        assert cell in result.stdout, cell


def test_empty_catalog_outputs(tmp_path: Path) -> None:
    """An empty catalog: JSON with an empty list and count 0, a table that says so."""
    home = str(tmp_path / "empty")
    result = runner.invoke(cli, ["--home", home, "catalog", "teams", "--format", "json"])
    assert json.loads(result.stdout) == {"teams": [], "count": 0}
    table = runner.invoke(cli, ["--home", home, "catalog", "services"])
    assert "no services" in table.stdout


def _uncomment(text: str) -> str:
    """Remove the leading "# " from example lines; keep "## " documentation lines."""
    out = [
        line[2:] if line.startswith("# ") else ("" if line == "#" else line)
        for line in text.splitlines()
    ]
    return "\n".join(out) + "\n"


def _templates(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "templates"
    result = runner.invoke(cli, ["templates", str(folder)])
    assert result.exit_code == 0, result.output
    return folder / "backstage-catalog-info.yaml", folder / "catalog.yaml"


def test_blank_templates_ingest_cleanly_as_they_are(tmp_path: Path) -> None:
    """``leadline templates DIR``: both catalog templates ingest as written, with exit 0
    and zero rows (every example line is commented out)."""
    backstage, native = _templates(tmp_path)
    home = str(tmp_path / "blank")
    for source, path in (("backstage", backstage), ("catalog-yaml", native)):
        result = runner.invoke(
            cli, ["--home", home, "ingest", source, str(path), "--format", "json"]
        )
        payload = json.loads(result.stdout)
        assert (payload["rows_read"], payload["rows_rejected"]) == (0, 0)
        assert result.exit_code == 0, result.stdout
    blank = App(load_settings(home=Path(home)))
    try:
        assert all(table == [] for table in snapshot(blank).values())
    finally:
        blank.close()


def test_uncommented_templates_ingest_the_example(tmp_path: Path) -> None:
    """With the leading "# " removed from example lines ("## " lines kept), both templates
    ingest cleanly (exit 0) and give exactly the entities of the example."""
    backstage, native = _templates(tmp_path)
    live = tmp_path / "live"
    write(live / "catalog.yaml", _uncomment(native.read_text(encoding="utf-8")))
    write(live / "catalog-info.yaml", _uncomment(backstage.read_text(encoding="utf-8")))
    write(
        live / "other-team" / "catalog-info.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: other-team\n"
        "spec:\n  type: team\n  parent: retail\n",
    )
    home = str(tmp_path / "live-home")
    for source, name in (("catalog-yaml", "catalog.yaml"), ("backstage", "catalog-info.yaml")):
        result = runner.invoke(
            cli, ["--home", home, "ingest", source, str(live / name), "--format", "json"]
        )
        assert result.exit_code == 0, result.stdout
        assert json.loads(result.stdout)["rows_rejected"] == 0
    app = App(load_settings(home=Path(home)))
    try:
        assert set(by_name(app, Organisation)) == {"acme"}
        assert by_name(app, BusinessUnit)["retail"]["organisation"] == "acme"
        assert by_name(app, ValueStream)["checkout"]["business_unit"] == "retail"
        teams = by_name(app, Team)
        assert set(teams) == {"payments-team", "cloud-platform", "other-team"}
        payments = teams["payments-team"]
        assert (payments["team_type"], payments["cognitive_load"]) == ("stream-aligned", 6.0)
        assert (payments["business_unit"], payments["value_stream"]) == ("retail", "checkout")
        assert (payments["title"], payments["email"]) == ("Payments", "payments@example.com")
        assert teams["other-team"]["business_unit"] == "retail"
        services = by_name(app, Service)
        assert set(services) == {"card-authoriser"}
        assert services["card-authoriser"]["system"] == "payments"
        assert (services["card-authoriser"]["owner_team"], services["card-authoriser"]["tier"]) == (
            "payments-team",
            "1",
        )
        ada = by_name(app, Person)["ada.lovelace"]
        assert (ada["team"], ada["role"], ada["skills"]) == (
            "payments-team",
            "Staff engineer",
            ["python", "kafka", "sre"],
        )
        [interaction] = rows(app, TeamInteraction)
        assert (interaction["mode"], interaction["ended_on"]) == ("x-as-a-service", None)
    finally:
        app.close()


def test_templates_document_lines_are_kept(tmp_path: Path) -> None:
    """Every non-blank line of the templates is either documentation (##) or an example (# )."""
    for path in _templates(tmp_path):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert re.match(r"^(## |# |#$)", line), line
