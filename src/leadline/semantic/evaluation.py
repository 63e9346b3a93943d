"""An evaluation: the instant figures are judged at, the engine, and a cache shared by every
metric one request (a scorecard, a page, a QBR) evaluates, so a pillar report that serves
several metrics runs once.

An evaluation may also hold a caller's store session (``Evaluation.in_session``): a report
that is handed a session rather than the app (a pillar reading another pillar's figure inside
its own transaction) evaluates the metrics that read only the store's entities in it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

from sqlalchemy.orm import Session

from leadline.catalog.grouping import Grouping, Scope, ScopeKind
from leadline.context import App
from leadline.periods import Period, Window, utc_now
from leadline.semantic import registry
from leadline.semantic.registry import Metric, MetricError, Values
from leadline.store import Store


class _SessionOnly(App):
    """Stands for the app in an evaluation made with a caller's store session alone: metrics
    that read the store's entities (through ``Evaluation.store_session``) work; one that
    needs the settings or the lake raises MetricError instead of reading another home."""

    def __init__(self) -> None:  # neither settings nor a store of its own
        pass

    @property
    def store(self) -> Store:
        self._refuse("store")

    def __getattr__(self, name: str) -> NoReturn:
        self._refuse(name)

    def __repr__(self) -> str:
        return "<a store session only>"

    @staticmethod
    def _refuse(name: str) -> NoReturn:
        raise MetricError(
            f"this evaluation holds a store session only, not the app's {name}: "
            "evaluate the metric with Evaluation(app)"
        )


@dataclass
class Evaluation:
    """The app, the as-of instant (naive UTC) and a thread-safe cache."""

    app: App
    engine: str | None = None
    now: dt.datetime = field(default_factory=utc_now)
    # Months the caller will ask about (a scorecard: its period and the one before), so
    # month-partitioned reports read them once.
    horizon: tuple[str, ...] = ()
    cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    # A caller's open store session: entities are read in it (None: a session of the app's
    # store per read).
    session: Session | None = None
    _locks: dict[tuple[Any, ...], threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.now.tzinfo is not None:
            self.now = self.now.astimezone(dt.UTC).replace(tzinfo=None)

    @classmethod
    def in_session(cls, session: Session, now: dt.datetime | None = None) -> Evaluation:
        """An evaluation inside a caller's store session, without the app: for metrics that
        read only the store (``reliability.slos``); the others raise MetricError."""
        return cls(_SessionOnly(), now=now or utc_now(), session=session)

    @contextmanager
    def store_session(self) -> Iterator[Session]:
        """The caller's session when the evaluation holds one (it sees the caller's changes
        not yet committed), else a new session of the app's store."""
        if self.session is not None:
            yield self.session
            return
        with self.app.store.session() as session:
            yield session

    def lock(self, key: tuple[Any, ...]) -> threading.Lock:
        """The lock of ``key`` (one per key), for work that fills several cache entries."""
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """``compute()`` once per key; other threads asking meanwhile wait for it."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self.cache:
                self.cache[key] = compute()
            return self.cache[key]

    @property
    def grouping(self) -> Grouping:
        def load() -> Grouping:
            with self.store_session() as session:
                return Grouping.load(session)

        found: Grouping = self.cached(("grouping",), load)
        return found

    def months_started(self, window: Window) -> list[str]:
        """The window's months that have started by ``now``."""
        current = self.now.strftime("%Y-%m")
        return [m for m in window.months if m <= current]

    # --- windows --------------------------------------------------------------------------

    def default_window(self, metric: Metric) -> Window:
        """The metric's default window, judged at ``now``."""
        today = self.now.date()
        if metric.default_window == "last-90-days":
            return Window.last_days(90, today)
        if metric.default_window == "previous-month":
            return Period.current("month", today).previous().window
        period = Period.current(metric.default_window, today)
        return self.to_now(period.window)

    def to_now(self, window: Window) -> Window:
        """A window that runs past ``now`` cut at ``now`` (a running period is judged on
        what has happened so far); a window not started yet is returned whole."""
        clipped = window.clipped(self.now)
        return clipped if clipped is not None else window

    # --- values ---------------------------------------------------------------------------

    def values(
        self,
        key: str,
        kind: ScopeKind,
        windows: Sequence[Window],
        params: Mapping[str, str] | None = None,
    ) -> list[Values]:
        """Every scope's value of metric ``key`` for each window (cached per window)."""
        metric = registry.get(key)
        params = dict(params or {})
        metric.check(kind, params)
        frozen = tuple(sorted(params.items()))
        wanted = [
            w
            for w in dict.fromkeys(windows)
            if ("values", metric.key, kind, w, frozen) not in self.cache
        ]
        if wanted:
            found = self.cached(
                ("batch", metric.key, kind, tuple(wanted), frozen),
                lambda: metric.evaluate(self, kind, wanted, params),
            )
            for window, values in zip(wanted, found, strict=True):
                self.cache.setdefault(("values", metric.key, kind, window, frozen), values)
        return [self.cache[("values", metric.key, kind, w, frozen)] for w in windows]

    def value(
        self, key: str, scope: Scope, window: Window, params: Mapping[str, str] | None = None
    ) -> float | None:
        """One scope's value of metric ``key`` over ``window``."""
        return self.values(key, scope.kind, [window], params)[0].get(scope.name)
