"""``leadline slo export openslo``: import → export → import round-trips. The export of a home
(OpenSLO with references to SLIs, alert policies and conditions, and Sloth SLOs) ingested into a
fresh home exports the same documents again, and every SLO's status figures are equal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.reliability.specs import jsonable
from tests.conftest import make_settings
from tests.reliability.support_slo import ingest_samples, smp, write_samples
from tests.reliability.test_openslo_import import FIXTURES, ingest, problems

runner = CliRunner()
AT = "2026-03-10T00:00:00Z"
JOURNEY = """\
apiVersion: leadline.io/v1
kind: CompositeSLO
metadata: {name: checkout-journey}
spec:
  service: checkout
  objective: 0.99
  components:
    - {slo: checkout-availability, weight: 3}
    - {slo: myservice-requests-availability, weight: 1}
"""
SAMPLES = [
    smp("checkout-availability", "2026-03-09T22:00:00Z", 995, 1000),
    smp("checkout-availability", "2026-03-09T23:30:00Z", 900, 1000),
    smp("checkout-latency", "2026-03-09T23:00:00Z", 98, 100),
    smp("myservice-requests-availability", "2026-03-09T23:59:00Z", 7, 10),
]


def invoke(home: Path, *args: str) -> str:
    result = runner.invoke(cli, ["--home", str(home), "slo", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def make_home(tmp_path: Path, name: str, *specs: tuple[str, Path]) -> Path:
    home = tmp_path / name
    app = App(make_settings(home))
    try:
        assert ingest(app, "catalog-yaml", FIXTURES / "catalog.yaml").exit_code == 0
        for source, path in specs:
            assert problems(ingest(app, source, path)) == [], source
        csv = write_samples(tmp_path / f"{name}-sli.csv", SAMPLES)
        assert ingest_samples(app, csv).exit_code == 0
    finally:
        app.close()
    return home


def documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def status(home: Path) -> dict[str, Any]:
    return json.loads(invoke(home, "status", "--at", AT, "--format", "json"))


def test_import_export_import_round_trips(tmp_path: Path) -> None:
    journey = tmp_path / "journey.yaml"
    journey.write_text(JOURNEY, encoding="utf-8")
    first = make_home(
        tmp_path,
        "first",
        ("openslo", FIXTURES / "openslo.yaml"),
        ("sloth", FIXTURES / "sloth.yaml"),
        ("openslo", journey),
    )
    exported = tmp_path / "export.yaml"
    invoke(first, "export", "openslo", "--out", str(exported))
    docs = documents(exported.read_text("utf-8"))
    assert invoke(first, "export") == exported.read_text("utf-8")  # plain `slo export` too
    kinds = [d["kind"] for d in docs]
    # definitions before uses; a Service per SLO service (checkout's as imported, the others
    # from the catalog); Sloth's two SLOs generated
    assert kinds.index("SLI") < kinds.index("SLO")
    assert kinds[-1] == "CompositeSLO"  # leadline's own document, after the SLOs it names
    services = {d["metadata"]["name"] for d in docs if d["kind"] == "Service"}
    assert services == {"checkout", "search", "web", "myservice"}
    slos = {d["metadata"]["name"] for d in docs if d["kind"] == "SLO"}
    assert {"myservice-requests-availability", "checkout-latency"} <= slos
    # imported documents come back as written (nothing the models do not know is lost)
    source = documents((FIXTURES / "openslo.yaml").read_text("utf-8"))
    for doc in source:
        assert jsonable(doc) in docs, doc["metadata"]["name"]
    second = make_home(tmp_path, "second", ("openslo", exported))
    again = invoke(second, "export", "openslo")
    assert documents(again) == docs
    before, after = status(first), status(second)
    assert before == after
    figures = {r["slo"]: r for r in after["slos"]}
    assert "checkout-journey" in figures  # the composite came through too
    # hand-computed: checkout-availability (99.9 %, 28 days, occurrences): 1895/2000 = 0.9475;
    # myservice-requests-availability (Sloth, 30 days): 7/10
    assert figures["checkout-availability"]["sli"] == 0.9475
    assert figures["myservice-requests-availability"]["sli"] == 0.7
    # budget left 1 - (1 - 0.9475) / 0.001 = -51.5 (overspent)
    assert abs(figures["checkout-availability"]["error_budget_remaining"] + 51.5) < 1e-9


def test_one_slo_brings_what_it_refers_to(tmp_path: Path) -> None:
    first = make_home(tmp_path, "first", ("openslo", FIXTURES / "openslo.yaml"))
    text = invoke(first, "export", "openslo", "--slo", "checkout-availability")
    names = [(d["kind"], d["metadata"]["name"]) for d in documents(text)]
    assert names == [
        ("DataSource", "prometheus"),
        ("Service", "checkout"),
        ("AlertNotificationTarget", "on-call-pager"),
        ("AlertCondition", "fast-burn"),
        ("AlertCondition", "slow-burn"),
        ("AlertPolicy", "checkout-fast-burn"),
        ("AlertPolicy", "checkout-slow-burn"),
        ("SLO", "checkout-availability"),
    ]
    alone = tmp_path / "alone.yaml"
    alone.write_text(text, encoding="utf-8")
    second = make_home(tmp_path, "second", ("openslo", alone))  # no unknown references
    assert documents(invoke(second, "export", "openslo")) == documents(text)
    unknown = runner.invoke(cli, ["--home", str(first), "slo", "export", "openslo", "--slo", "x"])
    assert unknown.exit_code == 2
