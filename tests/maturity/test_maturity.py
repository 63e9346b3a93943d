"""The maturity model: rules as data, levels reached only when every lower level passes, what
is missing for the next level, questionnaire answers (SQLite and PostgreSQL) and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.maturity.evidence import FACTS, Evidence, Fact
from leadline.maturity.model import Domain, Rule, _domain, load_model, maturity
from tests.delivery.support_metrics import ingest, write_csv

DAY = dt.date(2026, 11, 25)
LEVELS = ["Reactive", "Proactive", "Integrated", "Optimized", "Transformative"]


def delivery_domain(app: App, facts: dict[str, Fact], answers: dict | None = None) -> dict:  # type: ignore[type-arg]
    ev = Evidence(app, DAY, found=dict(facts))
    domain = next(d for d in load_model().domains if d.key == "delivery")
    return _domain(domain, LEVELS, ev, answers or {})


def test_packaged_model_is_valid() -> None:
    model = load_model()
    assert model.levels == LEVELS
    assert [d.key for d in model.domains] == [
        "strategy",
        "governance-risk",
        "delivery",
        "reliability",
        "finops",
        "people-platform",
    ]
    assert all(r.fact in FACTS for d in model.domains for r in d.rules if r.fact)
    assert len(model.rule_ids()) == sum(len(d.rules) for d in model.domains)  # ids unique
    with pytest.raises(ValidationError, match="answerable"):
        Rule(id="x", level=3, description="no check")
    with pytest.raises(ValidationError, match="exactly one"):
        Rule(id="x", level=3, description="d", fact="slos")
    with pytest.raises(ValidationError, match="unknown fact"):
        Rule(id="x", level=3, description="d", fact="weather", min=1)


def test_integrated_delivery_needs_all_teams_tracked_and_half_high(app: App) -> None:
    """The issue's example: DORA tracked for all stream-aligned teams and high performance for
    half of them."""
    facts = {
        "deployments_90d": Fact(120, "120 deployments"),
        "dora_tracked": Fact(1.0, "4 of 4"),
        "dora_high": Fact(0.5, "2 of 4"),
    }
    result = delivery_domain(app, facts)
    assert (result["level"], result["level_name"]) == (3, "Integrated")
    missing = result["next"]["missing"]
    assert result["next"]["name"] == "Optimized"
    assert [m["rule"] for m in missing] == ["delivery.high-most"]
    assert missing[0]["threshold"] == ">= 0.8" and missing[0]["detail"] == "2 of 4"
    short = delivery_domain(app, {**facts, "dora_tracked": Fact(0.75, "3 of 4")})
    assert short["level"] == 2
    assert [m["rule"] for m in short["next"]["missing"]] == ["delivery.dora-all"]


def test_a_level_needs_every_lower_level(app: App) -> None:
    """Level 4 evidence does not count while a level-3 rule fails."""
    facts = {
        "deployments_90d": Fact(10, ""),
        "dora_tracked": Fact(None, "no stream-aligned teams"),
        "dora_high": Fact(0.9, ""),
    }
    result = delivery_domain(app, facts)
    assert result["level"] == 2
    assert next(e for e in result["evidence"] if e["rule"] == "delivery.high-most")["met"]
    nothing = delivery_domain(app, {**facts, "deployments_90d": Fact(0, "0 deployments")})
    assert (nothing["level"], nothing["level_name"]) == (1, "Reactive")


class _Answer:
    def __init__(self, answer: bool) -> None:
        self.answer, self.answered_by, self.answered_on, self.note = answer, "cio", DAY, None


def test_answers_satisfy_only_answerable_rules(app: App) -> None:
    facts = {
        "deployments_90d": Fact(10, ""),
        "dora_tracked": Fact(1.0, ""),
        "dora_high": Fact(0.9, ""),
    }
    without = delivery_domain(app, facts)
    assert without["level"] == 4
    yes = delivery_domain(app, facts, {"delivery.experiments": _Answer(True)})
    assert yes["level"] == 5 and yes["next"] is None
    top = next(e for e in yes["evidence"] if e["rule"] == "delivery.experiments")
    assert (top["met"], top["via"]) == (True, "answer")
    no = delivery_domain(app, facts, {"delivery.experiments": _Answer(False)})
    assert no["level"] == 4
    # An answer cannot stand in for evidence-only rules.
    weak = {**facts, "dora_high": Fact(0.1, "")}
    forced = delivery_domain(app, weak, {"delivery.high-half": _Answer(True)})
    assert forced["level"] == 2


ANSWERS = "rule,answer,answered_by,answered_on,note"


def test_answers_source(any_app: App, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "answers.csv",
        ANSWERS,
        [
            "reliability.error-budget-policy,true,CIO,2026-11-20,policy v2 signed",  # 2
            "delivery.dora-all,true,CIO,2026-11-20,",  # 3: evidence only
            "made.up,true,,,",  # 4: unknown rule
            "finops.unit-economics-decisions,perhaps,,,",  # 5: not a boolean
            "reliability.error-budget-policy,false,,,",  # 6: repeats row 2
        ],
    )
    report = ingest(any_app, "maturity-answers", path)
    assert report.exit_code == 1
    found = {(p.row, p.field) for r in report.results for p in r.problems}
    assert found == {(3, "rule"), (4, "rule"), (5, "answer"), (6, "rule")}
    data = maturity(any_app, as_of=DAY)
    reliability = next(d for d in data["domains"] if d["domain"] == "reliability")
    policy = next(
        e for e in reliability["evidence"] if e["rule"] == "reliability.error-budget-policy"
    )
    assert (policy["met"], policy["via"], policy["answer"]["note"]) == (
        True,
        "answer",
        "policy v2 signed",
    )
    # No SLOs at all: the domain stays Reactive whatever the level-4 answer says.
    assert reliability["level"] == 1
    assert reliability["next"]["missing"][0]["rule"] == "reliability.slos"


def test_empty_installation_is_reactive_everywhere_and_cli(app: App) -> None:
    data = maturity(app, as_of=DAY)
    assert {d["level"] for d in data["domains"]} == {1}
    assert all(d["next"]["missing"] for d in data["domains"])
    home = app.settings.resolved_home
    app.close()
    runner = CliRunner()
    result = runner.invoke(
        cli, ["--home", str(home), "maturity", "--as-of", "2026-11-25", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert [d["level_name"] for d in json.loads(result.output)["domains"]] == ["Reactive"] * 6
    table = runner.invoke(cli, ["--home", str(home), "maturity"], env={"COLUMNS": "200"})
    assert "Proactive" not in table.output and "Reactive" in table.output
    bad = runner.invoke(cli, ["--home", str(home), "maturity", "--as-of", "yesterday"])
    assert bad.exit_code == 2


@given(st.lists(st.tuples(st.integers(min_value=2, max_value=5), st.booleans()), max_size=12))
@hyp_settings(max_examples=60, deadline=None)
def test_level_is_the_highest_with_every_lower_rule_met(rules: list[tuple[int, bool]]) -> None:
    """Against a plain reading of the rule: the highest N such that every rule of levels 2..N
    is met; the missing list for N + 1 holds exactly the unmet rules up to N + 1."""
    domain = Domain(
        key="d",
        name="D",
        rules=[
            Rule(id=f"r{i}", level=level, description=f"rule {i}", answerable=True)
            for i, (level, _) in enumerate(rules)
        ],
    )
    answers = {f"r{i}": _Answer(met) for i, (_, met) in enumerate(rules)}
    result = _domain(domain, LEVELS, Evidence(None, DAY), answers)  # type: ignore[arg-type]
    expected = 1
    for level in range(2, 6):
        if all(met for lv, met in rules if lv == level):
            expected = level
        else:
            break
    assert result["level"] == expected
    if expected < 5:
        missing = {m["rule"] for m in result["next"]["missing"]}
        assert missing == {
            f"r{i}" for i, (lv, met) in enumerate(rules) if lv <= expected + 1 and not met
        }
