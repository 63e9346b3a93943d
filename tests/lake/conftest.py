"""Fixtures of the lake tests: the store of the default (SQLite) app."""

from __future__ import annotations

import pytest

from leadline.context import App
from leadline.store import Store


@pytest.fixture
def store(app: App) -> Store:
    return app.store


@pytest.fixture
def any_store(any_app: App) -> Store:
    return any_app.store
