"""Delivery facts in the lake, and the generic CSV formats of DESIGN.md §4.

Every source normalises into these three tables (as Google's Four Keys does): raw events are kept
verbatim in the store, parsers turn them into one common shape, metrics read only this shape.
Rows are merged by key, so repeated or out-of-order deliveries resolve to the same facts (see
``FactTable``): a deployment's newest status wins, a change keeps its earliest commit time.
"""

from __future__ import annotations

import pyarrow as pa

from leadline.ingest.tabular import Column, CsvFormat
from leadline.lake.tables import FactTable, register_table

TS = pa.timestamp("us", tz="UTC")

# Deployment outcomes leadline keeps; sources map their own states onto these.
SUCCESS, FAILURE, PENDING, CANCELLED = "success", "failure", "pending", "cancelled"
STATUSES = (SUCCESS, FAILURE, PENDING, CANCELLED)
# Why a deployment happened: planned work, an unplanned fix of a user-facing defect, or going
# back to an earlier version. Null means planned or unknown.
PLANNED, HOTFIX, ROLLBACK = "planned", "hotfix", "rollback"
CHANGE_TYPES = (PLANNED, HOTFIX, ROLLBACK)

DEPLOYMENTS = register_table(
    FactTable(
        "deployments",
        pa.schema(
            [
                pa.field("deployment_id", pa.string(), nullable=False),
                pa.field("service", pa.string(), nullable=False),
                pa.field("environment", pa.string(), nullable=False),
                pa.field("status", pa.string(), nullable=False),
                pa.field("created_at", TS),
                pa.field("finished_at", TS, nullable=False),  # when it reached its status
                pa.field("commit_sha", pa.string()),
                pa.field("change_type", pa.string()),
                pa.field("source", pa.string(), nullable=False),
                pa.field("updated_at", TS, nullable=False),  # version of this observation
                pa.field("extra", pa.string()),
            ]
        ),
        time_column="finished_at",
        key=("deployment_id",),
        version="updated_at",
        provenance=("source", "extra"),
        rules={"created_at": "min", "commit_sha": "max", "change_type": "max", "extra": "max"},
        description="One row per deployment, at its latest known status.",
    )
)

CHANGES = register_table(
    FactTable(
        "changes",
        pa.schema(
            [
                pa.field("change_id", pa.string(), nullable=False),
                pa.field("service", pa.string(), nullable=False),
                pa.field("commit_sha", pa.string()),
                pa.field("committed_at", TS, nullable=False),  # first commit of the change
                pa.field("merged_at", TS),  # when it reached the default branch
                pa.field("deployment_id", pa.string()),  # explicit link, else attributed by time
                pa.field("source", pa.string(), nullable=False),
                pa.field("updated_at", TS, nullable=False),
                pa.field("extra", pa.string()),
            ]
        ),
        time_column="committed_at",
        key=("service", "change_id"),
        version="updated_at",
        provenance=("source", "extra"),
        rules={
            "committed_at": "min",
            "merged_at": "min",
            "commit_sha": "max",
            "deployment_id": "max",
            "extra": "max",
        },
        description="One row per change (a commit, or a merged pull/merge request).",
    )
)

INCIDENTS = register_table(
    FactTable(
        "incidents",
        pa.schema(
            [
                pa.field("incident_id", pa.string(), nullable=False),
                pa.field("service", pa.string(), nullable=False),
                pa.field("severity", pa.string()),
                pa.field("started_at", TS, nullable=False),
                pa.field("resolved_at", TS),  # null while open (latest observation wins: reopen)
                pa.field("deployment_id", pa.string()),  # explicit cause, else linked by time
                pa.field("title", pa.string()),
                pa.field("source", pa.string(), nullable=False),
                pa.field("updated_at", TS, nullable=False),
                pa.field("extra", pa.string()),
            ]
        ),
        time_column="started_at",
        key=("incident_id",),
        version="updated_at",
        provenance=("source", "extra"),
        rules={
            "started_at": "min",
            "deployment_id": "max",
            "extra": "max",
        },
        description="One row per production incident.",
    )
)

DEPLOYMENTS_CSV = CsvFormat(
    "deployments",
    "Deployments, one per row (leadline ingest deployments-csv FILE).",
    (
        Column("deployment_id", description="Unique id of the deployment", example="dep-1042"),
        Column("service", description="Catalog service name", example="checkout-api"),
        Column(
            "environment",
            description="Target environment; production names are set in "
            "[delivery] production_environments",
            example="production",
        ),
        Column("status", choices=(SUCCESS, FAILURE, PENDING, CANCELLED), description="Outcome"),
        Column(
            "finished_at",
            "timestamp",
            description="When it finished (ISO-8601)",
            example="2026-03-01T12:00:00Z",
        ),
        Column("commit_sha", required=False, description="Commit deployed"),
        Column("started_at", "timestamp", required=False, description="When it started"),
        Column(
            "change_type",
            required=False,
            choices=CHANGE_TYPES,
            description="Why: planned, hotfix (unplanned fix of a user-facing defect) or rollback",
        ),
    ),
)

CHANGES_CSV = CsvFormat(
    "changes",
    "Changes (commits or merged pull requests), one per row (leadline ingest changes-csv FILE).",
    (
        Column("change_id", description="Unique id within the service (a commit sha, PR-12)"),
        Column("service", description="Catalog service name"),
        Column("commit_sha", required=False, description="Commit on the default branch"),
        Column(
            "committed_at",
            "timestamp",
            description="Time of the change's first commit",
            example="2026-03-01T09:30:00+01:00",
        ),
        Column(
            "merged_at",
            "timestamp",
            required=False,
            description="When it reached the default branch",
        ),
        Column(
            "deployment_id",
            required=False,
            description="Deployment that shipped it; "
            "leave empty to attribute it to the first successful production deployment of "
            "the service at or after its commit",
        ),
    ),
)

INCIDENTS_CSV = CsvFormat(
    "incidents",
    "Production incidents, one per row (leadline ingest incidents-csv FILE).",
    (
        Column("incident_id", description="Unique id of the incident"),
        Column("service", description="Catalog service name"),
        Column(
            "severity", required=False, description="Severity as your tool names it", example="SEV2"
        ),
        Column("started_at", "timestamp", description="When impact started"),
        Column(
            "resolved_at",
            "timestamp",
            required=False,
            description="When service was restored; empty while open",
        ),
        Column(
            "deployment_id",
            required=False,
            description="Deployment that caused it; "
            "leave empty to link it to the service's latest successful production "
            "deployment within [delivery] incident_window_hours before it started",
        ),
        Column("title", required=False, description="Short description"),
    ),
)
