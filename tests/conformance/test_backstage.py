"""Backstage descriptor conformance: backstage/backstage's catalog-model examples. The six in
../shared/reference/backstage are run in place by tests/catalog/test_backstage_reference.py;
five more shapes (a namespaced component, a Resource, a Group with an empty children list, an
Environment, and the example Backstage itself calls invalid) are copied verbatim in
tests/data/conformance/backstage (see SOURCES.md)."""

from __future__ import annotations

from leadline.catalog.models import Resource, Service, Team
from leadline.context import App
from tests.catalog.helpers import by_name
from tests.conformance.support import DATA, errors, ingest, problems

EXAMPLES = DATA / "backstage" / "packages" / "catalog-model" / "examples"


def test_a_component_in_another_namespace(app: App) -> None:
    report = ingest(app, "backstage", EXAMPLES / "components" / "different-namespace.yaml")
    assert errors(report) == []
    service = by_name(app, Service)["different-namespace"]
    assert (service["component_type"], service["lifecycle"]) == ("service", "experimental")
    assert service["description"] == "Example of a Component in a different namespace"
    assert service["extra"]["backstage"]["metadata"]["namespace"] == "alternative"
    # owner "default/team-a": the default namespace's group team-a, not in this set
    assert [(p.field, p.value) for p in problems(report)] == [("spec.owner", "team-a")]


def test_a_resource_and_a_group_with_no_children(app: App) -> None:
    report = ingest(
        app,
        "backstage",
        EXAMPLES / "resources" / "artists-db-resource.yaml",
        EXAMPLES / "acme" / "team-e-big-name-group.yaml",
    )
    assert errors(report) == []
    resource = by_name(app, Resource)["artists-db"]
    assert (resource["description"], resource["system"]) == (
        "Stores artist details",
        "artist-engagement-portal",
    )
    team = by_name(app, Team)["team-e"]
    assert (team["title"], team["email"], team["parent"]) == (
        "Team E With A Very Very Very Very Big Name Size",
        "team-e@example.com",
        "boxoffice",
    )


def test_a_kind_leadline_does_not_import_is_skipped_with_a_warning(app: App) -> None:
    [warning] = problems(ingest(app, "backstage", EXAMPLES / "environments" / "dev.yaml"))
    assert (warning.severity, warning.field, warning.value) == ("warning", "kind", "Environment")
    assert warning.reason.startswith("unknown kind 'Environment' skipped")


def test_backstages_own_invalid_example_is_refused_naming_the_rule(app: App) -> None:
    """Backstage's example of a name that breaks its rules (a space): refused the same way."""
    [error] = errors(ingest(app, "backstage", EXAMPLES / "components" / "invalid-component.yaml"))
    assert (error.field, error.value) == ("metadata.name", "invalid component")
    assert "1-63 letters, digits or [-_.]" in error.reason
    assert by_name(app, Service) == {}
