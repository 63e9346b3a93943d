"""CSF profiles (gaps, heat map, history between dates) and Zero Trust assessments."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from leadline.audit import history
from leadline.cli import app as cli
from leadline.context import App
from leadline.ingest.runner import run_ingest
from leadline.risk.cli_assess import as_of
from leadline.risk.profiles import profile_report, profiles_summary
from leadline.risk.zerotrust import zero_trust_report

runner = CliRunner()
PROFILE = """\
profile,business_unit,subcategory,current_status,current_tier,target_status,target_tier,owner,evidence,notes,assessed_on
retail,Retail,PR.AA-01,partially_implemented,2,implemented,4,iam-team,wiki/iam,,2026-03-31
retail,Retail,PR.AA-03,implemented,3,implemented,3,iam-team,,,2026-03-31
retail,Retail,GV.OC-01,largely_implemented,Risk Informed,implemented,Repeatable,ciso,,,2026-03-31
retail,Retail,DE.CM-01,not_applicable,1,implemented,3,,,,2026-03-31
retail,Retail,PR.AA-01,implemented,4,implemented,4,iam-team,wiki/iam,MFA done,2026-06-30
retail,Retail,XX.YY-01,implemented,4,implemented,4,,,,2026-06-30
retail,Retail,PR.AA-03,implemented,5,implemented,4,,,,2026-06-30
retail,Retail,ID.AM-01,implemented,3,implemented,2,,,,2026-06-30
retail,Retail,PR.AA-01,implemented,4,implemented,4,,,,2026-06-30
"""


def _ingest(app: App, tmp_path: Path, source: str, text: str) -> object:
    path = tmp_path / f"{source}.csv"
    path.write_text(text)
    return run_ingest(source, [path], settings=app.settings, store=app.store)


def test_profile_import_rejects_with_row_and_field(any_app: App, tmp_path: Path) -> None:
    report = _ingest(any_app, tmp_path, "csf-profile", PROFILE)
    (result,) = report.results  # type: ignore[attr-defined]
    problems = {(p.row, p.field, p.severity) for p in result.problems}
    assert (7, "subcategory", "error") in problems
    assert (8, "current_tier", "error") in problems  # tier 5 does not exist
    assert (9, "target_tier", "warning") in problems  # target below current
    assert (10, "subcategory", "error") in problems  # repeats row 6
    assert result.rows_accepted == 6
    with any_app.store.session() as session:
        (entry,) = history(session, entity_type="csf_profile")
        assert entry.action == "import" and entry.after["rows"] == 6  # type: ignore[index]


def test_gaps_heatmap_and_progress(any_app: App, tmp_path: Path) -> None:
    _ingest(any_app, tmp_path, "csf-profile", PROFILE)
    with any_app.store.session() as session:
        q1 = profile_report(session, "retail", dt.date(2026, 3, 31))
        q2 = profile_report(session, "retail", dt.date(2026, 6, 30), compare=dt.date(2026, 3, 31))
        summary = profiles_summary(session, dt.date(2026, 6, 30))
    rows = {r["subcategory"]: r for r in q1["rows"]}
    assert (rows["PR.AA-01"]["tier_gap"], rows["PR.AA-01"]["status_gap"]) == (2, 2)
    assert (rows["GV.OC-01"]["current_tier"], rows["GV.OC-01"]["tier_gap"]) == (2, 1)
    assert rows["GV.OC-01"]["status_gap"] == 1
    assert (rows["PR.AA-03"]["tier_gap"], rows["DE.CM-01"]["tier_gap"]) == (0, 0)  # n/a: no gap
    assert q1["gaps"] == 2 and q1["assessed"] == 4 and q1["business_unit"] == "Retail"
    assert q1["avg_current_tier"] == round((2 + 3 + 2) / 3, 2)
    functions = {c["function"]: c for c in q1["heatmap"]["functions"]}
    assert functions["PR"] == {
        "function": "PR",
        "name": "Protect",
        "assessed": 2,
        "avg_current_tier": 2.5,
        "avg_target_tier": 3.5,
        "gaps": 1,
    }
    assert functions["DE"]["assessed"] == 0 and functions["DE"]["avg_current_tier"] is None
    categories = {c["category"]: c for c in q1["heatmap"]["categories"]}
    assert categories["GV.OC"]["gaps"] == 1 and len(categories) == 22
    # Q2: PR.AA-01 reached its target; ID.AM-01 assessed for the first time
    assert q2["gaps"] == 1 and q2["assessed"] == 5
    progress = q2["progress"]
    assert progress["gaps_before"] == 2
    changed = {c["subcategory"]: c for c in progress["changes"]}
    assert (
        changed["PR.AA-01"]["current_tier_before"] == 2
        and changed["PR.AA-01"]["current_tier_after"] == 4
    )
    assert changed["ID.AM-01"]["current_tier_before"] is None
    assert set(changed) == {"PR.AA-01", "ID.AM-01"}
    assert summary[0]["profile"] == "retail" and summary[0]["last_assessed_on"] == dt.date(
        2026, 6, 30
    )


def test_csf_cli_json_and_quarters(app: App, tmp_path: Path) -> None:
    _ingest(app, tmp_path, "csf-profile", PROFILE)
    home = str(app.settings.home)
    result = runner.invoke(
        cli,
        [
            "--home",
            home,
            "risk",
            "csf",
            "--profile",
            "retail",
            "--at",
            "2026Q2",
            "--compare",
            "2026Q1",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["at"] == "2026-06-30" and data["progress"]["since"] == "2026-03-31"
    table = runner.invoke(cli, ["--home", home, "risk", "csf", "--profile", "retail"])
    assert table.exit_code == 0 and "Protect" in table.output
    assert as_of("2026Q4") == dt.date(2026, 12, 31) and as_of("2027-q1") == dt.date(2027, 3, 31)


ZT = """\
assessment,business_unit,pillar,current_stage,target_stage,assessed_on,assessor,evidence,notes
org,,identity,Traditional,Advanced,2025-12-01,ciso,,
org,,identity,Initial,Advanced,2026-06-01,ciso,,
org,,identity.authentication,Advanced,Optimal,2026-06-01,ciso,,
org,,networks,2,3,2026-06-01,,,
org,,governance,Initial,,2026-06-01,,,
org,,quantum,Initial,,2026-06-01,,,
org,,data,5,,2026-06-01,,,
org,,devices,Advanced,Initial,2026-06-01,,,
"""


def test_zero_trust_stages_and_history(any_app: App, tmp_path: Path) -> None:
    report = _ingest(any_app, tmp_path, "zero-trust-csv", ZT)
    (result,) = report.results  # type: ignore[attr-defined]
    problems = {(p.row, p.field, p.severity) for p in result.problems}
    assert problems == {
        (7, "pillar", "error"),
        (8, "current_stage", "error"),
        (9, "target_stage", "warning"),
    }
    with any_app.store.session() as session:
        now = zero_trust_report(session, "org", dt.date(2026, 6, 30))
        before = zero_trust_report(session, "org", dt.date(2026, 1, 1))
    pillars = {p["id"]: p for p in now["pillars"]}
    identity = pillars["identity"]
    assert (identity["current_stage_name"], identity["target_stage_name"], identity["gap"]) == (
        "Initial",
        "Advanced",
        1,
    )
    assert [h["stage_name"] for h in identity["history"]] == ["Traditional", "Initial"]
    assert identity["functions"][0]["id"] == "identity.authentication"
    assert pillars["governance"]["kind"] == "cross-cutting" and pillars["governance"]["gap"] is None
    assert now["lowest_stage"] == "Initial"
    assert [p["id"] for p in before["pillars"]] == ["identity"]
    assert before["pillars"][0]["current_stage_name"] == "Traditional"
