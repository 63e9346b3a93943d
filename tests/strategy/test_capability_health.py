"""The heat map's health from SLOs (api meets its objective, web misses it) and DORA (team shop:
two deployments in 90 days, low), and capability levels when parents form a cycle."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from leadline.context import App
from leadline.reliability.models import Slo
from leadline.strategy.alignment import alignment_matrix
from leadline.strategy.capabilities import capability_map
from tests.strategy.support import ingest, land_delivery, write
from tests.strategy.test_slo_bindings import SAMPLES


def capabilities(*specs: tuple[str, str]) -> str:
    return "\n---\n".join(
        f"apiVersion: leadline.io/v1\nkind: Capability\nmetadata: {{name: {name}}}\nspec: {spec}"
        for name, spec in specs
    )


def test_health_from_slos_and_dora(any_app: App, tmp_path: Path) -> None:
    land_delivery(any_app, tmp_path)
    with any_app.store.session() as session:
        for service, objective in (("api", 0.99), ("web", 0.999)):
            session.add(
                Slo(
                    name=f"{service}-availability",
                    service=service,
                    objective=objective,
                    window_kind="rolling",
                    window_days=28,
                    budgeting="occurrences",
                    sli_kind="ratio",
                )
            )
        session.commit()
    assert ingest(any_app, "sli-csv", write(tmp_path / "sli.csv", SAMPLES)).exit_code == 0
    text = capabilities(
        ("api-only", "{services: [api]}"),
        ("both", "{services: [api, web]}"),
        ("shop", "{services: [api], teams: [shop]}"),
        ("web-only", "{services: [web]}"),
    )
    path = write(tmp_path / "c.yaml", text)
    assert ingest(any_app, "capabilities-yaml", path).exit_code == 0
    rows = {
        r["capability"]: r
        for r in capability_map(any_app, at=dt.datetime(2026, 4, 1))["capabilities"]
    }
    got = {
        k: (r["slos_met"], r["slos_judged"], r["dora_level"], r["health"]) for k, r in rows.items()
    }
    assert got == {
        "api-only": (1, 1, None, "green"),
        "both": (1, 2, None, "yellow"),  # 0.5 is not under half
        "shop": (1, 1, "low", "red"),
        "web-only": (0, 1, None, "red"),
    }
    assert rows["both"]["slo_met_share"] == pytest.approx(0.5)
    assert (rows["both"]["services_judged"], rows["both"]["services_meeting_slos"]) == (2, 1)
    # Before any SLI sample the SLOs have no SLI: no data, no health.
    early = capability_map(any_app, at=dt.datetime(2026, 1, 1))["capabilities"]
    assert {r["capability"]: r["health"] for r in early}["api-only"] is None


def test_parent_cycle_has_no_level(app: App, tmp_path: Path) -> None:
    text = capabilities(
        ("a", "{parent: b}"),
        ("b", "{parent: a}"),
        ("root", "{}"),
        ("child", "{parent: root}"),
        ("grandchild", "{parent: child}"),
    )
    ingest(app, "capabilities-yaml", write(tmp_path / "c.yaml", text))
    rows = alignment_matrix(app)["capabilities"]
    assert [(r["capability"], r["level"]) for r in rows] == [
        ("root", 1),
        ("child", 2),
        ("grandchild", 3),
        ("a", None),
        ("b", None),
    ]
