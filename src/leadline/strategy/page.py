"""The strategy on a page as plain data: vision, outcomes with the bets and OKRs behind them,
guardrails, and the proof metrics with their live values where bound to a leadline metric."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from leadline.context import App
from leadline.periods import Period, quarter_of
from leadline.semantic.evaluation import Evaluation
from leadline.strategy.bindings import measure, scope_of
from leadline.strategy.documents import metric_scope
from leadline.strategy.models import StrategyPage
from leadline.strategy.okrs import okr_report


class StrategyError(ValueError):
    pass


def strategy_page(
    app: App,
    *,
    name: str | None = None,
    quarter: str | None = None,
    engine: str | None = None,
    evaluation: Evaluation | None = None,
) -> dict[str, Any]:
    """One strategy (the only one, or ``name``) with its outcomes' bets and OKRs of ``quarter``
    (default: the current quarter); proof metrics are evaluated over that quarter. The web
    passes the ``evaluation`` its pages share, so a score is the one the OKR table shows."""
    ev = evaluation or Evaluation(app, engine)
    quarter = quarter or quarter_of(ev.now.date())
    with app.store.session() as session:
        pages = list(session.scalars(select(StrategyPage).order_by(StrategyPage.name)))
    if name is not None:
        pages = [p for p in pages if p.name == name]
    if not pages:
        raise StrategyError(
            f"no strategy named {name!r}"
            if name
            else "no strategy yet: leadline ingest "
            "strategy-yaml FILE (leadline templates DIR writes an example)"
        )
    if len(pages) > 1:
        raise StrategyError(f"several strategies: pass --name ({', '.join(p.name for p in pages)})")
    page = pages[0]
    okrs = okr_report(app, quarter=quarter, evaluation=ev)["objectives"]
    outcomes = [
        {
            **outcome,
            "bets": [b for b in page.bets if outcome["id"] in b["outcomes"]],
            "objectives": [
                {"name": o["name"], "title": o["title"], "scope": o["scope"], "score": o["score"]}
                for o in okrs
                if o["outcome"] == outcome["id"]
            ],
        }
        for outcome in page.outcomes
    ]
    return {
        "name": page.name,
        "title": page.title,
        "period": page.period,
        "vision": page.vision,
        "quarter": quarter,
        "outcomes": outcomes,
        "bets": page.bets,
        "guardrails": page.guardrails,
        "metrics": [_metric(ev, m, quarter) for m in page.metrics],
        "lighthouse_value_streams": page.lighthouse_value_streams,
        "updated_at": page.updated_at,
    }


def _metric(ev: Evaluation, metric: dict[str, Any], quarter: str) -> dict[str, Any]:
    out = {**metric, "current": None, "measurement": None}
    if metric.get("metric") and metric.get("scope"):
        kind, scope_name = metric_scope(metric["scope"], ("organisation", ""))
        window = Period.parse(quarter).window
        m = measure(ev, metric["metric"], scope_of(kind, scope_name), window)
        out["current"], out["measurement"] = m.value, m.as_dict()
    return out
