"""The input limits in force for the current ingest.

Sources read and parse files through helpers that do not take settings (``read``,
``load_yaml_documents``), so the runner publishes its settings' limits here for the duration of
one ingest; outside an ingest the defaults apply, so no caller can forget the limits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from leadline.config import IngestSettings

_current: ContextVar[IngestSettings | None] = ContextVar("leadline_ingest_limits", default=None)


def current_limits() -> IngestSettings:
    """The limits of the ingest running in this context, else the defaults."""
    return _current.get() or IngestSettings()


@contextmanager
def using_limits(limits: IngestSettings) -> Iterator[None]:
    """Apply ``limits`` to every file read and parsed inside the block."""
    token = _current.set(limits)
    try:
        yield
    finally:
        _current.reset(token)
