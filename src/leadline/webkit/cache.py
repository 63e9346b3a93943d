"""A small cache of report documents for the web app, so that twenty people opening the
scorecard do not each recompute the DORA metrics.

An entry is reused while the data it was computed from is unchanged (the newest ingest batch
and the newest audited edit are the same) and it is younger than ``ttl`` seconds (reports that
depend on the current time, like SLO status, move on). One thread computes a missing entry;
others asking for it meanwhile wait for that result. Callers must not modify what they get.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, select

from leadline.audit import AuditEntry
from leadline.context import App
from leadline.ingest.models import Batch
from leadline.webkit.responses import Encoded

T = TypeVar("T")
MAX_ENTRIES = 256


VERSION_SECONDS = 1.0
_versions: dict[str, tuple[float, tuple[int, int]]] = {}
_versions_lock = threading.Lock()


def data_version(app: App) -> tuple[int, int]:
    """Changes whenever anything lands or is edited (both ids only grow). Read from the store
    at most once a second per process; this process's own edits call ``invalidate``, so they
    show at once, and another process's ingest or edit shows within a second."""
    url = app.settings.resolved_database_url
    now = time.monotonic()
    with _versions_lock:
        seen = _versions.get(url)
        if seen is not None and now - seen[0] < VERSION_SECONDS:
            return seen[1]
    with app.store.session() as session:
        batch = session.scalar(select(func.max(Batch.id))) or 0
        audit = session.scalar(select(func.max(AuditEntry.id))) or 0
    with _versions_lock:
        _versions[url] = (now, (batch, audit))
    return batch, audit


def invalidate(app: App) -> None:
    """Forget the remembered data version: called after every write this process makes."""
    forget_version(app.settings.resolved_database_url)


def forget_version(database_url: str) -> None:
    with _versions_lock:
        _versions.pop(database_url, None)


class ReportCache:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: OrderedDict[Hashable, tuple[float, tuple[int, int], Any]] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()
        self.hits = self.misses = 0

    def _fresh(self, key: Hashable, version: tuple[int, int], now: float) -> tuple[bool, Any]:
        with self._guard:
            found = self._entries.get(key)
            if found is not None and found[1] == version and now - found[0] < self.ttl:
                self._entries.move_to_end(key)
                self.hits += 1
                return True, found[2]
            return False, None

    def get(self, app: App, key: Hashable, compute: Callable[[], T]) -> T:
        if self.ttl <= 0:
            return compute()
        version = data_version(app)
        full_key = (app.settings.resolved_database_url, key)
        hit, value = self._fresh(full_key, version, time.monotonic())
        if hit:
            return value  # type: ignore[no-any-return]
        with self._guard:
            lock = self._locks.setdefault(full_key, threading.Lock())
        with lock:
            hit, value = self._fresh(full_key, version, time.monotonic())
            if hit:
                return value  # type: ignore[no-any-return]
            result = compute()
            with self._guard:
                self.misses += 1
                self._entries[full_key] = (time.monotonic(), version, result)
                while len(self._entries) > MAX_ENTRIES:
                    old, _ = self._entries.popitem(last=False)
                    self._locks.pop(old, None)
            return result


_caches: dict[float, ReportCache] = {}


def cache_for(app: App) -> ReportCache:
    """The process-wide cache with this app's configured lifetime."""
    ttl = app.settings.web.cache_seconds
    if ttl not in _caches:
        _caches[ttl] = ReportCache(ttl)
    return _caches[ttl]


def cached(app: App, name: str, compute: Callable[[], T], *key: Hashable) -> T:
    return cache_for(app).get(app, (name, *key), compute)


def cached_json(app: App, name: str, compute: Callable[[], Any], *key: Hashable) -> Encoded:
    """The document (shared with the pages' cache) with its JSON body and ETag, encoded once."""
    return cached(app, "json:" + name, lambda: Encoded(cached(app, name, compute, *key)), *key)
