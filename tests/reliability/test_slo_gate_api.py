"""The deploy gate over REST: ``GET /api/v1/slo/gate`` is the CLI's JSON document (recorded with
the caller), ``POST /api/v1/slo/gate/{service}/override`` needs an editor of reliability or an
admin (403 otherwise), a reason (422 without), and the CSRF header with a session cookie; the
override is audited and turns the freeze into 'overridden'. The data: test_slo_gate's."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from leadline.audit import AuditEntry
from leadline.cli import app as cli
from leadline.context import App
from leadline.reliability.gate_models import GateRecord
from tests.conftest import make_settings
from tests.reliability.test_slo_gate import AT, gate_json, template_home
from tests.web.page_tables import read_page
from tests.web.support import csrf_of, login, token_for

ROUTE = "/api/v1/slo/gate"
DECISIONS = ["Allow", "Allow", "Override", "Freeze"]  # after the colour's symbol


@pytest.fixture
def site(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> Iterator[tuple[TestClient, App]]:
    from leadline.web.app import create_app

    home = tmp_path / "home"
    shutil.copytree(template_home(tmp_path_factory), home)
    settings = make_settings(home)
    app = App(settings)
    with TestClient(create_app(settings, background=False)) as client:
        yield client, app
    app.close()


def bearer(app: App, user: str, scopes: tuple[str, ...] = ("read", "write")) -> dict[str, str]:
    return {"Authorization": "Bearer " + token_for(app, user, list(scopes))}


def gate_records(app: App) -> list[tuple[str, str, str, str]]:
    with app.store.session() as session:
        rows = session.scalars(select(GateRecord).order_by(GateRecord.id))
        return [(r.kind, r.decision, r.actor, r.via) for r in rows]


def test_get_is_the_cli_document_and_is_recorded(site: tuple[TestClient, App]) -> None:
    client, app = site
    assert client.get(ROUTE, params={"service": "web"}).status_code == 401
    answer = client.get(ROUTE, params={"service": "web", "at": AT}, headers=bearer(app, "vic"))
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert (document["decision"], document["actor"], document["via"]) == ("freeze", "vic", "api")
    assert document["reasons"] == ["checkout: budget exhausted (-400.0 %)"]
    cli = gate_json(app.settings.home, "web", "--as", "vic", code=1)
    ignored = {"id", "decided_at", "via"}
    assert {k: v for k, v in cli.items() if k not in ignored} == {
        k: v for k, v in document.items() if k not in ignored
    }
    missing = client.get(ROUTE, params={"service": "nope"}, headers=bearer(app, "vic"))
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]
    assert gate_records(app) == [
        ("decision", "freeze", "vic", "api"),
        ("decision", "freeze", "vic", "cli"),
    ]


def test_override_needs_the_role_and_a_reason_and_is_audited(
    site: tuple[TestClient, App],
) -> None:
    client, app = site
    url = f"{ROUTE}/web/override"
    for headers in (
        bearer(app, "vic"),  # viewer
        bearer(app, "eve"),  # editor of risk
        bearer(app, "ada", ("read",)),  # an admin's read-only token
    ):
        answer = client.post(url, json={"reason": "hotfix"}, headers=headers)
        assert answer.status_code == 403, answer.text
    editor = bearer(app, "rel")
    assert client.post(url, json={"reason": ""}, headers=editor).status_code == 422
    assert client.post(url, json={}, headers=editor).status_code == 422
    assert gate_records(app) == []
    answer = client.post(url, json={"reason": "hotfix INC-42"}, headers=editor)
    assert answer.status_code == 200, answer.text
    assert answer.json()["override"]["actor"] == "rel"
    frozen_then = client.get(ROUTE, params={"service": "web", "at": AT}, headers=editor).json()
    assert (frozen_then["decision"], frozen_then["policy"]) == ("overridden", "freeze")
    with app.store.session() as session:
        (entry,) = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "slo-gate-override")
        )
        assert (entry.actor, entry.via, entry.note) == ("rel", "api", "hotfix INC-42")


def test_an_override_by_cookie_needs_the_csrf_header(site: tuple[TestClient, App]) -> None:
    client, app = site
    assert login(client, "rel").status_code == 303
    url = f"{ROUTE}/web/override"
    assert client.post(url, json={"reason": "hotfix"}).status_code == 403
    token = csrf_of(client.get("/login").text)
    answer = client.post(url, json={"reason": "hotfix"}, headers={"X-CSRF-Token": token})
    assert answer.status_code == 200, answer.text
    assert gate_records(app)[0][:3] == ("override", "override", "rel")


def test_the_reliability_page_shows_the_latest_decisions(site: tuple[TestClient, App]) -> None:
    client, app = site
    gate_json(app.settings.home, "web", "--as", "ci-bot", code=1)
    editor = bearer(app, "rel")
    assert client.post(
        f"{ROUTE}/web/override", json={"reason": "hotfix"}, headers=editor
    ).is_success
    gate_json(app.settings.home, "api", "--as", "ci-bot", code=0)
    assert login(client, "vic").status_code == 303
    tables, _tiles = read_page(client.get("/reliability").text)
    shown = tables["gate"]
    assert shown.headers == [
        "When",
        "Service",
        "Decision",
        "Reason",
        "Who",
        "Override",
        "Override until",
    ]
    # newest first: the api decision, the override's own decision (judged now: no data in
    # the window, so allow), the override, the freeze
    assert [d.split(" ", 1)[1] for d in shown.column("Decision")] == DECISIONS
    assert shown.status("Decision") == ["green", "green", "amber", "red"]
    assert shown.column("Who") == ["ci-bot", "rel", "rel", "ci-bot"]
    assert shown.column("Override") == ["no", "no", "yes", "no"]
    assert shown.column("Reason")[2:] == ["hotfix", "checkout: budget exhausted (-400.0 %)"]
    assert shown.column("Override until")[2] != "—"


def test_the_decisions_log_is_the_same_in_the_cli_and_the_api(site: tuple[TestClient, App]) -> None:
    """Three decisions on two services: the API's log and ``slo gate-log --format json`` list
    them newest first, filtered by service and limited, with the same rows."""
    client, app = site
    reader = bearer(app, "vic", ("read",))
    assert client.get(f"{ROUTE}/decisions").status_code == 401
    assert client.get(f"{ROUTE}/decisions", headers=reader).json() == {"decisions": []}
    for service in ("web", "web", "api"):
        client.get(ROUTE, params={"service": service, "at": AT}, headers=reader)
    every = client.get(f"{ROUTE}/decisions", headers=reader).json()["decisions"]
    assert [(d["service"], d["actor"], d["via"]) for d in every] == [
        ("api", "vic", "api"),
        ("web", "vic", "api"),
        ("web", "vic", "api"),
    ]
    web = client.get(f"{ROUTE}/decisions", params={"service": "web", "limit": 1}, headers=reader)
    assert web.json()["decisions"] == [every[1]]
    result = CliRunner().invoke(
        cli, ["--home", str(app.settings.home), "slo", "gate-log", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["decisions"] == every
    table = CliRunner().invoke(
        cli, ["--home", str(app.settings.home), "slo", "gate-log", "--service", "api"]
    )
    assert table.exit_code == 0 and "api" in table.stdout and "web" not in table.stdout
    assert client.get(f"{ROUTE}/decisions", params={"limit": 0}, headers=reader).status_code == 422
