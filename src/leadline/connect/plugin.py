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


@hookimpl
def leadline_api_routers() -> Iterable[Any]:
    """``GET /api/v1/connectors`` and an admin's run now."""
    from leadline.connect.api import router

    return [router]


@hookimpl
def leadline_pages() -> Iterable[Any]:
    """The admins' Connections page (its own routes: admins only, not in the pillars' nav)."""
    from leadline.connect.views import router

    return [router]
