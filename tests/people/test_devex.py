"""Developer-experience surveys: import with precise rejects, scores per team and quarter,
the anonymity threshold (also against differencing through the organisation's row), trends,
the devex.* bindings and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.people.metrics import ORGANISATION, organisation_scores, team_scores
from leadline.people.report import DevexError, devex
from leadline.strategy import okrs
from tests.people.support import answers, write_survey
from tests.strategy.support import ingest, objective, write


def land(app: App, tmp_path: Path, rows: list[str], name: str = "survey.csv") -> None:
    report = ingest(app, "devex-survey-csv", write_survey(tmp_path / name, rows))
    assert all(r.status == "landed" for r in report.results), report


def by_key(rows: list[dict[str, object]]) -> dict[tuple[object, ...], dict[str, object]]:
    return {(r["team"], r["quarter"], r["dimension"]): r for r in rows}


def test_bad_answers_are_rejected_naming_row_and_field(any_app: App, tmp_path: Path) -> None:
    rows = [
        *answers("shop", 2, 4),
        "pulse,x1,shop,2026-11-05T10:00:00Z,satisfaction,q,6",
        "pulse,x2,shop,2026-11-05T10:00:00Z,satisfaction,q,0",
        "pulse,x3,shop,2026-11-05T10:00:00Z,happiness,q,3",
        "pulse,x4,shop,2026-11-05T10:00:00Z,satisfaction,q,three",
    ]
    path = write_survey(tmp_path / "s.csv", rows)
    (result,) = ingest(any_app, "devex-survey-csv", path).results
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (6, 2, 4)
    errors = sorted((p.row, p.field) for p in result.problems if p.severity == "error")
    assert errors == [(4, "answer"), (5, "answer"), (6, "dimension"), (7, "answer")]
    assert all(p.file == str(path) for p in result.problems)
    assert "1 to 5" in next(p.reason for p in result.problems if p.row == 4)
    warnings = [p for p in result.problems if p.severity == "warning"]
    assert [(w.field, w.value) for w in warnings] == [("team", "shop")]  # no catalog here


def test_scores_suppression_and_trend(app: App, tmp_path: Path) -> None:
    """Q3: shop 5 respondents answering 4. Q4: shop 6 (4 answer 5, 2 answer 2), ops 4 (under
    the threshold). Q4 shop mean (4*5 + 2*2)/6 = 4.0, favourable 4/6, change 4.0 - 4.0 = 0."""
    rows = [
        *answers("shop", 5, 4, month="2026-08", survey="q3"),
        *answers("shop", 4, 5, survey="q4"),
        *answers("shop", 2, 2, survey="q4", prefix="late-"),
        *answers("ops", 4, 1, survey="q4"),
    ]
    land(app, tmp_path, rows)
    data = devex(app)
    teams = by_key(data["teams"])
    q3 = teams["shop", "2026Q3", "satisfaction"]
    assert (q3["respondents"], q3["mean"], q3["favourable"], q3["change"]) == (5, 4.0, 1.0, None)
    q4 = teams["shop", "2026Q4", "satisfaction"]
    assert q4["respondents"] == 6
    assert q4["mean"] == pytest.approx(4.0)
    assert q4["favourable"] == pytest.approx(4 / 6)
    assert q4["previous_mean"] == 4.0 and q4["change"] == pytest.approx(0.0)
    ops = teams["ops", "2026Q4", "satisfaction"]
    assert ops["suppressed"] is True
    assert [ops[k] for k in ("respondents", "answers", "mean", "favourable")] == [None] * 4
    org = by_key(data["organisation"])[ORGANISATION, "2026Q4", "satisfaction"]
    assert org["respondents"] == 6  # ops (a lone small group) is left out of the total
    assert org["mean"] == pytest.approx(4.0)
    assert devex(app, quarter="2026Q3")["organisation"][0]["quarter"] == "2026Q3"
    with pytest.raises(DevexError, match="cannot go below 5"):
        devex(app, min_respondents=3)


def test_small_groups_enter_the_total_only_together_above_the_threshold(
    app: App, tmp_path: Path
) -> None:
    """shop 5 (answer 5), ops 3 (answer 1), data 2 (answer 2): ops and data together are 5
    respondents, so the total holds all 10: (25 + 3 + 4) / 10 = 3.2."""
    land(app, tmp_path, [*answers("shop", 5, 5), *answers("ops", 3, 1), *answers("data", 2, 2)])
    (org,) = devex(app)["organisation"]
    assert (org["respondents"], org["mean"]) == (10, pytest.approx(3.2))


group_sizes = st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(group_sizes, st.integers(min_value=5, max_value=7))
def test_no_suppressed_group_can_be_recovered_by_difference(sizes: list[int], k: int) -> None:
    """The organisation's respondents minus the shown teams' respondents is 0 or at least k:
    never a lone small group."""
    rows = [
        {
            "survey": "s",
            "respondent_id": f"t{t}-{i}",
            "team": f"t{t}",
            "submitted_at": dt.datetime(2026, 11, 5),
            "dimension": "efficiency",
            "question": "q",
            "answer": 1 + (i + t) % 5,
        }
        for t, n in enumerate(sizes)
        for i in range(n)
    ]
    table = ibis.memtable(pa.Table.from_pylist(rows))
    con = ibis.duckdb.connect()
    teams = con.to_pyarrow(team_scores(table, min_respondents=k)).to_pylist()
    org = con.to_pyarrow(organisation_scores(table, min_respondents=k)).to_pylist()
    shown = sum(r["respondents"] for r in teams if not r["suppressed"])
    assert all(
        (r["respondents"] is None) == (n < k)
        for r, n in zip(sorted(teams, key=lambda r: int(r["team"][1:])), sizes, strict=True)
    )
    hidden = sum(n for n in sizes if n < k)
    total = (org[0]["respondents"] or 0) if org else 0  # no row when nothing may be shown
    assert total - shown in ({0, hidden} if hidden >= k else {0})


def test_devex_binding_feeds_a_key_result(app: App, tmp_path: Path) -> None:
    land(app, tmp_path, [*answers("shop", 5, 4, dimension="efficiency"), *answers("ops", 2, 5)])
    krs = """
    - {id: eff, title: Efficiency, metric: devex.efficiency, baseline: 3, target: 4.5}
    - {id: org, title: Org, metric: devex.efficiency, scope: {organisation: nw}, baseline: 3,
       target: 5}
    """
    doc = objective("dx", krs, quarter="2026Q4")
    ingest(app, "okrs-yaml", write(tmp_path / "o.yaml", doc))
    eff, org = okrs.okr_report(app)["objectives"][0]["key_results"]
    assert eff["current"] == 4.0 and eff["score"] == pytest.approx(1 / 1.5)
    assert org["current"] == 4.0  # ops is too small to count
    ops = objective(
        "ops",
        "- {id: x, title: X, metric: devex.satisfaction, baseline: 1, target: 5}",
        quarter="2026Q4",
        scope="team: ops",
    )
    ingest(app, "okrs-yaml", write(tmp_path / "p.yaml", ops))
    (row,) = okrs.okr_report(app, scope="ops")["objectives"][0]["key_results"]
    assert row["current"] is None  # suppressed: no value, no score
    assert row["score"] is None


def test_cli_devex(tmp_path: Path) -> None:
    home = ["--home", str(tmp_path / "home")]
    runner = CliRunner()
    path = write_survey(tmp_path / "s.csv", [*answers("shop", 5, 4), *answers("ops", 2, 1)])
    runner.invoke(cli, [*home, "ingest", "devex-survey-csv", str(path)])
    result = runner.invoke(cli, [*home, "devex", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [(r["team"], r["suppressed"]) for r in doc["teams"]] == [("ops", True), ("shop", False)]
    table = runner.invoke(cli, [*home, "devex"], env={"COLUMNS": "160"})
    assert "<5" in table.stdout
    assert runner.invoke(cli, [*home, "devex", "--quarter", "2026Q9"]).exit_code == 2
