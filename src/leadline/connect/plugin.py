"""The connectors' one registration point (pluggy hooks, as third-party plugins use)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from leadline.plugins import hookimpl


@hookimpl
def leadline_store_models() -> Iterable[Any]:
    """Connections, their runs and cursors."""
    from leadline.connect import models

    return [models]
