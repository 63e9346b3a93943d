"""Imports every model module so the metadata (and Alembic) sees all tables: the core's (audit
log, ingest batches and rejects, lake bookkeeping, web users and tokens), then every plugin's
(``leadline_store_models``)."""

from __future__ import annotations

from types import ModuleType

import leadline.audit.log
import leadline.ingest.models
import leadline.lake.models
import leadline.web.models  # noqa: F401
from leadline import plugins
from leadline.store.base import Base

for _item in plugins.collected(plugins.manager().hook.leadline_store_models()):
    if not isinstance(plugins.imported(_item), ModuleType):
        raise TypeError(f"leadline_store_models gave {_item!r}: not a module")

metadata = Base.metadata
