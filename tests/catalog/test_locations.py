"""Location descriptors: relative targets are followed, cycles end, missing and remote targets
are reported with the location file, document and field."""

from __future__ import annotations

from pathlib import Path

from leadline.catalog.models import Person, Service, Team
from leadline.context import App
from tests.catalog.helpers import by_name, ingest, problems, write


def _group(name: str) -> str:
    return f"""
    apiVersion: backstage.io/v1alpha1
    kind: Group
    metadata:
      name: {name}
    spec:
      type: team
    """


def _location(name: str, *targets: str) -> str:
    listed = ", ".join(targets)
    return f"""
    apiVersion: backstage.io/v1alpha1
    kind: Location
    metadata:
      name: {name}
    spec:
      targets: [{listed}]
    """


def test_relative_targets_in_subdirectories_are_followed(app: App, tmp_path: Path) -> None:
    """A root file whose Location lists files in sub-folders (one of which has its own
    Location, relative to itself) imports everything as one clean batch."""
    root = write(
        tmp_path / "catalog-info.yaml",
        _group("platform") + "---\n" + _location("all", "./teams/a.yaml", "services/b.yaml"),
    )
    write(
        tmp_path / "teams" / "a.yaml",
        _group("alpha") + "---\n" + _location("people", "people/ada.yaml"),
    )
    write(
        tmp_path / "teams" / "people" / "ada.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: User
        metadata:
          name: ada
        spec:
          memberOf: [alpha]
        """,
    )
    write(
        tmp_path / "services" / "b.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: billing
        spec:
          type: service
          lifecycle: production
          owner: user:ada
        """,
    )
    report = ingest(app, "backstage", root)
    [result] = report.results
    assert result.status == "landed"
    assert problems(report) == []
    assert report.exit_code == 0
    assert result.rows_read == 6  # root 2, teams/a 2, ada 1, billing 1 (Locations count)
    assert set(by_name(app, Team)) == {"platform", "alpha"}
    assert by_name(app, Person)["ada"]["team"] == "alpha"
    assert by_name(app, Service)["billing"]["owner_team"] == "alpha"  # through user:ada
    assert "(+3 more)" in result.file_name


def test_a_location_cycle_reads_each_file_once(app: App, tmp_path: Path) -> None:
    """A -> B -> A: both files are read once, no problem is reported, nothing is duplicated."""
    app.settings.ingest.location_roots = [tmp_path]  # ../b is outside a's tree: allow it
    a = write(
        tmp_path / "a" / "a.yaml", _group("team-a") + "---\n" + _location("to-b", "../b/b.yaml")
    )
    write(tmp_path / "b" / "b.yaml", _group("team-b") + "---\n" + _location("to-a", "../a/a.yaml"))
    report = ingest(app, "backstage", a)
    [result] = report.results
    assert problems(report) == []
    assert result.rows_read == 4
    assert result.rows_rejected == 0
    assert set(by_name(app, Team)) == {"team-a", "team-b"}


def test_a_file_given_and_also_targeted_is_read_once(app: App, tmp_path: Path) -> None:
    """A target that was also given on the command line is not read twice (no duplicates)."""
    a = write(tmp_path / "a.yaml", _location("to-b", "b.yaml"))
    b = write(tmp_path / "b.yaml", _group("team-b"))
    report = ingest(app, "backstage", a, b)
    assert problems(report) == []
    assert report.results[0].rows_read == 2


def test_a_missing_target_is_an_error_naming_the_location(app: App, tmp_path: Path) -> None:
    """The problem names the file holding the Location, its document index and the field of
    the target; the other targets and documents still import; exit status 1."""
    root = write(
        tmp_path / "catalog-info.yaml",
        _group("one") + "---\n" + _location("all", "present.yaml", "missing.yaml"),
    )
    write(tmp_path / "present.yaml", _group("two"))
    report = ingest(app, "backstage", root)
    [problem] = problems(report)
    assert (problem.file, problem.row, problem.field, problem.value, problem.severity) == (
        str(root),
        2,
        "spec.targets[1]",
        "missing.yaml",
        "error",
    )
    assert "missing.yaml" in problem.reason and "not found" in problem.reason
    assert set(by_name(app, Team)) == {"one", "two"}
    assert report.exit_code == 1


def test_a_single_target_field_is_named_as_written(app: App, tmp_path: Path) -> None:
    """``spec.target`` (singular) is followed, and a problem with it names ``spec.target``."""
    root = write(
        tmp_path / "root.yaml",
        """
        apiVersion: backstage.io/v1alpha1
        kind: Location
        metadata:
          name: one
        spec:
          target: gone.yaml
          targets: [here.yaml]
        """,
    )
    write(tmp_path / "here.yaml", _group("here"))
    report = ingest(app, "backstage", root)
    assert [(p.row, p.field, p.value) for p in problems(report)] == [
        (1, "spec.target", "gone.yaml")
    ]
    assert set(by_name(app, Team)) == {"here"}


def test_a_target_that_is_a_directory_is_reported(app: App, tmp_path: Path) -> None:
    """A target naming a folder is an error on the Location's field, not a crash."""
    (tmp_path / "sub").mkdir()
    root = write(tmp_path / "root.yaml", _group("x") + "---\n" + _location("dir", "sub"))
    report = ingest(app, "backstage", root)
    [problem] = problems(report)
    assert (problem.row, problem.field, problem.severity) == (2, "spec.targets[0]", "error")
    assert "directory" in problem.reason
    assert set(by_name(app, Team)) == {"x"}


def test_a_url_target_is_a_warning_and_is_not_fetched(app: App, tmp_path: Path) -> None:
    """Remote targets are not fetched: a warning on the field, the local rest imports."""
    url = "https://github.com/example/repo/blob/main/catalog-info.yaml"
    root = write(tmp_path / "root.yaml", _group("local") + "---\n" + _location("remote", url))
    report = ingest(app, "backstage", root)
    [problem] = problems(report)
    assert (problem.file, problem.row, problem.field, problem.value, problem.severity) == (
        str(root),
        2,
        "spec.targets[0]",
        url,
        "warning",
    )
    assert "not fetched" in problem.reason
    assert set(by_name(app, Team)) == {"local"}
    assert report.results[0].rows_rejected == 0
    assert report.exit_code == 0  # a warning: the rest landed


def test_targets_that_are_not_paths_are_reported(app: App, tmp_path: Path) -> None:
    """A non-string target is an error on its field; the import goes on."""
    root = write(
        tmp_path / "root.yaml",
        _group("g")
        + """
    ---
    apiVersion: backstage.io/v1alpha1
    kind: Location
    metadata:
      name: odd
    spec:
      targets: [{a: 1}]
    """,
    )
    report = ingest(app, "backstage", root)
    assert [(p.row, p.field, p.severity) for p in problems(report)] == [
        (2, "spec.targets[0]", "error")
    ]
    assert set(by_name(app, Team)) == {"g"}
