"""Issue 16 item 11: a 1 MB ``owner`` was accepted by CSV ingest. Text values are now limited
to ``ingest.max_text_chars`` characters (ids, columns named ``id`` or ``*_id``, to
``ingest.max_id_chars``); a longer one rejects its row naming row, field and the limit, and the
other rows land."""

from __future__ import annotations

from pathlib import Path

from leadline.config import IngestSettings
from leadline.context import App
from leadline.ingest.runner import run_ingest

HEADER = "risk_id,title,owner,category,likelihood,impact,treatment,identified_on,status\n"
GOOD = "R-001,Ransomware,alice,security,4,5,mitigate,2026-01-10,open\n"


def test_a_megabyte_owner_rejects_only_its_row(app: App, tmp_path: Path) -> None:
    path = tmp_path / "risks.csv"
    owner = "a" * 1_000_000
    path.write_text(HEADER + GOOD + f"R-002,Big,{owner},security,4,5,mitigate,2026-01-10,open\n")
    report = run_ingest("risks-csv", [path], settings=app.settings, store=app.store)
    (result,) = report.results
    assert (result.rows_accepted, result.rows_rejected) == (1, 1)
    (problem,) = result.problems
    assert (problem.row, problem.field) == (3, "owner")
    assert problem.reason == "is longer than 10000 characters"
    assert problem.value is not None and len(problem.value) < 300


def test_the_limit_is_a_setting_and_ids_are_shorter() -> None:
    limits = IngestSettings()
    assert (limits.max_text_chars, limits.max_id_chars) == (10_000, 512)


def test_a_value_at_the_limit_is_accepted(app: App, tmp_path: Path) -> None:
    path = tmp_path / "risks.csv"
    title = "t" * 10_000
    path.write_text(HEADER + f"R-001,{title},alice,security,4,5,mitigate,2026-01-10,open\n")
    report = run_ingest("risks-csv", [path], settings=app.settings, store=app.store)
    assert report.results[0].rows_accepted == 1, report.results[0].problems


def test_long_ids_are_rejected_and_formula_ids_accepted(app: App, tmp_path: Path) -> None:
    """Ids come from other tools: one starting with ``=`` is accepted (every CSV export quotes
    it); one longer than ``ingest.max_id_chars`` rejects its row."""
    from tests.delivery.support_metrics import DEPLOYMENTS_HEADER, ingest, load_catalog, write_csv

    load_catalog(app, tmp_path)
    rows = [
        f"{deployment_id},api,production,success,2026-12-01T10:00:00Z,abc,"
        for deployment_id in ["=cmd|' /C calc'!A0", "d" * 513]
    ]
    report = ingest(app, "deployments-csv", write_csv(tmp_path / "d.csv", DEPLOYMENTS_HEADER, rows))
    (result,) = report.results
    assert result.rows_accepted == 1
    assert [(p.row, p.field, p.reason) for p in result.problems] == [
        (3, "deployment_id", "is longer than 512 characters")
    ]
