"""The delivery pillar's one registration point (pluggy hooks, as third-party plugins use)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from leadline.plugins import hookimpl


@hookimpl
def leadline_metrics() -> Iterable[Any]:
    from leadline.delivery.measures import METRICS

    return METRICS


@hookimpl
def leadline_pages() -> Iterable[Any]:
    from leadline.delivery.views import delivery
    from leadline.web.registry import PageSpec

    return [PageSpec("/delivery", "Delivery", delivery, order=30)]
