"""``/api/v1/dora?benchmark=``: the CLI's ``--benchmark`` on the API, over the demo."""

from __future__ import annotations

from typing import Any

from leadline.delivery.levels import rebenchmark
from leadline.delivery.report import dora
from leadline.periods import Window
from tests.web.test_api import _cli_json, demo

__all__ = ["demo"]
QUERY = "/api/v1/dora?by=team&since=2026-06-01&until=2026-09-01&at=2026-10-01T12:00:00Z"


def test_the_benchmark_parameter_answers_the_cli_document(demo: Any) -> None:
    import datetime as dt

    client, app, reader = demo
    window = Window.parse("2026-06-01", "2026-09-01")
    base = dora(app, by="team", window=window, as_of=dt.datetime(2026, 10, 1, 12))
    newest = client.get(QUERY, headers=reader).json()
    assert newest["benchmark"] == "DORA 2025"
    assert {g["levels_benchmark"] for g in newest["groups"]} == {"DORA 2024"}
    older = client.get(QUERY + "&benchmark=2023", headers=reader).json()
    assert older == _cli_json(rebenchmark(base, "2023"))
    assert {g["benchmark"] for g in older["groups"]} == {"DORA 2023"}
    key = older["groups"][0]["key"]
    one = client.get(QUERY + f"&benchmark=2023&key={key}", headers=reader).json()
    assert one["groups"] == older["groups"][:1]
    assert client.get(QUERY + "&benchmark=2022", headers=reader).status_code == 422
