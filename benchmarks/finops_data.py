"""Deterministic FOCUS cost lines for the FinOps benchmark, written into a leadline lake, and the
300 allocation rules.

At scale 1.0: 20,000,000 cost lines of one month (hourly usage of a large organisation) over
200 teams, 2,000 services and 60 shared accounts, landed through ``LakeWriter.append`` as an
ingest would. Tags: 80 % of lines carry a ``team`` tag (a few with a team no rule names), the
rest are allocated by account, resource-id glob, or fall into shared pools (platform services
split in proportion to direct cost, untagged usage split evenly among the platform teams'
customers); support and tax lines stay unallocated. Costs are decimals with 12 places.

Rules (300): 200 team-tag rules, 60 account rules, 30 resource-id glob rules (to services), 9
service-name rules to shared pools, and one ``tags_missing`` rule. The lake and the rules are
cached in ``benchmarks/output/`` keyed by scale and seed.

The ``tag-value`` variant (issue 19) replaces the 200 team-tag rules with one rule allocating to
the team the ``team`` tag names (``to: {team: {tag: team}}``); the other 100 rules stay. Its
home holds a copy of the store with that rule set newest and reads the same lake files.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute
from sqlalchemy import select

from leadline.catalog.models import Service, Team
from leadline.config import DATABASE_FILE_NAME, LAKE_DIR_NAME, Settings, load_settings
from leadline.finops.models import AllocationRuleSet
from leadline.finops.rules import AllocationRules
from leadline.finops.schemas import COST_LINES, TAGS
from leadline.ingest.models import Batch
from leadline.lake.writer import LakeWriter
from leadline.store import Store
from leadline.store.base import utcnow

GENERATOR_VERSION = 1
OUTPUT = Path(__file__).resolve().parent / "output"
MONTH = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
FULL_ROWS = 20_000_000
CHUNK = 1_000_000
TEAMS, SERVICES, ACCOUNTS, GLOBS = 200, 2000, 60, 30
SHARED_SERVICES = (
    "Amazon CloudWatch",
    "AWS Config",
    "AWS CloudTrail",
    "Amazon GuardDuty",
    "AWS Backup",
    "AWS Shield",
    "Amazon Route 53",
    "AWS KMS",
    "AWS WAF",
)
SERVICE_NAMES = (
    "Amazon EC2",
    "Amazon S3",
    "Amazon RDS",
    "AWS Lambda",
    "Amazon EKS",
    "Amazon DynamoDB",
    "AWS Data Transfer",
    "Amazon ElastiCache",
    *SHARED_SERVICES,
    "AWS Support (Enterprise)",
    "Tax",
)
CATEGORIES = (
    "Compute",
    "Storage",
    "Databases",
    "Compute",
    "Compute",
    "Databases",
    "Networking",
    "Databases",
    *("Management and Governance",) * 3,
    "Security",
    "Storage",
    "Security",
    "Networking",
    "Security",
    "Security",
    "Management and Governance",
    "Other",
)


def rules_document() -> dict[str, Any]:
    rules: list[dict[str, Any]] = [
        {
            "name": f"tag-team-{t:03d}",
            "match": {"tags": {"team": f"team-{t:03d}"}},
            "to": {"team": f"team-{t:03d}"},
        }
        for t in range(TEAMS)
    ]
    rules += [
        {
            "name": f"account-{a:02d}",
            "match": {"sub_account_id": f"acct-{a:02d}"},
            "to": {"team": f"team-{(a * 3) % TEAMS:03d}"},
        }
        for a in range(ACCOUNTS)
    ]
    rules += [
        {
            "name": f"resource-{g:02d}",
            "match": {"resource_id": f"arn:aws:*:svc-{g:04d}-*"},
            "to": {"service": f"svc-{g:04d}"},
        }
        for g in range(GLOBS)
    ]
    rules += [
        {"name": f"shared-{i}", "match": {"service_name": name}, "shared": "platform"}
        for i, name in enumerate(SHARED_SERVICES)
    ]
    rules.append({"name": "untagged", "match": {"tags_missing": ["team"]}, "shared": "untagged"})
    return {
        "kind": "AllocationRules",
        "spec": {
            "rules": rules,
            "shared": [
                {"name": "platform", "split": "proportional"},
                {
                    "name": "untagged",
                    "split": "even",
                    "among": [f"team-{t:03d}" for t in range(0, TEAMS, 4)],
                },
            ],
        },
    }


VARIANTS = ("team-rules", "tag-value")


def tag_value_document() -> dict[str, Any]:
    """The rules with one tag-value rule in place of the 200 team-tag rules."""
    document = rules_document()
    rules = document["spec"]["rules"]
    kept = [r for r in rules if not r["name"].startswith("tag-team-")]
    tag_rule = {"name": "tag-team", "to": {"team": {"tag": "team"}}}
    document["spec"]["rules"] = [tag_rule, *kept]
    return document


def variant_settings(home: Path, variant: str) -> Settings:
    """Settings of a variant: the lake's home itself (``team-rules``), or a copy of its store
    whose newest rule set is the variant's, over the same lake files."""
    if variant == "team-rules":
        return load_settings(home=home)
    target = home.parent / f"{home.name}-{variant}"
    database = target / DATABASE_FILE_NAME
    if not database.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(home / DATABASE_FILE_NAME, database)
        rules = AllocationRules.model_validate(tag_value_document()["spec"])
        store = Store(f"sqlite:///{database}")
        with store.session() as session:
            batch = session.scalar(select(Batch.id).order_by(Batch.id.desc()).limit(1))
            session.add(
                AllocationRuleSet(
                    name=variant,
                    document=rules.model_dump(mode="json"),
                    rules=len(rules.rules),
                    loaded_at=utcnow(),
                    batch_id=batch,
                )
            )
        store.dispose()
    return load_settings(home=target, lake=str(home / LAKE_DIR_NAME))


def _decimals(unscaled: np.ndarray) -> pa.Array:
    """decimal128(38, 12) values from their unscaled integers (non-negative, < 2**63)."""
    words = np.zeros((len(unscaled), 2), dtype=np.int64)
    words[:, 0] = unscaled
    return pa.Array.from_buffers(
        pa.decimal128(38, 12), len(unscaled), [None, pa.py_buffer(words.tobytes())]
    )


def _tags(tagged: np.ndarray, team: np.ndarray) -> pa.Array:
    """``{"team": team-NNN, "env": "prod"}`` for tagged lines, ``{"env": "prod"}`` otherwise."""
    counts = 1 + tagged.astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    keys = np.full(offsets[-1], "env", dtype=object)
    values = np.full(offsets[-1], "prod", dtype=object)
    first = offsets[:-1][tagged]
    keys[first] = "team"
    values[first] = TEAM_NAMES[team[tagged]]
    return pa.MapArray.from_arrays(
        pa.array(offsets), pa.array(keys, pa.string()), pa.array(values, pa.string())
    ).cast(TAGS)


TEAM_NAMES = np.array([f"team-{t:03d}" for t in range(TEAMS + 10)], dtype=object)
ACCOUNT_NAMES = np.array([f"acct-{a:02d}" for a in range(ACCOUNTS + 40)], dtype=object)
RESOURCE_PREFIXES = np.array([f"arn:aws:ec2:svc-{s:04d}-" for s in range(SERVICES)], dtype=object)


def _chunk(rng: np.random.Generator, start: int, n: int) -> pa.Table:
    hours = rng.integers(0, 31 * 24, n)
    charge = np.datetime64(MONTH.replace(tzinfo=None), "us") + hours.astype("timedelta64[h]")
    service_index = rng.integers(0, len(SERVICE_NAMES), n)
    team = rng.integers(0, TEAMS + 10, n)  # 10 team names no rule knows
    tagged = rng.random(n) < 0.8
    svc = rng.integers(0, SERVICES, n)
    account = rng.integers(0, ACCOUNTS + 40, n)  # 40 accounts no rule knows
    # up to 5,000.000000000000 with all 12 decimal places used
    cost = _decimals(rng.integers(1, 5_000 * 10**12, n, dtype=np.int64))
    numbers = pa.array(np.arange(start, start + n, dtype=np.int64)).cast(pa.string())
    columns = {
        "effective_cost": cost,
        "billed_cost": cost,
        "billing_currency": pa.array(np.full(n, "USD", dtype=object), pa.string()),
        "billing_account_id": pa.array(np.full(n, "payer", dtype=object), pa.string()),
        "billing_period_start": pa.array(
            np.full(n, MONTH.replace(tzinfo=None)), pa.timestamp("us")
        ).cast(pa.timestamp("us", tz="UTC")),
        "charge_period_start": pa.array(charge, pa.timestamp("us")).cast(
            pa.timestamp("us", tz="UTC")
        ),
        "charge_category": pa.array(np.full(n, "Usage", dtype=object), pa.string()),
        "provider": pa.array(np.full(n, "AWS", dtype=object), pa.string()),
        "service_name": pa.array(np.array(SERVICE_NAMES, dtype=object)[service_index], pa.string()),
        "service_category": pa.array(
            np.array(CATEGORIES, dtype=object)[service_index], pa.string()
        ),
        "sub_account_id": pa.array(ACCOUNT_NAMES[account], pa.string()),
        "resource_id": pa.compute.binary_join_element_wise(
            pa.array(RESOURCE_PREFIXES[svc], pa.string()), numbers, ""
        ),
        "tags": _tags(tagged, team),
        "origin": pa.array(np.full(n, "focus", dtype=object), pa.string()),
        "file": pa.array(np.full(n, "bench.parquet", dtype=object), pa.string()),
        "line": pa.array(np.arange(start + 2, start + 2 + n, dtype=np.int64)),
    }
    out = {}
    for field in COST_LINES.schema:
        out[field.name] = columns.get(field.name, pa.nulls(n, field.type))
    return pa.table(out, schema=COST_LINES.schema)


def lake_home(scale: float, seed: int) -> Path:
    return OUTPUT / f"finops-lake-s{scale:g}-seed{seed}-v{GENERATOR_VERSION}"


def ensure_lake(scale: float, seed: int = 1) -> tuple[Path, dict[str, Any]]:
    """The cached lake (cost lines, catalog teams and services, the rules) and its metadata."""
    home = lake_home(scale, seed)
    meta_path = home / "meta.json"
    if meta_path.exists():
        return home, json.loads(meta_path.read_text())
    shutil.rmtree(home, ignore_errors=True)
    started = time.perf_counter()
    settings = load_settings(home=home)
    store = Store(settings.resolved_database_url)
    rng = np.random.default_rng(seed)
    total = int(FULL_ROWS * scale)
    rows = 0
    rules = AllocationRules.model_validate(rules_document()["spec"])
    with store.session() as session:
        batch = Batch(
            source="bench-finops",
            file_name="generated",
            content_hash=f"{scale}-{seed}",
            options={},
            status="landed",
            started_at=utcnow(),
            finished_at=utcnow(),
        )
        session.add(batch)
        session.flush()
        session.add_all(
            [
                Team(name=f"team-{t:03d}", business_unit=f"bu-{t % 8}", value_stream=f"vs-{t % 20}")
                for t in range(TEAMS)
            ]
        )
        session.add_all(
            [
                Service(name=f"svc-{s:04d}", owner_team=f"team-{(s * 7) % TEAMS:03d}")
                for s in range(SERVICES)
            ]
        )
        session.add(
            AllocationRuleSet(
                name="bench",
                document=rules.model_dump(mode="json"),
                rules=len(rules.rules),
                loaded_at=utcnow(),
                batch_id=batch.id,
            )
        )
        writer = LakeWriter(settings.lake_path, session, batch.id)
        for start in range(0, total, CHUNK):
            rows += writer.append(COST_LINES, _chunk(rng, start, min(CHUNK, total - start)))
        writer.publish()
    writer.cleanup()
    store.dispose()
    meta = {
        "scale": scale,
        "seed": seed,
        "rows": rows,
        "rules": len(rules.rules),
        "month": MONTH.strftime("%Y-%m"),
        "generate_seconds": round(time.perf_counter() - started, 2),
    }
    meta_path.write_text(json.dumps(meta))
    return home, meta
