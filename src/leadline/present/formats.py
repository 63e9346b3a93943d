"""Values as people read them: money with thousands separators in the currency's minor unit,
percentages as percentages, hours as durations, dates in ISO form, never scientific notation,
and an absent value as a dash (or a word the column chooses), never a blank."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from leadline.present.model import KINDS, NO_GROUP, NO_GROUP_TITLE, Column, humanise

ABSENT = "—"
# ISO 4217 minor units other than 2 (the default).
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4,
    "UYW": 4,
}


# An enumerated value written in snake_case (at_risk, not_implemented, in_progress).
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def words(value: Any) -> str:
    """A value as people read it when its column is not typed: an enumeration written in
    snake_case as words (``at_risk`` -> ``At risk``), the group of facts with no place as
    "Not assigned", anything else (names, ids, slugs with dashes) unchanged, absent as a dash."""
    if value is None or value == "":
        return ABSENT
    text = str(value)
    if text == NO_GROUP:
        return NO_GROUP_TITLE
    return humanise(text) if _SNAKE.fullmatch(text) else text


def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency, 2)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def money(value: Any, currency: str | None) -> str:
    """``1,234,567.89 USD``: grouped, rounded half-even to the currency's minor unit."""
    amount = _decimal(value)
    if amount is None:
        return ABSENT
    places = minor_units(currency) if currency else 2
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    text = f"{rounded:,.{places}f}"
    return f"{text} {currency}" if currency else text


def number(value: float | int | Decimal, digits: int | None = None) -> str:
    """Grouped, fixed-point, never ``3.5e+05``; ``digits`` default: 2 below 100, else 1
    below 10,000, else none."""
    amount = float(value)
    if not math.isfinite(amount):
        return ABSENT
    if digits is None:
        size = abs(amount)
        digits = 0 if size >= 10_000 else (1 if size >= 100 else 2)
    text = f"{amount:,.{digits}f}"
    return "0" if text.strip("-0.,") == "" and digits == 0 else text


def hours(value: float) -> str:
    """``36.5 h``; durations of several days also in days (``80.0 h (3.3 d)``)."""
    if not math.isfinite(value):
        return ABSENT
    text = f"{number(value, 1)} h"
    return f"{text} ({value / 24:,.1f} d)" if abs(value) >= 72 else text


_NUMERIC = frozenset(("count", "number", "percent", "ratio", "per_day", "hours", "score"))


def _instant(text: str) -> dt.datetime | str:
    """An ISO-8601 instant written as text (a JSON document's), else the text itself."""
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text


def _from_row(text: str | None, row: dict[str, Any] | None) -> str | None:
    """``text``, or with ``@column`` the row's value of that column (None when empty)."""
    if text is None or not text.startswith("@"):
        return text
    found = (row or {}).get(text[1:])
    return str(found) if found not in (None, "") else None


def cell(value: Any, column: Column, row: dict[str, Any] | None = None) -> str:
    """One value of ``column`` as text for people."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ABSENT
    kind = column.kind
    unit = _from_row(column.unit, row)
    if column.kind_from is not None:
        found = (row or {}).get(column.kind_from)
        kind = found if found in KINDS else kind
    if kind == "money":
        text = money(value, _from_row(column.currency, row))
        return f"{text} {unit}" if unit and text != ABSENT else text
    if isinstance(value, bool) or kind == "bool":
        return "yes" if value else "no"
    if kind in _NUMERIC and not isinstance(value, int | float | Decimal | Fraction):
        amount = _decimal(value)  # a number written as text ("12.5")
        if amount is None:
            return str(value) or ABSENT
        value = float(amount)
    if kind == "datetime" and isinstance(value, str):
        value = _instant(value)
    if kind == "percent":
        return f"{number(float(value), 1 if column.digits is None else column.digits)} %"
    if kind == "ratio":
        digits = 1 if column.digits is None else column.digits
        return f"{number(100 * float(value), digits)} %"
    if kind == "hours":
        return hours(float(value))
    if kind == "per_day":
        return f"{number(float(value), 2 if column.digits is None else column.digits)} per day"
    if kind == "count":
        return f"{int(value):,}"
    if kind in ("number", "score"):
        text = number(value, column.digits)
        return f"{text} {unit}" if unit else text
    if kind == "datetime" and isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return str(value.strftime("%Y-%m-%d %H:%M UTC"))
    if kind == "date" and isinstance(value, dt.date | dt.datetime):
        return str(value.strftime("%Y-%m-%d"))
    if kind == "label":
        return humanise(str(value))
    if kind == "name" and value == NO_GROUP:
        return NO_GROUP_TITLE
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or ABSENT
    if isinstance(value, float):
        return number(value, column.digits)
    return str(value) if str(value) != "" else ABSENT
