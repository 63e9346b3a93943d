"""The store: entities people edit, in SQL (SQLite by default, PostgreSQL in production)."""

from leadline.store.base import Base
from leadline.store.session import Store, open_store

__all__ = ["Base", "Store", "open_store"]
