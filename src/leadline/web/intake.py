"""Webhook intake: a verified delivery is stored raw as ``pending`` and committed before the
sender gets its 2xx; a delivery id seen before is acknowledged and ignored. Normalisation runs
later (``PendingWorker`` here, or ``leadline ingest --pending``)."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from leadline.config import Settings
from leadline.delivery.events import Delivery
from leadline.delivery.pending import PARSERS, PENDING, normalise_pending
from leadline.ingest.models import RawEvent
from leadline.store import Store
from leadline.store.base import utcnow
from leadline.webkit.cache import forget_version

log = logging.getLogger(__name__)


class BadDelivery(ValueError):
    """The body is not a JSON document (answered with 400)."""


@dataclass(frozen=True)
class Receipt:
    status: str  # stored | duplicate
    delivery_id: str
    event_type: str | None


@dataclass(frozen=True)
class Prepared:
    """A verified delivery, parsed and named, ready to be stored."""

    source: str
    delivery_id: str
    event_type: str | None
    headers: dict[str, str]
    payload: Any

    def receipt(self, status: str) -> Receipt:
        return Receipt(status, self.delivery_id, self.event_type)


SECRET_HEADERS = frozenset(
    {
        "x-hub-signature",
        "x-hub-signature-256",
        "x-gitlab-token",
        "x-pagerduty-signature",
        "linear-signature",
        "x-leadline-token",
        "authorization",
        "cookie",
    }
)


def prepare(source: str, headers: Mapping[str, str], body: bytes) -> Prepared:
    """Parse the body and find the delivery id; secrets are dropped from the kept headers."""
    try:
        payload: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadDelivery(f"the body is not JSON: {error}") from None
    lowered = {k.lower(): v for k, v in headers.items() if k.lower() not in SECRET_HEADERS}
    parser = PARSERS[source]
    delivery = Delivery(f"webhook:{source}", 1, lowered, payload)
    event_type = parser.event_type(delivery)
    return Prepared(
        source,
        parser.delivery_id(delivery),  # whole ids or their digest
        event_type[:128] if event_type else None,
        lowered,
        payload,
    )


def _row(item: Prepared, now: Any) -> RawEvent:
    return RawEvent(
        source=item.source,
        delivery_id=item.delivery_id,
        event_type=item.event_type,
        received_at=now,
        headers=item.headers,
        payload=item.payload,
        status=PENDING,
    )


def store_batch(store: Store, items: list[Prepared]) -> list[Receipt]:
    """Store the deliveries not seen before in one transaction (a group commit); a delivery id
    already stored, or repeated in the batch, is a duplicate. Returns when committed."""
    try:
        with store.session() as session:
            known: set[tuple[str, str]] = set()
            for source in {i.source for i in items}:
                ids = [i.delivery_id for i in items if i.source == source]
                query = select(RawEvent.delivery_id).where(
                    RawEvent.source == source, RawEvent.delivery_id.in_(ids)
                )
                known.update((source, d) for d in session.scalars(query))
            receipts, now = [], utcnow()
            for item in items:
                key = (item.source, item.delivery_id)
                if key in known:
                    receipts.append(item.receipt("duplicate"))
                    continue
                known.add(key)
                session.add(_row(item, now))
                receipts.append(item.receipt("stored"))
        return receipts
    except IntegrityError:  # another server process stored one of them meanwhile
        return [_store_one(store, item) for item in items]


def _store_one(store: Store, item: Prepared) -> Receipt:
    try:
        with store.session() as session:
            exists = session.scalar(
                select(RawEvent.id).where(
                    RawEvent.source == item.source, RawEvent.delivery_id == item.delivery_id
                )
            )
            if exists is not None:
                return item.receipt("duplicate")
            session.add(_row(item, utcnow()))
    except IntegrityError:
        return item.receipt("duplicate")
    return item.receipt("stored")


def receive(store: Store, source: str, headers: Mapping[str, str], body: bytes) -> Receipt:
    """Store one verified delivery (once per source and delivery id) and commit it."""
    return store_batch(store, [prepare(source, headers, body)])[0]


class IntakeWriter:
    """One thread that stores deliveries for every request in group commits: whatever arrived
    while the previous transaction committed goes into the next. Each request is answered only
    when its transaction has committed (or failed: then with the error)."""

    BATCH = 500

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: queue.Queue[tuple[Prepared, Future[Receipt]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="leadline-intake", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, item: Prepared) -> Future[Receipt]:
        future: Future[Receipt] = Future()
        self._queue.put((item, future))
        return future

    def stop(self, timeout: float = 10.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self.BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[tuple[Prepared, Future[Receipt]]]) -> None:
        try:
            receipts = store_batch(self.store, [item for item, _ in batch])
        except Exception as error:  # the senders get a 5xx and retry; nothing was committed
            log.exception("storing %d webhook deliveries failed", len(batch))
            for _, future in batch:
                future.set_exception(error)
            return
        for (_, future), receipt in zip(batch, receipts, strict=True):
            future.set_result(receipt)


class PendingWorker:
    """A background thread that normalises pending deliveries once they stop arriving for
    ``delay`` seconds (during a flood at the latest every ``max_wait`` seconds), and once at
    start, for deliveries a crash left pending. Nothing is lost if it dies: pending rows stay
    pending."""

    def __init__(
        self, settings: Settings, store: Store, delay: float = 0.5, max_wait: float = 10.0
    ) -> None:
        self.settings, self.store, self.delay, self.max_wait = settings, store, delay, max_wait
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="leadline-pending", daemon=True)
        self.runs = 0

    def start(self) -> None:
        self._wake.set()
        self._thread.start()

    def notify(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _quiet(self) -> bool:
        """Wait until no delivery arrived for ``delay`` seconds (at most ``max_wait``), so a
        flood is stored first and normalised in large batches; False when stopping."""
        started = time.monotonic()
        while time.monotonic() - started < self.max_wait:
            self._wake.clear()
            if self._stop.wait(self.delay):
                return False
            if not self._wake.is_set():
                return True
        return not self._stop.is_set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if not self._quiet():
                return
            try:
                while not self._stop.is_set():
                    result = normalise_pending(self.settings, self.store)
                    self.runs += 1
                    forget_version(self.settings.resolved_database_url)
                    if not result["remaining"]:
                        break
            except Exception:  # logged; the deliveries stay pending for the next run
                log.exception("normalising pending webhook deliveries failed")
