"""Pull-request cycle time, broken down, as Ibis expressions (one definition, DuckDB and Spark).

Definitions (docs/metrics.md, "Pull-request cycle time"; the phases as LinearB and Swarmia
name them):

- A pull request counts when it was merged into its repository's default branch; it belongs to
  the bucket of its merge.
- **Coding time** = opened − first commit (0 when the first commit came after the opening;
  unknown when no source shows a commit: the pull request's own commits from a REST export,
  else the ``changes`` fact of its merge commit when that one's commit time is before the
  opening).
- **Pickup time** = first review − opened; **review time** = merge − first review. A review is a
  submitted review, review comment, GitLab note or approval by someone other than the author,
  before the merge (a review before the opening counts at the opening). Without one, both are
  unknown and the pull request counts as merged without review.
- **Deploy time** = the first successful production deployment of the service that contains
  the merge (``metrics.change_attributions``: the DORA lead time's own attribution, so both
  agree) − merge; unknown while not deployed.
- **Cycle time** = that deployment − the first commit (the opening when the first commit is
  unknown). When all four phases are known they add up to it.
- **Size** = lines added + deleted, leaving out files matching ``delivery.generated_paths``
  when per-file counts are known; otherwise the request's own totals (counted as unfiltered).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import ibis
from ibis import _

from leadline.delivery.metrics import UNIT, change_attributions
from leadline.lake.expressions import hours_between
from leadline.periods import Grain

PHASES = ("coding", "pickup", "review", "deploy")


def glob_regex(pattern: str) -> str:
    """An anchored regular expression for a path glob: ``**/`` is any directories (none
    included), ``**`` anything, ``*`` and ``?`` stay within one path segment."""
    out, i = ["^"], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out) + "$"


def pr_sizes(files: ibis.Table, generated_paths: Sequence[str]) -> ibis.Table:
    """Per pull request with per-file counts: lines added + deleted outside generated files."""
    kept = files
    if generated_paths:
        regex = "|".join(f"(?:{glob_regex(p)})" for p in generated_paths)
        kept = files.filter(~files.path.re_search(regex))
    counted = kept.select("service", "pr_id", lines=(_.additions + _.deletions).cast("int64"))
    per_pr = counted.group_by(["service", "pr_id"]).aggregate(file_lines=_.lines.sum())
    every = files.select("service", "pr_id").distinct()  # all files generated: size 0
    joined = every.left_join(per_pr, ["service", "pr_id"])
    return joined.select(
        file_service=joined.service,
        file_pr_id=joined.pr_id,
        file_lines=joined.file_lines.fill_null(0),
    )


def first_reviews(prs: ibis.Table, reviews: ibis.Table) -> ibis.Table:
    """Per pull request, its first review by someone other than its author, before its merge."""
    authors = prs.select(
        a_service=prs.service, a_pr_id=prs.pr_id, author=prs.author, a_merged=prs.merged_at
    )
    joined = reviews.inner_join(
        authors, [reviews.service == authors.a_service, reviews.pr_id == authors.a_pr_id]
    )
    by_other = (
        joined.reviewer.isnull() | joined.author.isnull() | (joined.reviewer != joined.author)
    )
    kept = joined.filter(by_other, joined.submitted_at <= joined.a_merged)
    return kept.group_by(r_service=kept.service, r_pr_id=kept.pr_id).aggregate(
        first_review_at=kept.submitted_at.min()
    )


def pull_request_phases(
    prs: ibis.Table,
    reviews: ibis.Table,
    files: ibis.Table,
    changes: ibis.Table,
    shipped: ibis.Table,
    *,
    until: ibis.Value,
    generated_paths: Sequence[str] = (),
    aliases: ibis.Table | None = None,
) -> ibis.Table:
    """Each pull request merged before ``until``: its times, the four phases and the cycle in
    hours, and its size. ``shipped``: the successful production deployments known before
    ``until`` that ship changes, and ``aliases`` their explicit ids, as the DORA lead time
    takes them (``metrics.counted_deployments``: releases; or ``shipped_deployments``)."""
    merged = prs.filter(prs.merged_at.notnull(), prs.merged_at < until)
    # The merge commit's change: an earlier commit time, and an explicit deployment link
    # (joined first, then grouped: the changes are probed against the pull requests, not all
    # grouped by commit).
    keys = merged.select(k_service=merged.service, k_pr=merged.pr_id, k_sha=merged.merge_commit_sha)
    matched = keys.inner_join(
        changes, [keys.k_service == changes.service, keys.k_sha == changes.commit_sha]
    )
    merge_changes = matched.group_by(c_service=_.k_service, c_pr=_.k_pr).aggregate(
        c_committed=_.committed_at.min(), c_deployment=_.deployment_id.max()
    )
    with_change = merged.left_join(
        merge_changes,
        [merged.service == merge_changes.c_service, merged.pr_id == merge_changes.c_pr],
    )
    change_first = ibis.ifelse(
        with_change.c_committed < with_change.created_at,
        with_change.c_committed,
        ibis.null("timestamp(6)"),
    )
    first_commit = with_change.first_commit_at.fill_null(change_first)
    # The DORA attribution: a change from the start, merged at the merge. Everything below
    # reads its output (each pull request once, with its ``start``) joined to the pull requests
    # themselves, so the changes are read once.
    as_changes = with_change.select(
        service=with_change.service,
        change_id=with_change.pr_id,
        committed_at=ibis.least(
            first_commit.fill_null(with_change.created_at), with_change.created_at
        ),
        merged_at=with_change.merged_at,
        deployment_id=with_change.c_deployment,
    )
    # "commit": the carried ``start`` is the first commit (the deployment is the same in both
    # lead-time modes).
    shipped_at = change_attributions(
        as_changes, shipped, until, "commit", keep_ref=True, aliases=aliases
    )
    shipped_at = shipped_at.select(
        d_service=_.service, d_ref=_.ref, start=_.start, deployed_at=_.deployed_at
    )
    first = first_reviews(merged, reviews)
    sizes = pr_sizes(files, generated_paths)
    out = merged.inner_join(
        shipped_at, [merged.service == shipped_at.d_service, merged.pr_id == shipped_at.d_ref]
    )
    # start < opened only when a first commit before the opening is known (then it is that
    # commit); the request's own first commit may also be after its opening.
    out = out.mutate(
        first_commit_at=out.first_commit_at.fill_null(
            ibis.ifelse(out.start < out.created_at, out.start, ibis.null("timestamp(6)"))
        )
    )
    out = out.left_join(first, [out.service == first.r_service, out.pr_id == first.r_pr_id])
    out = out.left_join(sizes, [out.service == sizes.file_service, out.pr_id == sizes.file_pr_id])
    # GREATEST skips nulls on both engines: without a review, no review time.
    review_at = ibis.ifelse(
        out.first_review_at.isnull(),
        ibis.null("timestamp(6)"),
        ibis.greatest(out.first_review_at, out.created_at),
    )
    no_hours = ibis.null("float64")
    has_files = out.file_pr_id.notnull()
    totals = (out.additions + out.deletions).cast("int64")
    return out.select(
        service=out.service,
        pr_id=out.pr_id,
        created_at=out.created_at,
        first_commit_at=out.first_commit_at,
        first_review_at=out.first_review_at,
        merged_at=out.merged_at,
        deployed_at=out.deployed_at,
        coding_hours=ibis.ifelse(
            out.first_commit_at.isnull(), no_hours, hours_between(out.created_at, out.start)
        ),
        pickup_hours=hours_between(review_at, out.created_at),
        review_hours=hours_between(out.merged_at, review_at),
        deploy_hours=hours_between(out.deployed_at, out.merged_at),
        cycle_hours=hours_between(out.deployed_at, out.start),
        size=ibis.ifelse(has_files, out.file_lines, totals),
        size_filtered=has_files,
    )


def cycle_time(
    phases: ibis.Table,
    services: ibis.Table,
    buckets: ibis.Table,
    *,
    since: ibis.Value,
    until: ibis.Value,
    period: Grain | None,
    unmapped_key: str | None = None,
) -> ibis.Table:
    """Per group ``key`` (``services``: service -> key) and ``bucket`` of the merge (every row
    of ``buckets``; one when ``period`` is None), over pull requests merged in
    ``[since, until)`` (``phases`` from ``pull_request_phases``): their count, p50 and p90 of
    each phase, the cycle and the size, and how many lack a review, a deployment, a first
    commit or per-file counts."""
    window = phases.filter(phases.merged_at >= since, phases.merged_at < until)
    joined = window.left_join(services, "service")
    fallback = joined.service if unmapped_key is None else ibis.literal(unmapped_key)
    keyed = joined.mutate(
        key=joined.key.fill_null(fallback),
        bucket=since if period is None else joined.merged_at.truncate(UNIT[period]),
    )
    stats: dict[str, ibis.Value] = {
        "pull_requests": _.count(),
        "unreviewed": _.first_review_at.isnull().cast("int64").sum(),
        "undeployed": _.deployed_at.isnull().cast("int64").sum(),
        "without_first_commit": _.first_commit_at.isnull().cast("int64").sum(),
        "size_unfiltered": (_.size.notnull() & ~_.size_filtered).cast("int64").sum(),
    }
    for name in (*PHASES, "cycle"):
        stats[f"{name}_p50_hours"] = keyed[f"{name}_hours"].quantile(0.5)
        stats[f"{name}_p90_hours"] = keyed[f"{name}_hours"].quantile(0.9)
    stats["size_p50"] = keyed.size.cast("float64").quantile(0.5)
    stats["size_p90"] = keyed.size.cast("float64").quantile(0.9)
    found = keyed.group_by(["key", "bucket"]).aggregate(**stats)
    keys = services.select("key").filter(services.key.notnull()).union(found.select("key"))
    grid = keys.distinct().cross_join(buckets)
    out = grid.left_join(found, ["key", "bucket"]).drop("key_right", "bucket_right")
    counts = ("pull_requests", "unreviewed", "undeployed", "without_first_commit")
    return out.mutate(
        **{name: out[name].fill_null(0) for name in (*counts, "size_unfiltered")}
    ).drop("days")
