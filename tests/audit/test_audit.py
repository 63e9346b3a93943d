"""The audit log: snapshots, diffs, the transaction it shares with the change, the CLI."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadline.audit import AuditEntry, actor_name, diff, history, record, snapshot
from leadline.catalog.models import Team
from leadline.cli import app as cli
from leadline.context import App


def test_actor_name_prefers_explicit_then_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADLINE_ACTOR", "ci-bot")
    assert actor_name(" alice ") == "alice"
    assert actor_name(None) == "ci-bot"
    monkeypatch.delenv("LEADLINE_ACTOR")
    assert actor_name("") not in ("", None)


def test_diff_lists_changed_keys() -> None:
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == ["b"]
    assert diff(None, {"a": 1}) == ["a"]
    assert diff({"a": 1}, None) == ["a"]


def test_record_and_history_on_every_store(any_app: App) -> None:
    at = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    with any_app.store.session() as session:
        record(
            session,
            actor="alice",
            action="create",
            entity_type="risk",
            entity_id=7,
            after={"title": "Ransomware", "score": Decimal("12.5"), "due": dt.date(2026, 3, 1)},
            at=at,
        )
        unchanged = record(
            session,
            actor="bob",
            action="update",
            entity_type="risk",
            entity_id=7,
            before={"title": "Ransomware"},
            after={"title": "Ransomware"},
        )
        assert unchanged is None  # a no-op update leaves no trace
        record(
            session,
            actor="bob",
            action="update",
            entity_type="risk",
            entity_id=7,
            before={"title": "Ransomware", "owner": "alice"},
            after={"title": "Ransomware", "owner": "bob"},
            at=at + dt.timedelta(hours=1),
        )
    with any_app.store.session() as session:
        entries = history(session, entity_type="risk", entity_id="7")
        assert [e.actor for e in entries] == ["bob", "alice"]
        assert entries[0].changed == ["owner"]
        assert entries[0].at == at + dt.timedelta(hours=1)
        assert entries[1].after == {"title": "Ransomware", "score": "12.5", "due": "2026-03-01"}
        assert history(session, actor="alice")[0].action == "create"


def test_audit_row_rolls_back_with_the_change(app: App) -> None:
    with pytest.raises(RuntimeError), app.store.session() as session:
        record(session, actor="eve", action="delete", entity_type="risk", entity_id=1)
        raise RuntimeError("the change failed")
    with app.store.session() as session:
        assert session.query(AuditEntry).count() == 0


def test_unknown_action_or_missing_actor_is_refused(app: App) -> None:
    with app.store.session() as session:
        with pytest.raises(ValueError, match="unknown audit action"):
            record(session, actor="a", action="rename", entity_type="x", entity_id=1)
        with pytest.raises(ValueError, match="needs an actor"):
            record(session, actor="", action="create", entity_type="x", entity_id=1)


def test_snapshot_reads_mapped_columns() -> None:
    team = Team(name="payments", title="Payments", team_type="stream-aligned")
    data = snapshot(team, exclude=["id"])
    assert data["name"] == "payments" and data["team_type"] == "stream-aligned"
    assert "id" not in data


def test_cli_lists_entries(tmp_path: Path) -> None:
    home = tmp_path / "home"
    runner = CliRunner()
    assert runner.invoke(cli, ["--home", str(home), "init"]).exit_code == 0
    instance = App.from_options(home=home)
    with instance.store.session() as session:
        record(
            session,
            actor="alice",
            action="create",
            entity_type="okr",
            entity_id="O1",
            after={"title": "Faster delivery"},
        )
    instance.close()
    result = runner.invoke(cli, ["--home", str(home), "audit", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["count"] == 1
    entry = payload["entries"][0]
    assert entry["actor"] == "alice" and entry["entity_id"] == "O1"
    assert entry["after"] == {"title": "Faster delivery"} and entry["changed"] == ["title"]
    table = runner.invoke(cli, ["--home", str(home), "audit", "--actor", "nobody"])
    assert table.exit_code == 0 and "no entries" in table.stdout
