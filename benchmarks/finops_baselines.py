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


def _sql_condition(rule_match: object) -> str:
    parts = []
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
        elif rule.to is not None and rule.to.team is not None:
            out.append((i, "team", rule.to.team))
        elif rule.to is not None and rule.to.service is not None:
            owner = owners.get(rule.to.service)
            out.append((i, "team" if owner else "none", owner or ""))
    return out


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
) -> dict[str, Decimal]:
    """Cost per team (or tower) and ``unallocated``, rounded to cents, in one query."""
    tag_keys = sorted({k for r in rules.rules for k in (*r.match.tags, *r.match.tags_missing)})
    tags = ", ".join(f"tags[{_q(k)}] AS tag_{k}" for k in tag_keys)
    rule_case = (
        "CASE "
        + " ".join(f"WHEN {_sql_condition(r.match)} THEN {i}" for i, r in enumerate(rules.rules, 1))
        + " ELSE 0 END"
    )
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
ruled AS (SELECT {rule_case} AS rule, {tower_case()} AS tower, cost FROM lines),
sums AS (SELECT rule, tower, sum(cost) AS cost FROM ruled GROUP BY rule, tower),
targets(rule, kind, name) AS (VALUES {targets}),
tagged AS (
    SELECT s.tower, s.cost, coalesce(t.kind, 'none') AS kind, t.name
    FROM sums s LEFT JOIN targets t USING (rule)
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
    tag_keys = sorted({k for r in rules.rules for k in (*r.match.tags, *r.match.tags_missing)})
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
    rule = np.zeros(len(frame), dtype=np.int32)
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
        rule[mask] = i
    frame["rule"] = rule
    tower = np.full(len(frame), UNMAPPED_TOWER, dtype=object)
    assigned = np.zeros(len(frame), dtype=bool)
    for column, mapping in (("cost_pool", POOL_TOWERS), ("service_category", DEFAULT_TOWERS)):
        for value, (name, _sub) in mapping.items():
            hit = (frame[column] == value).to_numpy() & ~assigned
            tower[hit] = name
            assigned |= hit
    frame["tower"] = tower
    sums = frame.groupby(["rule", "tower"], observed=True)["cost"].sum()
    targets = {i: (k, n) for i, k, n in _targets(rules, owners)}
    direct: dict[tuple[str, str], float] = defaultdict(float)
    pooled: dict[tuple[str, str], float] = defaultdict(float)
    out: dict[str, float] = defaultdict(float)
    for (index, tower_name), cost in sums.items():
        kind, name = targets.get(int(index), ("none", ""))
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
