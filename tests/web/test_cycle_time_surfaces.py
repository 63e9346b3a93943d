"""Cycle time on every surface over the demo: ``/api/v1/dora/cycle-time`` answers the CLI's
document, the registry's ``delivery.*`` metrics are its figures, and the Cycle time page shows
the stacked phases and the table."""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape
from typing import Any

from leadline.delivery.cycle_report import cycle_document
from leadline.periods import Window
from leadline.semantic.evaluation import Evaluation
from tests.web.support import login
from tests.web.test_api import _cli_json, demo

__all__ = ["demo"]
AT = dt.datetime(2026, 11, 1, 12)
QUERY = "/api/v1/dora/cycle-time?by=team&since=2026-08-01&until=2026-11-01&at=2026-11-01T12:00:00Z"


def test_api_registry_and_page_read_one_document(demo: Any) -> None:
    client, app, reader = demo
    window = Window.parse("2026-08-01", "2026-11-01")
    document = cycle_document(app, by="team", window=window, as_of=AT)
    assert client.get(QUERY).status_code == 401
    answer = client.get(QUERY, headers=reader)
    assert answer.status_code == 200, answer.text
    assert answer.json() == _cli_json(document)
    measured = [g for g in document["groups"] if g["pull_requests"]]
    assert measured, "the demo's GitHub services have merged pull requests"
    group = measured[0]
    assert group["review_hours"]["p50"] is not None
    one = client.get(QUERY + f"&key={group['key']}", headers=reader).json()
    assert [g["key"] for g in one["groups"]] == [group["key"]]

    ev = Evaluation(app, now=AT)
    for key, figure in (
        ("delivery.cycle_time_p50", "cycle_hours"),
        ("delivery.pickup_time_p50", "pickup_hours"),
        ("delivery.pr_size_p50", "size_lines"),
    ):
        [values] = ev.values(key, "team", [window])
        assert values[group["key"]] == group[figure]["p50"], key

    assert login(client, "vic").status_code == 303
    html = client.get("/delivery/cycle-time").text
    assert "Cycle time by phase" in html and "LinearB" in html and "<table>" in html
    [spec] = [json.loads(unescape(s)) for s in re.findall(r'data-spec="([^"]*)"', html)]
    assert {row["phase"] for row in spec["data"]["values"]} <= {
        "Coding",
        "Pickup",
        "Review",
        "Deploy",
    }
    assert spec["data"]["values"], "the chart has data"
    csv = client.get("/delivery/cycle-time?format=csv&table=cycle-time").text
    assert csv.splitlines()[0].startswith("key,bucket,pull_requests,coding_hours_p50")
