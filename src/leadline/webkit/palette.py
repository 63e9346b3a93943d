"""The one palette of meaning: red/amber/green status, error-budget states and risk ratings,
each with a word and a symbol, so colour is never the only signal (WCAG 1.4.1).

The charts (``webkit.charts``) take their colours from here; the stylesheet
(``web/static/leadline.css``, its "RAG palette" section) declares the same hex values as
``--rag-green`` ... for tiles and table cells (a test keeps the two equal). Every colour is
readable as text on white (contrast >= 4.5:1)."""

from __future__ import annotations

from collections.abc import Sequence

# Status -> colour (the scorecard's rule, ``scorecard.rag``).
RAG: dict[str, str] = {
    "green": "#1b7f3b",
    "amber": "#b35c00",
    "red": "#a40000",
    "grey": "#767676",
}
# Status -> symbol and words, shown with the colour.
RAG_SYMBOL: dict[str, str] = {"green": "✔", "amber": "▲", "red": "✖", "grey": "○"}
RAG_TEXT: dict[str, str] = {
    "green": "✔ on target",
    "amber": "▲ close to target",
    "red": "✖ off target",
    "grey": "○ no data",
}

# Error-budget policy states (``reliability.report.policy_state``) in RAG terms; an SLO
# without data has no state to judge (grey).
BUDGET_STATES: dict[str, str] = {
    "healthy": "green",
    "at_risk": "amber",
    "exhausted": "red",
    "no_data": "grey",
}
BUDGET_TITLES: dict[str, str] = {
    "healthy": "Healthy",
    "at_risk": "At risk",
    "exhausted": "Exhausted",
    "no_data": "No data",
}

# Risk ratings from the least to the most alarming (fill, and the text colour readable on it).
RATING_RAMP: tuple[tuple[str, str], ...] = (
    ("#1b7f3b", "#ffffff"),  # green
    ("#f2c12e", "#1a1a1a"),  # yellow
    ("#e8590c", "#1a1a1a"),  # orange
    ("#a40000", "#ffffff"),  # red: the most alarming
)


def rating_colours(bands: Sequence[str]) -> tuple[list[str], list[str]]:
    """(fills, text colours) for the risk matrix's rating bands, lowest first (the default
    low, medium, high, critical take green, yellow, orange, red). Other band counts spread
    over the same ramp; the last band always takes the most alarming colour."""
    count = len(bands)
    if count == 1:
        picks = [len(RATING_RAMP) - 1]
    else:
        top = len(RATING_RAMP) - 1
        picks = [round(i * top / (count - 1)) for i in range(count)]
    return [RATING_RAMP[i][0] for i in picks], [RATING_RAMP[i][1] for i in picks]


def budget_state(state: str | None, remaining: float | None) -> str:
    """The error-budget state a chart shows: the policy's, or ``no_data`` without a value."""
    return "no_data" if remaining is None or state is None else state
