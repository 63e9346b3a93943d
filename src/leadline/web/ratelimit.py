"""Login throttling: at most N failed attempts per (client address, user name) within a sliding
window, kept in memory (per server process; a restart forgets it, which is documented)."""

from __future__ import annotations

import threading
import time
from collections import deque


class LoginLimiter:
    def __init__(self, attempts: int, window_seconds: float) -> None:
        self.attempts, self.window = attempts, window_seconds
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, client: str, user: str, now: float | None = None) -> float:
        """Seconds until another attempt is allowed; 0 when allowed now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._recent((client, user.lower()), now)
            if len(times) < self.attempts:
                return 0.0
            return max(times[0] + self.window - now, 0.0)

    def failed(self, client: str, user: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._recent((client, user.lower()), now).append(now)

    def succeeded(self, client: str, user: str) -> None:
        with self._lock:
            self._failures.pop((client, user.lower()), None)
