"""Jira issues to tickets and incidents (``leadline ingest jira FILE...``).

Two inputs, in the shapes Atlassian documents:

- Webhook deliveries ``{"timestamp", "webhookEvent": "jira:issue_created" |
  "jira:issue_updated", "issue": {"key", "fields": {...}}, "changelog": {"items": [...]}}``,
  bare or in a ``{"headers", "body"}`` envelope. Each is one observation of the issue,
  versioned by ``timestamp`` (ms). Jira sends no event-type header (the type is
  ``webhookEvent``); the delivery id is ``X-Atlassian-Webhook-Identifier``, which Jira repeats
  on retries. ``jira:issue_deleted``, comment, worklog, attachment and issue-link events carry
  nothing measured (ignored); other types are stored raw as unknown.
- REST search exports: ``GET /rest/api/3/search`` (``{"startAt", "maxResults", "total",
  "issues": [...]}``) and ``GET /rest/api/3/search/jql`` (``{"issues": [...],
  "nextPageToken"}``), one page or an array of pages, with ``expand=changelog`` for ticket
  starts. Each issue is one observation versioned by ``fields.updated``, delivery id
  ``api:issue:<key>@<updated>``: the same export again changes nothing.

Every issue is a ticket (``tickets``): created at ``fields.created``, started at the first
changelog entry into one of ``[delivery.jira] start_statuses`` (the webhook's ``timestamp`` or
the history's ``created``), else, when the issue sits in a status of the "In Progress"
category, at ``fields.statuscategorychangedate``; resolved at ``fields.resolutiondate`` (else
the status-category change, else the delivery) while its status category is Done. An issue
whose type is one of ``incident_types`` or that carries one of ``incident_labels`` is also an
incident, started at creation, resolved as above, its severity the priority name, and its
service named by ``service_field`` (components, labels, or a custom field id), through
``service_map`` or the catalog's service names; an incident naming no service is rejected.
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
from leadline.delivery.gitlab import extra_json, need, optional_time, utc_time
from leadline.delivery.tickets import (
    TrackerFacts,
    TrackerSource,
    as_list,
    checked,
    epoch_time,
    matches,
    names,
    service_subject,
)
from leadline.ingest.registry import InputFile, register

SOURCE = "jira"
SNAPSHOT = "api.issue"  # event type of a REST issue (not a Jira webhook event)
OBSERVED = frozenset({"jira:issue_created", "jira:issue_updated"})
IGNORED_PREFIXES = ("comment_", "worklog_", "attachment_", "issuelink_", "issue_property_")
IGNORED_EVENTS = frozenset({"jira:issue_deleted"})
DONE, IN_PROGRESS = "done", "indeterminate"  # Jira's status category keys


class JiraParser(EventParser):
    source = SOURCE
    event_header = ""  # Jira sends no event-type header; see event_type()
    delivery_header = "x-atlassian-webhook-identifier"

    def event_type(self, delivery: Delivery) -> str | None:
        return self.infer(delivery.payload)

    def delivery_id(self, delivery: Delivery) -> str:
        """The webhook identifier, else the REST issue's key and version, else a digest."""
        payload = delivery.payload if isinstance(delivery.payload, dict) else {}
        issue = payload.get("issue")
        rest = not delivery.headers.get(self.delivery_header) and "webhookEvent" not in payload
        if rest and isinstance(issue, dict) and issue.get("key"):
            updated = (issue.get("fields") or {}).get("updated")
            return f"api:issue:{issue['key']}@{updated}"
        return super().delivery_id(delivery)

    def infer(self, payload: Any) -> str | None:
        if not isinstance(payload, dict):
            return None
        if payload.get("webhookEvent"):
            return str(payload["webhookEvent"])
        if isinstance(payload.get("issue"), dict):
            return SNAPSHOT
        return None

    def normalise(self, event_type: str, payload: Any, ctx: ParseContext) -> TrackerFacts | None:
        settings = ctx.settings.jira
        if event_type == SNAPSHOT:
            issue = need(payload, "issue")
            updated = utc_time(need(payload, "issue.fields.updated"), "issue.fields.updated")
            return checked(issue_facts(issue, updated, _history_entries(issue), settings))
        if event_type in IGNORED_EVENTS or event_type.startswith(IGNORED_PREFIXES):
            return None
        if event_type not in OBSERVED:
            raise UnknownEvent(f"Jira event {event_type!r} is not one leadline reads")
        issue = need(payload, "issue")
        if payload.get("timestamp") is not None:
            moment = epoch_time(payload["timestamp"], "timestamp")
        else:
            moment = utc_time(need(payload, "issue.fields.updated"), "issue.fields.updated")
        changelog = payload.get("changelog")
        items = changelog.get("items") if isinstance(changelog, dict) else None
        entries = [(moment, item) for item in items or [] if isinstance(item, dict)]
        entries += _history_entries(issue)
        return checked(issue_facts(issue, moment, entries, settings))


def _history_entries(issue: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    """(time, item) of every changelog item of an issue fetched with ``expand=changelog``."""
    changelog = issue.get("changelog")
    histories = changelog.get("histories") if isinstance(changelog, dict) else None
    entries = []
    for number, history in enumerate(histories or [], start=1):
        if not isinstance(history, dict):
            continue
        when = utc_time(history.get("created"), f"issue.changelog.histories[{number}].created")
        entries += [(when, item) for item in history.get("items") or [] if isinstance(item, dict)]
    return entries


def issue_facts(
    issue: dict[str, Any],
    moment: Any,
    entries: list[tuple[Any, dict[str, Any]]],
    settings: TrackerSettings,
) -> TrackerFacts:
    """The ticket (and, for an incident, the incident) of one observation of an issue at
    ``moment``; ``entries`` are the changelog items known with their times."""
    key = str(need({"issue": issue}, "issue.key"))
    fields = need({"issue": issue}, "issue.fields")
    created = utc_time(fields.get("created"), "issue.fields.created")
    status = fields.get("status") if isinstance(fields.get("status"), dict) else {}
    category = str((status.get("statusCategory") or {}).get("key") or "").lower()
    starts = [
        when
        for when, item in entries
        if item.get("field") == "status"
        and matches([str(item.get("toString"))], settings.start_statuses)
    ]
    started = min(starts) if starts else None
    if started is None and category == IN_PROGRESS:
        changed = "issue.fields.statuscategorychangedate"
        started = optional_time(fields.get("statuscategorychangedate"), changed)
    resolved = None
    if category == DONE:
        resolved = (
            optional_time(fields.get("resolutiondate"), "issue.fields.resolutiondate")
            or optional_time(
                fields.get("statuscategorychangedate"), "issue.fields.statuscategorychangedate"
            )
            or moment
        )
    issue_type = str((fields.get("issuetype") or {}).get("name") or "") or None
    labels = names(as_list(fields.get("labels")))
    incident = matches([issue_type or ""], settings.incident_types) or matches(
        labels, settings.incident_labels
    )
    field_name = settings.service_field
    subject = service_subject(names(as_list(fields.get(field_name)), "name"), settings)
    title = fields.get("summary")
    extra = extra_json(project=(fields.get("project") or {}).get("key"), url=issue.get("self"))
    ticket = {
        "work_item_id": key,
        "source": SOURCE,
        "title": title,
        "issue_type": issue_type,
        "status": status.get("name"),
        "created_at": created,
        "started_at": started,
        "resolved_at": resolved,
        "incident": incident,
        "updated_at": moment,
        "extra": extra,
        SUBJECT: subject,
    }
    facts = TrackerFacts(tickets=[ticket])
    if not incident:
        return facts
    if subject is None:
        raise FieldMissing(
            f"issue.fields.{field_name}",
            "names no service: set [delivery.jira] service_field, service_prefix or "
            "service_map (docs/delivery.md, Issue trackers)",
        )
    priority = fields.get("priority")
    facts.incidents.append(
        {
            "incident_id": f"jira:{key}",
            "severity": priority.get("name") if isinstance(priority, dict) else None,
            "started_at": created,
            "resolved_at": resolved,
            "deployment_id": None,
            "title": title,
            "source": SOURCE,
            "updated_at": moment,
            "extra": extra,
            SUBJECT: subject,
        }
    )
    return facts


def expand_export(input_file: InputFile) -> InputFile:
    """A REST search export (one page ``{"issues": [...]}`` or an array of pages) as one
    ``{"issue": ...}`` delivery per issue; any other file as it is."""
    return expand_pages(input_file, _search_items, "issue")


def _search_items(page: Any) -> list[Any] | None:
    if (
        isinstance(page, dict)
        and isinstance(page.get("issues"), list)
        and "webhookEvent" not in page
    ):
        return list(page["issues"])
    return None


TEMPLATE_EVENT = {
    "headers": {"x-atlassian-webhook-identifier": "<webhook identifier>"},
    "body": {
        "timestamp": 1772445600000,
        "webhookEvent": "jira:issue_updated",
        "issue": {
            "key": "OPS-12",
            "fields": {
                "summary": "<title>",
                "issuetype": {"name": "Incident"},
                "status": {"name": "Done", "statusCategory": {"key": "done"}},
                "created": "2026-03-02T09:00:00.000+0000",
                "resolutiondate": "2026-03-02T10:00:00.000+0000",
                "components": [{"name": "<catalog service>"}],
                "labels": [],
                "priority": {"name": "High"},
            },
        },
        "changelog": {"items": [{"field": "status", "toString": "Done"}]},
    },
}


@register
class JiraSource(TrackerSource):
    name = "jira"
    summary = (
        "Jira webhook deliveries (jira:issue_created/updated) or REST search exports "
        '({"issues": [...]}): tickets, their starts, and incidents by type or label'
    )
    parser = JiraParser()

    template_event = TEMPLATE_EVENT

    def expand(self, input_file: InputFile) -> InputFile:
        return expand_export(input_file)
