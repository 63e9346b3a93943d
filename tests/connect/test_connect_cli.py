"""``leadline connect add|list|remove`` and ``leadline sync``'s refusals: options checked against
the kind, no token on the command line or in the store, audited writes."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner, Result

from leadline.audit.log import AuditEntry
from leadline.cli import app as cli
from leadline.config import load_settings
from leadline.connect.models import Connection
from leadline.context import App


def run(home: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--home", str(home), *args])


def test_refusals_name_what_is_wrong(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cases = {
        ("github", "x", "--org", "acme", "--token", "ghp_secret"): "never given on the command",
        ("github", "x", "--org", "acme"): "needs --token-env VARIABLE or --token-file PATH",
        ("github", "x", "--token-env", "T"): "give --org ORGANISATION or at least one --repo",
        ("github", "x", "--org", "a", "--bogus", "1", "--token-env", "T"): "no option --bogus",
        ("github", "x", "--repo", "justname", "--token-env", "T"): "is not OWNER/NAME",
        ("nosuch", "x"): "unknown connector kind 'nosuch'",
        ("github", "bad name", "--org", "a", "--token-env", "T"): "connection name 'bad name'",
        ("github", "x", "--org", "a", "--token-env", "T", "--schedule", "hourly"): "five cron",
    }
    for args, message in cases.items():
        result = run(home, "connect", "add", *args)
        assert result.exit_code == 2, args
        assert message in " ".join(result.output.split()), (args, result.output)
    assert "ghp_secret" not in (home / "leadline.db").read_bytes().decode(errors="ignore")


def test_add_list_remove_audited(tmp_path: Path) -> None:
    home = tmp_path / "home"
    added = run(
        home,
        *("connect", "add", "github", "acme", "--org", "acme", "--repo", "acme/a"),
        *("--repo", "acme/b", "--token-file", "/run/secrets/gh", "--schedule", "0  * * * *"),
        *("--as", "alice"),
    )
    assert added.exit_code == 0, added.output
    again = run(home, "connect", "add", "github", "acme", "--org", "x", "--token-env", "T")
    assert again.exit_code == 2 and "exists" in again.output
    (row,) = json.loads(run(home, "connect", "list", "--format", "json").stdout)
    assert row["options"] == {"org": "acme", "repo": ["acme/a", "acme/b"]}
    assert row["secret"] == "file /run/secrets/gh" and row["schedule"] == "0 * * * *"
    assert row["status"] == "never run"
    table = run(home, "connect", "list")
    assert "acme" in table.stdout and "file /run/secrets/gh" in table.stdout
    assert run(home, "connect", "remove", "acme", "--as", "bob").exit_code == 0
    assert run(home, "connect", "remove", "acme").exit_code == 2
    app = App(load_settings(home=home))
    with app.store.session() as session:
        assert session.scalars(select(Connection)).all() == []
        audit = [(e.actor, e.action, e.entity_id) for e in session.scalars(select(AuditEntry))]
    app.close()
    assert audit == [("alice", "create", "acme"), ("bob", "delete", "acme")]


def test_sync_of_an_unknown_connection_is_an_error(tmp_path: Path) -> None:
    result = run(tmp_path / "home", "sync", "nosuch")
    assert result.exit_code == 2 and "no connection named 'nosuch'" in result.output
    empty = run(tmp_path / "home", "sync")
    assert empty.exit_code == 0 and "no connections to sync" in empty.stdout


def test_a_failing_connection_is_reported_and_the_others_still_run(tmp_path: Path) -> None:
    home = tmp_path / "home"
    app = App(load_settings(home=home))
    with app.store.session() as session:  # a kind this version no longer has, then a good one
        session.add(Connection(name="a-gone", kind="nosuch", options={}))
        session.add(Connection(name="b-prom", kind="prometheus", options={}))
    app.close()
    result = run(home, "sync")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("FAILED a-gone (nosuch): failed") and "unknown connector kind" in line
        for line in lines
    ), result.stdout
    assert any(line.startswith("OK b-prom (prometheus): ok, 1 batch") for line in lines)
