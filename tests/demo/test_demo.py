"""The demo organisation: deterministic, realistic, built through the real ingest paths."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from leadline.catalog import queries
from leadline.catalog.checks import run_checks
from leadline.cli import app as cli
from leadline.context import App
from leadline.demo.generator import OrganisationBuilder, write_sources
from leadline.demo.run import build_demo
from leadline.ingest.models import Batch
from leadline.periods import Window

AS_OF = dt.date(2026, 11, 25)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    first = write_sources(OrganisationBuilder(7, "small", AS_OF).build(), tmp_path / "a")
    second = write_sources(OrganisationBuilder(7, "small", AS_OF).build(), tmp_path / "b")
    third = write_sources(OrganisationBuilder(8, "small", AS_OF).build(), tmp_path / "c")
    assert _files(first.root) == _files(second.root)
    assert _files(first.root) != _files(third.root)


def test_small_demo_shape_and_catalog(app: App) -> None:
    result = build_demo(app, seed=1, size="small", as_of=AS_OF, delivery=False)
    assert all(r.status == "landed" for rep in result.reports for r in rep.results)
    with app.store.session() as session:
        counts = queries.summary(session)
        teams = queries.teams(session)
        findings = run_checks(session, app.settings.catalog, AS_OF)
    assert counts["business_units"] == 3
    assert counts["value_streams"] == 5
    assert counts["teams"] == 14
    assert counts["services"] == 60
    assert counts["organisations"] == 1
    assert counts["people"] >= 14 * 4
    types = Counter(t["type"] for t in teams)
    assert types == {"stream-aligned": 9, "platform": 2, "enabling": 2, "complicated-subsystem": 1}
    assert all(t["business_unit"] for t in teams)  # every team placed in a business unit
    stream_aligned = [t for t in teams if t["type"] == "stream-aligned"]
    assert all(t["value_stream"] for t in stream_aligned)
    # The demo carries the problems a real catalog has, for `catalog check` to show.
    checks = Counter(f.check for f in findings)
    assert checks["service-without-owner"] == 1
    assert checks["team-cognitive-load"] == 1
    assert checks["team-owns-too-many-services"] >= 1
    assert checks["long-collaboration"] == 1
    assert "team-without-type" not in checks


def test_rerunning_the_demo_changes_nothing(app: App) -> None:
    build_demo(app, seed=1, size="small", as_of=AS_OF)
    with app.store.session() as session:
        before = session.scalar(select(func.count()).select_from(Batch))
        teams_before = queries.teams(session)
    again = build_demo(app, seed=1, size="small", as_of=AS_OF)
    statuses = {r.status for rep in again.reports for r in rep.results}
    assert statuses == {"unchanged"}
    with app.store.session() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == before
        assert queries.teams(session) == teams_before


def test_demo_command_and_catalog_teams_json(tmp_path: Path) -> None:
    home = tmp_path / "demo-home"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["--home", str(home), "demo", "--seed", "3", "--as-of", AS_OF.isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert "14 teams" in result.output
    # The DORA table covers ``leadline dora``'s default window for the demo's day.
    window = Window.parse(None, None, today=AS_OF)
    assert f"DORA four keys by team — {window.label()}" in result.output
    teams = runner.invoke(cli, ["--home", str(home), "catalog", "teams", "--format", "json"])
    assert teams.exit_code == 0
    payload = json.loads(teams.output)
    assert payload["count"] == 14
    assert {t["type"] for t in payload["teams"]} == {
        "stream-aligned",
        "platform",
        "enabling",
        "complicated-subsystem",
    }
    assert all(
        {"name", "type", "business_unit", "value_stream", "cognitive_load", "services", "people"}
        <= set(t)
        for t in payload["teams"]
    )


def test_large_demo_shape(app: App) -> None:
    result = build_demo(app, seed=2, size="large", as_of=AS_OF, delivery=False)
    assert all(r.rows_rejected == 0 for rep in result.reports for r in rep.results)
    with app.store.session() as session:
        counts = queries.summary(session)
    assert counts["teams"] == 140
    assert counts["services"] == 1500
    assert counts["business_units"] == 10


def test_small_demo_delivery_history_lands_clean_and_gives_dora(app: App) -> None:
    """A year of GitHub, GitLab, PagerDuty and CSV files lands with nothing rejected, every
    service's facts resolve to catalog services, and the DORA report spans elite to low."""
    from leadline.delivery.report import dora

    result = build_demo(app, seed=1, size="small", as_of=AS_OF)
    sources = {rep.source for rep in result.reports}
    assert {"github", "gitlab", "pagerduty", "deployments-csv", "changes-csv"} <= sources
    delivery = [
        r
        for rep in result.reports
        if rep.source not in ("backstage", "catalog-yaml")
        for r in rep.results
    ]
    assert all(
        r.status == "landed" and r.rows_rejected == 0 and r.rows_warned == 0 for r in delivery
    )
    window = Window(dt.datetime(2026, 8, 27), dt.datetime(2026, 11, 25))
    report = dora(app, by="team", window=window)
    levels = {g["performance_level"] for g in report["groups"] if g["key"] != "(none)"}
    assert {"elite", "high", "low"} <= levels
    assert sum(g["deployments"] for g in report["groups"]) > 1000


def test_small_demo_slos_land_clean_and_mix_states(app: App) -> None:
    """The demo's OpenSLO specs and 90 days of five-minute samples land with nothing rejected;
    SLO states mix healthy and exhausted, and burn-rate alerts fired during its incidents."""
    from leadline.reliability.report import alerts, status

    result = build_demo(app, seed=1, size="small", as_of=AS_OF)
    reliability = [
        r for rep in result.reports if rep.source in ("openslo", "sli-csv") for r in rep.results
    ]
    assert len(reliability) == 2
    assert all(r.status == "landed" and r.rows_rejected == 0 for r in reliability)
    at = dt.datetime(2026, 11, 25)
    slos = status(app, at=at)["slos"]
    assert len(slos) >= 10
    assert {"healthy", "exhausted"} <= {s["policy_state"] for s in slos}
    assert all(s["coverage"] is not None and 0.99 < s["coverage"] <= 1.0 for s in slos)
    episodes = alerts(app, since=at - dt.timedelta(days=30), until=at)["episodes"]
    assert {"page", "ticket"} <= {e["severity"] for e in episodes}


def test_demo_sli_data_reaches_the_as_of_instant_and_a_short_window_alert_fires(
    app: App,
) -> None:
    """Built for a past day, the demo's samples run to the end of that day (its as-of
    instant): at noon and at the instant every SLO has a burn rate in every window of the
    workbook rules (5 min to 3 days), and the outage still open on the first tier-1 service
    burns its 99.9 % SLO more than 14.4 times over both 1 h and 5 min: the page fires."""
    from leadline.demo.reliability import as_of_instant
    from leadline.reliability.report import status

    build_demo(app, seed=1, size="small", as_of=AS_OF)
    instant = as_of_instant(AS_OF, dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC))
    assert instant == dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
    windows = {"5m", "30m", "1h", "2h", "6h", "1d", "3d"}
    for at in (dt.datetime(2026, 11, 25, 12), instant.replace(tzinfo=None)):
        slos = status(app, at=at)["slos"]
        for slo in slos:
            rates = slo["burn_rates"]
            assert windows <= set(rates) and all(rates[w] is not None for w in windows), (at, slo)
        short = [s for s in slos if s["burn_rates"]["1h"] > 14.4 and s["burn_rates"]["5m"] > 14.4]
        assert short and all(s["alert"] == "page" for s in short), at


def test_as_of_instant() -> None:
    """Today: now, down to five minutes; a past day: its end; a future day: its start."""
    from leadline.demo.reliability import as_of_instant

    now = dt.datetime(2026, 11, 25, 10, 37, 12, tzinfo=dt.UTC)
    day = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    assert as_of_instant(AS_OF, now) == day + dt.timedelta(hours=10, minutes=35)
    assert as_of_instant(AS_OF, now + dt.timedelta(days=3)) == day + dt.timedelta(days=1)
    assert as_of_instant(AS_OF, now - dt.timedelta(days=3)) == day
