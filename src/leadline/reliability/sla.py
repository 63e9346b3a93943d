"""SLA attainment (ITIL 4 service level management) as Ibis expressions, its report and CLI.

Definitions (docs/metrics.md, "Service levels", has them with worked examples):

- A ticket belongs to the month it was **opened** (UTC) and to the agreement in force for its
  service then; it is judged on everything known at ``as_of``. The clock runs 24x7 (no business
  hours, no pause while on hold).
- **Response time** = first response − opened (a ticket resolved without a recorded response
  was answered by its resolution); **resolution time** = resolved − opened. Whole seconds.
- Against its priority's target a ticket's response (resolution) is ``met`` when the time is at
  most the target (exactly at the target is met), ``breached`` when longer, or when still
  missing although the target has already elapsed at ``as_of``, else ``pending`` (not judged
  yet). Cancelled tickets are counted, never judged; priorities the agreement does not name are
  ``no_target``.
- **Within target** = met ÷ (met + breached), per priority; the priority's verdict is ``met`` when
  that share reaches the agreement's attainment target. The agreement's verdict for tickets is
  the worst over its priorities (a priority without tickets has ``no_data`` and does not
  count against it).
- **Availability** = Σ good ÷ Σ total of the SLI samples of the agreement's SLO whose interval
  starts in the month (before ``as_of``); ``met`` when at least the objective. Where a group
  pools several services under one agreement, their samples are pooled.
- Percentiles (p50, p90) are continuous, over the judged tickets with a response (resolution).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pyarrow as pa

from leadline.lake.expressions import hours_between
from leadline.reliability.service_level_report import (
    NONE,
    from_counts,
    keyed,
    rollup,
    rollup_counts,
    verdict,
)
from leadline.reliability.service_levels import CANCELLED

MONTH = pa.timestamp("us")
COVERAGE_SCHEMA = pa.schema(
    [("service", pa.string()), ("month", MONTH), ("agreement", pa.string())]
)
TARGETS_SCHEMA = pa.schema(
    [
        ("service", pa.string()),
        ("month", MONTH),
        ("priority", pa.string()),
        ("respond_within_seconds", pa.int64()),
        ("resolve_within_seconds", pa.int64()),
        ("attainment", pa.float64()),
    ]
)
AVAILABILITY_SCHEMA = pa.schema(
    [
        ("service", pa.string()),
        ("month", MONTH),
        ("agreement", pa.string()),
        ("slo", pa.string()),
        ("objective", pa.float64()),
    ]
)
GROUP = ["key", "month", "agreement"]


def _judge(
    done_at: ibis.Value,
    opened: ibis.Value,
    target: ibis.Value,
    cancelled: ibis.Value,
    now: ibis.Value,
) -> ibis.Value:
    elapsed = done_at.epoch_seconds().floor() - opened
    return ibis.cases(
        (target.isnull(), "no_target"),
        (cancelled, "excluded"),
        (done_at.notnull() & (elapsed <= target), "met"),
        (done_at.notnull(), "breached"),
        (now - opened > target, "breached"),
        else_="pending",
    )


def ticket_outcomes(
    tickets: ibis.Table, coverage: ibis.Table, targets: ibis.Table, *, as_of: dt.datetime
) -> ibis.Table:
    """Each ticket: service, month opened, agreement ("" if none), normalised priority, whether
    open or cancelled, hours to respond and resolve, and the verdict on each (see above)."""
    t = tickets.select(
        "ticket_id",
        "service",
        "opened_at",
        "first_response_at",
        "resolved_at",
        priority=tickets.priority.strip().upper(),
        month=tickets.opened_at.truncate("M").cast("timestamp(6)"),
        cancelled=tickets.status == CANCELLED,
    )
    c = coverage.select(
        c_service=coverage.service, c_month=coverage.month, agreement=coverage.agreement
    )
    t = t.left_join(c, (t.service == c.c_service) & (t.month == c.c_month))
    g = targets.rename(g_service="service", g_month="month", g_priority="priority")
    t = t.left_join(
        g, (t.service == g.g_service) & (t.month == g.g_month) & (t.priority == g.g_priority)
    )
    opened = t.opened_at.epoch_seconds().floor()
    now = ibis.literal(int(as_of.replace(tzinfo=dt.UTC).timestamp()), "int64")
    responded = t.first_response_at.fill_null(t.resolved_at)
    judged = ~t.cancelled
    return t.select(
        "ticket_id",
        "service",
        "month",
        "priority",
        "cancelled",
        agreement=t.agreement.fill_null(NONE),
        open=judged & t.resolved_at.isnull(),
        response_hours=ibis.ifelse(judged, hours_between(responded, t.opened_at), None),
        resolution_hours=ibis.ifelse(judged, hours_between(t.resolved_at, t.opened_at), None),
        response=_judge(responded, opened, t.respond_within_seconds, t.cancelled, now),
        resolution=_judge(t.resolved_at, opened, t.resolve_within_seconds, t.cancelled, now),
        respond_within_seconds=t.respond_within_seconds,
        resolve_within_seconds=t.resolve_within_seconds,
        attainment=t.attainment,
    )


def _ticket_stats(t: ibis.Table, by: list[str]) -> ibis.Table:
    counts: dict[str, Any] = {
        "tickets": t.count(),
        "open": t.open.cast("int64").sum(),
        "cancelled": t.cancelled.cast("int64").sum(),
    }
    for side in ("response", "resolution"):
        for name in ("met", "breached", "pending"):
            counts[f"{side}_{name}"] = (t[side] == name).cast("int64").sum()
        counts[f"{side}_p50_hours"] = t[f"{side}_hours"].quantile(0.5)
        counts[f"{side}_p90_hours"] = t[f"{side}_hours"].quantile(0.9)
    return t.group_by(by).aggregate(**counts)


def _within(stats: ibis.Table, side: str) -> ibis.Value:
    judged = stats[f"{side}_met"] + stats[f"{side}_breached"]
    share = stats[f"{side}_met"].cast("float64") / judged.cast("float64")
    return ibis.ifelse(judged > 0, share, ibis.null("float64"))


def availability(
    sli_samples: ibis.Table,
    availability_targets: ibis.Table,
    services: ibis.Table,
    *,
    as_of: dt.datetime,
    unmapped: str | None = None,
) -> ibis.Table:
    """Per group key, month and agreement: pooled good and total events of the agreements'
    SLOs in the month, availability and its verdict against the objective."""
    s = sli_samples.filter(sli_samples.timestamp < ibis.literal(as_of, "timestamp(6)"))
    s = s.mutate(s_month=s.timestamp.truncate("M").cast("timestamp(6)"))
    per_slo = s.group_by(["slo", "s_month"]).aggregate(good=s.good.sum(), total=s.total.sum())
    per_slo = per_slo.rename(s_slo="slo")
    slots = (
        keyed(availability_targets, services, unmapped)
        .select(*GROUP, "slo", "objective")
        .distinct()
    )
    j = slots.left_join(per_slo, (slots.slo == per_slo.s_slo) & (slots.month == per_slo.s_month))
    pooled = j.group_by(GROUP).aggregate(
        availability_good=j.good.fill_null(0.0).sum(),
        availability_total=j.total.fill_null(0.0).sum(),
        availability_objective=j.objective.max(),
    )
    value = ibis.ifelse(
        pooled.availability_total > 0,
        pooled.availability_good / pooled.availability_total,
        ibis.null("float64"),
    )
    counted = ibis.ifelse(pooled.availability_total > 0, 1, 0)
    return pooled.mutate(
        availability=value,
        availability_status=verdict(value, pooled.availability_objective, counted, True),
    )


def sla_attainment(
    tickets: ibis.Table,
    sli_samples: ibis.Table,
    *,
    coverage: ibis.Table,
    targets: ibis.Table,
    availability_targets: ibis.Table,
    services: ibis.Table,
    as_of: dt.datetime,
    unmapped: str | None = None,
) -> ibis.Table:
    """One row per group key, month, agreement ("" for tickets no agreement covers) and
    priority (null: the totals row, which alone carries availability and the overall
    verdict ``status``). Priorities an agreement names appear even without tickets."""
    outcomes = keyed(ticket_outcomes(tickets, coverage, targets, as_of=as_of), services, unmapped)
    per = _ticket_stats(outcomes, [*GROUP, "priority"])
    named = (
        keyed(targets.inner_join(coverage, ["service", "month"]), services, unmapped)
        .select(*GROUP, "priority")
        .distinct()
    )
    grid = named.union(per.select(*GROUP, "priority")).distinct()
    limits = outcomes.group_by([*GROUP, "priority"]).aggregate(
        respond_within_seconds=outcomes.respond_within_seconds.max(),
        resolve_within_seconds=outcomes.resolve_within_seconds.max(),
        attainment_target=outcomes.attainment.max(),
    )
    named_limits = keyed(targets.inner_join(coverage, ["service", "month"]), services, unmapped)
    named_limits = named_limits.group_by([*GROUP, "priority"]).aggregate(
        n_respond=named_limits.respond_within_seconds.max(),
        n_resolve=named_limits.resolve_within_seconds.max(),
        n_attainment=named_limits.attainment.max(),
    )
    rows = grid.left_join(per, [*GROUP, "priority"]).drop(
        "key_right", "month_right", "agreement_right", "priority_right"
    )
    rows = rows.left_join(limits, [*GROUP, "priority"]).drop(
        "key_right", "month_right", "agreement_right", "priority_right"
    )
    rows = rows.left_join(named_limits, [*GROUP, "priority"]).drop(
        "key_right", "month_right", "agreement_right", "priority_right"
    )
    rows = (
        _fill_counts(rows)
        .mutate(
            respond_within_seconds=rows.respond_within_seconds.fill_null(rows.n_respond),
            resolve_within_seconds=rows.resolve_within_seconds.fill_null(rows.n_resolve),
            attainment_target=rows.attainment_target.fill_null(rows.n_attainment),
        )
        .drop("n_respond", "n_resolve", "n_attainment")
    )
    rows = rows.mutate(
        response_within_target=_within(rows, "response"),
        resolution_within_target=_within(rows, "resolution"),
    )
    rows = rows.mutate(
        response_status=_side_verdict(rows, "response", "respond_within_seconds"),
        resolution_status=_side_verdict(rows, "resolution", "resolve_within_seconds"),
    )
    totals = _totals(outcomes, rows, coverage, services, unmapped)
    avail = availability(
        sli_samples, availability_targets, services, as_of=as_of, unmapped=unmapped
    )
    totals = totals.left_join(avail, GROUP).drop("key_right", "month_right", "agreement_right")
    totals = totals.mutate(
        status=rollup(totals.response_status, totals.resolution_status, totals.availability_status)
    )
    blank = {
        "availability_good": ibis.null("float64"),
        "availability_total": ibis.null("float64"),
        "availability_objective": ibis.null("float64"),
        "availability": ibis.null("float64"),
        "availability_status": ibis.null("string"),
        "status": ibis.null("string"),
    }
    rows = rows.mutate(**blank)
    return rows.union(totals.select(*rows.columns), distinct=False)


def _fill_counts(rows: ibis.Table) -> ibis.Table:
    names = ["tickets", "open", "cancelled"] + [
        f"{side}_{n}" for side in ("response", "resolution") for n in ("met", "breached", "pending")
    ]
    return rows.mutate(**{n: rows[n].fill_null(0) for n in names})


def _side_verdict(rows: ibis.Table, side: str, limit: str) -> ibis.Value:
    judged = rows[f"{side}_met"] + rows[f"{side}_breached"]
    target = ibis.ifelse(rows[limit].notnull(), rows.attainment_target, ibis.null("float64"))
    return verdict(rows[f"{side}_within_target"], target, judged, True)


def _totals(
    outcomes: ibis.Table,
    rows: ibis.Table,
    coverage: ibis.Table,
    services: ibis.Table,
    unmapped: str | None,
) -> ibis.Table:
    """The totals row of each key, month and agreement: counts over every priority, verdicts
    rolled up from the priorities (the worst one)."""
    stats = _ticket_stats(outcomes, GROUP)
    covered = keyed(coverage, services, unmapped).select(*GROUP)
    grid = covered.union(stats.select(*GROUP)).distinct()
    verdicts = rows.group_by(GROUP).aggregate(
        **rollup_counts(rows, "response_status"), **rollup_counts(rows, "resolution_status")
    )
    out = grid.left_join(stats, GROUP).drop("key_right", "month_right", "agreement_right")
    out = out.left_join(verdicts, GROUP).drop("key_right", "month_right", "agreement_right")
    out = _fill_counts(out)
    return out.mutate(
        priority=ibis.null("string"),
        respond_within_seconds=ibis.null("int64"),
        resolve_within_seconds=ibis.null("int64"),
        attainment_target=ibis.null("float64"),
        response_within_target=_within(out, "response"),
        resolution_within_target=_within(out, "resolution"),
        response_status=from_counts(out, "response_status"),
        resolution_status=from_counts(out, "resolution_status"),
    )
