"""The demo carries a capability map aligned to the strategy's outcomes and a roadmap of eight
initiatives over six quarters with two lighthouse value streams, through the real sources."""

from __future__ import annotations

import datetime as dt

from leadline.context import App
from leadline.demo.run import build_demo
from leadline.strategy.alignment import alignment_matrix
from leadline.strategy.capabilities import capability_map
from leadline.strategy.roadmap import roadmap

AS_OF = dt.date(2026, 11, 25)


def test_demo_has_capabilities_alignment_and_roadmap(app: App) -> None:
    result = build_demo(app, seed=1, size="small", as_of=AS_OF, delivery=False)
    mine = [r for r in result.reports if r.source in {"capabilities-yaml", "roadmap-yaml"}]
    assert len(mine) == 2 and all(r.exit_code == 0 for r in mine)
    assert not [p for r in mine for x in r.results for p in x.problems]  # every link resolves
    matrix = alignment_matrix(app, today=AS_OF)
    assert len(matrix["capabilities"]) == 10
    assert {c["level"] for c in matrix["capabilities"]} == {1, 2}
    assert len(matrix["outcomes"]) == 4 and matrix["uncovered_outcomes"] == []
    data = roadmap(app, today=AS_OF)
    assert len(data["initiatives"]) == 8
    assert data["quarters"] == ["2026Q3", "2026Q4", "2027Q1", "2027Q2", "2027Q3", "2027Q4"]
    lighthouse_streams = {s for i in data["initiatives"] for s in i["lighthouse_value_streams"]}
    assert len(lighthouse_streams) == 2
    assert data["horizons"]["later"] == ["treasury-platform", "ai-assistants"]
    heat = capability_map(app, at=dt.datetime(2026, 11, 25))
    platform = next(c for c in heat["capabilities"] if c["capability"] == "engineering-platform")
    assert platform["investment"] == {"USD": "400000.00"} and platform["services"]
