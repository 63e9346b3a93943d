"""Imports every model module so the metadata (and Alembic) sees all tables: every plugin's
(``leadline_store_models``), the core's own first (``leadline.coreplugin``)."""

from __future__ import annotations

from types import ModuleType

from leadline import plugins
from leadline.store.base import Base

for _item in plugins.collected(plugins.manager().hook.leadline_store_models()):
    if not isinstance(plugins.imported(_item), ModuleType):
        raise TypeError(f"leadline_store_models gave {_item!r}: not a module")

metadata = Base.metadata
