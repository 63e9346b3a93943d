"""Connectors: pull from the tools teams use (GitHub, GitLab, PagerDuty, Opsgenie, Jira,
Prometheus, FOCUS drops), incrementally and on a schedule, landing every pull through the same
ingest sources as files and webhooks (docs/connectors.md)."""
