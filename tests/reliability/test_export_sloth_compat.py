"""Sloth compatibility of ``leadline slo export prometheus-rules``: Sloth's own examples,
ingested with ``leadline ingest sloth`` and exported, give the rule groups Sloth generates for
them (``examples/_gen/*.yml`` of slok/sloth, copied verbatim: tests/data/conformance/sloth).

Compared after normalising what is not a difference of meaning: whitespace in expressions, the
binary noise of Sloth's objectives (``0.9990000000000001``, ``0.0009999999999999432``) rounded
to 10 decimals, the ``cmd: examplesgen.sh`` label Sloth's example generator adds, and
``sloth_version`` (``dev`` there, leadline's version here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from leadline.context import App
from leadline.reliability.export_prometheus import export_rules
from tests.conftest import make_settings
from tests.reliability.test_openslo_import import ingest, problems

SLOTH = Path(__file__).parents[1] / "data" / "conformance" / "sloth" / "examples"
NUMBER = re.compile(r"\d+\.\d+(?:e-?\d+)?")


def _expr(text: str) -> str:
    rounded = NUMBER.sub(lambda m: repr(round(float(m.group()), 10)), text)
    return re.sub(r"\s+", "", rounded)


def normalised(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for group in groups:
        rules = []
        for rule in group["rules"]:
            labels = {
                k: str(v)
                for k, v in (rule.get("labels") or {}).items()
                if k not in ("cmd", "sloth_version")
            }
            rules.append({**rule, "expr": _expr(str(rule["expr"])), "labels": labels})
        out.append({"name": group["name"], "rules": rules})
    return out


def exported(tmp_path: Path, example: str) -> list[dict[str, Any]]:
    app = App(make_settings(tmp_path / "home"))
    try:
        found = problems(ingest(app, "sloth", SLOTH / f"{example}.yml"))
        assert [p for p in found if p.severity == "error"] == []  # (services not in a catalog)
        export = export_rules(app)
    finally:
        app.close()
    assert export.skipped == []
    # through YAML, as the command writes it
    return yaml.safe_load(yaml.safe_dump({"groups": export.groups}))["groups"]


def generated(example: str) -> list[dict[str, Any]]:
    text = (SLOTH / "_gen" / f"{example}.yml").read_text("utf-8")
    return [g for doc in yaml.safe_load_all(text) if doc for g in doc["groups"]]


@pytest.mark.parametrize("example", ["getting-started", "raw-home-wifi", "home-wifi", "multifile"])
def test_same_rules_as_sloth(tmp_path: Path, example: str) -> None:
    ours, theirs = normalised(exported(tmp_path, example)), normalised(generated(example))
    assert [g["name"] for g in ours] == [g["name"] for g in theirs]
    assert ours == theirs


def test_alerts_disabled_in_sloth(tmp_path: Path) -> None:
    """Sloth writes no alerts when page and ticket are disabled; leadline evaluates no burn-rate
    rule for such an SLO either (report.rules_for), so the export is Sloth's: its recording
    rules and no alert group."""
    ours, theirs = normalised(exported(tmp_path, "no-alerts")), normalised(generated("no-alerts"))
    assert ours == theirs
