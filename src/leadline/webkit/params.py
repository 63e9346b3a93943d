"""The REST API's date, month, quarter, instant and flag parameters: one definition gives both
the OpenAPI schema and what the route enforces, so the published schema and the server agree
(``tests/web/test_schema.py`` runs Schemathesis against the live server to keep it so).

Every year is written FIRST_YEAR to LAST_YEAR (``YEAR``; the test checks the pattern against
``leadline.periods``). The scorecard and the QBR compare a period with the one before, so theirs
start a year later (``COMPARED_YEAR``): 1970Q1 would compare with 1969Q4. A value outside its
schema is a 422 naming the parameter."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query
from pydantic import PlainValidator, WithJsonSchema

from leadline.periods import FIRST_YEAR, LAST_YEAR

YEAR = r"(19[7-9][0-9]|2[0-9]{3})"
COMPARED_YEAR = r"(19(7[1-9]|[89][0-9])|2[0-9]{3})"
_MM = r"(0[1-9]|1[0-2])"
_HM = r"([01][0-9]|2[0-3]):[0-5][0-9]"
_TIME = rf"T{_HM}:[0-5][0-9](\.[0-9]{{1,6}})?(Z|[+-]{_HM})"  # RFC 3339: seconds, Z or offset
_YEARS = f"years {FIRST_YEAR}-{LAST_YEAR}"
_COMPARED_YEARS = f"years {FIRST_YEAR + 1}-{LAST_YEAR}"


def day_pattern(year: str = YEAR) -> str:
    return rf"^{year}-{_MM}-(0[1-9]|[12][0-9]|3[01])$"


def time_pattern(year: str = YEAR) -> str:
    return f"{day_pattern(year)[:-1]}{_TIME}$"


DAY_PATTERN, TIME_PATTERN = day_pattern(), time_pattern()
MONTH_PATTERN = rf"^{YEAR}-{_MM}$"
QUARTER_PATTERN = rf"^{YEAR}Q[1-4]$"
COMPARED_QUARTER_PATTERN = rf"^{COMPARED_YEAR}Q[1-4]$"
COMPARED_PERIOD_PATTERN = rf"^{COMPARED_YEAR}(Q[1-4]|-{_MM})$"
DAY_SCHEMA: dict[str, Any] = {"type": "string", "format": "date", "pattern": DAY_PATTERN}


def _instant_schema(year: str, years: str) -> dict[str, Any]:
    return {
        "anyOf": [
            {"type": "string", "format": "date", "pattern": day_pattern(year)},
            {"type": "string", "format": "date-time", "pattern": time_pattern(year)},
        ],
        "description": f"a date YYYY-MM-DD or an RFC 3339 time (2026-05-01T09:30:00Z), {years}",
    }


def _reader(year: str, years: str) -> Callable[[object], dt.datetime]:
    """The instant a parameter names: a date (its midnight, naive) or an RFC 3339 time (aware,
    its offset kept: ``periods.instant`` judges the year as written, then converts to UTC)."""
    days, times = re.compile(day_pattern(year)), re.compile(time_pattern(year))

    def read(value: object) -> dt.datetime:
        if isinstance(value, dt.datetime):  # a default, never from a request
            return value
        if isinstance(value, str) and days.fullmatch(value):
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        if isinstance(value, str) and times.fullmatch(value):
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        raise ValueError(f"must be {_instant_schema(year, years)['description']}")

    return read


_moment = _reader(YEAR, _YEARS)
_compared_moment = _reader(COMPARED_YEAR, _COMPARED_YEARS)


def _day(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not re.fullmatch(DAY_PATTERN, value):
        raise ValueError(f"must be a date YYYY-MM-DD, {_YEARS}")
    return dt.date.fromisoformat(value)  # 2026-02-30 is a ValueError too


def _flag(value: object) -> bool:
    """``true`` or ``false`` only (pydantic alone also reads ``yes``, ``1``, ``on``...)."""
    if isinstance(value, bool):
        return value
    if value not in ("true", "false"):
        raise ValueError("must be true or false")
    return value == "true"


Month = Annotated[str, Query(pattern=MONTH_PATTERN, description=f"YYYY-MM, {_YEARS}")]
Quarter = Annotated[str | None, Query(pattern=QUARTER_PATTERN, description=f"YYYYQN, {_YEARS}")]
ComparedQuarter = Annotated[
    str | None, Query(pattern=COMPARED_QUARTER_PATTERN, description=f"YYYYQN, {_COMPARED_YEARS}")
]
ComparedPeriod = Annotated[
    str | None,
    Query(pattern=COMPARED_PERIOD_PATTERN, description=f"YYYYQN or YYYY-MM, {_COMPARED_YEARS}"),
]
Day = Annotated[
    dt.date,
    PlainValidator(_day),
    WithJsonSchema({**DAY_SCHEMA, "description": f"YYYY-MM-DD, {_YEARS}"}),
]
Moment = Annotated[
    dt.datetime, PlainValidator(_moment), WithJsonSchema(_instant_schema(YEAR, _YEARS))
]
# An instant kept as its text, for the routes that hand it to ``periods.instant``.
InstantText = Annotated[
    str,
    PlainValidator(lambda value: _moment(value) and str(value)),
    WithJsonSchema(_instant_schema(YEAR, _YEARS)),
]
ComparedInstantText = Annotated[
    str,
    PlainValidator(lambda value: _compared_moment(value) and str(value)),
    WithJsonSchema(_instant_schema(COMPARED_YEAR, _COMPARED_YEARS)),
]
Flag = Annotated[bool, PlainValidator(_flag), WithJsonSchema({"type": "boolean"})]
