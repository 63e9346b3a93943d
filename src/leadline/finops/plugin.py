"""The finops pillar's one registration point (pluggy hooks, as third-party plugins use)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from leadline.plugins import hookimpl


@hookimpl
def leadline_metrics() -> Iterable[Any]:
    from leadline.finops.measures import METRICS

    return METRICS


@hookimpl
def leadline_pages() -> Iterable[Any]:
    from leadline.finops.views import finops
    from leadline.web.registry import PageSpec

    return [PageSpec("/finops", "FinOps", finops, order=50)]
