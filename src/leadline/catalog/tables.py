"""The catalog's lists as people and spreadsheets read them: each one
:class:`~leadline.present.Report`, built from the rows of ``leadline catalog teams|services|
interactions --format json``, which the CLI prints as a table or CSV and the Catalog page shows
(its "Download CSV" is the same bytes)."""

from __future__ import annotations

from typing import Any

from leadline.present.model import Column, Report


def teams_report(rows: list[dict[str, Any]]) -> Report:
    """CSV columns: name, title, type (Team Topologies), cognitive_load, business_unit,
    value_stream, services, people (counts)."""
    columns = [
        Column("name", "Team", "name"),
        Column("title", "Title"),
        Column("type", "Type", "label"),
        Column("cognitive_load", "Cognitive load", "number", digits=1),
        Column("business_unit", "Business unit", "name"),
        Column("value_stream", "Value stream", "name"),
        Column("services", "Services", "count"),
        Column("people", "People", "count"),
    ]
    return Report("teams", "Teams (Team Topologies types)", columns, rows)


def services_report(rows: list[dict[str, Any]]) -> Report:
    """CSV columns: name, title, owner_team, owner, value_stream, system, tier, lifecycle,
    type (the Backstage component type)."""
    columns = [
        Column("name", "Service", "name"),
        Column("title", "Title"),
        Column("owner_team", "Owner team", "name"),
        Column("owner", "Owner", "name"),
        Column("value_stream", "Value stream", "name"),
        Column("system", "System", "name"),
        Column("tier", "Tier"),
        Column("lifecycle", "Lifecycle", "label"),
        Column("type", "Type", "label"),
    ]
    return Report("services", "Services", columns, rows)


def interactions_report(rows: list[dict[str, Any]]) -> Report:
    """CSV columns: team, with, mode (collaboration, x-as-a-service, facilitating),
    started_on, ended_on, purpose."""
    columns = [
        Column("team", "Team", "name"),
        Column("with", "With", "name"),
        Column("mode", "Mode", "label"),
        Column("started_on", "Started", "date"),
        Column("ended_on", "Ended", "date"),
        Column("purpose", "Purpose"),
    ]
    return Report("interactions", "Team interactions", columns, rows)
