"""Webhook intake: a verified delivery is stored raw as ``pending`` and committed before the
sender gets its 2xx; a delivery id seen before is acknowledged and ignored. Normalisation runs
later (``PendingWorker`` here, or ``leadline ingest --pending``)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
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

log = logging.getLogger(__name__)


class BadDelivery(ValueError):
    """The body is not a JSON document (answered with 400)."""


@dataclass(frozen=True)
class Receipt:
    status: str  # stored | duplicate
    delivery_id: str
    event_type: str | None


def receive(store: Store, source: str, headers: Mapping[str, str], body: bytes) -> Receipt:
    """Store one verified delivery (once per source and delivery id) and commit it."""
    try:
        payload: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadDelivery(f"the body is not JSON: {error}") from None
    lowered = {k.lower(): v for k, v in headers.items() if not k.lower().startswith("x-hub-sig")}
    lowered.pop("x-gitlab-token", None)  # a secret: never stored
    lowered.pop("x-pagerduty-signature", None)
    lowered.pop("authorization", None)
    lowered.pop("cookie", None)
    parser = PARSERS[source]
    delivery = Delivery(f"webhook:{source}", 1, lowered, payload)
    delivery_id = parser.delivery_id(delivery)[:128]
    event_type = parser.event_type(delivery)
    with store.session() as session:
        known = session.scalar(
            select(RawEvent.id).where(
                RawEvent.source == source, RawEvent.delivery_id == delivery_id
            )
        )
    if known is not None:
        return Receipt("duplicate", delivery_id, event_type)
    try:
        with store.session() as session:
            session.add(
                RawEvent(
                    source=source,
                    delivery_id=delivery_id,
                    event_type=event_type[:128] if event_type else None,
                    received_at=utcnow(),
                    headers=lowered,
                    payload=payload,
                    status=PENDING,
                )
            )
    except IntegrityError:  # the same delivery arrived concurrently
        return Receipt("duplicate", delivery_id, event_type)
    return Receipt("stored", delivery_id, event_type)


class PendingWorker:
    """A background thread that normalises pending deliveries shortly after they arrive (and
    once at start, for deliveries a crash left pending). Nothing is lost if it dies: pending
    rows stay pending."""

    def __init__(self, settings: Settings, store: Store, delay: float = 0.5) -> None:
        self.settings, self.store, self.delay = settings, store, delay
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

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.wait(self.delay):  # let a burst of deliveries gather into one batch
                return
            self._wake.clear()
            try:
                while not self._stop.is_set():
                    result = normalise_pending(self.settings, self.store)
                    self.runs += 1
                    if not result["remaining"]:
                        break
            except Exception:  # logged; the deliveries stay pending for the next run
                log.exception("normalising pending webhook deliveries failed")
