"""The native catalog YAML: overlays on Backstage teams, partial updates and interactions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from leadline.catalog.models import Service, Team, TeamInteraction, ValueStream
from leadline.context import App
from tests.catalog.helpers import by_name, ingest, problems, reference_files, rows, write

HEADER = "apiVersion: leadline.io/v1\nkind: Catalog\n"


def native(tmp_path: Path, name: str, body: str) -> Path:
    return write(tmp_path / name, HEADER + body)


def test_overlay_sets_what_backstage_lacks_and_keeps_the_rest(
    any_app: App, reference: Path, tmp_path: Path
) -> None:
    """Team type, cognitive load and value stream set by the native file land on the teams
    imported from Backstage; title, description, e-mail, parent and the original document
    stay; a value stream defined in the same file resolves the reference (no warning)."""
    ingest(any_app, "backstage", *reference_files(reference))
    before = by_name(any_app, Team)["team-b"]
    overlay = native(
        tmp_path,
        "overlay.yaml",
        """
value_streams:
  - name: listening
    title: Listening
teams:
  - name: team-b
    type: stream-aligned
    cognitive_load: 8
    value_stream: listening
  - name: team-c
    type: platform
""",
    )
    report = ingest(any_app, "catalog-yaml", overlay)
    assert problems(report) == [] and report.exit_code == 0
    after = by_name(any_app, Team)
    expected = dict(
        before, team_type="stream-aligned", cognitive_load=8.0, value_stream="listening"
    )
    assert after["team-b"] == expected
    assert after["team-c"]["team_type"] == "platform"
    assert after["team-c"]["description"] == "Team C"
    assert after["team-c"]["parent"] == "boxoffice"
    assert by_name(any_app, ValueStream)["listening"]["title"] == "Listening"


def test_backstage_reimport_does_not_erase_the_overlay(app: App, tmp_path: Path) -> None:
    """Overlay first, then a Backstage descriptor of the same team without annotations: the
    team type and cognitive load survive (each source sets only its own fields)."""
    native(tmp_path, "o.yaml", "teams:\n  - name: t1\n    type: enabling\n    cognitive_load: 3\n")
    ingest(app, "catalog-yaml", tmp_path / "o.yaml")
    descriptor = write(
        tmp_path / "t1.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata:
          name: t1
          description: Team one
        spec:
          type: team
        """,
    )
    ingest(app, "backstage", descriptor)
    team = by_name(app, Team)["t1"]
    assert (team["team_type"], team["cognitive_load"], team["description"]) == (
        "enabling",
        3.0,
        "Team one",
    )


def test_partial_updates_touch_only_the_given_fields(app: App, tmp_path: Path) -> None:
    """A second native file that names a team with one field changes that field only."""
    native(
        tmp_path,
        "one.yaml",
        """
teams:
  - name: t1
    title: Team One
    type: platform
    cognitive_load: 5
    email: one@example.com
services:
  - name: s1
    owner: t1
    tier: "1"
    lifecycle: production
""",
    )
    native(
        tmp_path,
        "two.yaml",
        "teams:\n  - name: t1\n    cognitive_load: 9\nservices:\n  - name: s1\n    tier: '2'\n",
    )
    ingest(app, "catalog-yaml", tmp_path / "one.yaml")
    ingest(app, "catalog-yaml", tmp_path / "two.yaml")
    team = by_name(app, Team)["t1"]
    assert (team["title"], team["team_type"], team["cognitive_load"], team["email"]) == (
        "Team One",
        "platform",
        9.0,
        "one@example.com",
    )
    service = by_name(app, Service)["s1"]
    assert (service["owner"], service["owner_team"], service["tier"], service["lifecycle"]) == (
        "t1",
        "t1",
        "2",
        "production",
    )


def test_explicit_null_clears_a_field(app: App, tmp_path: Path) -> None:
    """Giving a field as null is an update to null, unlike leaving the field out."""
    native(tmp_path, "a.yaml", "teams:\n  - name: t\n    type: platform\n    cognitive_load: 4\n")
    native(tmp_path, "b.yaml", "teams:\n  - name: t\n    cognitive_load: null\n")
    ingest(app, "catalog-yaml", tmp_path / "a.yaml")
    ingest(app, "catalog-yaml", tmp_path / "b.yaml")
    team = by_name(app, Team)["t"]
    assert (team["team_type"], team["cognitive_load"]) == ("platform", None)


def test_interactions_modes_and_dates(any_app: App, tmp_path: Path) -> None:
    """All three modes land with their dates; an interaction is keyed by (team, with, mode,
    started_on), so a later file can end it without duplicating it."""
    native(
        tmp_path,
        "i.yaml",
        """
teams: [{name: a}, {name: b}]
interactions:
  - {team: a, with: b, mode: collaboration, started_on: 2026-01-01, purpose: discovery}
  - {team: a, with: b, mode: x-as-a-service, started_on: 2026-03-01}
  - {team: b, with: a, mode: facilitating, started_on: 2026-02-01, ended_on: 2026-02-28}
""",
    )
    native(
        tmp_path,
        "end.yaml",
        "interactions:\n  - {team: a, with: b, mode: collaboration, started_on: 2026-01-01,"
        " ended_on: 2026-02-15}\n",
    )
    assert ingest(any_app, "catalog-yaml", tmp_path / "i.yaml").exit_code == 0
    assert ingest(any_app, "catalog-yaml", tmp_path / "end.yaml").exit_code == 0
    got = {
        (r["team"], r["other_team"], r["mode"]): (r["started_on"], r["ended_on"], r["purpose"])
        for r in rows(any_app, TeamInteraction)
    }
    assert got == {
        ("a", "b", "collaboration"): (dt.date(2026, 1, 1), dt.date(2026, 2, 15), None),
        ("a", "b", "x-as-a-service"): (dt.date(2026, 3, 1), None, None),
        ("b", "a", "facilitating"): (dt.date(2026, 2, 1), dt.date(2026, 2, 28), None),
    }


def test_invalid_interactions_are_rejected_with_their_item(app: App, tmp_path: Path) -> None:
    """ended_on before started_on, a self-interaction and an unknown mode are each rejected,
    naming the document and the item; the valid interaction lands."""
    path = native(
        tmp_path,
        "bad.yaml",
        """
teams: [{name: a}, {name: b}]
interactions:
  - {team: a, with: b, mode: collaboration, started_on: 2026-05-01, ended_on: 2026-04-30}
  - {team: a, with: a, mode: facilitating, started_on: 2026-01-01}
  - {team: a, with: b, mode: pairing, started_on: 2026-01-01}
  - {team: b, with: a, mode: facilitating, started_on: 2026-01-01}
""",
    )
    report = ingest(app, "catalog-yaml", path)
    found = sorted((p.row, p.field, p.severity) for p in problems(report))
    assert found == [
        (1, "interactions[0]", "error"),
        (1, "interactions[1]", "error"),
        (1, "interactions[2].mode", "error"),
    ]
    reasons = " | ".join(p.reason for p in problems(report))
    assert "ended_on is before started_on" in reasons
    assert "cannot interact with itself" in reasons
    [landed] = rows(app, TeamInteraction)
    assert (landed["team"], landed["other_team"]) == ("b", "a")
    result = report.results[0]
    assert (result.rows_read, result.rows_rejected, result.rows_accepted) == (6, 3, 3)
    assert report.exit_code == 1


def test_item_validation_names_section_index_and_field(app: App, tmp_path: Path) -> None:
    """Out-of-range cognitive load, an unknown team type, an unknown field and an invalid
    name are rejected per item; an unknown section is a warning."""
    path = native(
        tmp_path,
        "v.yaml",
        """
teams:
  - {name: ok, type: platform}
  - {name: loaded, cognitive_load: 11}
  - {name: typed, type: squad}
  - {name: extra, colour: blue}
  - {name: "-bad-"}
squads: []
""",
    )
    report = ingest(app, "catalog-yaml", path)
    found = sorted((p.field, p.severity) for p in problems(report))
    assert found == [
        ("squads", "warning"),
        ("teams[1].cognitive_load", "error"),
        ("teams[2].type", "error"),
        ("teams[3].colour", "error"),
        ("teams[4].name", "error"),
    ]
    assert set(by_name(app, Team)) == {"ok"}


def test_native_service_owner_reference_warns_until_the_team_exists(
    app: App, tmp_path: Path
) -> None:
    """A service owned by an unknown team lands with a warning and no owning team; once the
    team is defined the owner resolves."""
    native(tmp_path, "s.yaml", "services:\n  - name: s\n    owner: later\n")
    report = ingest(app, "catalog-yaml", tmp_path / "s.yaml")
    [warning] = problems(report)
    assert (warning.field, warning.value, warning.severity) == (
        "services[0].owner",
        "later",
        "warning",
    )
    assert by_name(app, Service)["s"]["owner_team"] is None
    native(tmp_path, "t.yaml", "teams:\n  - name: later\n")
    ingest(app, "catalog-yaml", tmp_path / "t.yaml")
    assert by_name(app, Service)["s"]["owner_team"] == "later"
