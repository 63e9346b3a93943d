"""Bad input, per the issue: each problem names the file (document, field), the rest imports,
the exit status is 1, and nothing is partially written."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from leadline.catalog.models import Person, Service, Team
from leadline.cli import app as cli
from leadline.context import App
from leadline.ingest.models import Batch
from tests.catalog.helpers import by_name, ingest, problems, snapshot, write

GOOD = """
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: good
spec:
  type: team
"""


def entity(kind: str, name: str, spec: str = "{}", api: str = "backstage.io/v1alpha1") -> str:
    return f"\napiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\nspec: {spec}\n"


def test_malformed_yaml_in_one_document(app: App, tmp_path: Path) -> None:
    """Document 2 of 3 is broken YAML: documents 1 and 3 land, the error names file,
    document index and line."""
    path = write(
        tmp_path / "multi.yaml",
        entity("Group", "one", "{type: team}")
        + "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: [unclosed\n"
        + "---\n"
        + entity("Group", "three", "{type: team}"),
    )
    report = ingest(app, "backstage", path)
    [problem] = problems(report)
    assert (problem.file, problem.row, problem.severity) == (str(path), 2, "error")
    assert "document 2 is not valid YAML" in problem.reason
    # document 1 is lines 1-5, "---" line 6; the bracket opened on line 10 is still open
    # when the document ends at the "---" on line 11
    assert "at line 11, column 1" in problem.reason
    assert set(by_name(app, Team)) == {"one", "three"}
    result = report.results[0]
    # three documents read: two landed, the broken one rejected
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (3, 2, 1)
    assert report.exit_code == 1


def test_envelope_errors_name_document_and_field(any_app: App, tmp_path: Path) -> None:
    """Wrong apiVersion, missing kind, missing or invalid metadata.name, a non-mapping
    document: one error each, naming document and field; an unknown kind is a warning and is
    skipped; the one good document lands."""
    too_long = "a" * 64
    path = write(
        tmp_path / "bad.yaml",
        "---".join(
            [
                entity("Group", "wrong-api", "{type: team}", api="example.com/v1"),
                "\napiVersion: backstage.io/v1alpha1\nmetadata:\n  name: no-kind\n",
                "\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {}\n",
                entity("Group", "bad name!", "{type: team}"),
                entity("Group", too_long, "{type: team}"),
                "\n- just\n- a list\n",
                entity("Template", "scaffold"),
                GOOD,
            ]
        ),
    )
    report = ingest(any_app, "backstage", path)
    found = [(p.row, p.field, p.severity) for p in problems(report)]
    assert found == [
        (1, "apiVersion", "error"),
        (2, "kind", "error"),
        (3, "metadata.name", "error"),
        (4, "metadata.name", "error"),
        (5, "metadata.name", "error"),
        (6, None, "error"),
        (7, "kind", "warning"),
    ]
    values = [p.value for p in problems(report)]
    assert values == ["example.com/v1", None, None, "bad name!", too_long, None, "Template"]
    assert set(by_name(any_app, Team)) == {"good"}
    result = report.results[0]
    assert (result.rows_read, result.rows_rejected, result.rows_warned) == (8, 6, 1)
    assert report.exit_code == 1


def test_bad_field_types_reject_only_their_entity(any_app: App, tmp_path: Path) -> None:
    """A profile that is not a mapping, a list as spec.type, a non-text title or an overlong
    e-mail rejects that entity (naming the field) instead of failing the batch, on both
    back-ends alike."""
    path = write(
        tmp_path / "types.yaml",
        "---".join(
            [
                entity("User", "u1", "{profile: oops, memberOf: [good]}"),
                entity("Component", "c1", "{type: [a, b], lifecycle: production, owner: good}"),
                "\napiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata:\n"
                "  name: d1\n  title: {nested: true}\nspec: {owner: good}\n",
                entity("User", "u2", "{profile: {email: " + "x" * 330 + "}, memberOf: [good]}"),
                entity("Component", "c2", "{type: service, lifecycle: production, owner: good}"),
                GOOD,
            ]
        ),
    )
    report = ingest(any_app, "backstage", path)
    found = [(p.row, p.field, p.severity) for p in problems(report)]
    assert found == [
        (1, "spec.profile", "error"),
        (2, "spec.type", "error"),
        (3, "metadata.title", "error"),
        (4, "email", "error"),
    ]
    assert report.results[0].status == "landed"
    assert set(by_name(any_app, Team)) == {"good"}
    assert set(by_name(any_app, Service)) == {"c2"}
    assert by_name(any_app, Person) == {}


def test_duplicates_in_one_batch_name_both_locations(app: App, tmp_path: Path) -> None:
    """The same entity in two files of one batch: the first lands, the second is rejected
    with a message naming the first file and document."""
    first = write(tmp_path / "a.yaml", entity("Group", "dup", "{type: team}") + "---" + GOOD)
    second = write(
        tmp_path / "b.yaml",
        "\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: dup\n"
        "  description: second\nspec: {type: team}\n",
    )
    report = ingest(app, "backstage", first, second)
    [problem] = problems(report)
    assert (problem.file, problem.row, problem.field, problem.value) == (
        str(second),
        1,
        "name",
        "dup",
    )
    assert f"already defined in {first} (document 1)" in problem.reason
    assert by_name(app, Team)["dup"]["description"] is None  # the first definition won


def test_native_duplicates_name_both_items(app: App, tmp_path: Path) -> None:
    """Two items with one name in a native file: the second is rejected with its item path."""
    path = write(
        tmp_path / "c.yaml",
        "apiVersion: leadline.io/v1\nkind: Catalog\n"
        "teams:\n  - {name: t, type: platform}\n  - {name: t, type: enabling}\n",
    )
    report = ingest(app, "catalog-yaml", path)
    [problem] = problems(report)
    assert (problem.row, problem.field, problem.item) == (1, "teams[1].name", "teams[1]")
    assert by_name(app, Team)["t"]["team_type"] == "platform"


def test_native_header_errors(app: App, tmp_path: Path) -> None:
    """A wrong apiVersion or kind rejects the document; the other document lands."""
    path = write(
        tmp_path / "h.yaml",
        "apiVersion: leadline.io/v2\nkind: Catalog\nteams: [{name: x}]\n---\n"
        "apiVersion: leadline.io/v1\nkind: Inventory\nteams: [{name: y}]\n---\n"
        "apiVersion: leadline.io/v1\nkind: Catalog\nteams: [{name: z}]\n",
    )
    report = ingest(app, "catalog-yaml", path)
    assert [(p.row, p.field) for p in problems(report)] == [(1, "apiVersion"), (2, "kind")]
    assert set(by_name(app, Team)) == {"z"}


def test_references_to_unknown_teams_warn_and_catalog_check_lists_them(tmp_path: Path) -> None:
    """A person in an unknown team and a service owned by one: both land with warnings,
    ``catalog check`` lists the dangling references and exits 1; the ingest, whose rows
    landed, exits 0 (1 with ``--strict``)."""
    path = write(
        tmp_path / "r.yaml",
        entity("User", "ann", "{memberOf: [ghosts]}")
        + "---"
        + entity("Component", "svc", "{type: service, lifecycle: production, owner: ghosts}"),
    )
    runner = CliRunner()
    home = str(tmp_path / "home")
    result = runner.invoke(
        cli, ["--home", home, "ingest", "backstage", str(path), "--format", "json"]
    )
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["rows_accepted"] == 2 and payload["rows_warned"] == 2
    fields = {(p["row"], p["field"], p["severity"]) for p in payload["results"][0]["problems"]}
    assert fields == {(1, "spec.memberOf[0]", "warning"), (2, "spec.owner", "warning")}
    check = runner.invoke(cli, ["--home", home, "catalog", "check", "--format", "json"])
    assert check.exit_code == 1
    dangling = {
        (f["kind"], f["entity"], f["field"])
        for f in json.loads(check.stdout)["findings"]
        if f["check"] == "dangling-reference"
    }
    assert dangling == {("person", "ann", "member_of"), ("service", "svc", "owner")}


def test_unreadable_inputs_are_named_and_the_rest_imports(any_app: App, tmp_path: Path) -> None:
    """Non-UTF-8, empty, a directory and a missing file: one error each naming the file; the
    good file still lands in the same batch; exit status 1."""
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes(entity("Group", "caf", "{type: team}").encode() + b"# caf\xe9\n")
    empty = write(tmp_path / "empty.yaml", "")
    folder = tmp_path / "folder"
    folder.mkdir()
    missing = tmp_path / "missing.yaml"
    good = write(tmp_path / "good.yaml", GOOD)
    report = ingest(any_app, "backstage", latin, empty, folder, missing, good)
    [result] = report.results
    assert result.status == "landed"
    by_file = {p.file: p for p in problems(report)}
    assert set(by_file) == {str(latin), str(empty), str(folder), str(missing)}
    assert "not valid UTF-8" in by_file[str(latin)].reason
    assert "line 7" in by_file[str(latin)].reason
    assert "empty" in by_file[str(empty)].reason
    assert "directory" in by_file[str(folder)].reason
    assert "not found" in by_file[str(missing)].reason
    assert all(p.severity == "error" for p in by_file.values())
    assert set(by_name(any_app, Team)) == {"good"}
    assert report.exit_code == 1


def test_a_failed_batch_lands_nothing(any_app: App, tmp_path: Path) -> None:
    """When no input can be read the batch is recorded as failed with the reason, and no
    catalog row is written."""
    missing = tmp_path / "nope.yaml"
    report = ingest(any_app, "backstage", missing)
    [result] = report.results
    assert result.status == "failed"
    assert "not found" in (result.message or "")
    assert report.exit_code == 1
    assert all(table == [] for table in snapshot(any_app).values())
    with any_app.store.session() as session:
        [batch] = session.scalars(select(Batch)).all()
        assert (batch.status, batch.idempotency_key) == ("failed", None)


def test_rejected_entities_are_not_partially_written(any_app: App, tmp_path: Path) -> None:
    """A Group whose annotation is invalid is rejected whole: no team row without the bad
    field, and a NUL character (which PostgreSQL cannot store) rejects only its entity."""
    path = write(
        tmp_path / "p.yaml",
        "\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: half\n"
        "  annotations: {leadline.io/cognitive-load: '12'}\nspec: {type: team}\n---"
        "\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: nul\n"
        '  description: "a\\0b"\nspec: {type: team}\n---' + GOOD,
    )
    report = ingest(any_app, "backstage", path)
    assert report.results[0].status == "landed"
    found = [(p.row, p.field) for p in problems(report)]
    assert found == [(1, "metadata.annotations.leadline.io/cognitive-load"), (2, "description")]
    assert set(by_name(any_app, Team)) == {"good"}


def test_cli_exit_status_and_summary(tmp_path: Path) -> None:
    """Through the CLI: a clean file exits 0, a file with an error exits 1 and prints the
    file, document and field of the problem."""
    runner = CliRunner()
    home = str(tmp_path / "home")
    good = write(tmp_path / "good.yaml", GOOD)
    clean = runner.invoke(cli, ["--home", home, "ingest", "backstage", str(good)])
    assert clean.exit_code == 0, clean.output
    bad = write(
        tmp_path / "bad.yaml", entity("Group", "x", "{type: team}", api="v1") + "---" + GOOD
    )
    result = runner.invoke(cli, ["--home", home, "ingest", "backstage", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}, row 1, field 'apiVersion'" in " ".join(result.output.split())


def test_a_native_document_refused_for_its_header_counts_as_read(app: App, tmp_path: Path) -> None:
    """The summary's counts add up: a document refused whole (no apiVersion) is one read and
    one rejected, not '0 rows read; 1 rejected'; and one row is 'row', not 'rows'."""
    path = write(tmp_path / "native.yaml", "kind: Catalog\nteams:\n  - name: t\n")
    result = CliRunner().invoke(
        cli, ["ingest", "catalog-yaml", str(path)], env={"LEADLINE_HOME": str(app.settings.home)}
    )
    assert result.exit_code == 1
    assert "1 file; 1 row read; 0 landed; 1 rejected; 0 warnings: exit 1" in result.output
