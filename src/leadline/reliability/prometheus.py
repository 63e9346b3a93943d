"""``leadline ingest prometheus``: pull SLI samples (good and total events per interval) of the
SLOs in the store from Prometheus into the lake's ``sli_samples``.

Command: ``leadline ingest prometheus URL|- [--slo NAME[,NAME]] [--since T] [--until T]
[--url URL]``. The PATH argument ``leadline ingest`` requires is the Prometheus base URL
(``http://localhost:9090``), or ``-`` to take it per SLO from, in this order: ``--url``, the
SLO's OpenSLO DataSource (``spec.connectionDetails.url``) or an ``url`` in its indicator, then
``reliability.prometheus_url`` in the settings. A URL given on the command line (PATH or
``--url``; they must agree) is used for every selected SLO.

**What is queried.** Samples are interval counts, ``step = reliability.step_seconds`` long, on
a grid aligned to the Unix epoch. The count of interval ``[t - step, t)`` is Prometheus's
``increase`` over the ``step`` seconds ending at ``t``, evaluated *at the end* ``t`` by
``query_range`` and stored *at the start* ``t - step`` (so a window ``[T-d, T)`` of DESIGN §4
holds exactly the events of that window). Per indicator (Slo.indicator):

- ratio, ``{"good"|"bad": q, "total": q}`` with ``q`` a counter selector (OpenSLO
  ``ratioMetric`` with ``counter: true``, e.g. ``http_requests_total{code!~"5.."}``):
  ``sum(increase(q[<step>s]))``; ``good = total - bad`` when only ``bad`` is given.
- ratio with a Sloth-style rate expression containing ``{{.window}}``:
  ``sum(q with {{.window}} = <step>s) * <step>`` (a per-second rate times the interval).
- threshold on a histogram, ``{"metric": m, "op": "lt"|"lte"|"gt"|"gte", "threshold": x}``
  with ``m`` the histogram's base name or its ``_bucket`` selector, labels allowed:
  total = ``sum(increase(m_count{labels}[<step>s]))``, bucket =
  ``sum(increase(m_bucket{labels,le=~`x`}[<step>s]))`` (``le`` matched numerically as
  ``1``/``1.0``, ``0.25``/``0.250``), good = bucket for ``lt``/``lte`` (buckets are ``<=``:
  ``lt`` counts observations equal to x as good), good = total - bucket for ``gt``/``gte``.
  x must be a bucket bound.

Prometheus extrapolates ``increase`` to the window's edges; when samples sit on the window's
edges (scrape interval dividing ``step``, aligned times) the result is the exact counter delta,
counter resets included. Several series are summed (see promclient). An interval with no total,
or no good when a good query is used, is a **gap**: nothing is stored and the batch message
counts the missing intervals per SLO. A missing *bad* with a present total is 0 (error counters
often appear only at the first error). NaN/Inf values are skipped and counted.

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
import math
import re
import zoneinfo
from dataclasses import dataclass, field
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
from leadline.reliability.schemas import SLI_SAMPLES
from leadline.store.base import utcnow

SOURCE_NAME = "prometheus"
SCRAPE_LAG_SECONDS = 60  # default --until is this long before now
HASH_GRANULARITY_SECONDS = 60  # re-runs within one wall-clock minute are "unchanged"
PROMETHEUS_TYPES = {"prometheus", "thanos", "cortex", "mimir", "victoriametrics"}
EPSILON = 1e-9

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_STRING = r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`'
_MATCHER = rf"\s*(?P<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*(?:{_STRING})\s*"
_MATCHER_RE = re.compile(_MATCHER)
_PLAIN_MATCHER = _MATCHER.replace("?P<label>", "?:")
_SELECTOR = re.compile(
    rf"^\s*(?P<name>{_NAME})?\s*"
    rf"(?:\{{(?P<matchers>\s*(?:{_PLAIN_MATCHER},)*(?:{_PLAIN_MATCHER})?,?\s*)\}})?\s*$"
)
_WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")


def wall_clock() -> dt.datetime:
    """Now, in UTC (a function so tests can fix the clock)."""
    return dt.datetime.now(dt.UTC)


class QueryShapeError(ValueError):
    """An indicator this source cannot turn into interval counts."""


# --- queries --------------------------------------------------------------------------------


def increase_query(expression: str, step: int) -> str:
    """The PromQL giving the count of events in the ``step`` seconds ending at the evaluation
    time, for a counter selector or a Sloth-style ``{{.window}}`` rate expression."""
    if _WINDOW.search(expression):
        return f"sum({_WINDOW.sub(f'{step}s', expression.strip())}) * {step}"
    found = _SELECTOR.match(expression)
    if found and (found.group("name") or (found.group("matchers") or "").strip()):
        return f"sum(increase({expression.strip()}[{step}s]))"
    raise QueryShapeError(
        f"not a counter selector (e.g. http_requests_total{{code!~'5..'}}) nor a rate "
        f"expression with {{{{.window}}}}: {expression!r}"
    )


def le_pattern(threshold: float) -> str:
    """A regular expression matching the ``le`` label values Prometheus clients write for
    ``threshold`` (``1`` or ``1.0``, ``0.25`` or ``0.250``, ``+Inf``)."""
    if math.isinf(threshold) and threshold > 0:
        return r"\+Inf"
    if threshold == int(threshold) and abs(threshold) < 1e15:
        return re.escape(str(int(threshold))) + r"(\.0*)?"
    return re.escape(repr(threshold)) + "0*"


def histogram_queries(indicator: dict[str, Any], step: int) -> dict[str, str]:
    """good (or bad) and total queries of a threshold indicator on a histogram."""
    metric = str(indicator.get("metric") or "")
    found = _SELECTOR.match(metric)
    if not found or not found.group("name"):
        raise QueryShapeError(f"indicator.metric is not a histogram selector: {metric!r}")
    base = re.sub(r"_(bucket|count|sum)$", "", found.group("name"))
    matchers = [
        m.group(0).strip()
        for m in _MATCHER_RE.finditer(found.group("matchers") or "")
        if m.group("label") != "le"
    ]
    try:
        threshold = float(indicator["threshold"])
    except (KeyError, TypeError, ValueError):
        raise QueryShapeError(
            f"indicator.threshold is not a number: {indicator.get('threshold')!r}"
        ) from None
    op = str(indicator.get("op") or "lte").lower()
    if op not in ("lt", "lte", "gt", "gte"):
        raise QueryShapeError(f"indicator.op must be lt, lte, gt or gte, got {op!r}")
    labels = ",".join(matchers)
    bucket_labels = ",".join([*matchers, f"le=~`{le_pattern(threshold)}`"])
    bucket = f"sum(increase({base}_bucket{{{bucket_labels}}}[{step}s]))"
    total = f"sum(increase({base}_count{{{labels}}}[{step}s]))"
    return {"good" if op in ("lt", "lte") else "bad": bucket, "total": total}


def indicator_queries(indicator: dict[str, Any], step: int) -> dict[str, str] | None:
    """The queries issued for an SLO: {"good" or "bad": q, "total": q}; None when the
    indicator has no Prometheus queries (e.g. an SLO fed by sli-csv)."""
    if indicator.get("metric") and indicator.get("threshold") is not None:
        if not isinstance(indicator["metric"], str):
            return None  # another data source's query shape (OpenSLO keeps it as spelled)
        return histogram_queries(indicator, step)
    total = indicator.get("total")
    role = "good" if indicator.get("good") else "bad" if indicator.get("bad") else None
    if not total and role is None:
        return None  # e.g. a raw ratio (error_ratio): no event counts to pull
    if any(
        not isinstance(indicator.get(k), str) for k in (role, "total") if k and indicator.get(k)
    ):
        return None  # another data source's query shape (OpenSLO keeps it as spelled)
    if not total or role is None:
        raise QueryShapeError("a ratio indicator needs a total query and a good or bad query")
    return {role: increase_query(str(indicator[role]), step), "total": increase_query(total, step)}


# --- plans and pulls ------------------------------------------------------------------------


@dataclass(frozen=True)
class SloPlan:
    """What to pull for one SLO: interval starts ``start, start+step, ... < until``."""

    slo: str
    url: str
    queries: dict[str, str]
    start: int
    until: int
    step: int

    @property
    def intervals(self) -> int:
        return max(0, (self.until - self.start) // self.step)


@dataclass
class SloPull:
    plan: SloPlan
    samples: list[tuple[int, float, float]] = field(default_factory=list)  # start, good, total
    gaps: int = 0
    non_finite: int = 0
    rejected: int = 0


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


def iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def pull_slo(client: PrometheusClient, plan: SloPlan, file: str) -> tuple[SloPull, list[Problem]]:
    """Query one SLO's good/bad and total counts for every interval of the plan."""
    pull = SloPull(plan)
    if plan.intervals == 0:
        return pull, []
    first_end, last_end = plan.start + plan.step, plan.until
    results = {
        role: client.query_range(query, first_end, last_end, plan.step)
        for role, query in plan.queries.items()
    }
    pull.non_finite = sum(r.non_finite for r in results.values())
    total, good, bad = results["total"], results.get("good"), results.get("bad")
    problems: list[Problem] = []
    for end in range(first_end, last_end + 1, plan.step):
        count = total.values.get(end)
        events = good.values.get(end) if good is not None else None
        if count is not None and bad is not None:
            events = count - bad.values.get(end, 0.0)
        if count is None or events is None:
            pull.gaps += 1
            continue
        start = end - plan.step
        if events > count * (1 + EPSILON) + EPSILON or events < -EPSILON:
            pull.rejected += 1
            problems.append(
                Problem(
                    file,
                    f"SLO {plan.slo!r} at {iso(start)}: good ({events:g}) must be between 0 "
                    f"and total ({count:g}); check the SLO's queries",
                    field="good",
                    value=events,
                    record={
                        "slo": plan.slo,
                        "timestamp": iso(start),
                        "good": events,
                        "total": count,
                        "queries": plan.queries,
                    },
                    item=f"{plan.slo}@{iso(start)}",
                )
            )
            continue
        pull.samples.append((start, max(events, 0.0), count))
    return pull, problems


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
            plans.append(SloPlan(slo.name, url.rstrip("/"), queries, start, until, step))
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


def _slo_problem(file: str, slo: str, reason: str, indicator: Any = None) -> Problem:
    return Problem(file, f"SLO {slo!r}: {reason}", field="indicator", record=indicator, item=slo)


def _delays(delays: list[float]) -> str:
    return ", ".join(f"{d:g} s" for d in delays) or "none"
