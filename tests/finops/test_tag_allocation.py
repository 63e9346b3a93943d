"""Allocation by tag values and virtual tags on a hand-computed month: a rule allocating to the
team (or service) a tag names, with aliases and any case; unknown values unallocated and
listed; virtual tags used by a later virtual tag, by a rule and as a ``--by tag:KEY``
dimension; the rule set's validation of both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadline.cli import app as cli
from leadline.context import App
from leadline.finops import report
from leadline.finops.rules import parse_rules
from tests.delivery.support_metrics import load_catalog
from tests.finops.support_finops import focus_row, ingest_focus, ingest_rules, write_focus

RULES = """
apiVersion: leadline.io/v1
kind: AllocationRules
metadata: {name: tag-values}
spec:
  virtual_tags:
    - key: env
      values:
        - {value: sandbox, match: {sub_account_id: "999"}}
      from_tags: [env, Environment]
      aliases: {PRD: production}
      default: unknown
    - key: cost-center
      values:
        - {value: cc-prod, match: {tags: {env: production}}}
  rules:
    - name: prod-to-finance
      match: {tags: {cost-center: cc-prod}}
      to: {team: finance}
    - name: by-team
      to: {team: {tag: team, aliases: {pay: payments}}}
    - name: by-app
      to: {service: {tag: app}}
    - name: rest
      shared: platform
  shared:
    - {name: platform, split: even, among: [payments, finance]}
"""


def _rows() -> list[dict[str, str]]:
    """January 2026, USD, total 79.00."""
    return [
        focus_row(EffectiveCost="20.00", Tags='{"team": "PAYMENTS"}'),
        focus_row(EffectiveCost="5.00", Tags='{"team": "pay"}'),
        focus_row(EffectiveCost="7.00", Tags='{"team": "Browse"}'),
        focus_row(EffectiveCost="3.00", Tags='{"team": "ghost"}'),
        focus_row(EffectiveCost="2.00", Tags='{"team": "Ghost"}'),
        focus_row(EffectiveCost="1.00", Tags='{"team": "ghost"}'),
        focus_row(EffectiveCost="11.00", Tags='{"app": "Search"}'),
        focus_row(EffectiveCost="13.00", SubAccountId="999", Tags=""),
        focus_row(EffectiveCost="17.00", Tags='{"team": "payments", "Environment": "prd"}'),
    ]


@pytest.fixture
def tag_app(app: App, tmp_path: Path) -> App:
    load_catalog(app, tmp_path)
    assert ingest_focus(app, write_focus(tmp_path / "jan.csv", _rows())).exit_code == 0
    landed = ingest_rules(app, tmp_path, RULES)
    assert landed.exit_code == 0, [p.describe() for r in landed.results for p in r.problems]
    return app


def groups(data: dict[str, object]) -> dict[str, str]:
    return {g["key"]: g["cost"] for g in data["groups"]}  # type: ignore[attr-defined]


def test_tag_values_name_teams_and_services(tag_app: App) -> None:
    """PAYMENTS 20 and the alias pay 5 → payments; Browse 7 → browse; app Search 11 → the
    service search, owned by browse; the line tagged payments but Environment prd is
    env production → cost-center cc-prod → finance 17 (the earlier rule wins); the untagged
    13 is shared evenly by payments and finance (6.50 each); ghost 3 + 1 and Ghost 2 name no
    team: 6 unallocated. 31.50 + 18 + 23.50 + 6 = 79."""
    data = report.showback(tag_app, "2026-01")
    assert data["total"] == "79.00" and data["default_rule"] is False
    assert groups(data) == {
        "payments": "31.50",
        "finance": "23.50",
        "browse": "18.00",
        "unallocated": "6.00",
    }
    assert data["warnings"] == [
        "rule by-team: 2 values of tag team name no team of the catalog, so their cost is "
        "unallocated: 'ghost' (2 lines), 'Ghost' (1 line)"
    ]
    assert groups(report.showback(tag_app, "2026-01", by="service"))["search"] == "11.00"


def test_virtual_tags_as_a_dimension(tag_app: App) -> None:
    """env: sub-account 999 → sandbox (the shared 13, both halves); Environment prd through
    the alias → production (17); everything else the default unknown (20 + 5 + 7 + 11 = 43);
    unallocated stays its own group (6). cost-center: cc-prod 17, untagged (none) 56."""
    by_env = report.showback(tag_app, "2026-01", by="tag:env")
    assert by_env["by"] == "tag:env"
    assert groups(by_env) == {
        "unknown": "43.00",
        "production": "17.00",
        "sandbox": "13.00",
        "unallocated": "6.00",
    }
    by_cc = report.showback(tag_app, "2026-01", by="tag:cost-center")
    assert groups(by_cc) == {"(none)": "56.00", "cc-prod": "17.00", "unallocated": "6.00"}
    by_team_tag = report.showback(tag_app, "2026-01", by="tag:team")
    assert groups(by_team_tag)["PAYMENTS"] == "20.00"
    with pytest.raises(report.FinOpsError, match="tag:KEY"):
        report.showback(tag_app, "2026-01", by="tag:")


def test_cli_by_tag_and_default_rule_note(tag_app: App, tmp_path: Path) -> None:
    home = tag_app.settings.resolved_home
    tag_app.close()
    result = CliRunner().invoke(
        cli,
        [
            *("--home", str(home), "finops", "showback", "--month", "2026-01"),
            "--by",
            "tag:env",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["groups"][0] == {
        "key": "unknown",
        "cost": "43.00",
        "share": round(43 / 79, 6),
    }
    table = CliRunner().invoke(
        cli,
        ["--home", str(home), "finops", "showback", "--month", "2026-01", "--by", "tag:env"],
        env={"COLUMNS": "200"},
    )
    assert table.exit_code == 0 and "Tag env" in table.stdout and "43.00" in table.stdout


def test_default_rule_note_in_the_table(app: App, tmp_path: Path) -> None:
    load_catalog(app, tmp_path)
    assert ingest_focus(app, write_focus(tmp_path / "jan.csv", _rows())).exit_code == 0
    home = app.settings.resolved_home
    app.close()
    table = CliRunner().invoke(
        cli,
        ["--home", str(home), "finops", "showback", "--month", "2026-01"],
        env={"COLUMNS": "200"},
    )
    assert table.exit_code == 0, table.output
    assert "tag team names a catalog team" in " ".join(table.stdout.split())


def _spec(**spec: object) -> dict[str, object]:
    return {"kind": "AllocationRules", "spec": {"rules": [{"name": "r", "shared": "p"}], **spec}}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"virtual_tags": [{"key": "env"}]}, "give values, from_tags or a default"),
        ({"virtual_tags": [{"key": "env", "aliases": {"a": "b"}, "default": "x"}]}, "from_tags"),
        (
            {"virtual_tags": [{"key": "e", "default": "x"}, {"key": "e", "default": "y"}]},
            "virtual tag keys must be unique: e",
        ),
        (
            {"virtual_tags": [{"key": "e", "from_tags": ["a"], "aliases": {"P": "x", "p": "y"}}]},
            "differ only in case",
        ),
    ],
)
def test_invalid_virtual_tags_are_refused(spec: dict[str, object], message: str) -> None:
    document = _spec(**spec)
    document["spec"]["shared"] = [{"name": "p"}]  # type: ignore[index]
    with pytest.raises(ValueError, match=message):
        parse_rules(document)


def test_unknown_alias_targets_warn_at_ingest(app: App, tmp_path: Path) -> None:
    load_catalog(app, tmp_path)
    text = RULES.replace("aliases: {pay: payments}", "aliases: {pay: paymnts, br: BROWSE}")
    landed = ingest_rules(app, tmp_path, text)
    warnings = [p for r in landed.results for p in r.problems]
    assert [(p.field, p.value) for p in warnings] == [("spec.rules.1.to.team.aliases", "paymnts")]
    assert warnings[0].severity == "warning"


def test_a_tag_value_rule_lets_untagged_lines_through() -> None:
    """Lines without the tag go on to later rules: the rule's condition needs the tag set."""
    rules = parse_rules(
        {
            "kind": "AllocationRules",
            "spec": {"rules": [{"name": "t", "to": {"service": {"tag": "app"}}}]},
        }
    )
    (rule,) = rules.rules
    assert rule.to is not None and rule.to.from_tag is not None
    assert rule.to.kind == "service" and rule.to.from_tag.tag == "app"
    assert rule.to.from_tag.canonical("X") == "X"


def test_the_finops_page_says_the_default_rule_is_in_force(app: App, tmp_path: Path) -> None:
    """Once, above the tables (not in each table), and the showback still runs."""
    from leadline.finops.views import finops
    from leadline.webkit.filters import Filters, Scope

    load_catalog(app, tmp_path)
    assert ingest_focus(app, write_focus(tmp_path / "jan.csv", _rows())).exit_code == 0
    page = finops(app, Filters(month="2026-01"), Scope(None, None, {}))
    notes = [n for n in page.notes if "tag team names a catalog team" in n]
    assert len(notes) == 1
    assert len(page.tables) == 3
    assert not any("tag team" in n for t in page.tables for n in t.report.notes)
