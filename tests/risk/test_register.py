"""The risk register: CSV import with precise rejects, scores and ratings, reviews, history,
export -> import round trip, and the CLI writes with --as."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from leadline.audit import history
from leadline.cli import app as cli
from leadline.config import RiskBand, RiskSettings
from leadline.context import App
from leadline.ingest.runner import run_ingest
from leadline.risk.register import register_report
from leadline.risk.risks import RiskError, save
from leadline.risk.scoring import Matrix

runner = CliRunner()
HEADER = (
    "risk_id,title,owner,category,csf_subcategories,services,likelihood,impact,"
    "residual_likelihood,residual_impact,treatment,identified_on,last_reviewed_on,"
    "review_every_days,status,closed_on,actions\n"
)
ACTIONS = '"[{""action"": ""Immutable backups"", ""owner"": ""bob"", ""due_on"": ""2026-03-01""}]"'
GOOD = (
    f"R-001,Ransomware,alice,security,PR.DS-11;RC.RP-03,billing,4,5,2,4,mitigate,2026-01-10,"
    f"2026-02-01,30,open,,{ACTIONS}\n"
    "R-002,Supplier breach,carol,supplier,GV.SC-07,,3,4,,,transfer,2026-01-05,,,open,,\n"
    "R-003,Old risk,dan,availability,,,2,2,,,accept,2025-01-05,,,closed,2025-06-01,\n"
)
BAD = (
    "R-010,Bad subcategory,alice,security,PR.XX-99,,4,5,,,mitigate,2026-01-10,,,open,,\n"
    "R-011,Out of matrix,alice,security,,,6,5,,,mitigate,2026-01-10,,,open,,\n"
    "R-012,Dates,alice,security,,,2,2,,,accept,2026-05-10,2026-01-01,,open,,\n"
    "R-013,Closed without date,alice,security,,,2,2,,,accept,2026-05-10,,,closed,,\n"
    "R-001,Duplicate,alice,security,,,2,2,,,accept,2026-05-10,,,open,,\n"
    'R-014,Bad action,alice,security,,,2,2,,,accept,2026-05-10,,,open,,"[{""action"": ""x""}]"\n'
)


def _ingest(app: App, tmp_path: Path, text: str, name: str = "risks.csv"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text)
    return run_ingest("risks-csv", [path], settings=app.settings, store=app.store)


def test_import_rejects_bad_rows_with_row_and_field(any_app: App, tmp_path: Path) -> None:
    report = _ingest(any_app, tmp_path, HEADER + GOOD + BAD)
    (result,) = report.results
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (9, 3, 6)
    errors = {(p.row, p.field) for p in result.problems if p.severity == "error"}
    assert (5, "csf_subcategories") in errors
    assert (6, "likelihood") in errors
    assert (6, "residual_likelihood") not in errors  # defaulted from likelihood: said once
    assert (7, "last_reviewed_on") in errors
    assert (8, "closed_on") in errors
    assert (9, "risk_id") in errors
    assert (10, "actions") in errors
    warnings = [p for p in result.problems if p.severity == "warning"]
    assert [(w.row, w.field) for w in warnings] == [(2, "services")]  # billing: no catalog
    with any_app.store.session() as session:
        entries = history(session, entity_type="risk")
        assert sorted(e.entity_id for e in entries) == ["R-001", "R-002", "R-003"]
        assert {e.via for e in entries} == {"ingest"} and {e.action for e in entries} == {"create"}


def test_scores_ratings_reviews_and_headings(any_app: App, tmp_path: Path) -> None:
    _ingest(any_app, tmp_path, HEADER + GOOD)
    at = dt.date(2026, 3, 5)
    with any_app.store.session() as session:
        report = register_report(session, any_app.settings, at)
    rows = {r["risk_id"]: r for r in report["risks"]}
    assert list(rows) == ["R-002", "R-001"]  # residual 12 before 8; closed R-003 left out
    r1 = rows["R-001"]
    assert (r1["inherent_score"], r1["inherent_rating"]) == (20, "critical")
    assert (r1["residual_score"], r1["residual_rating"]) == (8, "medium")
    assert r1["csf_functions"] == ["PR", "RC"]
    # reviewed 2026-02-01 every 30 days: due 2026-03-03, overdue on 2026-03-05
    assert r1["next_review_on"] == dt.date(2026, 3, 3) and r1["review_overdue"]
    assert r1["actions_open"] == 1 and r1["actions_overdue"] == 1  # due 2026-03-01
    r2 = rows["R-002"]
    assert (r2["residual_likelihood"], r2["residual_impact"], r2["residual_rating"]) == (
        3,
        4,
        "high",
    )
    assert r2["next_review_on"] == dt.date(2026, 4, 5) and not r2["review_overdue"]  # 90 days
    assert report["overdue_reviews"] == ["R-001"]
    assert report["by_rating"] == {"low": 0, "medium": 1, "high": 1, "critical": 0}
    headings = {h["function"]: h["risk_ids"] for h in report["by_function"]}
    assert headings["PR"] == ["R-001"] and headings["GV"] == ["R-002"] and headings["DE"] == []
    residual = {(c["likelihood"], c["impact"]): c["count"] for c in report["heatmap"]["residual"]}
    assert residual[(2, 4)] == 1 and residual[(3, 4)] == 1 and sum(residual.values()) == 2
    assert len(residual) == 25
    with any_app.store.session() as session:
        top = register_report(session, any_app.settings, at, top=1, include_closed=True)
    assert [r["risk_id"] for r in top["risks"]] == ["R-002"]
    with any_app.store.session() as session:
        governed = register_report(session, any_app.settings, at, function="gv")
        alices = register_report(session, any_app.settings, at, owner="alice")
    assert [r["risk_id"] for r in governed["risks"]] == ["R-002"]
    assert [r["risk_id"] for r in alices["risks"]] == ["R-001"]


def test_export_import_round_trips_without_changes(app: App, tmp_path: Path) -> None:
    home = app.settings.home
    _ingest(app, tmp_path, HEADER + GOOD)
    args = ["--home", str(home), "risk", "register", "--format", "csv"]
    shown = list(csv.DictReader(io.StringIO(runner.invoke(cli, args).output)))
    assert [r["risk_id"] for r in shown] == ["R-002", "R-001"]  # the open ones, by residual
    exported = runner.invoke(cli, [*args, "--all"])  # closed risks too
    assert exported.exit_code == 0, exported.output
    rows = {r["risk_id"]: r for r in csv.DictReader(io.StringIO(exported.output))}
    assert sorted(rows) == ["R-001", "R-002", "R-003"]
    assert rows["R-001"]["csf_subcategories"] == "PR.DS-11;RC.RP-03"
    assert rows["R-003"]["closed_on"] == "2025-06-01"
    assert rows["R-001"]["csf_functions"] == "PR;RC" and rows["R-001"]["review_overdue"]
    report = _ingest(app, tmp_path, exported.output, "export.csv")
    assert report.results[0].rows_rejected == 0
    with app.store.session() as session:
        assert len(history(session, entity_type="risk")) == 3  # nothing changed: no updates
    changed = exported.output.replace("Supplier breach", "Supplier data breach")
    _ingest(app, tmp_path, changed, "edited.csv")
    with app.store.session() as session:
        (latest, *_) = history(session, entity_type="risk", entity_id="R-002")
    assert latest.action == "update" and latest.changed == ["title"]
    assert latest.before["title"] == "Supplier breach"  # type: ignore[index]


def test_cli_writes_are_audited_with_the_acting_user(app: App) -> None:
    home = str(app.settings.home)

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--home", home, "risk", *args])
        assert result.exit_code == 0, result.output
        return result.output

    run(
        "add",
        "--title",
        "Laptop theft",
        "--owner",
        "eve",
        "--category",
        "security",
        "--likelihood",
        "3",
        "--impact",
        "2",
        "--treatment",
        "mitigate",
        "--csf",
        "pr.aa-06",
        "--identified-on",
        "2026-01-01",
        "--as",
        "ciso",
    )
    run(
        "update",
        "R-001",
        "--likelihood",
        "4",
        "--reviewed-on",
        "2026-02-01",
        "--add-action",
        "Disk encryption|it-ops|2026-04-01",
        "--note",
        "more travel",
        "--as",
        "cio",
    )
    run("update", "R-001", "--done-action", "1", "--as", "cio")
    run("close", "R-001", "--on", "2026-05-01", "--as", "ciso")
    data = json.loads(run("history", "R-001", "--format", "json"))
    actions = [(c["actor"], c["action"]) for c in data["changes"]]
    assert actions == [("ciso", "update"), ("cio", "update"), ("cio", "update"), ("ciso", "create")]
    close, done, first, _ = data["changes"]
    assert close["after"] == {"status": "closed", "closed_on": "2026-05-01"}
    assert first["before"]["likelihood"] == 3 and first["after"]["likelihood"] == 4
    assert first["note"] == "more travel"
    assert done["after"]["actions"][0]["status"] == "done"
    register = json.loads(run("register", "--all", "--format", "json"))
    assert register["risks"][0]["csf_subcategories"] == ["PR.AA-06"]


def test_cli_refuses_bad_writes_without_changing_anything(app: App) -> None:
    home = str(app.settings.home)
    base = [
        "--home",
        home,
        "risk",
        "add",
        "--title",
        "T",
        "--owner",
        "o",
        "--category",
        "c",
        "--treatment",
        "accept",
        "--impact",
        "2",
    ]
    bad = runner.invoke(cli, [*base, "--likelihood", "7"])
    assert bad.exit_code == 1 and "likelihood: must be an integer from 1 to 5" in bad.output
    unknown = runner.invoke(cli, [*base, "--likelihood", "2", "--csf", "XX.YY-01"])
    assert unknown.exit_code == 1 and "unknown CSF 2.0 subcategory ids: XX.YY-01" in unknown.output
    missing = runner.invoke(cli, ["--home", home, "risk", "update", "R-404", "--impact", "1"])
    assert missing.exit_code == 1 and "no risk 'R-404'" in missing.output
    listed = json.loads(
        runner.invoke(cli, ["--home", home, "risk", "register", "--format", "json"]).output
    )
    assert listed["risks"] == []


def test_custom_matrix_changes_range_and_bands(any_app: App) -> None:
    matrix = Matrix.from_settings(
        RiskSettings(
            likelihood_levels=3,
            impact_levels=4,
            bands=[RiskBand(name="ok", min_score=1), RiskBand(name="bad", min_score=6)],
        )
    )
    assert matrix.out_of_range("likelihood", 4) and not matrix.out_of_range("impact", 4)
    assert matrix.rating(5) == "ok" and matrix.rating(6) == "bad"
    assert matrix.describe()["bands"][-1] == {"name": "bad", "min_score": 6, "max_score": 12}
    values = {
        "key": "R-1",
        "title": "t",
        "owner": "o",
        "category": "c",
        "likelihood": 4,
        "impact": 1,
        "treatment": "avoid",
        "identified_on": dt.date(2026, 1, 1),
    }
    with any_app.store.session() as session:
        try:
            save(session, values, matrix, actor="a")
        except RiskError as error:
            assert error.problems[0][0] == "likelihood"
        else:
            raise AssertionError("likelihood 4 is outside a 3-level scale")


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5), st.integers(1, 5))
def test_rating_never_falls_as_the_score_rises(l1: int, i1: int, l2: int, i2: int) -> None:
    matrix = Matrix()
    names = matrix.band_names()
    low, high = sorted((l1 * i1, l2 * i2))
    assert names.index(matrix.rating(low)) <= names.index(matrix.rating(high))
    assert matrix.rating(l1 * i1) == next(
        name for name, start in reversed(matrix.bands) if l1 * i1 >= start
    )
