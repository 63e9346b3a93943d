"""Durations as SLO specifications write them: 5m, 1h, 28d, 1w; and calendar units."""

from __future__ import annotations

import re

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


def seconds(text: str) -> int:
    """'30m' -> 1800. Raises ValueError naming the text for anything else."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"not a duration like 5m, 1h or 28d: {text!r}")
    value = int(match.group(1)) * UNITS[match.group(2)]
    if value <= 0:
        raise ValueError(f"a duration must be positive: {text!r}")
    return value


def label(total_seconds: int) -> str:
    """1800 -> '30m': the largest unit that divides it exactly."""
    for unit, size in sorted(UNITS.items(), key=lambda item: -item[1]):
        if total_seconds % size == 0:
            return f"{total_seconds // size}{unit}"
    return f"{total_seconds}s"
