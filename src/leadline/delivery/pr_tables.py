"""Pull-request facts in the lake: the pull (or merge) requests, their reviews and their files.

Three tables, not one, because each arrives from different deliveries: a ``pull_request``
webhook knows the request's size but not its reviews, a ``pull_request_review`` (or a REST
``pulls/{n}/reviews`` item, or a GitLab note) knows one review and, at most, the request's
times; per-file line counts come only with a REST ``pulls/{n}/files`` export. Rows merge by key
(``FactTable`` rules), so deliveries may arrive in any order and repeat. The cycle-time metric
(``delivery.cycle_time``) reads the three together; docs/delivery.md says which payload fills
which column.
"""

from __future__ import annotations

import pyarrow as pa

from leadline.lake.tables import FactTable, register_table

TS = pa.timestamp("us", tz="UTC")

PULL_REQUESTS = register_table(
    FactTable(
        "pull_requests",
        pa.schema(
            [
                pa.field("pr_id", pa.string(), nullable=False),  # github:owner/repo#12
                pa.field("service", pa.string(), nullable=False),
                pa.field("repo", pa.string(), nullable=False),
                pa.field("number", pa.int64(), nullable=False),
                pa.field("title", pa.string()),
                pa.field("author", pa.string()),
                pa.field("created_at", TS, nullable=False),  # opened
                pa.field("first_commit_at", TS),  # earliest commit a source showed
                pa.field("merged_at", TS),  # null while open or closed unmerged
                pa.field("merge_commit_sha", pa.string()),
                pa.field("additions", pa.int64()),
                pa.field("deletions", pa.int64()),
                pa.field("changed_files", pa.int64()),
                pa.field("source", pa.string(), nullable=False),
                pa.field("updated_at", TS, nullable=False),
                pa.field("extra", pa.string()),
            ]
        ),
        time_column="created_at",
        key=("service", "pr_id"),
        version="updated_at",
        provenance=("source", "extra"),
        rules={
            "created_at": "min",
            "first_commit_at": "min",
            "merged_at": "min",
            "merge_commit_sha": "max",
            "author": "max",
            "number": "max",
            "repo": "max",
            # Review payloads carry no size: the largest size seen, not the newest (which a
            # review delivered after the merge would blank).
            "additions": "max",
            "deletions": "max",
            "changed_files": "max",
            "extra": "max",
        },
        description="One row per pull or merge request into its repository's default branch.",
    )
)

PULL_REQUEST_REVIEWS = register_table(
    FactTable(
        "pull_request_reviews",
        pa.schema(
            [
                pa.field("review_id", pa.string(), nullable=False),
                pa.field("pr_id", pa.string(), nullable=False),
                pa.field("service", pa.string(), nullable=False),
                pa.field("reviewer", pa.string()),
                pa.field("state", pa.string()),  # approved, commented, changes_requested...
                pa.field("submitted_at", TS, nullable=False),
                pa.field("source", pa.string(), nullable=False),
                pa.field("updated_at", TS, nullable=False),
                pa.field("extra", pa.string()),
            ]
        ),
        time_column="submitted_at",
        key=("service", "review_id"),
        version="updated_at",
        provenance=("source", "extra"),
        rules={"submitted_at": "min", "reviewer": "max", "extra": "max"},
        description="One row per review, review comment or merge-request note or approval.",
    )
)

PULL_REQUEST_FILES = register_table(
    FactTable(
        "pull_request_files",
        pa.schema(
            [
                pa.field("pr_id", pa.string(), nullable=False),
                pa.field("service", pa.string(), nullable=False),
                pa.field("path", pa.string(), nullable=False),
                pa.field("additions", pa.int64(), nullable=False),
                pa.field("deletions", pa.int64(), nullable=False),
                pa.field("created_at", TS, nullable=False),  # the request's, to partition
                pa.field("source", pa.string(), nullable=False),
                pa.field("updated_at", TS, nullable=False),
            ]
        ),
        time_column="created_at",
        key=("service", "pr_id", "path"),
        version="updated_at",
        provenance=("source",),
        rules={"created_at": "min"},
        description="Lines added and deleted per file of a pull request (REST files export).",
    )
)

PR_TABLES: dict[str, FactTable] = {
    "pull_requests": PULL_REQUESTS,
    "pull_request_reviews": PULL_REQUEST_REVIEWS,
    "pull_request_files": PULL_REQUEST_FILES,
}
