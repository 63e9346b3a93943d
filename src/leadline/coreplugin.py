"""The core's own registrations, through the same hooks the pillars use: its store models
(the audit log, ingest batches and rejects, the lake's file list, web users and tokens), so
``store/registry.py`` names no model module."""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from leadline.plugins import hookimpl


@hookimpl
def leadline_store_models() -> Iterable[ModuleType]:
    import leadline.audit.log
    import leadline.ingest.models
    import leadline.lake.models
    import leadline.webkit.models

    return [
        leadline.audit.log,
        leadline.ingest.models,
        leadline.lake.models,
        leadline.webkit.models,
    ]
