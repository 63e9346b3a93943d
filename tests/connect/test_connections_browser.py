"""The Connections page in Chromium, through the site-wide gate (``tests/web/test_site.py``'s
``check_page``: no sideways scrolling at 1400 px and 390 px, no text leaving its cell, no blank
column, no snake_case value, no console error, no serious or critical axe-core violation) with
connections in every state; screenshots go to test-output/web/site/."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import sync_playwright

from leadline.connect.models import Connection, ConnectionRun
from leadline.context import App
from leadline.store.base import utcnow
from tests.conftest import make_settings
from tests.web.support import PASSWORD, add_user, csrf_of
from tests.web.test_crash import free_port
from tests.web.test_site import CHROMIUM, SHOTS, WIDTHS, check_page

LONG_ERROR = (
    "ConnectError: GET https://gitlab.example.com/api/v4/groups/platform%2Finfrastructure/"
    "projects?include_subgroups=true&per_page=100&page=7 answered 503 Service Unavailable after "
    "5 attempts over 62 s (Retry-After: 30)\n<html><body><h1>503 Service Unavailable</h1>"
    "No server is available to handle this request.</body></html>"
)


def seed(app: App) -> None:
    """One connection in each state (schedules far from now: the server's own scheduler
    leaves them alone while the test looks)."""
    now = utcnow().replace(microsecond=0)
    yearly = "0 0 1 1 *"
    with app.store.session() as session:
        rows = {
            name: Connection(name=name, kind=kind, schedule=schedule, created_at=now, **extra)
            for name, kind, schedule, extra in (
                ("acme-github", "github", yearly, {}),
                ("platform-gitlab", "gitlab", "0 6 * * 1-5", {}),
                ("incidents", "pagerduty", yearly, {}),
                ("jira-delivery", "jira", None, {}),
                ("cloud-costs", "focus", yearly, {}),
                ("old-opsgenie", "opsgenie", yearly, {"enabled": False}),
            )
        }
        session.add_all(rows.values())
        session.flush()

        def run(name: str, minutes_ago: int, status: str, **extra: object) -> None:
            at = now - dt.timedelta(minutes=minutes_ago)
            session.add(
                ConnectionRun(
                    connection_id=rows[name].id,
                    started_at=at,
                    finished_at=at + dt.timedelta(seconds=40) if status != "running" else None,
                    status=status,
                    trigger="schedule",
                    **extra,
                )
            )

        run("acme-github", 35, "ok", facts_landed=18_204, requests=1_377, batches=12)
        for ago in (50, 30, 10):
            run("platform-gitlab", ago, "failed", requests=5, error=LONG_ERROR)
        run("incidents", 3, "running")
        run("cloud-costs", 600, "partial", facts_landed=2_210, requests=0, error="s3: AccessDenied")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from leadline.web.app import create_app

    settings = make_settings(tmp_path_factory.mktemp("connections-browser") / "home")
    app = App(settings)
    try:
        add_user(app, "ada", "admin")
        seed(app)
    finally:
        app.close()
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, background=False), host="127.0.0.1", port=port, log_level="warning"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert instance.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        thread.join(30)


def test_the_connections_page_passes_the_site_gate(server: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(base_url=server)
        try:
            token = csrf_of(context.request.get("/login").text())
            form = {"username": "ada", "password": PASSWORD, "csrf": token, "next": "/"}
            answer = context.request.post("/login", form=form, max_redirects=0)
            assert answer.status == 303, answer.text()
            problems = [
                f"at {width} px: {problem}"
                for width in WIDTHS
                for problem in check_page(context, "/admin/connections", "admin", width)
            ]
        finally:
            context.close()
            browser.close()
    assert problems == [], "\n".join(problems)
    assert Path(SHOTS / "admin-connections-admin-1400.png").exists()
