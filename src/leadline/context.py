"""The application context the CLI (and later the web app) hands to core functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from leadline.config import Settings, load_settings
from leadline.store import Store


@dataclass
class App:
    """Settings plus a store opened (and migrated) on first use."""

    settings: Settings = field(default_factory=load_settings)
    _store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.resolved_database_url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.dispose()
            self._store = None

    @classmethod
    def from_options(cls, **overrides: Any) -> App:
        return cls(load_settings(**{k: v for k, v in overrides.items() if v is not None}))
