"""Opsgenie alerts and incidents to incidents (``leadline ingest opsgenie FILE...``).

Two inputs, in the shapes Atlassian documents for Opsgenie:

- Webhook-integration deliveries ``{"action": "Create" | "Close" | ..., "alert": {"alertId",
  "message", "tags", "createdAt" (ms), "updatedAt" (ns), ...}, "source", "integrationId"}``,
  bare or in a ``{"headers", "body"}`` envelope. ``Create`` observes an open alert, ``Close``
  resolves it at ``alert.updatedAt``; both are versioned by ``alert.updatedAt``. Other actions
  (Acknowledge, AddNote, AddTags, Escalate...) say nothing about whether the alert is open
  (ignored: one after the close must not reopen it). Opsgenie signs nothing and sends no
  delivery id, so a delivery's id is the alert id, action and ``updatedAt``.
- REST exports ``{"data": [...], "paging": {...}}`` (one page or an array of pages) of
  ``GET /v2/alerts`` and ``GET /v1/incidents``. An item with ``impactedServices`` is an
  incident: started at ``impactStartDate`` else ``createdAt``, resolved at ``impactEndDate``
  else, when its status is resolved or closed, ``updatedAt``. Any other item is an alert:
  resolved when closed, at ``createdAt`` plus ``report.closeTime`` (ms), else ``updatedAt``.
  Each item is one observation versioned by ``updatedAt``, delivery id
  ``api:<alert|incident>:<id>@<updatedAt>``.

An alert is an incident when ``[delivery.opsgenie] incident_labels`` is empty or one of its
tags is listed there; Opsgenie incidents always are. The service is the first of the
incident's ``impactedServices`` found in ``service_map``, else the first value of
``service_field`` (default ``tags``) carrying ``service_prefix`` (default ``service:``),
through ``service_map`` or the catalog's names; one naming no service is rejected. The
severity is the priority (``P1``...``P5``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from leadline.config import TrackerSettings
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
from leadline.delivery.gitlab import extra_json, optional_time, utc_time
from leadline.delivery.tickets import as_list, epoch_time, matches, names, service_subject
from leadline.ingest.registry import InputFile, register

SOURCE = "opsgenie"
ALERT, INCIDENT = "api.alert", "api.incident"  # event types of REST items
OBSERVED = frozenset({"Create", "Close"})
IGNORED_ACTIONS = frozenset(
    {
        "Acknowledge",
        "UnAcknowledge",
        "AddNote",
        "Delete",
        "AssignOwnership",
        "TakeOwnership",
        "AddRecipient",
        "AddTeam",
        "AddResponder",
        "Escalate",
        "EscalateNext",
        "AddTags",
        "RemoveTags",
        "AddDetails",
        "RemoveDetails",
        "UpdatePriority",
        "UpdateMessage",
        "UpdateDescription",
        "Snooze",
        "SnoozeEnded",
        "CustomAction",
    }
)
CLOSED = frozenset({"closed", "resolved"})


class OpsgenieParser(EventParser):
    source = SOURCE
    event_header = ""  # the action is in the body
    delivery_header = ""  # Opsgenie sends no delivery id

    def event_type(self, delivery: Delivery) -> str | None:
        return self.infer(delivery.payload)

    def delivery_id(self, delivery: Delivery) -> str:
        """Alert id, action and version of a webhook; kind, id and version of a REST item."""
        payload = delivery.payload if isinstance(delivery.payload, dict) else {}
        alert = payload.get("alert")
        if payload.get("action") and isinstance(alert, dict) and alert.get("alertId"):
            return f"{alert['alertId']}:{payload['action']}@{alert.get('updatedAt')}"
        item = payload.get("item")
        if isinstance(item, dict) and item.get("id"):
            kind = "incident" if "impactedServices" in item else "alert"
            return f"api:{kind}:{item['id']}@{item.get('updatedAt')}"
        return super().delivery_id(delivery)

    def infer(self, payload: Any) -> str | None:
        if not isinstance(payload, dict):
            return None
        if payload.get("action") and isinstance(payload.get("alert"), dict):
            return str(payload["action"])
        item = payload.get("item")
        if isinstance(item, dict):
            return INCIDENT if "impactedServices" in item else ALERT
        return None

    def normalise(self, event_type: str, payload: Any, ctx: ParseContext) -> Facts | None:
        settings = ctx.settings.opsgenie
        if event_type == INCIDENT:
            return _rest_incident(payload["item"], settings)
        if event_type == ALERT:
            return _rest_alert(payload["item"], settings)
        if event_type in IGNORED_ACTIONS:
            return None
        if event_type not in OBSERVED:
            raise UnknownEvent(f"Opsgenie action {event_type!r} is not one leadline reads")
        alert = payload["alert"]
        if not alert.get("alertId"):
            raise FieldMissing("alert.alertId")
        if not _is_incident(alert, settings):
            return None
        updated = epoch_time(alert.get("updatedAt"), "alert.updatedAt")
        created = epoch_time(alert.get("createdAt"), "alert.createdAt")
        resolved = updated if event_type == "Close" else None
        times = (created, resolved, updated)
        return _incident(f"alert:{alert['alertId']}", alert, "alert", times, settings)


def _is_incident(alert: dict[str, Any], settings: TrackerSettings) -> bool:
    wanted = settings.incident_labels
    return not wanted or matches(names(as_list(alert.get("tags"))), wanted)


def _rest_alert(alert: dict[str, Any], settings: TrackerSettings) -> Facts | None:
    if not _is_incident(alert, settings):
        return None
    created = utc_time(alert.get("createdAt"), "item.createdAt")
    updated = utc_time(alert.get("updatedAt"), "item.updatedAt")
    resolved = None
    if str(alert.get("status") or "").lower() in CLOSED:
        report = alert.get("report")
        close_ms = report.get("closeTime") if isinstance(report, dict) else None
        if isinstance(close_ms, int | float) and not isinstance(close_ms, bool) and close_ms >= 0:
            resolved = created + dt.timedelta(milliseconds=close_ms)
        else:
            resolved = updated
    times = (created, resolved, updated)
    return _incident(f"alert:{alert.get('id')}", alert, "item", times, settings)


def _rest_incident(incident: dict[str, Any], settings: TrackerSettings) -> Facts:
    started = optional_time(incident.get("impactStartDate"), "item.impactStartDate")
    started = started or utc_time(incident.get("createdAt"), "item.createdAt")
    updated = utc_time(incident.get("updatedAt"), "item.updatedAt")
    resolved = optional_time(incident.get("impactEndDate"), "item.impactEndDate")
    if str(incident.get("status") or "").lower() not in CLOSED:
        resolved = None
    elif resolved is None:
        resolved = updated
    key = f"incident:{incident.get('id')}"
    return _incident(key, incident, "item", (started, resolved, updated), settings)


def _incident(
    key: str,
    item: dict[str, Any],
    path: str,
    times: tuple[dt.datetime, dt.datetime | None, dt.datetime],
    settings: TrackerSettings,
) -> Facts:
    """The incident row of an alert or incident; ``times`` are (started, resolved, updated)."""
    started, resolved, updated = times
    if key.endswith(":None"):
        raise FieldMissing(f"{path}.id")
    mapped = [s for s in names(as_list(item.get("impactedServices"))) if s in settings.service_map]
    field = settings.service_field
    subject = service_subject(mapped, settings) if mapped else None
    subject = subject or service_subject(names(as_list(item.get(field))), settings)
    if subject is None:
        raise FieldMissing(
            f"{path}.{field}",
            "names no service: set [delivery.opsgenie] service_field, service_prefix or "
            "service_map (docs/delivery.md, Issue trackers)",
        )
    row = {
        "incident_id": f"opsgenie:{key}",
        "severity": str(item["priority"]) if item.get("priority") else None,
        "started_at": started,
        "resolved_at": resolved,
        "deployment_id": None,
        "title": item.get("message"),
        "source": SOURCE,
        "updated_at": updated,
        "extra": extra_json(tiny_id=item.get("tinyId"), alias=item.get("alias")),
        SUBJECT: subject,
    }
    return Facts(incidents=[row])


def expand_export(input_file: InputFile) -> InputFile:
    """A REST list export (``{"data": [...], "paging"}`` or an array of such pages) as one
    ``{"item": ...}`` delivery per alert or incident; any other file as it is."""
    return expand_pages(input_file, _list_items, "item")


def _list_items(page: Any) -> list[Any] | None:
    if isinstance(page, dict) and isinstance(page.get("data"), list) and "action" not in page:
        return list(page["data"])
    return None


TEMPLATE_EVENT = {
    "action": "Close",
    "alert": {
        "alertId": "<alert id>",
        "message": "<message>",
        "tags": ["service:<catalog service>"],
        "tinyId": "1",
        "priority": "P1",
        "createdAt": 1772442000000,
        "updatedAt": 1772445600000000000,
    },
    "source": {"name": "web", "type": "API"},
    "integrationName": "leadline",
}


@register
class OpsgenieSource(EventFileSource):
    name = "opsgenie"
    summary = (
        "Opsgenie webhook-integration deliveries (Create/Close) or REST exports of alerts and "
        'incidents ({"data": [...], "paging"}): incidents by tagged or mapped service'
    )
    parser = OpsgenieParser()

    template_event = TEMPLATE_EVENT

    def expand(self, input_file: InputFile) -> InputFile:
        """A REST list export as one delivery per item."""
        return expand_export(input_file)
