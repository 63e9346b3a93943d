"""Issue 16 item 5: three rows of deployment ``D1`` (production success, production failure,
staging success) reported "3 accepted" and kept only the staging one. Within one file the first
row of a key lands; a later row with other values is rejected naming both rows (and the columns
that differ); an exact repeat lands once with a warning naming both rows. Across files the merge
rule applies (the later batch wins) and the batch says which earlier rows it superseded;
re-ingesting a file supersedes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from leadline.context import App
from leadline.delivery.schemas import DEPLOYMENTS
from leadline.ingest.models import Reject
from leadline.ingest.runner import IngestReport, UnitResult, run_ingest
from leadline.lake.tables import FactTable
from leadline.lake.writer import LakeWriter
from leadline.reliability.schemas import SLI_SAMPLES
from tests.delivery.support_metrics import DEPLOYMENTS_HEADER, load_catalog, write_csv

D1 = [
    "D1,api,production,success,2026-12-01T10:00:00Z,abc,",
    "D1,api,production,failure,2026-12-01T10:05:00Z,abc,",
    "D1,api,staging,success,2026-12-01T10:10:00Z,abc,",
]
D2 = "D2,api,production,success,2026-12-01T11:00:00Z,def,"


def _ingest(app: App, source: str, path: Path) -> UnitResult:
    report: IngestReport = run_ingest(source, [path], settings=app.settings, store=app.store)
    (result,) = report.results
    return result


def _lake(app: App, table: FactTable) -> list[dict[str, Any]]:
    with app.store.session() as session:
        return LakeWriter(app.settings.lake_path, session, None).read_table(table).to_pylist()


def _deployments(app: App) -> dict[str, tuple[str, str]]:
    return {r["deployment_id"]: (r["environment"], r["status"]) for r in _lake(app, DEPLOYMENTS)}


def _stored(app: App, batch_id: int | None) -> list[tuple[int | None, str, str]]:
    with app.store.session() as session:
        query = select(Reject).where(Reject.batch_id == batch_id).order_by(Reject.id)
        return [(r.row, r.severity, r.reason) for r in session.scalars(query)]


def test_d1_later_conflicting_rows_are_rejected_naming_both_rows(app: App, tmp_path: Path) -> None:
    load_catalog(app, tmp_path)
    path = write_csv(tmp_path / "d.csv", DEPLOYMENTS_HEADER, [*D1, D2])
    result = _ingest(app, "deployments-csv", path)
    # hand-checked: 4 rows read; D1's first row (2) and D2 land, D1's rows 3 and 4 contradict
    # row 2 (status; environment) and are rejected
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (4, 2, 2)
    tail = "rejected (row 2 landed; a file may give each key once)"
    assert [(p.row, p.field, p.value, p.severity, p.reason) for p in result.problems] == [
        (
            3,
            "deployment_id",
            "D1",
            "error",
            f"deployment_id 'D1' is also in row 2, with different status, finished_at: {tail}",
        ),
        (
            4,
            "deployment_id",
            "D1",
            "error",
            f"deployment_id 'D1' is also in row 2, with different environment, finished_at: {tail}",
        ),
    ]
    assert result.problems[0].record["status"] == "failure"  # the raw record is kept
    assert _deployments(app) == {"D1": ("production", "success"), "D2": ("production", "success")}
    assert [(row, severity) for row, severity, _ in _stored(app, result.batch_id)] == [
        (3, "error"),
        (4, "error"),
    ]


def test_an_exact_repeat_lands_once_with_a_warning_naming_both_rows(
    app: App, tmp_path: Path
) -> None:
    load_catalog(app, tmp_path)
    path = write_csv(tmp_path / "d.csv", DEPLOYMENTS_HEADER, [D1[0], D2, D1[0]])
    result = _ingest(app, "deployments-csv", path)
    assert (result.rows_read, result.rows_rejected, result.rows_warned) == (3, 0, 1)
    (warning,) = result.problems
    assert (warning.row, warning.severity) == (4, "warning")
    assert warning.reason == "repeats row 2 exactly (deployment_id 'D1'); landed once"
    rows = _lake(app, DEPLOYMENTS)
    assert sorted(r["deployment_id"] for r in rows) == ["D1", "D2"]


def test_a_later_file_supersedes_and_says_which_rows(app: App, tmp_path: Path) -> None:
    load_catalog(app, tmp_path)
    first = write_csv(tmp_path / "a.csv", DEPLOYMENTS_HEADER, [D1[0], D2])
    earlier = _ingest(app, "deployments-csv", first)
    assert earlier.rows_superseded == 0 and earlier.problems == []
    # D1 corrected to a failure, D2 sent again unchanged (at another row), D3 new
    later = write_csv(
        tmp_path / "b.csv",
        DEPLOYMENTS_HEADER,
        [D2, "D3,web,production,success,2026-12-02T09:00:00Z,fff,", D1[1]],
    )
    result = _ingest(app, "deployments-csv", later)
    assert result.status == "landed" and result.rows_accepted == 3
    assert result.clean  # superseding is the merge rule at work: exit code 0
    assert result.rows_superseded == 1
    assert result.message == (
        f"superseded 1 row landed earlier: 1 deployments row of batch {earlier.batch_id} ({first})"
    )
    (notice,) = result.problems
    assert (notice.severity, notice.field, notice.value) == ("notice", "deployment_id", "D1")
    assert notice.reason == (
        f"supersedes deployments deployment_id D1 landed by batch {earlier.batch_id} ({first})"
    )
    assert _stored(app, result.batch_id) == [(None, "notice", notice.reason)]
    assert _deployments(app) == {
        "D1": ("production", "failure"),  # the later batch wins
        "D2": ("production", "success"),
        "D3": ("production", "success"),
    }


def test_re_ingesting_is_a_no_op_without_superseded_noise(app: App, tmp_path: Path) -> None:
    load_catalog(app, tmp_path)
    first = write_csv(tmp_path / "a.csv", DEPLOYMENTS_HEADER, [D1[0], D2])
    _ingest(app, "deployments-csv", first)
    later = write_csv(tmp_path / "b.csv", DEPLOYMENTS_HEADER, [D1[1]])
    assert _ingest(app, "deployments-csv", later).rows_superseded == 1
    again = _ingest(app, "deployments-csv", later)
    assert again.status == "unchanged" and again.rows_superseded == 0
    assert again.problems == [] and again.clean
    # the same rows under another file name land again and supersede nothing
    copy = write_csv(tmp_path / "copy.csv", DEPLOYMENTS_HEADER, [D2])
    result = _ingest(app, "deployments-csv", copy)
    assert (result.status, result.rows_superseded, result.problems) == ("landed", 0, [])
    assert result.message is None
    assert _deployments(app) == {"D1": ("production", "failure"), "D2": ("production", "success")}


SLI_HEADER = "slo,timestamp,good,total,step_seconds"


def test_sli_samples_repeats_conflicts_and_supersede(app: App, tmp_path: Path) -> None:
    """A lake source with a composite key (slo, timestamp)."""
    rows = [
        "checkout,2026-12-01T10:00:00Z,99,100,60",  # 2
        "checkout,2026-12-01T10:01:00Z,98,100,60",  # 3: conflicts with 5
        "checkout,2026-12-01T10:00:00Z,99,100,60",  # 4: exact repeat of 2
        "checkout,2026-12-01T10:01:00+00:00,97,100,60",  # 5: the same instant, other good
    ]
    result = _ingest(app, "sli-csv", write_csv(tmp_path / "s.csv", SLI_HEADER, rows))
    # row 5 rejected; row 4 warned, and the SLO without a specification warned
    assert (result.rows_read, result.rows_rejected, result.rows_warned) == (4, 1, 2)
    rowed = [(p.row, p.severity, p.field, p.reason) for p in result.problems if p.row is not None]
    key = "(slo, timestamp) ('checkout', 2026-12-01T10:0{}:00+00:00)"
    assert rowed == [
        (4, "warning", "slo", f"repeats row 2 exactly ({key.format(0)}); landed once"),
        (
            5,
            "error",
            "slo",
            f"{key.format(1)} is also in row 3, with different good: "
            "rejected (row 3 landed; a file may give each key once)",
        ),
    ]
    samples = sorted((s["timestamp"].minute, s["good"]) for s in _lake(app, SLI_SAMPLES))
    assert samples == [(0, 99.0), (1, 98.0)]
    fix = write_csv(tmp_path / "fix.csv", SLI_HEADER, ["checkout,2026-12-01T10:00:00Z,95,100,60"])
    fixed = _ingest(app, "sli-csv", fix)
    assert fixed.rows_superseded == 1
    assert fixed.message is not None and f"1 sli_samples row of batch {result.batch_id}" in (
        fixed.message
    )
    assert sorted((s["timestamp"].minute, s["good"]) for s in _lake(app, SLI_SAMPLES)) == [
        (0, 95.0),
        (1, 98.0),
    ]


RISKS_HEADER = "risk_id,title,owner,category,likelihood,impact,treatment,identified_on,status\n"


def test_risks_csv_a_store_source(app: App, tmp_path: Path) -> None:
    """A store source keyed by risk_id: an exact repeat lands once, a conflict is rejected."""
    path = tmp_path / "risks.csv"
    path.write_text(
        RISKS_HEADER
        + "R-001,Ransomware,alice,security,4,5,mitigate,2026-01-10,open\n"  # 2
        + "R-002,Outage,bob,operational,3,4,mitigate,2026-01-10,open\n"  # 3
        + "R-001,Ransomware,alice,security,4,5,mitigate,2026-01-10,open\n"  # 4: exact
        + "R-002,Outage,bob,operational,5,4,mitigate,2026-01-10,open\n"  # 5: likelihood 5
    )
    result = _ingest(app, "risks-csv", path)
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (4, 3, 1)
    assert [(p.row, p.severity, p.field) for p in result.problems] == [
        (4, "warning", "risk_id"),
        (5, "error", "risk_id"),
    ]
    assert "also in row 3, with different likelihood" in result.problems[1].reason
    from leadline.risk.models import Risk

    with app.store.session() as session:
        risks = {r.key: r.likelihood for r in session.scalars(select(Risk))}
    assert risks == {"R-001": 4, "R-002": 3}


def test_the_cli_summary_and_rejects_show_what_was_superseded(app: App, tmp_path: Path) -> None:
    from leadline.cli import app as cli

    load_catalog(app, tmp_path)
    home = str(app.settings.resolved_home)
    first = write_csv(tmp_path / "a.csv", DEPLOYMENTS_HEADER, [D1[0]])
    later = write_csv(tmp_path / "b.csv", DEPLOYMENTS_HEADER, [D1[2]])

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, ["--home", home, *args], env={"COLUMNS": "250"})

    assert run("ingest", "deployments-csv", str(first)).exit_code == 0
    result = run("ingest", "deployments-csv", str(later))
    assert result.exit_code == 0, result.output
    assert "superseded 1 row landed earlier: 1 deployments row of batch" in result.output
    assert "notice" in result.output and "supersedes deployments deployment_id D1" in result.output
    rejects = run("rejects", "--format", "json")
    assert "supersedes deployments deployment_id D1" in rejects.output
    assert '"severity": "notice"' in rejects.output


def test_catalog_entities_an_exact_repeat_warns_a_different_one_is_rejected(
    app: App, tmp_path: Path
) -> None:
    """Catalog entities keep their rule (the first definition lands) and, like rows, an exact
    repeat is a warning, not a reject."""
    path = tmp_path / "c.yaml"
    path.write_text(
        "apiVersion: leadline.io/v1\nkind: Catalog\nteams:\n"
        "  - {name: t, type: platform}\n"  # teams[0]
        "  - {name: t, type: platform}\n"  # teams[1]: exact repeat
        "  - {name: t, type: enabling}\n"  # teams[2]: other type
    )
    result = _ingest(app, "catalog-yaml", path)
    found = [(p.field, p.severity) for p in result.problems]
    assert found == [("teams[1].name", "warning"), ("teams[2].name", "error")]
    assert result.problems[0].reason == (
        f"duplicate team 't': already defined in {path} (document 1); "
        "repeats it exactly and landed once"
    )
    assert result.problems[1].reason.endswith("; this definition was rejected")
