"""PagerDuty incidents to delivery facts (``leadline ingest pagerduty FILE...``).

Two inputs, in the shapes PagerDuty documents:

- V3 webhook deliveries ``{"event": {"id", "event_type", "resource_type", "occurred_at",
  "agent", "client", "data"}}``, bare or in a ``{"headers", "body"}`` envelope. Each
  ``incident.*`` event whose ``data`` is an incident is one observation of it, versioned by
  ``occurred_at``: ``incident.resolved`` sets ``resolved_at`` to ``occurred_at``, and any later
  status event (``incident.reopened``, ``incident.acknowledged``...) clears it again, so
  deliveries may arrive in any order. The incident starts at ``data.created_at``; V3 data
  without it (deliveries of 2021, samples from PagerDuty's documentation) is accepted for
  ``incident.triggered``, whose ``occurred_at`` is the start. An event about an already
  resolved incident that is not the resolution itself (e.g. ``incident.priority_updated``
  after the fact) is ignored: it does not say when the incident was resolved. Notes,
  responders, status updates, ``service.*`` and ``pagey.ping`` events carry nothing measured
  (ignored); other types are stored raw as unknown. PagerDuty sends no event-type header;
  the type is in the body. Delivery ids: the ``X-Webhook-Id`` header, which PagerDuty repeats
  on retries, else ``event.id``.
- REST exports of ``GET /incidents`` (``{"incidents": [...], "limit", "offset", "more"}``, or
  an array of such pages) and of ``GET /incidents/{id}`` (``{"incident": {...}}``). Each
  incident is one observation versioned by ``last_status_change_at``; ``resolved_at`` is the
  incident's ``resolved_at``, else, when its status is ``resolved``, ``last_status_change_at``.
  Its delivery id is ``api:incident:<id>@<updated_at>``: re-ingesting the same export changes
  nothing, while a later export in which the incident changed lands as a new observation (an
  id without the version would drop it as "already received").

Severity is the incident's priority name (``P1``) when it has one, else its urgency.
"""

from __future__ import annotations

from typing import Any

from leadline.catalog.services import Subject
from leadline.delivery.events import (
    SUBJECT,
    Delivery,
    EventFileSource,
    EventParser,
    Facts,
    FieldMissing,
    ParseContext,
    UnknownEvent,
    expand_pages,
)
from leadline.delivery.gitlab import extra_json, need, optional_time, utc_time
from leadline.ingest.registry import InputFile, register

SOURCE = "pagerduty"
ANNOTATION = "pagerduty.com/service-id"
SNAPSHOT = "api.incident"  # event type of a REST incident (not a PagerDuty event type)
# Event types whose data is not an incident, or that are not about incidents at all.
IGNORED_EVENTS = frozenset(
    {
        "incident.annotated",
        "incident.responder.added",
        "incident.responder.replied",
        "incident.status_update_published",
        "incident.custom_field_values.updated",
        "incident.conference_bridge.updated",
        "service.created",
        "service.updated",
        "service.deleted",
        "pagey.ping",
    }
)
RESOLVED = "incident.resolved"
TRIGGERED = "incident.triggered"
NO_START = (
    "is missing, so the incident's start is unknown: only an incident.triggered event, whose "
    "occurred_at is the start, may come without it"
)


class PagerDutyParser(EventParser):
    source = SOURCE
    event_header = ""  # PagerDuty sends no event-type header; see event_type()
    delivery_header = "x-webhook-id"

    def event_type(self, delivery: Delivery) -> str | None:
        return self.infer(delivery.payload)

    def delivery_id(self, delivery: Delivery) -> str:
        """X-Webhook-Id (repeated on retries), else the event id, else the REST incident's
        id and version, else a hash of the payload."""
        given = delivery.headers.get(self.delivery_header)
        if given:
            return given
        payload = delivery.payload if isinstance(delivery.payload, dict) else {}
        event = payload.get("event")
        if isinstance(event, dict) and event.get("id"):
            return str(event["id"])
        incident = payload.get("incident")
        if isinstance(incident, dict) and incident.get("id"):
            version = incident.get("updated_at") or incident.get("last_status_change_at")
            return f"api:incident:{incident['id']}@{version}"
        return super().delivery_id(delivery)

    def infer(self, payload: Any) -> str | None:
        if not isinstance(payload, dict):
            return None
        event = payload.get("event")
        if isinstance(event, dict):
            kind = event.get("event_type")
            return str(kind) if kind else None
        if isinstance(payload.get("incident"), dict):
            return SNAPSHOT
        return None

    def normalise(self, event_type: str, payload: Any, ctx: ParseContext) -> Facts | None:
        if event_type == SNAPSHOT:
            return Facts(incidents=[snapshot_row(need(payload, "incident"))])
        if event_type in IGNORED_EVENTS:
            return None
        if not event_type.startswith("incident."):
            raise UnknownEvent(f"PagerDuty event {event_type!r} is not one leadline reads")
        event = need(payload, "event")
        data = need(payload, "event.data")
        if data.get("type") not in (None, "incident"):
            return None  # an event about a note, responder... of an incident
        occurred = utc_time(event.get("occurred_at"), "event.occurred_at")
        if event_type == RESOLVED:
            resolved = occurred
        elif data.get("status") == "resolved":
            return None  # after the resolution; its time is only in incident.resolved
        else:
            resolved = None
        if not data.get("created_at"):  # V3 data of 2021 has none
            if event_type != TRIGGERED:
                raise FieldMissing("event.data.created_at", NO_START)
            data = data | {"created_at": event.get("occurred_at")}
        return Facts(incidents=[incident_row(data, "event.data", resolved, occurred)])


def incident_row(
    incident: dict[str, Any], path: str, resolved: Any, updated: Any
) -> dict[str, Any]:
    """The incidents row of one observation of a PagerDuty incident (webhook data or REST
    incident; both name the fields alike). ``path`` prefixes field names in rejects."""
    incident_id = incident.get("id")
    if not incident_id:
        raise FieldMissing(f"{path}.id")
    service = incident.get("service")
    if not isinstance(service, dict) or not service.get("id"):
        raise FieldMissing(f"{path}.service.id")
    service_id = str(service["id"])
    return {
        "incident_id": f"pagerduty:{incident_id}",
        "severity": _severity(incident),
        "started_at": utc_time(incident.get("created_at"), f"{path}.created_at"),
        "resolved_at": resolved,
        "deployment_id": None,
        "title": incident.get("title") or incident.get("summary"),
        "source": SOURCE,
        "updated_at": updated,
        "extra": extra_json(
            number=incident.get("number") or incident.get("incident_number"),
            url=incident.get("html_url"),
        ),
        SUBJECT: Subject(ANNOTATION, service_id, str(service.get("summary") or service_id)),
    }


def _severity(incident: dict[str, Any]) -> str | None:
    priority = incident.get("priority")
    if isinstance(priority, dict) and priority.get("summary"):
        return str(priority["summary"])
    urgency = incident.get("urgency")
    return str(urgency) if urgency else None


def snapshot_row(incident: dict[str, Any]) -> dict[str, Any]:
    """A REST incident: resolved when its status says so, versioned by its last status
    change (falling back to ``updated_at`` and ``created_at`` for trimmed exports)."""
    changed = optional_time(incident.get("last_status_change_at"), "incident.last_status_change_at")
    updated = changed or optional_time(incident.get("updated_at"), "incident.updated_at")
    updated = updated or utc_time(incident.get("created_at"), "incident.created_at")
    if incident.get("status") != "resolved":  # any resolved_at predates a reopen
        return incident_row(incident, "incident", None, updated)
    resolved = optional_time(incident.get("resolved_at"), "incident.resolved_at") or updated
    return incident_row(incident, "incident", resolved, updated)


def expand_export(input_file: InputFile) -> InputFile:
    """A REST list export (one page ``{"incidents": [...]}`` or an array of pages) as one
    ``{"incident": ...}`` delivery per incident; any other file as it is."""
    return expand_pages(input_file, _list_items, "incident")


def _list_items(page: Any) -> list[Any] | None:
    if isinstance(page, dict) and isinstance(page.get("incidents"), list):
        return list(page["incidents"])
    return None


TEMPLATE_EVENT = {
    "headers": {
        "x-webhook-id": "<X-Webhook-Id header>",
        "x-pagerduty-signature": "v1=<signature>",
    },
    "body": {
        "event": {
            "id": "<event id>",
            "event_type": "incident.resolved",
            "resource_type": "incident",
            "occurred_at": "2026-03-01T12:40:00Z",
            "data": {
                "id": "<incident id>",
                "type": "incident",
                "number": 1,
                "status": "resolved",
                "created_at": "2026-03-01T12:00:00Z",
                "title": "<title>",
                "service": {"id": "<service id>", "summary": "<service name>"},
                "urgency": "high",
                "priority": None,
            },
        }
    },
}


@register
class PagerDutySource(EventFileSource):
    name = "pagerduty"
    summary = (
        "PagerDuty V3 webhook deliveries (JSON, JSON array or NDJSON) or REST exports of "
        'GET /incidents ({"incidents": [...]}): incidents by PagerDuty service'
    )
    parser = PagerDutyParser()

    template_event = TEMPLATE_EVENT

    def expand(self, input_file: InputFile) -> InputFile:
        """A REST list export as one delivery per item."""
        return expand_export(input_file)
