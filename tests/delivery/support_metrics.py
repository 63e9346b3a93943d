"""Helpers of the DORA metric tests: fact rows, Arrow tables in the lake's stored schema, runs
of ``four_keys`` on an engine, CSV files and small catalogs."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import textwrap
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from leadline.context import App
from leadline.delivery.metrics import four_keys
from leadline.delivery.schemas import CHANGES, DEPLOYMENTS, INCIDENTS
from leadline.ingest.runner import IngestReport, run_ingest
from leadline.lake.tables import FactTable
from leadline.periods import Window, buckets

PROD = ("production", "prod", "prd", "live")
Fact = dict[str, Any]


def t(text: str) -> dt.datetime:
    """A naive UTC datetime from ISO text (offsets converted to UTC)."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def dep(
    deployment_id: str,
    service: str,
    finished_at: str | dt.datetime,
    *,
    status: str = "success",
    environment: str = "production",
    sha: str | None = None,
    change_type: str | None = None,
) -> Fact:
    """A deployments fact row (defaults: a successful production deployment)."""
    return {
        "deployment_id": deployment_id,
        "service": service,
        "environment": environment,
        "status": status,
        "finished_at": t(finished_at) if isinstance(finished_at, str) else finished_at,
        "commit_sha": sha,
        "change_type": change_type,
    }


def chg(
    change_id: str,
    service: str,
    committed_at: str | dt.datetime,
    *,
    merged_at: str | dt.datetime | None = None,
    deployment_id: str | None = None,
    sha: str | None = None,
) -> Fact:
    """A changes fact row."""
    return {
        "change_id": change_id,
        "service": service,
        "commit_sha": sha,
        "committed_at": t(committed_at) if isinstance(committed_at, str) else committed_at,
        "merged_at": t(merged_at) if isinstance(merged_at, str) else merged_at,
        "deployment_id": deployment_id,
    }


def inc(
    incident_id: str,
    service: str,
    started_at: str | dt.datetime,
    resolved_at: str | dt.datetime | None = None,
    *,
    deployment_id: str | None = None,
) -> Fact:
    """An incidents fact row (``resolved_at`` None: still open)."""
    return {
        "incident_id": incident_id,
        "service": service,
        "severity": None,
        "started_at": t(started_at) if isinstance(started_at, str) else started_at,
        "resolved_at": t(resolved_at) if isinstance(resolved_at, str) else resolved_at,
        "deployment_id": deployment_id,
    }


def stored_schema(table: FactTable) -> pa.Schema:
    """The lake's stored schema (fact columns + ``_batch_id``), timestamps naive UTC as the
    engines return them."""
    fields = []
    for field in table.stored_schema:
        kind = pa.timestamp("us") if pa.types.is_timestamp(field.type) else field.type
        fields.append(pa.field(field.name, kind, nullable=True))
    return pa.schema(fields)


def arrow(table: FactTable, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Rows (missing columns null; ``source`` "test"; ``updated_at`` fixed) as stored."""
    schema = stored_schema(table)
    filled = []
    for row in rows:
        full: dict[str, Any] = dict.fromkeys(schema.names)
        full.update({"source": "test", "updated_at": dt.datetime(2026, 1, 1), "_batch_id": 1})
        full.update(row)
        filled.append(full)
    return pa.Table.from_pylist(filled, schema=schema)


TableFactory = Callable[[pa.Table], ibis.Table]


def spark_tables(backend: Any, session: Any) -> TableFactory:
    """A factory of Ibis tables over Spark temp views made straight from Arrow (several times
    faster to query than ``ibis.memtable`` on Spark), timestamps cast as the lake does."""
    names = itertools.count()

    def make(data: pa.Table) -> ibis.Table:
        name = f"dora_test_{uuid.uuid4().hex[:8]}_{next(names)}"
        session.createDataFrame(data).createOrReplaceTempView(name)
        table = backend.table(name)
        casts = {
            c: table[c].cast("timestamp(6)")
            for c in table.columns
            if table[c].type().is_timestamp()
        }
        return table.mutate(**casts) if casts else table

    return make


def services_table(
    services: Mapping[str, str | None], make: TableFactory = ibis.memtable
) -> ibis.Table:
    return make(
        pa.table(
            {"service": list(services), "key": list(services.values())},
            schema=pa.schema([("service", pa.string()), ("key", pa.string())]),
        )
    )


def buckets_table(
    since: dt.datetime,
    until: dt.datetime,
    period: str | None,
    make: TableFactory = ibis.memtable,
) -> ibis.Table:
    """The ``buckets`` input as ``dora()`` builds it."""
    grid = (
        [(since, Window(since, until).days)]
        if period is None
        else [
            (b.start, b.days)
            for b in buckets(
                Window(since, until),
                period,  # type: ignore[arg-type]
            )
        ]
    )
    return make(
        pa.table(
            {"bucket": [b for b, _ in grid], "days": [d for _, d in grid]},
            schema=pa.schema([("bucket", pa.timestamp("us")), ("days", pa.float64())]),
        )
    )


def four_keys_expr(
    deployments: ibis.Table,
    changes: ibis.Table,
    incidents: ibis.Table,
    services: Mapping[str, str | None],
    *,
    since: dt.datetime,
    until: dt.datetime,
    period: str | None = None,
    make: TableFactory = ibis.memtable,
    **options: Any,
) -> ibis.Table:
    """``four_keys`` over the given tables with the services mapping and window (the small
    services and buckets tables made by ``make``; an ``observed_until`` instant as a
    literal)."""
    options.setdefault("production_environments", PROD)
    if isinstance(options.get("incident_windows"), Mapping):
        windows = options["incident_windows"]
        options["incident_windows"] = make(
            pa.table(
                {"service": list(windows), "incident_window_hours": list(windows.values())},
                schema=pa.schema(
                    [("service", pa.string()), ("incident_window_hours", pa.float64())]
                ),
            )
        )
    if isinstance(options.get("observed_until"), dt.datetime):
        options["observed_until"] = ibis.literal(options["observed_until"], "timestamp(6)")
    return four_keys(
        deployments,
        changes,
        incidents,
        services_table(services, make),
        buckets_table(since, until, period, make),
        since=ibis.literal(since, "timestamp(6)"),
        until=ibis.literal(until, "timestamp(6)"),
        period=period,  # type: ignore[arg-type]
        **options,
    )


def memtables(
    deployments: Sequence[Fact],
    changes: Sequence[Fact],
    incidents: Sequence[Fact],
    make: TableFactory = ibis.memtable,
) -> tuple[ibis.Table, ibis.Table, ibis.Table]:
    return (
        make(arrow(DEPLOYMENTS, deployments)),
        make(arrow(CHANGES, changes)),
        make(arrow(INCIDENTS, incidents)),
    )


def sort_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return sorted((dict(r) for r in rows), key=lambda r: (r["key"], r["bucket"]))


def run(
    backend: Any,
    deployments: Sequence[Fact] = (),
    changes: Sequence[Fact] = (),
    incidents: Sequence[Fact] = (),
    services: Mapping[str, str | None] | None = None,
    *,
    since: dt.datetime,
    until: dt.datetime,
    period: str | None = None,
    make: TableFactory = ibis.memtable,
    **options: Any,
) -> list[dict[str, Any]]:
    """``four_keys`` on tables of the given rows (memtables unless ``make`` says otherwise),
    evaluated on ``backend``; rows by key and bucket."""
    tables = memtables(deployments, changes, incidents, make)
    expr = four_keys_expr(
        *tables, services or {}, since=since, until=until, period=period, make=make, **options
    )
    return sort_rows(backend.to_pyarrow(expr).to_pylist())


def by_key(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Total rows (one bucket) by key."""
    return {r["key"]: dict(r) for r in rows}


def same(a: Any, b: Any) -> bool:
    """Equal, floats to a relative 1e-9."""
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def differences(
    got: Sequence[Mapping[str, Any]], expected: Sequence[Mapping[str, Any]]
) -> list[str]:
    """What differs between two row lists (same order), as readable lines; empty if equal."""
    if len(got) != len(expected):
        return [
            f"{len(got)} rows, expected {len(expected)}: {[(r['key'], r['bucket']) for r in got]}"
            f" vs {[(r['key'], r['bucket']) for r in expected]}"
        ]
    out = []
    for g, e in zip(got, expected, strict=True):
        for name in e:
            if not same(g.get(name), e[name]):
                out.append(
                    f"{g['key']} {g['bucket']} {name}: got {g.get(name)!r}, expected {e[name]!r}"
                )
    return out


# --- CSV files, catalogs, ingest ---------------------------------------------------------

DEPLOYMENTS_HEADER = "deployment_id,service,environment,status,finished_at,commit_sha,change_type"
CHANGES_HEADER = "change_id,service,commit_sha,committed_at,merged_at,deployment_id"
INCIDENTS_HEADER = "incident_id,service,severity,started_at,resolved_at,deployment_id"


def write_csv(path: Path, header: str, lines: Sequence[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def ingest(app: App, source: str, *paths: Path) -> IngestReport:
    return run_ingest(source, list(paths), settings=app.settings, store=app.store)


# A small organisation: two business units, two value streams, three teams, four services
# ("search" belongs to a team with no value stream of its own, "legacy" has no owner).
CATALOG = """
apiVersion: leadline.io/v1
kind: Catalog
business_units:
  - name: retail
  - name: corporate
value_streams:
  - name: checkout
    business_unit: retail
  - name: discovery
    business_unit: retail
teams:
  - name: payments
    business_unit: retail
    value_stream: checkout
  - name: browse
    business_unit: retail
    value_stream: discovery
  - name: finance
    business_unit: corporate
services:
  - name: api
    owner: payments
  - name: web
    owner: payments
    value_stream: checkout
  - name: search
    owner: browse
  - name: ledger
    owner: finance
"""


def load_catalog(app: App, tmp_path: Path, text: str = CATALOG) -> IngestReport:
    report = ingest(app, "catalog-yaml", write_text(tmp_path / "catalog.yaml", text))
    assert report.exit_code == 0, [p.describe() for r in report.results for p in r.problems]
    return report


def problems(report: IngestReport) -> list[Any]:
    return [p for r in report.results for p in r.problems]


# --- random datasets (hypothesis) --------------------------------------------------------

SERVICES = ("api", "web", "ops")
BASE = dt.datetime(2026, 2, 23)  # a Monday
ENVIRONMENTS = ("production", "Production", "PROD", "live", "staging", "dev")
STATUSES = ("success", "success", "success", "failure", "pending", "cancelled")
CHANGE_TYPES = (None, None, "planned", "hotfix", "rollback")
SHAS = (None, "s1", "s2", "s3", "s4")


def _moment(
    draw: Any, st: Any, pool: Sequence[dt.datetime], odd_seconds: bool = True
) -> dt.datetime:
    """An instant in the six weeks from BASE: often one of the dataset's shared instants (so a
    change, an incident and a deployment meet at the same instant), else half-hour steps,
    sometimes with odd seconds and microseconds (so flooring to whole seconds matters)."""
    if pool and draw(st.booleans()):
        return draw(st.sampled_from(pool))
    steps = draw(st.integers(0, 6 * 7 * 48))
    seconds = draw(st.sampled_from((0, 0, 0, 1, 59) if odd_seconds else (0,)))
    micros = draw(st.sampled_from((0, 0, 0, 1, 500_000, 999_999)))
    return BASE + dt.timedelta(minutes=30 * steps, seconds=seconds, microseconds=micros)


def datasets(st: Any, *, deployment_ties: bool = False, odd_seconds: bool = True) -> Any:
    """A strategy of (deployments, changes, incidents, services mapping, since, until,
    options) with a few services, random statuses, environments, change types and shas,
    changes and incidents with or without explicit ids, open and resolved incidents. Two
    deployments of one service finish at the same instant only if ``deployment_ties``;
    instants have odd whole seconds only if ``odd_seconds`` (else every duration is a multiple
    of 30 minutes, sub-second parts aside)."""

    @st.composite
    def build(draw: Any) -> tuple[Any, ...]:
        pool = [_moment(draw, st, [], odd_seconds) for _ in range(draw(st.integers(0, 4)))]
        deployments = []
        used: set[tuple[str, dt.datetime]] = set()
        for index in range(draw(st.integers(0, 12))):
            service = draw(st.sampled_from(SERVICES))
            finished = _moment(draw, st, pool, odd_seconds)
            if not deployment_ties:  # one deployment per service and instant
                while (service, finished) in used:
                    finished += dt.timedelta(seconds=36)  # 0.01 h: exact in decimals
                used.add((service, finished))
            deployments.append(
                dep(
                    f"d{index:02d}",
                    service,
                    finished,
                    status=draw(st.sampled_from(STATUSES)),
                    environment=draw(st.sampled_from(ENVIRONMENTS)),
                    sha=draw(st.sampled_from(SHAS)),
                    change_type=draw(st.sampled_from(CHANGE_TYPES)),
                )
            )
        ids = [d["deployment_id"] for d in deployments] + ["unknown"]
        changes = []
        for index in range(draw(st.integers(0, 10))):
            committed = _moment(draw, st, pool, odd_seconds)
            merged = draw(
                st.sampled_from((None, 0, 1800, 7 * 3600 + 1) if odd_seconds else (None, 0, 1800))
            )
            changes.append(
                chg(
                    f"c{index:02d}",
                    draw(st.sampled_from(SERVICES)),
                    committed,
                    merged_at=None if merged is None else committed + dt.timedelta(seconds=merged),
                    deployment_id=draw(st.one_of(st.none(), st.sampled_from(ids))),
                )
            )
        incidents = []
        for index in range(draw(st.integers(0, 6))):
            started = _moment(draw, st, pool, odd_seconds)
            durations = (None, 0, 59, 3600, 5400, 30 * 3600 + 7) if odd_seconds else (None, 0, 5400)
            duration = draw(st.sampled_from(durations))
            incidents.append(
                inc(
                    f"i{index:02d}",
                    draw(st.sampled_from(SERVICES)),
                    started,
                    None if duration is None else started + dt.timedelta(seconds=duration),
                    deployment_id=draw(st.one_of(st.none(), st.sampled_from(ids))),
                )
            )
        mapping = draw(
            st.sampled_from(
                (
                    {"api": "team-a", "web": "team-a"},
                    {"api": "api", "web": "web", "ops": "ops"},
                    {"api": "team-a", "web": None, "idle": "team-idle"},
                    {},
                )
            )
        )
        # Window bounds are sometimes shared instants: since is inclusive, until exclusive.
        since = BASE + dt.timedelta(hours=draw(st.integers(0, 14 * 24)))
        since = draw(st.sampled_from([since, *pool]))
        until = since + dt.timedelta(hours=draw(st.integers(1, 28 * 24)))
        until = draw(st.sampled_from([until, *(p for p in pool if p > since)]))
        # The as-of instant: none (the window's end), or a later or earlier one, often an
        # instant some fact shares.
        later = until + dt.timedelta(hours=draw(st.integers(1, 14 * 24)))
        observed = draw(st.sampled_from([None, until, later, *(p for p in pool if p > since)]))
        options = {
            "incident_window_hours": draw(st.sampled_from((24.0, 2.0, 0.5))),
            "lead_time_from": draw(st.sampled_from(("commit", "merge"))),
            "unmapped_key": draw(st.sampled_from((None, "(none)"))),
            "observed_until": observed,
            "incident_attribution": draw(st.sampled_from(("window", "window", "latest"))),
            "incident_windows": draw(st.sampled_from((None, {"api": 1.0}, {"web": 48.0}))),
            "release_scope": draw(st.sampled_from(("service", "service", "environment"))),
        }
        return deployments, changes, incidents, mapping, since, until, options

    return build()
