"""Inter-process file locks: ingests never interleave their commits, and first openings of a
store never run migrations twice."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path


@contextmanager
def file_lock(directory: Path, name: str) -> Iterator[None]:
    """An exclusive lock held while the block runs (blocks until it is free)."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / name).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_lock(directory: Path) -> AbstractContextManager[None]:
    """The lock every writer to a leadline home takes around its commit."""
    return file_lock(directory, ".write.lock")
