"""Editing a risk through the API: role checks (editor of risk, admin), validation, audit."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from leadline.audit import AuditEntry
from leadline.context import App
from leadline.risk.risks import get_risk, save
from leadline.risk.scoring import Matrix
from tests.web.support import token_for

RISK = {
    "key": "R-001",
    "title": "Backups untested",
    "owner": "ops",
    "likelihood": 3,
    "impact": 4,
    "category": "operational",
    "treatment": "mitigate",
    "identified_on": dt.date(2026, 1, 10),
}


def _with_risk(app: App) -> None:
    with app.store.session() as session:
        save(session, dict(RISK), Matrix.from_settings(app.settings.risk), actor="seed")


def _bearer(app: App, user: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + token_for(app, user, ["read", "write"])}


def test_risk_editor_updates_a_risk_and_it_is_audited(client: TestClient, web_app: App) -> None:
    _with_risk(web_app)
    answer = client.patch(
        "/api/v1/risk/register/R-001", json={"likelihood": 2}, headers=_bearer(web_app, "eve")
    )
    assert answer.status_code == 200, answer.text
    row = answer.json()
    assert (row["likelihood"], row["inherent_score"], row["residual_likelihood"]) == (2, 8, 3)
    with web_app.store.session() as session:
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "risk")
            .order_by(AuditEntry.id.desc())
        ).first()
        assert entry is not None
        assert (entry.actor, entry.via, entry.action) == ("eve", "api", "update")
        assert entry.before["likelihood"] == 3 and entry.after["likelihood"] == 2
        risk = get_risk(session, "R-001")
        assert risk is not None and risk.likelihood == 2


def test_other_pillar_editor_and_viewer_and_read_token_are_forbidden(
    client: TestClient, web_app: App
) -> None:
    _with_risk(web_app)
    for headers in (
        _bearer(web_app, "sam"),  # editor of finops
        _bearer(web_app, "vic"),  # viewer
        {"Authorization": "Bearer " + token_for(web_app, "ada", ["read"])},
    ):
        answer = client.patch("/api/v1/risk/register/R-001", json={"impact": 1}, headers=headers)
        assert answer.status_code == 403
    with web_app.store.session() as session:
        risk = get_risk(session, "R-001")
        assert risk is not None and risk.impact == 4


def test_bad_edits_are_400_and_change_nothing(client: TestClient, web_app: App) -> None:
    _with_risk(web_app)
    admin = _bearer(web_app, "ada")
    for change in ({"likelihood": 9}, {"nonsense": 1}, {"likelihood": "high"}, {"key": "R-2"}):
        answer = client.patch("/api/v1/risk/register/R-001", json=change, headers=admin)
        assert answer.status_code == 400, (change, answer.text)
    missing = client.patch("/api/v1/risk/register/R-404", json={"impact": 1}, headers=admin)
    assert missing.status_code == 404
    with web_app.store.session() as session:
        risk = get_risk(session, "R-001")
        assert risk is not None and (risk.likelihood, risk.impact) == (3, 4)
