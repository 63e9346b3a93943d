"""Linear issues to tickets and incidents (``leadline ingest linear FILE...``).

Two inputs, in the shapes Linear documents:

- Webhook deliveries ``{"action": "create" | "update" | "remove", "type": "Issue", "data":
  {...}, "updatedFrom": {...}, "url", "createdAt", "webhookTimestamp"}``, bare or in a
  ``{"headers", "body"}`` envelope; the delivery id is the ``Linear-Delivery`` header. An
  ``Issue`` create or update is one observation of the issue, versioned by ``data.updatedAt``;
  ``remove`` and other types (``Comment``, ``IssueLabel``, ``Project``, ``Cycle``...) carry
  nothing measured (ignored).
- GraphQL exports of ``issues`` (``{"data": {"issues": {"nodes": [...], "pageInfo"}}}``, one
  page or an array of pages), labels as ``labels.nodes``; each node is one observation,
  delivery id ``api:issue:<id>@<updatedAt>``.

Every issue is a ticket: its key is ``data.identifier`` (``ENG-123``; else the team key and
the number), created at ``createdAt``, started at ``startedAt`` (set by Linear when the issue
enters a "started" state), resolved at ``completedAt`` or ``canceledAt`` (both cleared by
Linear on reopen). An issue carrying one of ``[delivery.linear] incident_labels`` or in one of
``incident_teams`` is also an incident; its service is named by ``service_field`` (``team``:
the team key, ``labels``, ``project``: the project name) through ``service_map`` or the
catalog's names; its severity is the priority label.
"""

from __future__ import annotations

from typing import Any

from leadline.config import TrackerSettings
from leadline.delivery.events import (
    SUBJECT,
    Delivery,
    EventParser,
    FieldMissing,
    ParseContext,
    UnknownEvent,
    expand_pages,
)
from leadline.delivery.gitlab import extra_json, optional_time, utc_time
from leadline.delivery.tickets import (
    TrackerFacts,
    TrackerSource,
    as_list,
    checked,
    matches,
    names,
    service_subject,
)
from leadline.ingest.registry import InputFile, register

SOURCE = "linear"
SNAPSHOT = "api.issue"  # event type of a GraphQL issue node (not a Linear webhook)
OBSERVED = frozenset({"Issue.create", "Issue.update"})
IGNORED_TYPES = frozenset(
    {
        "Comment",
        "Reaction",
        "IssueLabel",
        "IssueAttachment",
        "Attachment",
        "Project",
        "ProjectUpdate",
        "Cycle",
        "Document",
        "Initiative",
        "InitiativeUpdate",
        "Customer",
        "CustomerNeed",
        "User",
        "IssueSLA",
    }
)
PRIORITY_LABELS = {0: "No priority", 1: "Urgent", 2: "High", 3: "Medium", 4: "Low"}


class LinearParser(EventParser):
    source = SOURCE
    event_header = "linear-event"
    delivery_header = "linear-delivery"

    def event_type(self, delivery: Delivery) -> str | None:
        """``<type>.<action>`` (``Issue.update``): the header names only the type."""
        payload = delivery.payload if isinstance(delivery.payload, dict) else {}
        kind = payload.get("type") or delivery.headers.get(self.event_header)
        if kind and payload.get("action"):
            return f"{kind}.{payload['action']}"
        return self.infer(payload)

    def delivery_id(self, delivery: Delivery) -> str:
        payload = delivery.payload if isinstance(delivery.payload, dict) else {}
        issue = payload.get("issue")
        rest = not delivery.headers.get(self.delivery_header) and "action" not in payload
        if rest and isinstance(issue, dict) and issue.get("id"):
            return f"api:issue:{issue['id']}@{issue.get('updatedAt')}"
        return super().delivery_id(delivery)

    def infer(self, payload: Any) -> str | None:
        if not isinstance(payload, dict):
            return None
        if payload.get("type") and payload.get("action"):
            return f"{payload['type']}.{payload['action']}"
        if isinstance(payload.get("issue"), dict):
            return SNAPSHOT
        return None

    def normalise(self, event_type: str, payload: Any, ctx: ParseContext) -> TrackerFacts | None:
        settings = ctx.settings.linear
        if event_type == SNAPSHOT:
            return checked(issue_facts(payload["issue"], "issue", settings))
        kind, _, action = event_type.partition(".")
        if kind in IGNORED_TYPES or (kind == "Issue" and action == "remove"):
            return None
        if event_type not in OBSERVED:
            raise UnknownEvent(f"Linear event {event_type!r} is not one leadline reads")
        data = payload.get("data")
        if not isinstance(data, dict):
            raise FieldMissing("data")
        return checked(issue_facts(data, "data", settings))


def issue_key(issue: dict[str, Any], path: str) -> str:
    """``ENG-123``: the identifier, else the team key and the issue number."""
    if issue.get("identifier"):
        return str(issue["identifier"])
    team = _object(issue.get("team"))
    if team.get("key") and issue.get("number") is not None:
        return f"{team['key']}-{issue['number']}"
    raise FieldMissing(f"{path}.identifier")


def issue_facts(issue: dict[str, Any], path: str, settings: TrackerSettings) -> TrackerFacts:
    """The ticket (and, for an incident, the incident) of one observation of an issue."""
    key = issue_key(issue, path)
    created = utc_time(issue.get("createdAt"), f"{path}.createdAt")
    updated = utc_time(issue.get("updatedAt"), f"{path}.updatedAt")
    started = optional_time(issue.get("startedAt"), f"{path}.startedAt")
    resolved = optional_time(issue.get("completedAt"), f"{path}.completedAt") or optional_time(
        issue.get("canceledAt"), f"{path}.canceledAt"
    )
    team: dict[str, Any] = _object(issue.get("team"))
    labels = issue.get("labels")
    if isinstance(labels, dict):  # a GraphQL connection
        labels = labels.get("nodes")
    label_names = names(as_list(labels))
    incident = matches(label_names, settings.incident_labels) or matches(
        [str(team.get("key") or "")], settings.incident_teams
    )
    subject = service_subject(_service_values(issue, team, label_names, settings), settings)
    state = _object(issue.get("state"))
    extra = extra_json(team=team.get("key"), url=issue.get("url"))
    ticket = {
        "work_item_id": key,
        "source": SOURCE,
        "title": issue.get("title"),
        "issue_type": None,
        "status": state.get("name"),
        "created_at": created,
        "started_at": started,
        "resolved_at": resolved,
        "incident": incident,
        "updated_at": updated,
        "extra": extra,
        SUBJECT: subject,
    }
    facts = TrackerFacts(tickets=[ticket])
    if not incident:
        return facts
    if subject is None:
        raise FieldMissing(
            f"{path}.{settings.service_field}",
            "names no service: set [delivery.linear] service_field, service_prefix or "
            "service_map (docs/delivery.md, Issue trackers)",
        )
    facts.incidents.append(
        {
            "incident_id": f"linear:{key}",
            "severity": _severity(issue),
            "started_at": created,
            "resolved_at": resolved,
            "deployment_id": None,
            "title": issue.get("title"),
            "source": SOURCE,
            "updated_at": updated,
            "extra": extra,
            SUBJECT: subject,
        }
    )
    return facts


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _service_values(
    issue: dict[str, Any], team: dict[str, Any], labels: list[str], settings: TrackerSettings
) -> list[str]:
    field = settings.service_field
    if field == "team":
        return [str(team["key"])] if team.get("key") else []
    if field == "labels":
        return labels
    if field == "project":
        project = issue.get("project")
        return names([project]) if isinstance(project, dict) else []
    return names(as_list(issue.get(field)))


def _severity(issue: dict[str, Any]) -> str | None:
    if issue.get("priorityLabel"):
        return str(issue["priorityLabel"])
    priority = issue.get("priority")
    return PRIORITY_LABELS.get(priority) if isinstance(priority, int) else None


def expand_export(input_file: InputFile) -> InputFile:
    """A GraphQL ``issues`` export (one page or an array of pages) as one ``{"issue": ...}``
    delivery per node; any other file as it is."""
    return expand_pages(input_file, _nodes, "issue")


def _nodes(page: Any) -> list[Any] | None:
    if not isinstance(page, dict) or not isinstance(page.get("data"), dict):
        return None
    issues = page["data"].get("issues")
    if not isinstance(issues, dict) or not isinstance(issues.get("nodes"), list):
        return None
    return list(issues["nodes"])


TEMPLATE_EVENT = {
    "headers": {"linear-delivery": "<delivery id>", "linear-event": "Issue"},
    "body": {
        "action": "update",
        "type": "Issue",
        "data": {
            "id": "<issue id>",
            "identifier": "ENG-42",
            "title": "<title>",
            "createdAt": "2026-03-02T09:00:00.000Z",
            "updatedAt": "2026-03-02T10:00:00.000Z",
            "startedAt": "2026-03-02T09:05:00.000Z",
            "completedAt": "2026-03-02T10:00:00.000Z",
            "team": {"key": "ENG"},
            "labels": [{"name": "incident"}],
        },
        "updatedFrom": {"completedAt": None},
    },
}


@register
class LinearSource(TrackerSource):
    name = "linear"
    summary = (
        "Linear webhook deliveries (Issue create/update) or GraphQL exports of issues "
        '({"data": {"issues": {"nodes": [...]}}}): tickets and incidents by label or team'
    )
    parser = LinearParser()

    template_event = TEMPLATE_EVENT

    def expand(self, input_file: InputFile) -> InputFile:
        return expand_export(input_file)
