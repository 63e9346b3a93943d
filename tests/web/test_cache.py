"""The report cache: reused while nothing lands or is edited and the entry is young; one
computation for concurrent askers; an edit through the API is visible at once."""

from __future__ import annotations

import datetime as dt
import threading
import time

from fastapi.testclient import TestClient

from leadline.audit import record
from leadline.context import App
from leadline.webkit.cache import VERSION_SECONDS, ReportCache
from tests.web.support import csrf_of, login, token_for


def test_entry_is_reused_until_data_changes_or_it_ages(web_app: App) -> None:
    cache = ReportCache(ttl=60)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get(web_app, "k", compute) == 1
    assert cache.get(web_app, "k", compute) == 1
    assert cache.get(web_app, "other", compute) == 2
    with web_app.store.session() as session:  # an audited edit by another process
        record(session, actor="t", action="update", entity_type="x", entity_id=1, after={"a": 1})
    time.sleep(VERSION_SECONDS + 0.05)  # another process's write shows within a second
    assert cache.get(web_app, "k", compute) == 3
    short = ReportCache(ttl=0.05)
    assert short.get(web_app, "k", compute) == 4
    time.sleep(0.1)
    assert short.get(web_app, "k", compute) == 5
    off = ReportCache(ttl=0)
    assert off.get(web_app, "k", compute) == 6 and off.get(web_app, "k", compute) == 7


def test_concurrent_askers_share_one_computation(web_app: App) -> None:
    cache = ReportCache(ttl=60)
    started = threading.Event()
    calls: list[int] = []

    def slow() -> str:
        calls.append(1)
        started.set()
        time.sleep(0.3)
        return "report"

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get(web_app, "k", slow)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["report"] * 8
    assert len(calls) == 1


def test_an_edit_through_the_web_shows_at_once(client: TestClient, web_app: App) -> None:
    from leadline.strategy.plan import start

    start(web_app, on=dt.date(2026, 10, 1), actor="t")
    reader = {"Authorization": "Bearer " + token_for(web_app, "vic", ["read"])}
    first = client.get("/api/v1/plan", headers=reader).json()
    key = first["items"][0]["key"]
    login(client, "ada")
    form = client.get(f"/plan/{key}/edit").text
    saved = client.post(
        f"/plan/{key}/edit",
        data={"status": "blocked", "csrf": csrf_of(form)},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    second = client.get("/api/v1/plan", headers=reader).json()
    assert second["items"][0]["status"] == "blocked" != first["items"][0]["status"]
