"""Engine conformance of the allocation: the per-line rule and tower assignment and the
(rule, tower) sums are identical on DuckDB and Spark over the same lake (tag conditions, globs
that need LIKE and globs that need a regex, tags_missing, ledger cost pools), and each line's
rule is the first-match rule a plain-Python reference picks."""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterator
from typing import Any

import pytest

from leadline.config import Settings
from leadline.context import App
from leadline.finops import allocation
from leadline.finops.rules import AllocationRules, Rule, parse_rules
from leadline.ingest.runner import run_ingest
from leadline.lake.conformance import assert_engines_agree
from tests.conftest import make_settings
from tests.finops.support_finops import focus_row, ingest_focus, write_focus

pytestmark = pytest.mark.spark

START, END = dt.datetime(2026, 1, 1), dt.datetime(2026, 2, 1)
RULES = parse_rules(
    {
        "kind": "AllocationRules",
        "spec": {
            "rules": [
                {"name": "pay", "match": {"tags": {"team": "pay*"}}, "to": {"team": "payments"}},
                {"name": "under", "match": {"resource_id": "db_?"}, "to": {"team": "browse"}},
                {
                    "name": "acct",
                    "match": {"sub_account_id": "11*", "service_category": "Storage"},
                    "to": {"service": "api"},
                },
                {"name": "gl", "match": {"gl_account": "61??"}, "to": {"team": "finance"}},
                {"name": "bare", "match": {"tags_missing": ["team", "owner"]}, "shared": "p"},
            ],
            "shared": [{"name": "p"}],
            "towers": [
                {"match": {"service_name": "Amazon S3*"}, "tower": "Storage", "sub_tower": "Object"}
            ],
        },
    }
)


def _rows() -> list[dict[str, str]]:
    rows = []
    for i in range(40):
        rows.append(
            focus_row(
                EffectiveCost=f"{i}.{i:02d}",
                Tags=['{"team": "payments"}', '{"owner": "x"}', "", '{"team": "pa"}'][i % 4],
                ResourceId=["db_1", "db%1", "dbx1", "i-1"][i % 4 if i % 3 else 0],
                SubAccountId=["111", "211"][i % 2],
                ServiceCategory=["Storage", "Compute", "Databases", "Other"][(i // 3) % 4],
                ServiceName=["Amazon S3", "Amazon S3 Glacier", "Amazon EC2", "x"][i % 4],
                ChargePeriodStart=f"2026-01-{1 + i % 28:02d}T00:00:00Z",
                ChargePeriodEnd=f"2026-01-{2 + i % 28:02d}T00:00:00Z",
            )
        )
    return rows


@pytest.fixture(scope="module")
def lake_app(spark_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    home = tmp_path_factory.mktemp("finops-conformance")
    app = App(make_settings(home / "home"))
    assert ingest_focus(app, write_focus(home / "bill.csv", _rows())).exit_code == 0
    ledger = home / "ledger.csv"
    ledger.write_text(
        "month,gl_account,amount,currency,cost_pool\n2026-01-01,6100,500.25,USD,Labor\n"
        "2026-01-01,7000,20,USD,Telecom\n",
        encoding="utf-8",
    )
    landed = run_ingest("ledger-csv", [ledger], settings=app.settings, store=app.store)
    assert landed.exit_code == 0
    yield app
    app.close()


def _first_rule(line: dict[str, Any], rules: AllocationRules) -> str | None:
    tags = dict(line["tags"] or [])

    def holds(rule: Rule) -> bool:
        m = rule.match
        for column, pattern in m.columns().items():
            value = line[column]
            if value is None or not fnmatch.fnmatchcase(value, pattern):
                return False
        for key, pattern in m.tags.items():
            if key not in tags or tags[key] is None or not fnmatch.fnmatchcase(tags[key], pattern):
                return False
        return all(tags.get(k) is None for k in m.tags_missing)

    return next((r.name for r in rules.rules if holds(r)), None)


def test_allocation_sums_agree(lake_app: App) -> None:
    result = assert_engines_agree(
        lambda lines: allocation.allocation_sums(
            allocation.month_lines(lines, START, END, "USD"), RULES
        ),
        {"lines": "cost_lines"},
        settings=lake_app.settings,
        store=lake_app.store,
    )
    assert sum(r["lines"] for r in result.to_pylist()) == 42
    # the towers folded on the aggregate are the towers each line gets
    folded = allocation.fold_towers(result.to_pylist(), RULES.towers)
    names = allocation.tower_names(RULES.towers)
    by_fold: dict[tuple[int, str], int] = {}
    for row in folded:
        key = (row["rule"], names[row["tower"]][0])
        by_fold[key] = by_fold.get(key, 0) + row["lines"]
    from leadline.lake.engines import Lake

    lake = Lake(lake_app.settings, lake_app.store)
    detail = lake.execute(allocation.allocated_lines(lake.table("cost_lines"), RULES)).to_pylist()
    index = {r.name: i for i, r in enumerate(RULES.rules, 1)}
    by_line: dict[tuple[int, str], int] = {}
    for row in detail:
        key = (index.get(row["rule"], 0), row["tower"])
        by_line[key] = by_line.get(key, 0) + 1
    assert by_fold == by_line


def test_each_line_gets_the_first_matching_rule(lake_app: App) -> None:
    detail = assert_engines_agree(
        lambda lines: allocation.allocated_lines(lines, RULES),
        {"lines": "cost_lines"},
        settings=lake_app.settings,
        store=lake_app.store,
    ).to_pylist()
    from leadline.lake.engines import Lake

    lake = Lake(lake_app.settings, lake_app.store)
    lines = {(r["file"], r["line"]): r for r in lake.execute(lake.table("cost_lines")).to_pylist()}
    for row in detail:
        expected = _first_rule(lines[(row["file"], row["line"])], RULES)
        assert row["rule"] == expected, (row, lines[(row["file"], row["line"])])
    rules_seen = {r["rule"] for r in detail}
    assert {"pay", "under", "acct", "gl", "bare", None} <= rules_seen
    towers = {(r["service_name"], r["tower"]) for r in detail}
    assert ("Amazon S3 Glacier", "Storage") in towers
    assert ("6100", "IT Management") in towers  # ledger Labor pool


LOOKUP_RULES = parse_rules(
    {
        "kind": "AllocationRules",
        "spec": {
            "rules": [
                {"name": "glob-first", "match": {"tags": {"team": "p?"}}, "to": {"team": "a"}},
                *(
                    {
                        "name": f"team-{i}",
                        "match": {"tags": {"team": value}},
                        "to": {"team": f"t{i}"},
                    }
                    for i, value in enumerate(
                        ["x0", "x1", "payments", "x3", "payments", "x5", "x6", "x7", "x8"]
                    )
                ),
                *(
                    {
                        "name": f"acct-{i}",
                        "match": {"sub_account_id": value},
                        "to": {"team": f"a{i}"},
                    }
                    for i, value in enumerate(
                        ["000", "111", "222", "333", "444", "555", "666", "777", "111"]
                    )
                ),
                {"name": "s3", "match": {"service_name": "Amazon S3"}, "to": {"team": "s"}},
                {"name": "rest", "match": {}, "shared": "p"},
            ],
            "shared": [{"name": "p"}],
        },
    }
)


def test_lookup_runs_pick_the_same_rule_as_the_case(lake_app: App) -> None:
    """Two runs of equality rules become lookups (with a repeated value: its first rule wins);
    every line gets the rule the plain CASE and the reference give, on both engines."""
    plan = allocation.rule_plan(LOOKUP_RULES)
    lookups = [step for step in plan if not isinstance(step, int)]
    assert [column for column, _table in lookups] == ["_tag_team", "sub_account_id"]
    assert lookups[0][1]["payments"] == 4 and lookups[1][1]["111"] == 12

    def both(lines: Any) -> Any:
        ruled = allocation.with_rule(lines, LOOKUP_RULES)
        return ruled.select("file", "line", "rule", case=allocation.rule_index(ruled, LOOKUP_RULES))

    rows = assert_engines_agree(
        both, {"lines": "cost_lines"}, settings=lake_app.settings, store=lake_app.store
    ).to_pylist()
    from leadline.lake.engines import Lake

    lake = Lake(lake_app.settings, lake_app.store)
    lines = {(r["file"], r["line"]): r for r in lake.execute(lake.table("cost_lines")).to_pylist()}
    names = {i: r.name for i, r in enumerate(LOOKUP_RULES.rules, 1)}
    assert len(rows) == 42
    for row in rows:
        assert row["rule"] == row["case"]
        expected = _first_rule(lines[(row["file"], row["line"])], LOOKUP_RULES)
        assert names.get(row["rule"]) == expected
    assert {names[r["rule"]] for r in rows} >= {"team-2", "acct-1", "rest"}


TAG_RULES = parse_rules(
    {
        "kind": "AllocationRules",
        "spec": {
            "virtual_tags": [
                {
                    "key": "who",
                    "values": [{"value": "storage-team", "match": {"service_category": "Storage"}}],
                    "from_tags": ["team", "owner"],
                    "aliases": {"PA": "payments"},
                    "default": "nobody",
                }
            ],
            "rules": [
                {
                    "name": "by-who",
                    "match": {"tags": {"who": "pay*"}},
                    "to": {"team": {"tag": "who"}},
                },
                {"name": "by-owner", "to": {"service": {"tag": "owner"}}},
                {"name": "rest", "shared": "p"},
            ],
            "shared": [{"name": "p"}],
        },
    }
)


def _tag_reference(line: dict[str, Any]) -> tuple[int, str | None, str]:
    """(rule, target, who) by hand: who is storage-team on Storage lines, else the team tag,
    else the owner tag (through the alias PA → payments, any case), else nobody."""
    tags = dict(line["tags"] or [])
    if line["service_category"] == "Storage":
        who = "storage-team"
    else:
        found = tags.get("team") or tags.get("owner")
        who = "nobody" if found is None else {"pa": "payments"}.get(found.lower(), found)
    if fnmatch.fnmatchcase(who, "pay*"):
        return 1, who, who
    if tags.get("owner") is not None:
        return 2, tags["owner"], who
    return 3, None, who


def test_tag_values_and_virtual_tags_agree(lake_app: App) -> None:
    """The virtual tag (a value rule, two source tags, an alias), the tag-value rules' targets
    and the --by tag:who dimension: the same sums on both engines, and per (rule, target,
    value) the line counts the hand reference gives."""
    result = assert_engines_agree(
        lambda lines: allocation.allocation_sums(
            allocation.month_lines(lines, START, END, "USD"), TAG_RULES, dimension="who"
        ),
        {"lines": "cost_lines"},
        settings=lake_app.settings,
        store=lake_app.store,
    ).to_pylist()
    from leadline.lake.engines import Lake

    lake = Lake(lake_app.settings, lake_app.store)
    expected: dict[tuple[int, str | None, str], int] = {}
    for line in lake.execute(lake.table("cost_lines")).to_pylist():
        key = _tag_reference(line)
        expected[key] = expected.get(key, 0) + 1
    found: dict[tuple[int, str | None, str], int] = {}
    for row in result:
        key = (row["rule"], row["target"], row["dimension"])
        found[key] = found.get(key, 0) + row["lines"]
    assert found == expected
    assert {k[0] for k in found} == {1, 2, 3} and (1, "payments", "payments") in found
