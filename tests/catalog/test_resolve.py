"""Group levels and derived fields: business units through parent chains, people's teams and
services' owning teams, whatever the order of files and batches."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadline.catalog import queries
from leadline.catalog.models import BusinessUnit, Organisation, Person, Service, Team
from leadline.config import load_settings
from leadline.context import App
from tests.catalog.helpers import by_name, ingest, problems, snapshot, write


def group(name: str, group_type: str, parent: str | None = None) -> str:
    parent_line = f"\n      parent: {parent}" if parent else ""
    return f"""
    apiVersion: backstage.io/v1alpha1
    kind: Group
    metadata:
      name: {name}
    spec:
      type: {group_type}{parent_line}
    """


def user(name: str, *member_of: str) -> str:
    return f"""
    apiVersion: backstage.io/v1alpha1
    kind: User
    metadata:
      name: {name}
    spec:
      memberOf: [{", ".join(member_of)}]
    """


def component(name: str, owner: str) -> str:
    return f"""
    apiVersion: backstage.io/v1alpha1
    kind: Component
    metadata:
      name: {name}
    spec:
      type: service
      lifecycle: production
      owner: {owner}
    """


def docs(*parts: str) -> str:
    return "---\n".join(parts)


def test_group_types_map_to_levels(app: App, tmp_path: Path) -> None:
    """organization -> organisation, business-unit -> business unit, team -> team, and a
    custom type the settings do not know -> team with a warning naming spec.type."""
    path = write(
        tmp_path / "groups.yaml",
        docs(
            group("acme", "organization"),
            group("retail", "business-unit", "acme"),
            group("payments", "team", "retail"),
            group("guild", "chapter", "retail"),
        ),
    )
    report = ingest(app, "backstage", path)
    assert set(by_name(app, Organisation)) == {"acme"}
    assert set(by_name(app, BusinessUnit)) == {"retail"}
    assert set(by_name(app, Team)) == {"payments", "guild"}
    [warning] = problems(report)
    assert (warning.row, warning.field, warning.value, warning.severity) == (
        4,
        "spec.type",
        "chapter",
        "warning",
    )
    assert "team" in warning.reason
    assert report.results[0].rows_rejected == 0 and report.exit_code == 0  # warning only
    assert by_name(app, BusinessUnit)["retail"]["organisation"] == "acme"


def test_group_type_mapping_comes_from_settings(tmp_path: Path) -> None:
    """[catalog.group_types] in settings maps a custom type; no warning then."""
    settings = load_settings(
        home=tmp_path / "home",
        catalog={"group_types": {"tribe": "business_unit", "team": "team"}},
    )
    app = App(settings)
    try:
        path = write(
            tmp_path / "g.yaml", docs(group("tribe-x", "tribe"), group("t", "team", "tribe-x"))
        )
        report = ingest(app, "backstage", path)
        assert problems(report) == []
        assert set(by_name(app, BusinessUnit)) == {"tribe-x"}
        assert by_name(app, Team)["t"]["business_unit"] == "tribe-x"
    finally:
        app.close()


def test_group_without_type_is_rejected(app: App, tmp_path: Path) -> None:
    """A Group needs spec.type; the error names document and field, other documents land."""
    path = write(
        tmp_path / "g.yaml",
        docs(
            "\n    apiVersion: backstage.io/v1alpha1\n    kind: Group\n"
            "    metadata:\n      name: untyped\n    spec: {}\n",
            group("typed", "team"),
        ),
    )
    report = ingest(app, "backstage", path)
    assert [(p.row, p.field, p.severity) for p in problems(report)] == [(1, "spec.type", "error")]
    assert set(by_name(app, Team)) == {"typed"}


CHAIN = {
    "org.yaml": group("acme", "organization"),
    "bu.yaml": group("retail", "business-unit", "acme"),
    "team.yaml": group("payments", "team", "retail"),
    "sub.yaml": group("cards", "team", "payments"),
    "people.yaml": docs(user("ada", "cards"), user("bob", "retail", "payments")),
    "services.yaml": docs(component("authoriser", "cards"), component("ledger", "user:bob")),
}
EXPECTED_TEAMS = {"payments": "retail", "cards": "retail"}


def _check_chain(app: App) -> None:
    teams = by_name(app, Team)
    assert {name: t["business_unit"] for name, t in teams.items()} == EXPECTED_TEAMS
    assert teams["cards"]["parent"] == "payments"
    assert by_name(app, BusinessUnit)["retail"]["organisation"] == "acme"
    people = by_name(app, Person)
    assert people["ada"]["team"] == "cards"
    assert people["bob"]["team"] == "payments"  # the first memberOf that is a team
    services = by_name(app, Service)
    assert services["authoriser"]["owner_team"] == "cards"
    assert services["ledger"]["owner_team"] == "payments"  # via the user's team


@pytest.mark.parametrize(
    "order",
    [("sub", "team", "bu", "org"), ("org", "bu", "team", "sub"), ("bu", "sub", "org", "team")],
)
def test_business_unit_through_the_parent_chain_in_any_file_order(
    order: tuple[str, ...], tmp_path: Path
) -> None:
    """team -> sub-team -> BU -> org resolves the same whatever order the files are given in
    one batch."""
    app = App(load_settings(home=tmp_path / "home"))
    try:
        paths = [write(tmp_path / f"{name}.yaml", CHAIN[f"{name}.yaml"]) for name in order]
        paths += [write(tmp_path / n, CHAIN[n]) for n in ("people.yaml", "services.yaml")]
        report = ingest(app, "backstage", *paths)
        assert problems(report) == []
        _check_chain(app)
    finally:
        app.close()


def test_derived_fields_resolve_across_batches_in_reverse_order(
    any_app: App, tmp_path: Path
) -> None:
    """One batch per file, children first: every later batch re-derives the earlier ones, and
    the result equals one batch of all files."""
    names = ["services.yaml", "people.yaml", "sub.yaml", "team.yaml", "bu.yaml", "org.yaml"]
    paths = {n: write(tmp_path / "files" / n, CHAIN[n]) for n in names}
    first = ingest(any_app, "backstage", paths["services.yaml"])
    services = by_name(any_app, Service)
    assert services["authoriser"]["owner_team"] is None  # cards not known yet
    assert {p.field for p in problems(first)} == {"spec.owner"}
    for name in names[1:]:
        ingest(any_app, "backstage", paths[name])
    _check_chain(any_app)

    together = App(load_settings(home=tmp_path / "together"))
    try:
        ingest(together, "backstage", *paths.values())
        assert snapshot(together) == snapshot(any_app)
    finally:
        together.close()


def test_a_user_owner_without_a_team_gives_no_owner_team(app: App, tmp_path: Path) -> None:
    """A service owned by a user who belongs to no team (or only to a business unit) has no
    owning team; a group owner that is a business unit is not a team either."""
    path = write(
        tmp_path / "x.yaml",
        docs(
            group("bu", "business-unit"),
            user("loner", "bu"),
            component("a", "user:loner"),
            component("b", "bu"),
            component("c", "group:default/bu"),
        ),
    )
    ingest(app, "backstage", path)
    assert by_name(app, Person)["loner"]["team"] is None
    assert {n: s["owner_team"] for n, s in by_name(app, Service).items()} == {
        "a": None,
        "b": None,
        "c": None,
    }


def test_a_parent_cycle_does_not_hang(app: App, tmp_path: Path) -> None:
    """Teams whose parents form a cycle resolve to no business unit, without looping."""
    path = write(tmp_path / "c.yaml", docs(group("x", "team", "y"), group("y", "team", "x")))
    report = ingest(app, "backstage", path)
    assert problems(report) == []
    assert {n: t["business_unit"] for n, t in by_name(app, Team).items()} == {"x": None, "y": None}


def test_a_team_moved_out_of_its_business_unit_loses_it(app: App, tmp_path: Path) -> None:
    """Re-importing a team whose parent no longer leads to a business unit clears the unit,
    while a parentless team keeps the unit the native catalog gives it."""
    from leadline.ingest.runner import run_ingest

    def group(name: str, kind: str, parent: str | None) -> str:
        spec = f"  type: {kind}\n  children: []\n" + (f"  parent: {parent}\n" if parent else "")
        return (
            f"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: {name}\n"
            f"spec:\n{spec}"
        )

    first = tmp_path / "first.yaml"
    first.write_text(
        "---\n".join([group("retail", "business-unit", None), group("squad", "team", "retail")])
    )
    moved = tmp_path / "moved.yaml"
    moved.write_text(group("squad", "team", "nowhere"))
    native = tmp_path / "native.yaml"
    native.write_text(
        "apiVersion: leadline.io/v1\nkind: Catalog\nteams:\n"
        "  - name: loner\n    business_unit: retail\n"
    )
    for path in (first, native):
        run_ingest(
            "backstage" if path != native else "catalog-yaml",
            [path],
            settings=app.settings,
            store=app.store,
        )
    with app.store.session() as session:
        units = {t["name"]: t["business_unit"] for t in queries.teams(session)}
    assert units == {"squad": "retail", "loner": "retail"}
    run_ingest("backstage", [moved], settings=app.settings, store=app.store)
    with app.store.session() as session:
        units = {t["name"]: t["business_unit"] for t in queries.teams(session)}
    assert units == {"squad": None, "loner": "retail"}
