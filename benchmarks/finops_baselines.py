"""Two independent implementations of leadline's monthly showback (finops.report), for the
benchmark to time and to check leadline's totals against.

(a) One hand-written DuckDB SQL query over the lake's Parquet files, as a competent DuckDB user
    writes it: the team tag extracted once, a CASE with the 300 rules in order, sums per rule,
    then the shared pools split with window-free CTEs and rounded to cents.
(b) pandas, as a competent analyst writes it: Arrow reads the columns (tags looked up with
    ``pyarrow.compute.map_lookup``), then rules are applied in order on the still-unassigned
    rows with boolean masks (categoricals for the repeated strings), and ``groupby`` sums.

Both split pools with floats and round each group to cents (the usual way); leadline's exact
rationals and largest-remainder rounding may differ from them by a cent per group, never in the
total. Inputs: the files, the rules (``AllocationRules``), the catalog's service owners, the
month's [start, end) and the grouping (team or tower).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from leadline.finops.allocation import DEFAULT_TOWERS, POOL_TOWERS, UNMAPPED_TOWER
from leadline.finops.rules import AllocationRules


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_condition(rule_match: object, tag: str | None = None) -> str:
    """A rule's condition; a rule allocating to a tag's value also needs the tag set."""
    parts = [f"tag_{tag} IS NOT NULL"] if tag else []
    for column, pattern in rule_match.columns().items():  # type: ignore[attr-defined]
        parts.append(_sql_match(column, pattern))
    for key, pattern in rule_match.tags.items():  # type: ignore[attr-defined]
        parts.append(_sql_match(f"tag_{key}", pattern))
    for key in rule_match.tags_missing:  # type: ignore[attr-defined]
        parts.append(f"tag_{key} IS NULL")
    return " AND ".join(parts) or "TRUE"


def _sql_match(column: str, pattern: str) -> str:
    if "*" in pattern or "?" in pattern:
        return f"{column} GLOB {_q(pattern)}"
    return f"{column} = {_q(pattern)}"


def _targets(
    rules: AllocationRules, owners: Mapping[str, str | None]
) -> list[tuple[int, str, str]]:
    """(rule index, kind team|pool, name) for every rule."""
    out = []
    for i, rule in enumerate(rules.rules, 1):
        if rule.shared is not None:
            out.append((i, "pool", rule.shared))
        elif rule.to is not None and rule.to.from_tag is not None:
            assert rule.to.kind == "team", "the baselines resolve team tags only"
            out.append((i, "tag", rule.to.from_tag.tag))
        elif rule.to is not None and isinstance(rule.to.team, str):
            out.append((i, "team", rule.to.team))
        elif rule.to is not None and isinstance(rule.to.service, str):
            owner = owners.get(rule.to.service)
            out.append((i, "team" if owner else "none", owner or ""))
    return out


def _from_tag(rule: object) -> str | None:
    to = rule.to  # type: ignore[attr-defined]
    return to.from_tag.tag if to is not None and to.from_tag is not None else None


def _tag_keys(rules: AllocationRules) -> list[str]:
    keys = {k for r in rules.rules for k in (*r.match.tags, *r.match.tags_missing)}
    return sorted(keys | {k for r in rules.rules if (k := _from_tag(r))})


def tower_case() -> str:
    branches = [f"WHEN cost_pool = {_q(p)} THEN {_q(t[0])}" for p, t in POOL_TOWERS.items()]
    branches += [
        f"WHEN service_category = {_q(c)} THEN {_q(t[0])}" for c, t in DEFAULT_TOWERS.items()
    ]
    return "CASE " + " ".join(branches) + f" ELSE {_q(UNMAPPED_TOWER)} END"


def duckdb_showback(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[Path],
    *,
    rules: AllocationRules,
    owners: Mapping[str, str | None],
    start: dt.datetime,
    end: dt.datetime,
    by: str,
    teams: Sequence[str] = (),
) -> dict[str, Decimal]:
    """Cost per team (or tower) and ``unallocated``, rounded to cents, in one query. A rule
    allocating to a tag's value joins the value, lower-cased, with the catalog's ``teams``."""
    tags = ", ".join(f"tags[{_q(k)}] AS tag_{k}" for k in _tag_keys(rules))
    rule_case = (
        "CASE "
        + " ".join(
            f"WHEN {_sql_condition(r.match, _from_tag(r))} THEN {i}"
            for i, r in enumerate(rules.rules, 1)
        )
        + " ELSE 0 END"
    )
    target_case = (
        "CASE "
        + " ".join(
            f"WHEN rule = {i} THEN tag_{k}"
            for i, r in enumerate(rules.rules, 1)
            if (k := _from_tag(r))
        )
        + " END"
        if any(_from_tag(r) for r in rules.rules)
        else "NULL::VARCHAR"
    )
    known = ", ".join(f"({_q(t.lower())}, {_q(t)})" for t in sorted(teams)) or "(NULL, NULL)"
    targets = ", ".join(f"({i}, {_q(k)}, {_q(n)})" for i, k, n in _targets(rules, owners))
    pools = {p.name: p for p in rules.shared}
    even = (
        ", ".join(
            f"({_q(p.name)}, {_q(t)})" for p in rules.shared if p.split == "even" for t in p.among
        )
        or "(NULL, NULL)"
    )
    proportional = ", ".join(_q(p.name) for p in pools.values() if p.split == "proportional")
    group = "tower" if by == "tower" else "team"
    query = f"""
WITH lines AS (
    SELECT effective_cost AS cost, sub_account_id, resource_id, service_name, service_category,
           cost_pool, gl_account, cost_center, provider, {tags}
    FROM read_parquet($files)
    WHERE charge_period_start >= $start AND charge_period_start < $end
      AND billing_currency = 'USD'
),
ruled0 AS (SELECT *, {rule_case} AS rule, {tower_case()} AS tower FROM lines),
ruled AS (SELECT rule, tower, cost, {target_case} AS target FROM ruled0),
sums AS (SELECT rule, tower, target, sum(cost) AS cost FROM ruled GROUP BY rule, tower, target),
targets(rule, kind, name) AS (VALUES {targets}),
known(team_key, team) AS (VALUES {known}),
tagged AS (
    SELECT s.tower, s.cost,
           CASE WHEN t.kind = 'tag' THEN (CASE WHEN k.team IS NULL THEN 'none' ELSE 'team' END)
                ELSE coalesce(t.kind, 'none') END AS kind,
           coalesce(k.team, t.name) AS name
    FROM sums s LEFT JOIN targets t USING (rule)
    LEFT JOIN known k ON t.kind = 'tag' AND k.team_key = lower(s.target)
),
direct AS (SELECT name AS team, tower, cost FROM tagged WHERE kind = 'team'),
direct_team AS (SELECT team, sum(cost) AS cost FROM direct GROUP BY team),
pooled AS (SELECT name AS pool, tower, sum(cost) AS cost FROM tagged WHERE kind = 'pool'
           GROUP BY name, tower),
even_among(pool, team) AS (VALUES {even}),
split_even AS (
    SELECT e.team, p.tower,
           p.cost::DOUBLE / count(*) OVER (PARTITION BY p.pool, p.tower) AS cost
    FROM pooled p JOIN even_among e USING (pool)
),
split_proportional AS (
    SELECT d.team, p.tower,
           p.cost::DOUBLE * d.cost::DOUBLE
           / (SELECT sum(cost) FROM direct_team WHERE cost > 0)::DOUBLE AS cost
    FROM pooled p CROSS JOIN direct_team d
    WHERE p.pool IN ({proportional or "NULL"}) AND d.cost > 0
),
parts AS (
    SELECT team, tower, cost::DOUBLE AS cost FROM direct
    UNION ALL SELECT team, tower, cost FROM split_even
    UNION ALL SELECT team, tower, cost FROM split_proportional
    UNION ALL SELECT 'unallocated', tower, cost::DOUBLE FROM tagged WHERE kind = 'none'
)
SELECT CASE WHEN team = 'unallocated' THEN 'unallocated' ELSE {group} END AS key,
       round(sum(cost), 2) AS cost
FROM parts GROUP BY 1
UNION ALL
SELECT '(total)', round(sum(cost), 2) FROM sums
"""
    params = {
        "files": [str(f) for f in files],
        "start": start.replace(tzinfo=dt.UTC),
        "end": end.replace(tzinfo=dt.UTC),
    }
    rows = con.execute(query, params).fetchall()
    return {k: Decimal(str(v)).quantize(Decimal("0.01")) for k, v in rows}


def pandas_showback(
    files: Sequence[Path],
    *,
    rules: AllocationRules,
    owners: Mapping[str, str | None],
    start: dt.datetime,
    end: dt.datetime,
    by: str,
    teams: Sequence[str] = (),
) -> dict[str, Decimal]:
    columns = [
        "effective_cost",
        "charge_period_start",
        "billing_currency",
        "sub_account_id",
        "resource_id",
        "service_name",
        "service_category",
        "cost_pool",
        "tags",
    ]
    table = pa.concat_tables([pq.read_table(f, columns=columns) for f in files])
    stamps = table.column("charge_period_start")
    keep = pc.and_(
        pc.and_(
            pc.greater_equal(stamps, pa.scalar(start.replace(tzinfo=dt.UTC))),
            pc.less(stamps, pa.scalar(end.replace(tzinfo=dt.UTC))),
        ),
        pc.equal(table.column("billing_currency"), "USD"),
    )
    table = table.filter(keep)
    tag_keys = _tag_keys(rules)
    frame = pd.DataFrame(
        {
            "cost": table.column("effective_cost").cast(pa.float64()).to_numpy(),
            **{
                c: table.column(c).to_pandas().astype("category")
                for c in ("sub_account_id", "service_name", "service_category", "cost_pool")
            },
            "resource_id": table.column("resource_id").to_pandas(),
            **{
                f"tag_{k}": pc.map_lookup(table.column("tags"), k, "first")
                .to_pandas()
                .astype("category")
                for k in tag_keys
            },
        }
    )
    del table
    frame["rule"], frame["target"] = _pandas_rules(frame, rules, teams)
    tower = np.full(len(frame), UNMAPPED_TOWER, dtype=object)
    assigned = np.zeros(len(frame), dtype=bool)
    for column, mapping in (("cost_pool", POOL_TOWERS), ("service_category", DEFAULT_TOWERS)):
        for value, (name, _sub) in mapping.items():
            hit = (frame[column] == value).to_numpy() & ~assigned
            tower[hit] = name
            assigned |= hit
    frame["tower"] = tower
    sums = frame.groupby(["rule", "tower", "target"], observed=True)["cost"].sum()
    targets = {i: (k, n) for i, k, n in _targets(rules, owners)}
    direct: dict[tuple[str, str], float] = defaultdict(float)
    pooled: dict[tuple[str, str], float] = defaultdict(float)
    out: dict[str, float] = defaultdict(float)
    for (index, tower_name, found), cost in sums.items():
        kind, name = targets.get(int(index), ("none", ""))
        if kind == "tag":
            kind, name = ("team", found) if found else ("none", "")
        if kind == "team":
            direct[(name, tower_name)] += cost
        elif kind == "pool":
            pooled[(name, tower_name)] += cost
        else:
            out["unallocated"] += cost
    team_totals: dict[str, float] = defaultdict(float)
    for (team, _t), cost in direct.items():
        team_totals[team] += cost
    positive = {t: c for t, c in team_totals.items() if c > 0}
    parts = [(team, t, c) for (team, t), c in direct.items()]
    for (pool_name, t), cost in pooled.items():
        pool = rules.pool(pool_name)
        if pool.split == "even":
            parts += [(team, t, cost / len(pool.among)) for team in pool.among]
        else:
            whole = sum(positive.values())
            parts += [(team, t, cost * c / whole) for team, c in positive.items()]
    for team, t, cost in parts:
        out[t if by == "tower" else team] += cost
    result = {k: Decimal(str(round(v, 2))).quantize(Decimal("0.01")) for k, v in out.items()}
    result["(total)"] = Decimal(str(round(float(sums.sum()), 2))).quantize(Decimal("0.01"))
    return result


def _pandas_rules(
    frame: pd.DataFrame, rules: AllocationRules, teams: Sequence[str]
) -> tuple[np.ndarray, pd.Series]:
    """Each row's first matching rule (0: none), with boolean masks on the rows still open,
    and the catalog team a tag-value rule's tag names ("" otherwise or when unknown)."""
    rule = np.zeros(len(frame), dtype=np.int32)
    target = np.full(len(frame), None, dtype=object)
    for i, r in enumerate(rules.rules, 1):
        open_rows = rule == 0
        if not open_rows.any():
            break
        mask = open_rows.copy()
        for column, pattern in r.match.columns().items():
            mask &= _pandas_match(frame[column], pattern, mask)
        for key, pattern in r.match.tags.items():
            mask &= _pandas_match(frame[f"tag_{key}"], pattern, mask)
        for key in r.match.tags_missing:
            mask &= frame[f"tag_{key}"].isna().to_numpy()
        if (key := _from_tag(r)) is not None:
            mask &= frame[f"tag_{key}"].notna().to_numpy()
            target[mask] = frame[f"tag_{key}"].to_numpy()[mask]
        rule[mask] = i
    known = {t.lower(): t for t in teams}
    return rule, pd.Series(target).str.lower().map(known).fillna("")


def _pandas_match(values: pd.Series, pattern: str, rows: np.ndarray) -> np.ndarray:
    if "*" not in pattern and "?" not in pattern:
        return (values == pattern).to_numpy()
    # fnmatch.translate emits atomic groups, which pandas' Arrow (RE2) regex refuses
    regex = (
        "^"
        + "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
        + "$"
    )
    out = np.zeros(len(values), dtype=bool)
    subset = values[rows]
    out[np.flatnonzero(rows)] = subset.astype(str).str.match(regex).to_numpy()
    return out
