"""Pull requests, reviews and per-file counts for the cycle-time benchmark, added to the DORA
benchmark's lake (``dora_data``: its changes and deployments) in one batch.

At scale 1.0: one pull request per five changes (2M), merged as that change (its commit is the
merge commit, its merge time the merge), opened between the change's commit and its merge; 30 %
carry their own first commit (a REST export with commits), the others take the merge commit's
change time when it is before the opening. 0–3 reviews each (3M in all), some by the author
(not reviews), some after the merge (not counted); 20 % have per-file counts (three files each,
a third of them ``package-lock.json``: generated); 10 % have no size. Cached with a marker file.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dora_data import US, _ids, _timestamps, _with_nulls, ensure_lake
from leadline.config import load_settings
from leadline.delivery.pr_tables import PULL_REQUEST_FILES, PULL_REQUEST_REVIEWS, PULL_REQUESTS
from leadline.ingest.models import Batch
from leadline.lake.engines import Lake
from leadline.lake.writer import LakeWriter
from leadline.store import Store
from leadline.store.base import utcnow

CYCLE_VERSION = 1
PR_EVERY = 5
AUTHORS = 2_000


def _micros(column: pa.ChunkedArray) -> np.ndarray:
    return pc.cast(column, pa.int64()).to_numpy()  # type: ignore[no-any-return]


def generate(changes: pa.Table, seed: int) -> dict[str, pa.Table]:
    rng = np.random.default_rng([seed, 17])
    picked = changes.take(pa.array(np.arange(0, changes.num_rows, PR_EVERY)))
    n = picked.num_rows
    committed = _micros(picked.column("committed_at"))
    merged = _micros(picked.column("merged_at"))
    opened = committed + ((merged - committed) * rng.uniform(0.1, 0.9, n)).astype(np.int64)
    own_first = rng.random(n) < 0.3
    first = committed - (rng.uniform(0, 6, n) * 3600 * US).astype(np.int64)
    author_no = rng.integers(0, AUTHORS, n)
    authors = pc.binary_join_element_wise("dev-", pa.array(author_no.astype(str)), "")
    pr_ids = _ids("pr-", np.arange(n), 8)
    sized = rng.random(n) >= 0.1
    additions = np.exp(rng.normal(np.log(80), 1.1, n)).astype(np.int64)
    deletions = np.exp(rng.normal(np.log(20), 1.1, n)).astype(np.int64)
    service = picked.column("service")
    prs = pa.table(
        {
            "pr_id": pr_ids,
            "service": service,
            "repo": service,
            "number": pa.array(np.arange(n)),
            "title": pa.array(["Change"] * n),
            "author": authors,
            "created_at": _timestamps(opened),
            "first_commit_at": _with_nulls(_timestamps(first), ~own_first),
            "merged_at": picked.column("merged_at"),
            "merge_commit_sha": picked.column("commit_sha"),
            "additions": _with_nulls(pa.array(additions), ~sized),
            "deletions": _with_nulls(pa.array(deletions), ~sized),
            "changed_files": _with_nulls(pa.array(rng.integers(1, 30, n)), ~sized),
            "source": pa.array(["bench"] * n),
            "updated_at": picked.column("merged_at"),
        }
    )
    # reviews: 0-3 per pull request
    counts = rng.choice([0, 1, 2, 3], n, p=[0.1, 0.45, 0.3, 0.15])
    owner = np.repeat(np.arange(n), counts)
    m = len(owner)
    span = merged[owner] - opened[owner]
    at = opened[owner] + (span * rng.uniform(-0.05, 1.1, m)).astype(np.int64)
    self_review = rng.random(m) < 0.05
    reviewer_no = np.where(self_review, author_no[owner], rng.integers(0, AUTHORS, m))
    reviews = pa.table(
        {
            "review_id": _ids("rev-", np.arange(m), 9),
            "pr_id": pr_ids.take(pa.array(owner)),
            "service": service.take(pa.array(owner)),
            "reviewer": pc.binary_join_element_wise("dev-", pa.array(reviewer_no.astype(str)), ""),
            "state": pa.array(["approved"] * m),
            "submitted_at": _timestamps(at),
            "source": pa.array(["bench"] * m),
            "updated_at": _timestamps(at),
        }
    )
    # files: three per pull request for a fifth of them
    with_files = np.flatnonzero(rng.random(n) < 0.2)
    owner = np.repeat(with_files, 3)
    k = len(owner)
    lock = (np.arange(k) % 3 == 2) & (rng.random(k) < 0.33)
    paths = pc.if_else(
        pa.array(lock),
        pa.scalar("web/package-lock.json"),
        pc.binary_join_element_wise("src/file-", pa.array((np.arange(k) % 3).astype(str)), ".py"),
    )
    files = pa.table(
        {
            "pr_id": pr_ids.take(pa.array(owner)),
            "service": service.take(pa.array(owner)),
            "path": paths,
            "additions": pa.array(np.exp(rng.normal(np.log(30), 1.2, k)).astype(np.int64)),
            "deletions": pa.array(np.exp(rng.normal(np.log(8), 1.2, k)).astype(np.int64)),
            "created_at": _timestamps(opened[owner]),
            "source": pa.array(["bench"] * k),
            "updated_at": _timestamps(merged[owner]),
        }
    )
    return {"pull_requests": prs, "pull_request_reviews": reviews, "pull_request_files": files}


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` in ``schema``'s column order and types, absent columns null."""
    columns = [
        table.column(f.name).cast(f.type)
        if f.name in table.column_names
        else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def ensure_cycle_lake(scale: float, seed: int = 1) -> tuple[Path, dict[str, object]]:
    """The DORA lake with the pull-request tables added (once; cached with a marker)."""
    home, meta = ensure_lake(scale, seed)
    marker = home / f"cycle-v{CYCLE_VERSION}.json"
    if marker.exists():
        return home, {**meta, **json.loads(marker.read_text())}
    started = time.perf_counter()
    settings = load_settings(home=home)
    store = Store(settings.resolved_database_url)
    changes = Lake(settings, store, "duckdb").table("changes")
    columns = changes.select("change_id", "service", "commit_sha", "committed_at", "merged_at")
    columns = columns.order_by("change_id")  # the lake's scan order is not fixed
    tables = generate(columns.to_pyarrow(), seed)
    with store.session() as session:
        batch = Batch(
            source="bench-cycle",
            file_name="generated",
            content_hash=f"cycle-{scale}-{seed}",
            options={},
            status="landed",
            started_at=utcnow(),
            finished_at=utcnow(),
        )
        session.add(batch)
        session.flush()
        writer = LakeWriter(settings.lake_path, session, batch.id)
        for fact, name in (
            (PULL_REQUESTS, "pull_requests"),
            (PULL_REQUEST_REVIEWS, "pull_request_reviews"),
            (PULL_REQUEST_FILES, "pull_request_files"),
        ):
            writer.append(fact, conform(tables[name], fact.schema))
        writer.publish()
    writer.cleanup()
    store.dispose()
    extra = {
        "cycle_rows": {name: table.num_rows for name, table in tables.items()},
        "cycle_generate_seconds": round(time.perf_counter() - started, 2),
    }
    marker.write_text(json.dumps(extra))
    return home, {**meta, **extra}
