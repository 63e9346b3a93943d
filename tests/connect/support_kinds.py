"""Helpers of the GitLab, PagerDuty, Opsgenie, Jira and focus connector tests: a simulated
clock (rate-limit waits and backoff never sleep), connections written to the store, syncs, the
pulls a kind yields written out as files, and facts read back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from leadline.connect.kinds.base import ConnectionSpec, Pull, kind
from leadline.connect.models import Connection
from leadline.connect.sync import SyncResult, load_cursors, sync_connection
from leadline.context import App
from leadline.ingest.runner import IngestReport, run_ingest
from tests.delivery.support_events import facts

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
DAY0 = T0 - dt.timedelta(days=2)  # the Jira and Opsgenie tests' items start here


def created(number: int) -> dt.datetime:
    """Item ``number``'s creation: every ten minutes from DAY0."""
    return DAY0 + dt.timedelta(minutes=10 * number)


def updated(number: int) -> dt.datetime:
    """Item ``number``'s last update: half an hour after its creation."""
    return created(number) + dt.timedelta(minutes=30)


class FakeClock:
    """Seconds since the epoch that move only when something sleeps (``slept`` lists the
    waits), so a test sees each rate-limit pause without waiting for it."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.now = start.timestamp()
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(seconds, 0.0)


def add_connection(
    app: App, name: str, kind_name: str, options: dict[str, Any], token_env: str | None = None
) -> ConnectionSpec:
    """A connection as ``leadline connect add`` stores it (options and a token reference)."""
    with app.store.session() as session:
        session.add(Connection(name=name, kind=kind_name, options=options, token_env=token_env))
    return ConnectionSpec(name, kind_name, options, token_env=token_env)


def sync(
    app: App,
    name: str,
    clock: FakeClock,
    since: dt.datetime | None = None,
    full: bool = False,
) -> SyncResult:
    return sync_connection(
        name, settings=app.settings, store=app.store, clock=clock, since=since, full=full
    )


def cursors(app: App, name: str) -> dict[str, dict[str, Any]]:
    with app.store.session() as session:
        connection = session.query(Connection).filter_by(name=name).one()
        return load_cursors(session, connection.id)


def pulls(spec: ConnectionSpec, clock: FakeClock) -> list[Pull]:
    """Every pull a kind yields for a fresh connection (nothing landed)."""
    connector = kind(spec.kind)
    client = connector.client(spec)
    if client is not None:
        client.clock = clock
    try:
        return list(connector.pull(spec, {}, client, None, False))
    finally:
        if client is not None:
            client.close()


def write_files(found: list[Pull], folder: Path) -> Iterator[Path]:
    """The pulls' payloads as files, as someone would export them."""
    folder.mkdir(parents=True, exist_ok=True)
    for pull in found:
        for input_file in pull.files:
            path = folder / input_file.path.name
            path.write_bytes(input_file.data)
            yield path


def ingest_files(app: App, source: str, paths: list[Path]) -> IngestReport:
    return run_ingest(source, paths, settings=app.settings, store=app.store)


def table(app: App, name: str) -> list[dict[str, Any]]:
    """A delivery table's rows without batch-specific columns."""
    return facts(app, name)


def assert_same_as_files(
    app: App, spec: ConnectionSpec, clock: FakeClock, folder: Path, tables: tuple[str, ...]
) -> None:
    """The kind's pulls for a fresh connection, written as files and ingested into another
    home with ``leadline ingest SOURCE``, give exactly the facts the sync landed in ``app``."""
    from tests.conftest import make_settings

    found = pulls(spec, clock)
    sources = {p.source for p in found if p.files or p.paths}
    other = App(make_settings(folder / "home-files"))
    try:
        for source in sorted(sources):
            chosen = [p for p in found if p.source == source]
            files = list(write_files(chosen, folder / "export" / source))
            files += [path for p in chosen for path in p.paths]
            report = ingest_files(other, source, files)
            assert report.exit_code == 0, report.summary()
        for name in tables:
            assert table(other, name) == table(app, name), name
    finally:
        other.close()
