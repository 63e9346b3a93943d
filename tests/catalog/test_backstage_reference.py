"""Importing the real Backstage examples (../shared/reference/backstage) on both store back-ends.

The expected values below were read off the six reference files by hand.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from leadline.catalog.models import (
    Api,
    BusinessUnit,
    Domain,
    Organisation,
    Person,
    Resource,
    Service,
    System,
    Team,
    ValueStream,
)
from leadline.context import App
from leadline.ingest.models import Batch, Reject
from leadline.ingest.runner import IngestReport
from tests.catalog.helpers import by_name, ingest, located, problems, reference_files, rows

TEAM_B = ["amelia.park", "colette.brock", "jenny.doe", "jonathon.page", "justine.barrow"]
TEAM_C = ["calum.leavy", "frank.tiernan", "peadar.macmahon", "sarah.gilroy", "tara.macgovern"]
EXPECTED_WARNINGS = {
    ("playback-order-component.yaml", 1, "spec.owner", "warning"),  # user:guest
    ("playback-order-component.yaml", 1, "spec.system", "warning"),  # audio-playback
    ("podcast-system.yaml", 1, "spec.owner", "warning"),  # user:team-b (no such user)
    ("team-b-group.yaml", 1, "spec.parent", "warning"),  # backstage
    ("team-c-group.yaml", 1, "spec.parent", "warning"),  # boxoffice
}


@pytest.fixture
def imported(any_app: App, reference: Path) -> IngestReport:
    return ingest(any_app, "backstage", *reference_files(reference))


def test_one_batch_lands_every_document(imported: IngestReport) -> None:
    """The six files form one batch of 16 documents: 2 groups, 10 users, 2 components,
    a system and a domain; none is rejected, 4 documents carry warnings."""
    [result] = imported.results
    assert result.status == "landed"
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (16, 16, 0)
    assert result.rows_warned == 4


def test_teams(imported: IngestReport, any_app: App) -> None:
    """Both groups are teams (spec.type team) with title, description, e-mail and parent as
    written; the parents are not in the set, so no business unit can be derived."""
    teams = by_name(any_app, Team)
    assert set(teams) == {"team-b", "team-c"}
    assert {k: teams["team-b"][k] for k in ("title", "description", "email", "parent")} == {
        "title": "Team B",
        "description": "Team B",
        "email": "team-b@example.com",
        "parent": "backstage",
    }
    assert {k: teams["team-c"][k] for k in ("title", "description", "email", "parent")} == {
        "title": None,  # team-c has no profile and no metadata.title
        "description": "Team C",
        "email": None,
        "parent": "boxoffice",
    }
    for team in teams.values():
        assert team["business_unit"] is None
        assert team["team_type"] is None
        assert team["cognitive_load"] is None
    assert rows(any_app, Organisation) == []
    assert rows(any_app, BusinessUnit) == []
    assert rows(any_app, ValueStream) == []


def test_people_and_memberships(imported: IngestReport, any_app: App) -> None:
    """Ten people; each one's team comes from memberOf, with the profile's name and e-mail."""
    people = by_name(any_app, Person)
    assert sorted(people) == sorted(TEAM_B + TEAM_C)
    for name in TEAM_B:
        assert people[name]["team"] == "team-b"
        assert people[name]["member_of"] == ["team-b"]
    for name in TEAM_C:
        assert people[name]["team"] == "team-c"
        assert people[name]["member_of"] == ["team-c"]
    assert people["amelia.park"]["title"] == "Amelia Park"
    assert people["amelia.park"]["email"] == "amelia-park@example.com"
    assert people["peadar.macmahon"]["title"] == "Peadar MacMahon"
    assert people["frank.tiernan"]["email"] == "frank-tiernan@example.com"
    assert all(p["role"] is None and p["skills"] == [] for p in people.values())


def test_services_and_their_owners(imported: IngestReport, any_app: App) -> None:
    """podcast-api is owned by team-b (a group); playback-order by ``user:guest``, a user who
    does not exist, so it has no owning team; its system audio-playback is not in the set."""
    services = by_name(any_app, Service)
    assert set(services) == {"playback-order", "podcast-api"}
    order = services["playback-order"]
    assert (order["owner"], order["owner_team"], order["system"]) == (
        "user:guest",
        None,
        "audio-playback",
    )
    assert (order["component_type"], order["lifecycle"], order["description"]) == (
        "service",
        "production",
        "Playback Order",
    )
    podcast = services["podcast-api"]
    assert (podcast["owner"], podcast["owner_team"], podcast["system"]) == (
        "team-b",
        "team-b",
        "podcast",
    )
    assert (podcast["lifecycle"], podcast["description"]) == ("experimental", "Podcast API")
    assert podcast["extra"]["backstage"]["metadata"]["tags"] == ["java"]
    assert order["extra"]["backstage"]["metadata"]["tags"] == ["java", "playback"]


def test_system_owned_by_a_missing_user_and_domain_owned_by_a_user(
    imported: IngestReport, any_app: App
) -> None:
    """``user:team-b`` names a user (there is none: team-b is a group) and is kept as written;
    the domain's owner is the user frank.tiernan, who exists."""
    assert rows(any_app, System) == [
        {
            "name": "podcast",
            "title": None,
            "description": "Podcast playback",
            "extra": {
                "backstage": {
                    "apiVersion": "backstage.io/v1alpha1",
                    "kind": "System",
                    "metadata": {"name": "podcast", "description": "Podcast playback"},
                    "spec": {"owner": "user:team-b", "domain": "playback"},
                }
            },
            "owner": "user:team-b",
            "domain": "playback",
        }
    ]
    [domain] = rows(any_app, Domain)
    assert (domain["name"], domain["owner"], domain["parent"]) == (
        "playback",
        "user:frank.tiernan",
        None,
    )
    assert domain["description"] == "Everything related to audio playback"
    assert rows(any_app, Resource) == [] and rows(any_app, Api) == []


def test_warnings_name_file_document_and_field(imported: IngestReport) -> None:
    """Exactly the five dangling references are reported, each as a warning naming the file,
    the document and the field, with the value that points nowhere."""
    assert located(imported) == EXPECTED_WARNINGS
    values = {(Path(p.file).name, p.field): p.value for p in problems(imported)}
    assert values == {
        ("playback-order-component.yaml", "spec.owner"): "guest",
        ("playback-order-component.yaml", "spec.system"): "audio-playback",
        ("podcast-system.yaml", "spec.owner"): "team-b",
        ("team-b-group.yaml", "spec.parent"): "backstage",
        ("team-c-group.yaml", "spec.parent"): "boxoffice",
    }
    owner = next(p for p in problems(imported) if p.file.endswith("podcast-system.yaml"))
    assert "unknown person 'team-b'" in owner.reason


def test_warnings_alone_exit_0_and_1_when_strict(imported: IngestReport) -> None:
    """Warnings alone (nothing rejected): the batch landed, exit status 0; 1 with ``--strict``."""
    assert imported.results[0].rows_rejected == 0
    assert (imported.outcome, imported.exit_code) == ("warnings", 0)
    assert replace(imported, strict=True).exit_code == 1


def test_batch_and_its_warnings_are_recorded(imported: IngestReport, any_app: App) -> None:
    """The batch row records source, counts and every warning, with the raw document kept."""
    with any_app.store.session() as session:
        [batch] = session.scalars(select(Batch)).all()
        assert (batch.source, batch.status, batch.rows_read, batch.rows_warned) == (
            "backstage",
            "landed",
            16,
            4,
        )
        rejects = session.scalars(select(Reject)).all()
        assert len(rejects) == 5
        assert {r.severity for r in rejects} == {"warning"}
        system = next(r for r in rejects if r.file_name.endswith("podcast-system.yaml"))
        assert system.record["kind"] == "System"
        assert {o.batch_id for o in session.scalars(select(Team))} == {batch.id}
