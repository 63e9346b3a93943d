"""The scorecard pillar's one registration point (pluggy hooks, as third-party plugins use)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from leadline.plugins import hookimpl


@hookimpl
def leadline_pages() -> Iterable[Any]:
    from leadline.scorecard.views import home
    from leadline.web.registry import PageSpec

    return [PageSpec("/", "Scorecard", home, order=10)]
