"""``GET /api/v1/connectors``, an admin's run now (API and page, role-checked, CSRF-checked,
audited) and the admins' Connections page: statuses in words, times as people say them,
schedules in words, errors whole and readable."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from leadline.audit import AuditEntry
from leadline.config import Settings
from leadline.connect.models import Connection, ConnectionRun
from leadline.connect.schedule import Scheduler
from leadline.context import App
from leadline.store.base import utcnow
from tests.conftest import make_settings
from tests.web.support import add_user, csrf_of, login, token_for

# Times are said to the nearest minute: seeded 25 s late, "12 minutes ago" and "9 minutes from
# now" hold while the page is shown up to 54 s after the seed (a loaded machine).
SLACK = dt.timedelta(seconds=25)
ERROR = (
    "ConnectError: GET https://ghe.example/api/v3/orgs/acme/repos answered 401 Unauthorized\n"
    "Bad credentials: check the token in GITHUB_TOKEN has the repo and read:org scopes"
)


@pytest.fixture(scope="module")
def template_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated home with an admin and a viewer, made once (each test copies it)."""
    home = tmp_path_factory.mktemp("connections-web") / "home"
    instance = App(make_settings(home))
    try:
        add_user(instance, "ada", "admin")
        add_user(instance, "vic", "viewer")
    finally:
        instance.close()
    return home


@pytest.fixture
def settings(tmp_path: Path, template_home: Path) -> Settings:
    shutil.copytree(template_home, tmp_path / "home")
    return make_settings(tmp_path / "home")


@pytest.fixture
def app(settings: Settings) -> Iterator[App]:
    instance = App(settings)
    yield instance
    instance.close()


@pytest.fixture
def client(settings: Settings, app: App) -> Iterator[TestClient]:
    from leadline.web.app import create_app

    with TestClient(create_app(settings, background=False)) as test_client:
        yield test_client


@pytest.fixture
def now() -> dt.datetime:
    return utcnow().replace(microsecond=0)


@pytest.fixture
def seeded(app: App, now: dt.datetime) -> dt.datetime:
    """``acme`` (GitHub, yearly) synced 12 minutes ago; ``ops`` (PagerDuty, every 5
    minutes) failed twice, the last a minute ago; ``drops`` (FOCUS) never run, no schedule.
    The instant of ops' last failure."""
    failed = now - dt.timedelta(minutes=1) + SLACK
    with app.store.session() as session:
        acme = Connection(name="acme", kind="github", schedule="0 0 1 1 *", created_at=now)
        ops = Connection(name="ops", kind="pagerduty", schedule="*/5 * * * *", created_at=now)
        drops = Connection(name="drops", kind="focus", schedule=None, created_at=now)
        session.add_all([acme, ops, drops])
        session.flush()
        session.add(
            ConnectionRun(
                connection_id=acme.id,
                started_at=now - dt.timedelta(minutes=12) + SLACK,
                finished_at=now - dt.timedelta(minutes=11),
                status="ok",
                trigger="schedule",
                facts_landed=12_345,
                requests=1_203,
                batches=4,
            )
        )
        for ended in (failed - dt.timedelta(minutes=6), failed):
            session.add(
                ConnectionRun(
                    connection_id=ops.id,
                    started_at=ended,
                    finished_at=ended,
                    status="failed",
                    trigger="schedule",
                    requests=1,
                    error=ERROR,
                )
            )
    return failed


def bearer(app: App, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(app, user, ['read', 'write'])}"}


def test_the_api_lists_each_connection_with_its_last_and_next_run(
    app: App, client: TestClient, seeded: dt.datetime, now: dt.datetime
) -> None:
    answer = client.get("/api/v1/connectors", headers=bearer(app, "ada"))
    assert answer.status_code == 200
    doc = answer.json()
    assert (doc["count"], doc["next"]) == (3, None)
    rows = {row["name"]: row for row in doc["connections"]}
    assert rows["acme"] == {
        "name": "acme",
        "kind": "github",
        "schedule": "0 0 1 1 *",
        "enabled": True,
        "status": "ok",
        "last_run_started": (now - dt.timedelta(minutes=12) + SLACK).isoformat(),
        "last_run_finished": (now - dt.timedelta(minutes=11)).isoformat(),
        "last_run_trigger": "schedule",
        "facts_landed": 12345,
        "requests": 1203,
        "error": None,
        "failures_in_a_row": 0,
        "backing_off": False,
        "next_run": dt.datetime(now.year + 1, 1, 1, tzinfo=dt.UTC).isoformat(),
    }
    ops = rows["ops"]
    assert (ops["status"], ops["failures_in_a_row"], ops["error"]) == ("failed", 2, ERROR)
    # two failures in a row: 10 minutes after the last, later than its 5-minute slot
    assert ops["backing_off"] is True
    assert ops["next_run"] == (seeded + dt.timedelta(minutes=10)).isoformat()
    assert rows["drops"]["status"] == "never_run" and rows["drops"]["next_run"] is None
    paged = client.get("/api/v1/connectors?limit=2", headers=bearer(app, "ada")).json()
    assert [r["name"] for r in paged["connections"]] == ["acme", "drops"]
    assert "offset=2" in paged["next"]


def test_the_api_answers_304_to_a_poller_until_something_changes(
    app: App, client: TestClient, seeded: dt.datetime
) -> None:
    headers = bearer(app, "ada")
    first = client.get("/api/v1/connectors", headers=headers)
    tag = first.headers["etag"]
    again = client.get("/api/v1/connectors", headers={**headers, "If-None-Match": tag})
    assert again.status_code == 304
    with app.store.session() as session:
        session.scalars(select(Connection).where(Connection.name == "drops")).one().enabled = False
    changed = client.get("/api/v1/connectors", headers={**headers, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag


def test_the_api_and_run_now_are_for_admins_only(app: App, client: TestClient) -> None:
    assert client.get("/api/v1/connectors").status_code == 401
    viewer = bearer(app, "vic")
    assert client.get("/api/v1/connectors", headers=viewer).status_code == 403
    assert client.post("/api/v1/connectors/acme/run", headers=viewer).status_code == 403
    read_only = {"Authorization": f"Bearer {token_for(app, 'ada', ['read'])}"}
    assert client.post("/api/v1/connectors/acme/run", headers=read_only).status_code == 403


def wait_idle(scheduler: Scheduler) -> None:
    deadline = time.monotonic() + 10
    while scheduler.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not scheduler.running()


def test_run_now_through_the_api_starts_a_sync_and_is_audited(
    app: App, client: TestClient, seeded: dt.datetime
) -> None:
    scheduler: Scheduler = client.app.state.services["connect"]  # type: ignore[attr-defined]
    calls: list[tuple[str, str]] = []
    scheduler.run = lambda name, trigger: calls.append((name, trigger))
    headers = bearer(app, "ada")
    answer = client.post("/api/v1/connectors/drops/run", headers=headers)
    assert answer.status_code == 202 and answer.json() == {"name": "drops", "started": True}
    wait_idle(scheduler)
    assert calls == [("drops", "api")]
    assert client.post("/api/v1/connectors/nope/run", headers=headers).status_code == 404
    with app.store.session() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "connection")
        ).one()
    assert (entry.actor, entry.via, entry.action, entry.entity_id) == (
        "ada",
        "api",
        "import",
        "drops",
    )


def test_the_connections_page_says_each_status_in_words(
    app: App, client: TestClient, seeded: dt.datetime, now: dt.datetime
) -> None:
    assert client.get("/admin/connections", follow_redirects=False).status_code == 303
    login(client, "vic")
    assert client.get("/admin/connections").status_code == 403
    login(client, "ada")
    html = client.get("/admin/connections").text
    assert '<a href="/admin/connections" aria-current="page">Connections</a>' in html
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "3 connections: 1 failing, 1 OK, 1 never run." in text
    assert "acme GitHub" in text and "ops PagerDuty" in text and "drops FOCUS cost exports" in text
    assert '<span class="rag-badge rag-green">✔ OK</span>' in html
    assert '<span class="rag-badge rag-red">✖ Failing</span>' in html
    assert "✖ Failing 2 runs in a row" in text
    assert '<span class="rag-badge rag-grey">○ Never run</span>' in html
    assert "Every 5 minutes (UTC)" in text and "Only by leadline sync" in text
    assert "12 minutes ago" in text
    acme_ran = (now - dt.timedelta(minutes=12) + SLACK).strftime("%Y-%m-%d %H:%M UTC")
    assert f"{acme_ran}, on schedule" in text
    assert "12,345" in text and "1,203" in text
    assert f"{now.year + 1}-01-01 00:00 UTC" in text
    ops_next = (seeded + dt.timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M UTC")
    assert f"{ops_next}, backing off" in text
    assert "9 minutes from now" in text
    assert "Not scheduled" in text
    # the error: its first line in the table, the whole text (both lines) below
    cell = re.search(r'<td class="error-preview">(.*?)</td>', html.split(">ops<br>")[1], re.S)
    assert cell is not None
    assert cell.group(1).startswith(ERROR.splitlines()[0] + " <a")  # the first line only
    assert '<a href="#error-ops">Whole error' in html
    assert re.search(r'<pre class="run-error">ConnectError: .*\nBad credentials', html)
    # no enumeration's code (never_run, last_run_trigger) outside the vendor's error text
    assert "_" not in text.replace(ERROR.replace("\n", " "), "")


def test_run_now_from_the_page_needs_its_csrf_token_and_says_it_started(
    app: App, client: TestClient, seeded: dt.datetime
) -> None:
    scheduler: Scheduler = client.app.state.services["connect"]  # type: ignore[attr-defined]
    calls: list[tuple[str, str]] = []
    scheduler.run = lambda name, trigger: calls.append((name, trigger))
    login(client, "ada")
    page = client.get("/admin/connections").text
    refused = client.post("/admin/connections/acme/run", data={"csrf": "stale"})
    assert refused.status_code == 403
    started = client.post(
        "/admin/connections/acme/run", data={"csrf": csrf_of(page)}, follow_redirects=False
    )
    assert started.status_code == 303
    assert started.headers["location"] == "/admin/connections?notice=started&name=acme"
    wait_idle(scheduler)
    assert calls == [("acme", "web")]
    shown = client.get(started.headers["location"]).text
    assert "A sync of acme has started; reload this page to see how it ends." in shown


def test_the_page_without_connections_says_how_to_add_one(client: TestClient) -> None:
    login(client, "ada")
    html = client.get("/admin/connections").text
    assert "No connections yet." in html and "leadline connect add" in html


def test_an_error_preview_is_its_first_line_cut_to_90_characters() -> None:
    from leadline.connect.views import preview

    assert preview(None) == "—" and preview("  ") == "—"
    assert preview("short\nsecond line") == "short"
    long = "x" * 95
    assert preview(long) == "x" * 89 + "…" and len(preview(long)) == 90


def test_times_read_as_people_say_them() -> None:
    from leadline.connect.views import moment

    now = dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC)
    month = moment("2027-01-06T15:00:00+00:00", now, due=True)
    assert month is not None and (month.relative, month.exact) == (
        "A month from now",
        "2027-01-06 15:00 UTC",
    )
    past = "2026-12-07T14:55:00+00:00"
    assert moment(past, now, due=True).relative == "Due now"  # type: ignore[union-attr]
    assert moment(past, now).relative == "5 minutes ago"  # type: ignore[union-attr]
    assert month.inline == "a month from now"
    assert moment(None, now) is None


def test_the_openapi_document_describes_the_routes_and_their_keys(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    listing = spec["paths"]["/api/v1/connectors"]["get"]
    for key in ("last_run_started", "facts_landed", "requests", "error", "next_run"):
        assert f"`{key}`" in listing["description"]
    run = spec["paths"]["/api/v1/connectors/{name}/run"]["post"]
    assert {"202", "401", "403", "404", "409"} <= set(run["responses"])
