"""The registered commitment metrics: coverage, utilisation and unused commitment cost, for
the organisation and per team, over a window's calendar months (``leadline finops
commitments`` month by month). Periods longer than a month add the months' amounts before
dividing, never average ratios; months in different currencies give no value."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from leadline.catalog.grouping import ORGANISATION, Scope, ScopeKind
from leadline.finops.commitments import Figures, total
from leadline.periods import Period, Window
from leadline.present.model import Column, Report
from leadline.semantic.evaluation import Evaluation
from leadline.semantic.registry import Metric, Values

SCOPES: tuple[ScopeKind, ...] = ("team", "organisation")
SOURCE = (
    "FinOps Foundation KPIs (commitment discount coverage, utilisation, unused commitment "
    "cost); FOCUS 1.x commitment discount columns"
)


def _found(ev: Evaluation, window: Window) -> dict[str, Any]:
    """month -> currency -> MonthCommitments for the window's started months (cached)."""
    from leadline.finops.commitment_report import month_commitments

    months = tuple(ev.months_started(window))

    def compute() -> dict[str, Any]:
        return month_commitments(ev.app, [Period.parse(m) for m in months], ev.engine)

    found: dict[str, Any] = ev.cached(("commitments", months), compute)
    return found


def _scopes(ev: Evaluation, window: Window) -> dict[str, Figures] | None:
    from leadline.finops.commitment_report import window_figures

    return window_figures(_found(ev, window), ev.months_started(window))


def _values(
    measure: Callable[[Figures], Fraction | None], scale: int
) -> Callable[[Evaluation, ScopeKind, Sequence[Window], Mapping[str, str]], list[Values]]:
    def evaluate(
        ev: Evaluation, kind: ScopeKind, windows: Sequence[Window], params: Mapping[str, str]
    ) -> list[Values]:
        out: list[Values] = []
        for window in windows:
            scopes = _scopes(ev, window) or {}
            chosen: dict[str, Figures]
            if kind == ORGANISATION:
                chosen = {ORGANISATION: total(scopes)} if scopes else {}
            else:
                teams = set(ev.grouping.teams)
                chosen = {k: v for k, v in scopes.items() if k in teams}
            values = {k: measure(f) for k, f in chosen.items()}
            out.append({k: float(scale * v) for k, v in values.items() if v is not None})
        return out

    return evaluate


def unavailable(ev: Evaluation, window: Window) -> str | None:
    """Why the window has no value: not started, no commitment lines, several currencies."""
    months = ev.months_started(window)
    if not months:
        return f"{window.label} has not started by {ev.now:%Y-%m-%d}"
    found = _found(ev, window)
    if not any(found.get(m) for m in months):
        return f"no commitment discount lines in {', '.join(months)}"
    if _scopes(ev, window) is None:
        return f"the months of {window.label} have commitment costs in several currencies"
    return None


def _currency(ev: Evaluation, window: Window) -> str | None:
    currencies = {c for m in ev.months_started(window) for c in _found(ev, window).get(m, {})}
    return currencies.pop() if len(currencies) == 1 else None


def explain(ev: Evaluation, scope: Scope, window: Window, params: Mapping[str, str]) -> Report:
    """The scope's measures month by month (the organisation: every scope's)."""
    rows = []
    for month, currencies in sorted(_found(ev, window).items()):
        for currency, data in sorted(currencies.items()):
            for key, figures in sorted(data.scopes.items()):
                if scope.kind != ORGANISATION and key != scope.name:
                    continue
                rows.append(
                    {
                        "month": month,
                        "scope": key,
                        **{
                            m: _decimal(getattr(figures, m))
                            for m in ("eligible", "covered", "used", "unused")
                        },
                        "currency": currency,
                    }
                )
    money = [
        Column(m, title, "money", currency="@currency")
        for m, title in (
            ("eligible", "Eligible usage (on-demand)"),
            ("covered", "Covered"),
            ("used", "Commitment used"),
            ("unused", "Unused"),
        )
    ]
    columns = [Column("month", "Month"), Column("scope", "Scope", "name"), *money]
    columns.append(Column("currency", "Currency"))
    return Report("commitments", f"Commitment discounts of {scope}", columns, rows)


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def _unused(figures: Figures) -> Fraction | None:
    return figures.unused if figures.used or figures.unused else None


METRICS = (
    Metric(
        key="finops.commitment_coverage",
        title="Commitment coverage",
        unit="percent",
        direction="higher",
        scopes=SCOPES,
        default_window="previous-month",
        anchor="commitment-coverage",
        pillar="finops",
        description="Share of commitment-eligible usage (at on-demand equivalent cost) covered "
        "by reservations and savings plans.",
        evaluate=_values(lambda f: f.coverage, 100),
        explain=explain,
        unavailable=unavailable,
        source=SOURCE,
    ),
    Metric(
        key="finops.commitment_utilisation",
        title="Commitment utilisation",
        unit="percent",
        direction="higher",
        scopes=SCOPES,
        default_window="previous-month",
        anchor="commitment-utilisation",
        pillar="finops",
        description="Used commitment over committed (used + unused amortised cost) of "
        "reservations and savings plans.",
        evaluate=_values(lambda f: f.utilisation, 100),
        explain=explain,
        unavailable=unavailable,
        source=SOURCE,
    ),
    Metric(
        key="finops.commitment_unused_cost",
        title="Unused commitment cost",
        unit="money",
        direction="lower",
        scopes=SCOPES,
        default_window="previous-month",
        anchor="commitment-utilisation",
        pillar="finops",
        description="Amortised cost of the unused part of reservations and savings plans.",
        evaluate=_values(_unused, 1),
        explain=explain,
        currency_of=_currency,
        unavailable=unavailable,
        source=SOURCE,
    ),
)
