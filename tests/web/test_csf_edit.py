"""Scoring a CSF subcategory from the API and the form: today's dated row is added (history
kept), values validated, roles checked, audited."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from leadline.audit import AuditEntry
from leadline.context import App
from leadline.risk.models import CsfAssessment
from leadline.risk.profiles import profile_report
from tests.conftest import make_settings
from tests.web.support import csrf_of, login, token_for

PROFILE = "retail-csf"


def _first_row(app: App) -> dict[str, object]:
    with app.store.session() as session:
        return profile_report(session, PROFILE, dt.datetime.now(dt.UTC).date())["rows"][0]  # type: ignore[no-any-return]


def test_api_scores_a_subcategory_and_keeps_history(demo_copy: Path) -> None:
    from leadline.web.app import create_app

    settings = make_settings(demo_copy)
    app = App(settings)
    row = _first_row(app)
    sub, earlier = str(row["subcategory"]), row["assessed_on"]
    eve = {"Authorization": "Bearer " + token_for(app, "eve", ["read", "write"])}
    vic = {"Authorization": "Bearer " + token_for(app, "vic", ["read", "write"])}
    url = f"/api/v1/risk/csf/{PROFILE}/{sub}"
    with TestClient(create_app(settings, background=False)) as client:
        assert client.patch(url, json={"current_tier": 1}, headers=vic).status_code == 403
        for bad in ({"current_status": "done"}, {"target_tier": "7"}, {"owner": "x"}):
            assert client.patch(url, json=bad, headers=eve).status_code == 400, bad
        too_low = {"current_tier": 4, "target_tier": 1}
        assert client.patch(url, json=too_low, headers=eve).status_code == 400
        missing = f"/api/v1/risk/csf/{PROFILE}/XX.YY-99"
        assert client.patch(missing, json={"current_tier": 1}, headers=eve).status_code == 404
        answer = client.patch(
            url,
            json={"current_tier": "Repeatable", "target_tier": 4, "notes": "re-assessed"},
            headers=eve,
        )
        assert answer.status_code == 200, answer.text
        got = answer.json()
        today = dt.datetime.now(dt.UTC).date()
        assert (got["current_tier"], got["target_tier"], got["notes"]) == (3, 4, "re-assessed")
        assert got["assessed_on"] == today.isoformat() and got["tier_gap"] == 1
    with app.store.session() as session:
        dated = list(
            session.scalars(
                select(CsfAssessment.assessed_on).where(
                    CsfAssessment.profile == PROFILE, CsfAssessment.subcategory == sub
                )
            )
        )
        assert earlier in dated and today in dated  # the earlier assessment is kept
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "csf_assessment")
        ).one()
        assert (entry.actor, entry.via, entry.entity_id) == ("eve", "api", f"{PROFILE}/{sub}")
        assert entry.after["current_tier"] == 3
    app.close()


def test_form_scores_a_subcategory(demo_copy: Path) -> None:
    from leadline.web.app import create_app

    settings = make_settings(demo_copy)
    with TestClient(create_app(settings, background=False)) as client:
        login(client, "eve")
        risk_page = client.get("/risk").text
        assert f'href="/risk/csf/{PROFILE}"' in risk_page
        page = client.get(f"/risk/csf/{PROFILE}").text
        edit = re.search(rf'href="(/risk/csf/{PROFILE}/[^"]+/edit)"', page).group(1)  # type: ignore[union-attr]
        form = client.get(edit).text
        data = {
            "current_status": "implemented",
            "current_tier": "2",
            "target_status": "implemented",
            "target_tier": "3",
            "notes": "",
            "csrf": csrf_of(form),
        }
        saved = client.post(edit, data=data, follow_redirects=False)
        assert saved.status_code == 303 and saved.headers["location"] == f"/risk/csf/{PROFILE}"
        bad = client.post(edit, data={**data, "current_status": "nope"}, follow_redirects=False)
        assert bad.status_code == 400 and "current_status" in bad.text
