"""``leadline ingest prometheus``: pull SLI samples (good and total events per interval) of the
SLOs in the store from Prometheus into the lake's ``sli_samples``.

Command: ``leadline ingest prometheus URL|- [--slo NAME[,NAME]] [--since T] [--until T]
[--url URL]``. The PATH argument ``leadline ingest`` requires is the Prometheus base URL
(``http://localhost:9090``), or ``-`` to take it per SLO from, in this order: ``--url``, the
SLO's OpenSLO DataSource (``spec.connectionDetails.url``) or an ``url`` in its indicator, then
``reliability.prometheus_url`` in the settings. A URL given on the command line (PATH or
``--url``; they must agree) is used for every selected SLO.

**What is queried** (interval counts of ``reliability.step_seconds`` on an epoch-aligned grid,
gaps, missing bad counts, NaN/Inf): see :mod:`leadline.reliability.promql`.

**Range.** ``until`` = ``--until``, default now − 1 minute (scrape lag), aligned down to the step.
Each SLO starts at ``--since`` (a re-pull: samples of the same intervals are replaced), else at
its watermark (SliWatermark), else ``until`` − the look-back (30 days). The watermark moves to
``until`` (never back) in the transaction that lands the samples.

**Atomicity.** If Prometheus is unreachable, times out or answers 5xx/429 after the retries,
the whole batch fails and nothing is written (no samples, no watermark), whichever SLO it was
at; failed batches keep no idempotency key, so the next run retries. A query Prometheus rejects
(4xx, bad PromQL) is an SLO-level rejected row naming the SLO, the query and Prometheus's
message: the other SLOs land, that SLO's watermark stays. Samples with good > total (or
good < 0) are rejected rows naming the SLO and timestamp.

**Idempotency.** A pull is not a file: the unit's content is the request (URL argument and the
wall-clock minute it was made), and the runner adds the options (--slo/--since/--until/--url) to
the key. Re-running the same command within the same minute is "unchanged"; a later run pulls
what is new since the watermarks (an empty batch when nothing is). ``Source.read`` gets no
settings or store, so the SLO specifications and watermarks cannot be part of the hash.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import select

from leadline.ingest.problems import InputError, Parsed, Problem
from leadline.ingest.registry import (
    CliOption,
    Context,
    InputFile,
    LandContext,
    Source,
    Template,
    Unit,
    register,
)
from leadline.reliability.models import SliWatermark, Slo, SloDocument
from leadline.reliability.promclient import (
    PrometheusClient,
    PrometheusQueryError,
    PrometheusUnavailable,
)
from leadline.reliability.promql import (
    QueryShapeError,
    SloPlan,
    SloPull,
    bound_problem,
    indicator_queries,
    iso,
    parse_histogram,
    pull_slo,
)
from leadline.reliability.schemas import SLI_SAMPLES
from leadline.store.base import utcnow

SOURCE_NAME = "prometheus"
SCRAPE_LAG_SECONDS = 60  # default --until is this long before now
HASH_GRANULARITY_SECONDS = 60  # re-runs within one wall-clock minute are "unchanged"
PROMETHEUS_TYPES = {"prometheus", "thanos", "cortex", "mimir", "victoriametrics"}


def wall_clock() -> dt.datetime:
    """Now, in UTC (a function so tests can fix the clock)."""
    return dt.datetime.now(dt.UTC)


# --- the request ---------------------------------------------------------------------------


@dataclass
class PullRecords:
    pulls: list[SloPull]
    failed: list[str]  # SLOs with a rejected query: watermark unchanged
    until: int


class PullUnit(Unit):
    """A pull request; its one InputFile holds the canonical request, hence the hash."""

    label: str = SOURCE_NAME

    @property
    def display_name(self) -> str:
        return self.label


def _url_argument(path: Path) -> str | None:
    """PATH as a URL (``Path`` collapsed ``http://`` to ``http:/``), or None for ``-``."""
    text = str(path)
    if text in ("-", ""):
        return None
    text = re.sub(r"^(https?):/+", r"\1://", text)
    if not re.match(r"^https?://[^/]+", text):
        raise InputError(
            Problem(str(path), "expected a Prometheus base URL (http://host:9090) or '-'")
        )
    return text.rstrip("/")


def _parse_time(text: str, naive_timezone: str, option: str) -> int:
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            Problem(SOURCE_NAME, "not an ISO-8601 time", field=option, value=text)
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(naive_timezone))
    return int(moment.timestamp())


def _datasource_url(indicator: dict[str, Any], documents: dict[str, dict[str, Any]]) -> str | None:
    """The URL an SLO's own data source names, if any (None: use settings)."""
    if indicator.get("url"):
        return str(indicator["url"]).rstrip("/")
    document = documents.get(str(indicator.get("datasource") or ""), {})
    details = (document.get("spec") or {}).get("connectionDetails") or {}
    if isinstance(details, dict):
        for key, value in details.items():
            if str(key).lower() in ("url", "address", "endpoint", "prometheusurl") and value:
                return str(value).rstrip("/")
    return None


def _is_prometheus(indicator: dict[str, Any], documents: dict[str, dict[str, Any]]) -> bool:
    document = documents.get(str(indicator.get("datasource") or ""), {})
    kind = str((document.get("spec") or {}).get("type") or indicator.get("type") or "")
    return not kind or kind.lower() in PROMETHEUS_TYPES


# --- the source -----------------------------------------------------------------------------


@register
class PrometheusSource(Source):
    name = SOURCE_NAME
    summary = (
        "Pull SLI samples of the stored SLOs from Prometheus (PATH: its base URL, or '-' for "
        "each SLO's data source / the prometheus_url setting)"
    )
    writes_lake = True
    group_inputs = True
    cli_options = (
        CliOption("slo", "Only these SLOs (comma-separated names)."),
        CliOption("since", "Pull from this time (ISO-8601) instead of each SLO's watermark."),
        CliOption("until", "Pull up to this time (ISO-8601); default: now - 1 min."),
        CliOption("url", "Prometheus base URL for every SLO (same as the PATH argument)."),
    )

    def read(self, paths: list[Path]) -> Unit:
        """The request, not a file: its content is the URL argument and the wall-clock minute."""
        urls = {_url_argument(path) for path in paths}
        given = {u for u in urls if u}
        if len(given) > 1:
            raise InputError(Problem(", ".join(sorted(given)), "give one Prometheus URL"))
        url = next(iter(given), None)
        now = int(wall_clock().timestamp())
        request = {"url": url, "as_of": now - now % HASH_GRANULARITY_SECONDS}
        data = json.dumps(request, sort_keys=True).encode()
        unit = PullUnit([InputFile(Path(SOURCE_NAME), data)])
        unit.label = f"{SOURCE_NAME} {url or '(SLO data sources)'}"
        return unit

    def templates(self) -> list[Template]:
        return []  # the input is a Prometheus server, not a file to fill in

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        """Plan each SLO's range, then query Prometheus (outside the store's write lock)."""
        name = unit.display_name
        request = json.loads(unit.files[0].data)
        explicit = _explicit_url(request.get("url"), ctx.options.get("url"), name)
        step = int(ctx.settings.reliability.step_seconds)
        if step <= 0:
            raise InputError(Problem(name, "reliability.step_seconds must be positive"))
        tz = ctx.settings.naive_timezone
        until_option = ctx.options.get("until")
        until = (
            _parse_time(until_option, tz, "until")
            if until_option
            else int(request["as_of"]) - SCRAPE_LAG_SECONDS
        )
        until -= until % step
        since_option = ctx.options.get("since")
        since = _parse_time(since_option, tz, "since") if since_option else None
        plans, problems = self._plans(ctx, name, explicit, step=step, until=until, since=since)
        records = PullRecords([], [p.item or "" for p in problems], until)
        clients: dict[str, PrometheusClient] = {}
        try:
            for plan in plans:
                client = clients.get(plan.url) or clients.setdefault(plan.url, _client(ctx, plan))
                try:
                    refused = _refused_threshold(client, plan)
                    if refused:
                        problems.append(_slo_problem(name, plan.slo, refused))
                        records.failed.append(plan.slo)
                        continue
                    pull, rejected = pull_slo(client, plan, name)
                except PrometheusQueryError as error:
                    problems.append(_slo_problem(name, plan.slo, f"query rejected: {error}"))
                    records.failed.append(plan.slo)
                    continue
                except PrometheusUnavailable as error:
                    reason = (
                        f"pulling SLO {plan.slo!r} failed, nothing was written: {error}; "
                        f"{client.attempts} attempts, back-off {_delays(client.delays)}"
                    )
                    raise InputError(Problem(name, reason, item=plan.slo)) from None
                records.pulls.append(pull)
                problems += rejected
        finally:
            for client in clients.values():
                client.close()
        rows = sum(len(p.samples) + p.rejected for p in records.pulls) + len(records.failed)
        return Parsed(rows, records, problems)

    def _plans(
        self,
        ctx: Context,
        name: str,
        explicit: str | None,
        *,
        step: int,
        until: int,
        since: int | None,
    ) -> tuple[list[SloPlan], list[Problem]]:
        from leadline.store import Store

        wanted = [s.strip() for s in str(ctx.options.get("slo") or "").split(",") if s.strip()]
        store = Store(ctx.settings.resolved_database_url, migrate=False)
        try:
            with store.session() as session:
                query = select(Slo).order_by(Slo.name)
                if wanted:
                    query = query.where(Slo.name.in_(wanted))
                slos = list(session.scalars(query))
                marks = {w.slo: w.pulled_until for w in session.scalars(select(SliWatermark))}
                documents = {
                    d.name: d.document or {}
                    for d in session.scalars(
                        select(SloDocument).where(SloDocument.kind == "DataSource")
                    )
                }
        finally:
            store.dispose()
        missing = sorted(set(wanted) - {s.name for s in slos})
        if missing:
            raise InputError(Problem(name, f"no SLO named {', '.join(map(repr, missing))}"))
        lookback = int(ctx.settings.reliability.prometheus_lookback_days)
        plans: list[SloPlan] = []
        problems: list[Problem] = []
        for slo in slos:
            indicator = slo.indicator or {}
            try:
                queries = indicator_queries(indicator, step)
            except QueryShapeError as error:
                problems.append(_slo_problem(name, slo.name, str(error), indicator))
                continue
            if queries is None or not _is_prometheus(indicator, documents):
                if wanted:
                    reason = (
                        "has no Prometheus good/bad and total queries (a raw ratio or "
                        "another data source cannot be pulled as event counts)"
                    )
                    problems.append(_slo_problem(name, slo.name, reason, indicator))
                continue
            url = explicit or _datasource_url(indicator, documents)
            url = url or ctx.settings.reliability.prometheus_url
            if not url:
                reason = (
                    "no Prometheus URL: give one (leadline ingest prometheus URL), in its "
                    "DataSource, or set reliability.prometheus_url"
                )
                problems.append(_slo_problem(name, slo.name, reason, indicator))
                continue
            mark = marks.get(slo.name)
            if since is not None:
                start = since - since % step
            elif mark is not None and not ctx.force:
                start = int(mark.timestamp())
            else:
                start = until - lookback * 86400
            start -= start % step
            plans.append(
                SloPlan(
                    slo.name, url.rstrip("/"), queries, start, until, step, _bucket_check(indicator)
                )
            )
        return plans, problems

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        """Merge the samples and move the watermarks, in the batch's one transaction."""
        assert ctx.lake is not None and ctx.batch is not None and ctx.session is not None
        records: PullRecords = parsed.records
        now = utcnow()
        starts = [s[0] for p in records.pulls for s in p.samples]
        if starts:
            ctx.lake.merge(
                SLI_SAMPLES,
                pa.table(
                    {
                        "slo": [p.plan.slo for p in records.pulls for _ in p.samples],
                        "timestamp": pa.array(
                            [dt.datetime.fromtimestamp(t, dt.UTC) for t in starts],
                            pa.timestamp("us", tz="UTC"),
                        ),
                        "step_seconds": pa.array(
                            [p.plan.step for p in records.pulls for _ in p.samples], pa.int32()
                        ),
                        "good": [s[1] for p in records.pulls for s in p.samples],
                        "total": [s[2] for p in records.pulls for s in p.samples],
                        "source": [SOURCE_NAME] * len(starts),
                        "updated_at": pa.array([now] * len(starts), pa.timestamp("us", tz="UTC")),
                    }
                ),
            )
        for pull in records.pulls:
            until = dt.datetime.fromtimestamp(pull.plan.until, dt.UTC)
            mark = ctx.session.scalar(select(SliWatermark).where(SliWatermark.slo == pull.plan.slo))
            if mark is None:
                ctx.session.add(SliWatermark(slo=pull.plan.slo, pulled_until=until, updated_at=now))
            elif mark.pulled_until < until:
                mark.pulled_until, mark.updated_at = until, now
        ctx.batch.message = summary(records)
        return []


def summary(records: PullRecords) -> str:
    """The batch message: per SLO its range, samples, missing intervals and skipped values."""
    parts = []
    for pull in records.pulls:
        plan = pull.plan
        if plan.intervals == 0:
            parts.append(f"{plan.slo}: up to date ({iso(plan.until)})")
            continue
        text = (
            f"{plan.slo}: [{iso(plan.start)}, {iso(plan.until)}) from {plan.url}, "
            f"{len(pull.samples)} sample(s), {pull.gaps} missing interval(s)"
        )
        if pull.non_finite:
            text += f", {pull.non_finite} NaN/Inf value(s) skipped"
        if pull.rejected:
            text += f", {pull.rejected} rejected"
        parts.append(text)
    if records.failed:
        parts.append(f"not pulled (see rejects): {', '.join(records.failed)}")
    return "; ".join(parts) or "no SLO with Prometheus queries"


def _explicit_url(argument: str | None, option: str | None, name: str) -> str | None:
    if option:
        option = _url_argument(Path(option)) if option != "-" else None
    if argument and option and argument != option:
        raise InputError(Problem(name, f"PATH {argument} and --url {option} disagree"))
    return argument or option


def _client(ctx: Context, plan: SloPlan) -> PrometheusClient:
    reliability = ctx.settings.reliability
    return PrometheusClient(
        plan.url,
        attempts=reliability.http_retries,
        timeout=reliability.http_timeout_seconds,
        backoff=reliability.http_backoff_seconds,
    )


def _bucket_check(indicator: dict[str, Any]) -> tuple[str, float] | None:
    """(bucket selector, threshold) of a classic histogram threshold indicator, else None."""
    if not (indicator.get("metric") and indicator.get("threshold") is not None):
        return None
    histogram = parse_histogram(indicator)  # its shape was checked by indicator_queries
    if histogram.kind != "classic":
        return None
    return histogram.bucket_selector, histogram.threshold


def _refused_threshold(client: PrometheusClient, plan: SloPlan) -> str | None:
    """Why the plan's classic histogram threshold is refused (not a bucket bound of the series
    in the pulled range), or None."""
    if plan.bucket_check is None:
        return None
    selector, threshold = plan.bucket_check
    bounds = client.label_values("le", selector, plan.start, plan.until)
    return bound_problem(threshold, bounds)


def _slo_problem(file: str, slo: str, reason: str, indicator: Any = None) -> Problem:
    return Problem(file, f"SLO {slo!r}: {reason}", field="indicator", record=indicator, item=slo)


def _delays(delays: list[float]) -> str:
    return ", ".join(f"{d:g} s" for d in delays) or "none"
