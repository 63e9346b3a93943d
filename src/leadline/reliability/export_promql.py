"""The PromQL error ratio of an SLO's indicator over a window, for ``leadline slo export``.

An SLO's indicator (Slo.indicator) becomes ``errors / total`` over ``[window]``, as Sloth's
recording rules write it (github.com/slok/sloth, ``examples/_gen/getting-started.yml`` and
``openslo-getting-started.yml``, Apache-2.0):

- bad and total queries: ``(bad)\\n/\\n(total)``; good and total: ``1 - ((good) / (total))``;
- a counter selector (``http_requests_total{code!~"5.."}``) is read as
  ``sum(rate(selector[window]))``; a Sloth-style expression has its ``{{.window}}`` replaced;
- a raw error ratio (Sloth ``errorRatioQuery``, OpenSLO ``rawType: failure``) is ``(raw)``, a
  raw good ratio ``1 - (raw)``; both need ``{{.window}}`` (else one window is all they know);
- a threshold on a histogram: its bucket under the threshold against its count, the queries
  :func:`leadline.reliability.promql.histogram_queries` pulls with, at ``[window]``.

Anything else (another data source's query, an SLO fed by ``sli-csv``) raises
:class:`NotPrometheus` with the reason the export lists it as skipped.
"""

from __future__ import annotations

import re
from typing import Any

from leadline.reliability.models import Slo
from leadline.reliability.prometheus import PROMETHEUS_TYPES
from leadline.reliability.promql import QueryShapeError, histogram_queries, increase_query

_WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")
_SENTINEL_STEP = 977  # a step no query holds, replaced by the window afterwards


class NotPrometheus(ValueError):
    """The SLO's SLI is not a Prometheus query these rules can evaluate; the message says why."""


def _datasource_type(slo: Slo, documents: dict[str, dict[str, Any]]) -> str:
    indicator = slo.indicator or {}
    document = documents.get(str(indicator.get("datasource") or ""), {})
    return str((document.get("spec") or {}).get("type") or indicator.get("type") or "")


def _rate(query: Any, window: str) -> str:
    """Events per second over ``window`` of one query (a counter selector or a Sloth-style
    ``{{.window}}`` expression)."""
    if not isinstance(query, str):
        raise NotPrometheus("its query is not PromQL text (another data source's query shape)")
    if _WINDOW.search(query):
        return _WINDOW.sub(window, query.strip())
    try:
        increase_query(query, _SENTINEL_STEP)  # validates the shape: a counter selector
    except QueryShapeError as error:
        raise NotPrometheus(str(error)) from None
    return f"sum(rate({query.strip()}[{window}]))"


def _raw(query: Any, window: str) -> str:
    if not isinstance(query, str):
        raise NotPrometheus("its raw ratio query is not PromQL text")
    if not _WINDOW.search(query):
        raise NotPrometheus(
            "its raw ratio query has no {{.window}}: it cannot be evaluated over the "
            "burn-rate windows"
        )
    return _WINDOW.sub(window, query.strip())


def _histogram(indicator: dict[str, Any], window: str) -> dict[str, str]:
    try:
        queries = histogram_queries(indicator, _SENTINEL_STEP)
    except QueryShapeError as error:
        raise NotPrometheus(str(error)) from None
    return {
        role: q.replace("increase(", "rate(").replace(f"[{_SENTINEL_STEP}s]", f"[{window}]")
        for role, q in queries.items()
    }


def _bad_over_total(bad: str, total: str) -> str:
    return f"({bad})\n/\n({total})\n"


def _one_minus_good(good: str, total: str) -> str:
    return f"1 - (\n  ({good})\n  /\n  ({total})\n)\n"


def check_prometheus(slo: Slo, documents: dict[str, dict[str, Any]]) -> None:
    """Raise NotPrometheus unless the SLO's SLI can be written as PromQL."""
    error_ratio(slo, documents, "5m")


def error_ratio(slo: Slo, documents: dict[str, dict[str, Any]], window: str) -> str:
    """PromQL of the SLO's error ratio over ``window`` (e.g. ``5m``); ``documents``: the
    stored OpenSLO DataSource documents by name (their ``spec.type``)."""
    kind = _datasource_type(slo, documents)
    if kind and kind.lower() not in PROMETHEUS_TYPES:
        raise NotPrometheus(f"its data source is {kind}, not Prometheus")
    ind = slo.indicator or {}
    if slo.sli_kind not in ("ratio", "threshold"):
        raise NotPrometheus(f"its SLI is {slo.sli_kind}, not one Prometheus ratio query")
    if slo.sli_kind == "threshold":
        if not ind.get("metric"):
            raise NotPrometheus("it has no metric query (samples come from sli-csv)")
        if not isinstance(ind["metric"], str):
            raise NotPrometheus("its metric is not PromQL text (another data source's query)")
        parts = _histogram(ind, window)
    elif ind.get("error_ratio") is not None:
        return f"({_raw(ind['error_ratio'], window)})\n"
    elif ind.get("good_ratio") is not None:
        return f"1 - ({_raw(ind['good_ratio'], window)})\n"
    else:
        if not ind.get("total"):
            raise NotPrometheus("it has no queries (its samples come from sli-csv)")
        role = "good" if ind.get("good") else "bad" if ind.get("bad") else None
        if role is None:
            raise NotPrometheus("it has a total query but no good or bad query")
        parts = {role: _rate(ind[role], window), "total": _rate(ind["total"], window)}
    if "bad" in parts:
        return _bad_over_total(parts["bad"], parts["total"])
    return _one_minus_good(parts["good"], parts["total"])
