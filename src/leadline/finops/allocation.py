"""Allocation as Ibis expressions: which rule allocates each cost line, which TBM tower it maps
to, and the cost per (rule, tower) of a month — one pass over the lines, on DuckDB or Spark.

The rule a line gets is the first (lowest index) whose every condition holds: one ``CASE``
whose branches are the rules in order. Tower mapping works the same way with the rule set's
``towers``, then the default mapping from FOCUS ServiceCategory (cloud lines) or the ledger's
cost pool. What happens to the sums afterwards (shared pools split, rounding to the currency's
minor unit with totals conserved) is exact arithmetic on the small aggregate, in
``finops.apportion``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import ibis
from ibis import _

from leadline.finops import split_cost
from leadline.finops.conditions import (
    condition,
    rule_condition,
    tag_column,
    tag_target_rules,
    tag_value,
    with_tags,
)
from leadline.finops.rules import AllocationRules, Rule, TowerRule, glob_to_like

COST_TYPES = {"effective": "effective_cost", "billed": "billed_cost"}
UNALLOCATED = 0  # rule index of lines no rule matches
UNMAPPED_TOWER = "Unmapped"

# TBM taxonomy (v5) IT towers for FOCUS service categories (documented in docs/finops.md).
DEFAULT_TOWERS: dict[str, tuple[str, str | None]] = {
    "AI and Machine Learning": ("Platform", "AI and Machine Learning"),
    "Analytics": ("Platform", "Analytics"),
    "Business Applications": ("Application", "Business Software"),
    "Compute": ("Compute", None),
    "Databases": ("Platform", "Database"),
    "Developer Tools": ("Application", "Development"),
    "Multicloud": ("Platform", "Middleware"),
    "Identity": ("Security & Compliance", "Identity and Access"),
    "Integration": ("Platform", "Middleware"),
    "Internet of Things": ("Platform", "Middleware"),
    "Management and Governance": ("IT Management", None),
    "Media": ("Output", None),
    "Migration": ("Delivery", None),
    "Mobile": ("End User", "Mobile"),
    "Networking": ("Network", None),
    "Security": ("Security & Compliance", "Security"),
    "Storage": ("Storage", None),
    "Web": ("Platform", "Web"),
    "Other": (UNMAPPED_TOWER, None),
}
# TBM cost pools for ledger lines without an explicit tower rule.
POOL_TOWERS: dict[str, tuple[str, str | None]] = {
    "Labor": ("IT Management", "Labor"),
    "Outside Services": ("Delivery", "Outside Services"),
    "Hardware": ("Data Center", "Hardware"),
    "Software": ("Application", "Software"),
    "Facilities & Power": ("Data Center", "Facilities"),
    "Telecom": ("Network", "Telecom"),
}


LOOKUP_RUN = 8  # consecutive one-equality rules on one column worth a hash lookup


def _equality(rule: Rule) -> tuple[str, str] | None:
    """(column, value) when a rule's whole condition is one exact equality, else None."""
    match = rule.match
    columns = match.columns()
    if rule.to is not None and rule.to.from_tag is not None:
        return None  # it also needs its tag set
    if match.tags_missing or len(columns) + len(match.tags) != 1:
        return None
    if columns:
        ((column, value),) = columns.items()
    else:
        ((key, value),) = match.tags.items()
        column = tag_column(key)
    return None if glob_to_like(value)[1] else (column, value)


Lookup = tuple[str, dict[str, int]]  # (column, {value: rule index})


def rule_plan(rules: AllocationRules) -> list[int | Lookup]:
    """The rules in order as steps: a rule index (one condition), or a lookup (column,
    {value: index}) for a run of at least LOOKUP_RUN consecutive rules that each test one
    column for equality — first match still wins (a repeated value keeps its first rule)."""
    steps: list[int | Lookup] = []
    run: list[tuple[int, str, str]] = []

    def flush() -> None:
        if len(run) >= LOOKUP_RUN:
            table: dict[str, int] = {}
            for index, _column, value in run:
                table.setdefault(value, index)
            steps.append((run[0][1], table))
        else:
            steps.extend(index for index, _c, _v in run)
        run.clear()

    for index, rule in enumerate(rules.rules, 1):
        equality = _equality(rule)
        if equality is not None and (not run or run[0][1] == equality[0]):
            run.append((index, *equality))
            continue
        flush()
        if equality is not None:
            run.append((index, *equality))
        else:
            steps.append(index)
    flush()
    return steps


def with_rule(
    lines: ibis.Table, rules: AllocationRules, name: str = "rule", dimension: str | None = None
) -> ibis.Table:
    """The lines with ``name``: the 1-based index of the first matching rule, 0 when none,
    and ``target``: the tag value naming the team or service for rules that allocate to a
    tag's value (null otherwise; resolved against the catalog on the small aggregate, in
    ``finops.apportion``). Long runs of equality rules (hundreds of team tags or accounts)
    become one hash join on a small lookup table instead of hundreds of CASE branches; the
    rest stay CASE branches, in rule order."""
    lines = with_tags(lines, rules, dimension)
    plan = rule_plan(rules)
    found_columns: list[str] = []
    for step in plan:
        if isinstance(step, int):
            continue
        column, table = step
        key, found = f"_lookup_key_{len(found_columns)}", f"_lookup_rule_{len(found_columns)}"
        lookup = ibis.memtable(
            {key: list(table), found: list(table.values())},
            schema={key: "!string", found: "!int32"},
        )
        lines = lines.left_join(lookup, lines[column] == lookup[key]).drop(key)
        found_columns.append(found)
    branches: list[tuple[ibis.BooleanValue, ibis.IntegerValue | int]] = []
    lookups = iter(found_columns)
    for step in plan:
        if isinstance(step, int):
            branches.append((rule_condition(lines, rules.rules[step - 1]), step))
        else:
            found = next(lookups)
            branches.append((lines[found].notnull(), lines[found]))
    rule = ibis.cases(*branches, else_=UNALLOCATED).cast("int32")
    lines = lines.mutate(**{name: rule}).drop(*found_columns)
    return lines.mutate(target=target_value(lines, rules, name))


def target_value(lines: ibis.Table, rules: AllocationRules, rule: str) -> ibis.StringValue:
    """The value of the tag naming the target, on lines allocated by a tag-value rule."""
    branches = [
        (lines[rule] == index, tag_value(lines, r.to.from_tag.tag))
        for index, r in tag_target_rules(rules)
        if r.to is not None and r.to.from_tag is not None
    ]
    if not branches:
        return ibis.null("string")
    return ibis.cases(*branches, else_=ibis.null("string"))


def rule_index(lines: ibis.Table, rules: AllocationRules) -> ibis.IntegerValue:
    """1-based index of the first matching rule, 0 when none matches (one CASE; see
    ``with_rule`` for the faster form that may join)."""
    branches = [(rule_condition(lines, rule), i) for i, rule in enumerate(rules.rules, 1)]
    return ibis.cases(*branches, else_=UNALLOCATED).cast("int32")


def tower_index(lines: ibis.Table, towers: Sequence[TowerRule]) -> ibis.IntegerValue:
    """0-based index into ``tower_names(...)``: the first matching tower rule, else the default
    for the line's cost pool (ledger) or service category (FOCUS), else Unmapped."""
    names = tower_names(towers)
    position = {name: i for i, name in enumerate(names)}
    branches = [
        (condition(lines, rule.match), position[(rule.tower, rule.sub_tower)]) for rule in towers
    ]
    for pool, tower in POOL_TOWERS.items():  # ledger lines carry a cost pool
        branches.append(((lines.cost_pool == pool).fill_null(False), position[tower]))
    for category, tower in DEFAULT_TOWERS.items():
        branches.append(((lines.service_category == category).fill_null(False), position[tower]))
    return ibis.cases(*branches, else_=position[(UNMAPPED_TOWER, None)]).cast("int32")


def tower_names(towers: Sequence[TowerRule]) -> list[tuple[str, str | None]]:
    """Every (tower, sub-tower) a line can map to, in a fixed order."""
    names: list[tuple[str, str | None]] = []
    for name in (
        *((t.tower, t.sub_tower) for t in towers),
        *DEFAULT_TOWERS.values(),
        *POOL_TOWERS.values(),
        (UNMAPPED_TOWER, None),
    ):
        if name not in names:
            names.append(name)
    return names


def month_lines(
    lines: ibis.Table, start: dt.datetime, end: dt.datetime, currency: str | None = None
) -> ibis.Table:
    """Lines whose charge period starts in ``[start, end)`` (a month), in one currency; a
    provider's split-cost lines name their allocated resource (``finops.split_cost``)."""
    lines = split_cost.allocated_resources(lines)
    out = lines.filter(
        lines.charge_period_start >= ibis.literal(start, "timestamp(6)"),
        lines.charge_period_start < ibis.literal(end, "timestamp(6)"),
    )
    if currency is not None:
        out = out.filter(out.billing_currency == currency)
    return out


def currencies(lines: ibis.Table) -> ibis.Table:
    """Currencies present, with their line counts (mixed currencies are never summed)."""
    return lines.group_by("billing_currency").aggregate(lines=_.count())


def custom_tower_index(lines: ibis.Table, towers: Sequence[TowerRule]) -> ibis.IntegerValue:
    """Index of the first matching tower rule of the rule set, -1 when none (or none exist)."""
    if not towers:
        return ibis.literal(-1, "int32")
    branches = [(condition(lines, rule.match), i) for i, rule in enumerate(towers)]
    return ibis.cases(*branches, else_=-1).cast("int32")


def allocation_sums(
    lines: ibis.Table,
    rules: AllocationRules,
    cost_type: str = "effective",
    by_month: bool = False,
    dimension: str | None = None,
) -> ibis.Table:
    """Cost and line count per (rule, target, tower rule, cost pool, service category): the
    whole allocation in one pass. The default tower mapping (by cost pool and service
    category) is applied to this small aggregate by ``fold_towers``, not to every line.
    ``by_month`` adds the charge month and the billing currency to the keys, so several months
    are allocated from one pass; ``dimension`` (a tag key, real or virtual) adds its value."""
    ruled = with_rule(lines, rules, dimension=dimension)
    tagged = ruled.mutate(
        tower_rule=custom_tower_index(ruled, rules.towers),
        cost=ruled[COST_TYPES[cost_type]],
        dimension=tag_value(ruled, dimension) if dimension else ibis.null("string"),
    )
    keys = ["rule", "target", "dimension", "tower_rule", "cost_pool", "service_category"]
    if by_month:
        tagged = tagged.mutate(month=tagged.charge_period_start.truncate("M"))
        keys += ["month", "billing_currency"]
    return tagged.group_by(keys).aggregate(cost=_.cost.sum(), lines=_.count())


def fold_towers(sums: list[dict[str, Any]], towers: Sequence[TowerRule]) -> list[dict[str, Any]]:
    """(rule, tower index into ``tower_names``, target, dimension, cost, lines) from
    ``allocation_sums`` rows, with
    the same precedence as ``tower_index``: tower rule, cost pool, service category, Unmapped."""
    names = tower_names(towers)
    position = {name: i for i, name in enumerate(names)}
    out: dict[tuple[int, int, str | None, str | None], dict[str, Any]] = {}
    for row in sums:
        custom = int(row["tower_rule"])
        if custom >= 0:
            tower = position[(towers[custom].tower, towers[custom].sub_tower)]
        elif row["cost_pool"] in POOL_TOWERS:
            tower = position[POOL_TOWERS[row["cost_pool"]]]
        elif row["service_category"] in DEFAULT_TOWERS:
            tower = position[DEFAULT_TOWERS[row["service_category"]]]
        else:
            tower = position[(UNMAPPED_TOWER, None)]
        key = (int(row["rule"]), tower, row.get("target"), row.get("dimension"))
        slot = out.setdefault(
            key,
            {
                "rule": key[0],
                "tower": tower,
                "target": key[2],
                "dimension": key[3],
                "cost": Decimal(0),
                "lines": 0,
            },
        )
        slot["cost"] += Decimal(row["cost"] or 0)
        slot["lines"] += int(row["lines"])
    return list(out.values())


def allocated_lines(
    lines: ibis.Table, rules: AllocationRules, cost_type: str = "effective"
) -> ibis.Table:
    """Every line with the rule that allocated it and its tower (line detail, exports)."""
    ruled = with_rule(lines, rules, "_rule")
    indexed = ruled.mutate(_tower=tower_index(ruled, rules.towers))
    names = ibis.cases(
        *((indexed._rule == i, r.name) for i, r in enumerate(rules.rules, 1)),
        else_=ibis.null("string"),
    )
    towers = tower_names(rules.towers)
    tower = ibis.cases(
        *((indexed._tower == i, t[0]) for i, t in enumerate(towers)), else_=UNMAPPED_TOWER
    )
    return indexed.select(
        "file",
        "line",
        "charge_period_start",
        "provider",
        "service_name",
        "resource_id",
        "billing_currency",
        cost=indexed[COST_TYPES[cost_type]],
        rule=names,
        tower=tower,
    )


def driver_totals(
    drivers: ibis.Table, driver: str, start: dt.datetime, end: dt.datetime, by_month: bool = False
) -> ibis.Table:
    """A business driver's total per scope (and month, with ``by_month``) over ``[start, end)``."""
    rows = drivers.filter(
        drivers.driver == driver,
        drivers.date >= ibis.literal(start, "timestamp(6)"),
        drivers.date < ibis.literal(end, "timestamp(6)"),
    )
    if by_month:
        rows = rows.mutate(month=rows.date.truncate("M"))
        return rows.group_by(["scope", "month"]).aggregate(value=_.value.sum())
    return rows.group_by("scope").aggregate(value=_.value.sum())
