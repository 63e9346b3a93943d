"""Read vs landed money of a FOCUS file, per billing period and currency, at ingest.

*Read* is the money the file states: every line's BilledCost and EffectiveCost as written (all
its digits), landed or rejected, grouped by the line's BillingPeriodStart and BillingCurrency
(null when unreadable; a cost that is not a number counts in ``unknown_lines``). *Landed* is
the money of the lines written to the lake, with all their digits too: the lake's typed value
plus the digits beyond its scale kept in ``verbatim``. That last part is also kept apart
(``unseen``): reports sum the typed values, so reconciliation can tell when the extra digits
would change a total at the currency's minor unit. Sums are exact ``Decimal``s.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation, localcontext
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from leadline.ingest.problems import Problem
from leadline.ingest.values import CONVERSION_ERRORS, timestamps

Key = tuple[dt.datetime | None, str | None]
MONEY = (("BilledCost", "billed_cost", "billed"), ("EffectiveCost", "effective_cost", "effective"))
ZERO = Decimal(0)
# Sums stay exact: Python's default context keeps 28 significant digits, a cost of 10^9 with
# 25 decimal places has 34 (Decimal(text) itself is always exact).
EXACT = Context(prec=1000)


@dataclass
class Sums:
    """The money of one (billing period, currency) of a file."""

    read_lines: int = 0
    landed_lines: int = 0
    unknown_lines: int = 0
    read_billed: Decimal = ZERO
    read_effective: Decimal = ZERO
    landed_billed: Decimal = ZERO
    landed_effective: Decimal = ZERO
    unseen_billed: Decimal = ZERO
    unseen_effective: Decimal = ZERO

    def add(self, other: Sums) -> None:
        with localcontext(EXACT):
            for name in self.__dataclass_fields__:
                setattr(self, name, getattr(self, name) + getattr(other, name))


class BillTotals:
    """Accumulates read and landed money over the blocks of one file."""

    def __init__(self) -> None:
        self.sums: dict[Key, Sums] = {}

    def _at(self, key: Key) -> Sums:
        return self.sums.setdefault(key, Sums())

    def merge(self, other: BillTotals) -> None:
        for key, sums in other.sums.items():
            self._at(key).add(sums)

    def add_landed(self, lines: pa.Table) -> None:
        """Lines in the cost-lines shape, as written to the lake (read = landed for them)."""
        if lines.num_rows == 0:
            return
        with localcontext(EXACT):
            self._add_landed(lines)

    def _add_landed(self, lines: pa.Table) -> None:
        keys = ["billing_period_start", "billing_currency"]
        grouped = lines.group_by(keys).aggregate(
            [("billed_cost", "sum"), ("effective_cost", "sum"), ("line", "count")]
        )
        for row in grouped.to_pylist():
            sums = self._at((row["billing_period_start"], row["billing_currency"]))
            count = row["line_count"]
            billed = row["billed_cost_sum"] or ZERO
            effective = row["effective_cost_sum"] or ZERO
            sums.read_lines += count
            sums.landed_lines += count
            sums.read_billed += billed
            sums.landed_billed += billed
            sums.read_effective += effective
            sums.landed_effective += effective
        self._add_unseen(lines)

    def _add_unseen(self, lines: pa.Table) -> None:
        """The digits beyond the lake's scale of the lines' money, from ``verbatim``."""
        kept = lines.filter(pc.is_valid(lines.column("verbatim")))
        if kept.num_rows == 0:
            return
        columns = ["billing_period_start", "billing_currency", "verbatim"]
        for row, typed in zip(
            kept.select(columns).to_pylist(),
            kept.select(["billed_cost", "effective_cost"]).to_pylist(),
            strict=True,
        ):
            texts = json.loads(row["verbatim"])
            sums = self._at((row["billing_period_start"], row["billing_currency"]))
            for focus, lake, short in MONEY:
                if focus not in texts or typed[lake] is None:
                    continue
                rest = Decimal(texts[focus]) - typed[lake]
                for prefix in ("read", "landed", "unseen"):
                    name = f"{prefix}_{short}"
                    setattr(sums, name, getattr(sums, name) + rest)

    def add_rejected(self, problems: Iterable[Problem], naive_timezone: str) -> None:
        """The rejected lines (errors; one line may have several), from their raw records."""
        with localcontext(EXACT):
            self._add_rejected(problems, naive_timezone)

    def _add_rejected(self, problems: Iterable[Problem], naive_timezone: str) -> None:
        seen: set[int] = set()
        for problem in problems:
            if problem.severity != "error" or problem.row is None or problem.row in seen:
                continue
            seen.add(problem.row)
            record = problem.record if isinstance(problem.record, dict) else {}
            key = (
                _instant(record.get("BillingPeriodStart"), naive_timezone),
                _text(record.get("BillingCurrency")),
            )
            sums = self._at(key)
            sums.read_lines += 1
            billed = _number(record.get("BilledCost"))
            effective = _number(record.get("EffectiveCost"))
            if billed is None or effective is None:
                sums.unknown_lines += 1
            sums.read_billed += billed or ZERO
            sums.read_effective += effective or ZERO

    def table(self, landed_at: dt.datetime, file: str) -> pa.Table:
        """The rows of ``cost_reconciliation`` for this file."""
        rows: list[dict[str, Any]] = []
        for (period, currency), sums in sorted(self.sums.items(), key=_order):
            row: dict[str, Any] = {
                "landed_at": landed_at,
                "file": file,
                "billing_period_start": period,
                "billing_currency": currency,
            }
            for name in sums.__dataclass_fields__:
                value = getattr(sums, name)
                row[name] = value if isinstance(value, int) else _plain(value)
            rows.append(row)
        return pa.Table.from_pylist(rows)


def _order(item: tuple[Key, Sums]) -> tuple[str, str]:
    (period, currency), _ = item
    return (period.isoformat() if period else "", currency or "")


def _plain(value: Decimal) -> str:
    """An exact decimal without exponent (0E-12 is written 0.000000000000)."""
    return format(value, "f")


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _number(value: Any) -> Decimal | None:
    text = _text(value)
    if text is None:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _instant(value: Any, naive_timezone: str) -> dt.datetime | None:
    """A period start read as the ingest reads it, or None when it is not a timestamp."""
    text = _text(value)
    if text is None:
        return None
    try:
        parsed = timestamps(pa.array([text.upper()]), naive_timezone)[0].as_py()
    except CONVERSION_ERRORS:
        return None
    return parsed if isinstance(parsed, dt.datetime) else None
