"""SLA and XLA attainment as people and spreadsheets read them: one
:class:`~leadline.present.Report` each, built from the ``leadline sla status`` and
``leadline xla status`` JSON documents, which the CLI prints as a table or CSV and the
Reliability page shows (its "Download CSV" is the same bytes)."""

from __future__ import annotations

from typing import Any

from leadline.present.model import Column, Report, humanise

ALL_PRIORITIES = "(all)"  # the priority of an agreement's totals row
XLA_KINDS = ("csat", "nps", "ces")


def _side(side: str) -> list[Column]:
    title = side.capitalize()
    return [
        Column(f"{side}_target_hours", f"{title} target", "hours", shown=False),
        Column(f"{side}_within_target", f"{title} within target", "ratio"),
        Column(f"{side}_breached", f"{title} breached", "count", shown=False),
        Column(f"{side}_pending", f"{title} pending", "count", shown=False),
        Column(f"{side}_p50_hours", f"{title} p50", "hours", shown=False),
        Column(f"{side}_p90_hours", f"{title} p90", "hours"),
        Column(f"{side}_status", f"{title} status", "label", shown=False),
    ]


def sla_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Per group and agreement a totals row (priority ``(all)``, with the agreement's status
    and availability), then one row per priority."""
    rows = []
    for group in document["groups"]:
        for priority in [None, *group["priorities"]]:
            item = priority or group["tickets"]
            row: dict[str, Any] = {
                "key": group["key"],
                "agreement": group["agreement"] or "",
                "priority": priority["priority"] if priority else ALL_PRIORITIES,
                "status": None if priority else group["status"],  # CSV: empty
                "tickets": item["tickets"],
                "open": item["open"],
                "cancelled": item["cancelled"],
            }
            for side in ("response", "resolution"):
                data = item[side]
                row.update(
                    {
                        f"{side}_target_hours": data.get("target_hours"),
                        f"{side}_within_target": data["within_target"],
                        f"{side}_breached": data["breached"],
                        f"{side}_pending": data["pending"],
                        f"{side}_p50_hours": data["p50_hours"],
                        f"{side}_p90_hours": data["p90_hours"],
                        f"{side}_status": data["status"],
                    }
                )
            availability = group["availability"] if priority is None else {}
            row.update(
                {
                    "availability": availability.get("availability"),
                    "availability_objective": availability.get("objective"),
                    "availability_status": availability.get("status"),
                }
            )
            rows.append(row)
    return rows


def _month(document: dict[str, Any]) -> str:
    if document["month_complete"]:
        return str(document["month"])
    return f"{document['month']} so far, as of {str(document['as_of'])[:16].replace('T', ' ')} UTC"


def sla_status_report(document: dict[str, Any]) -> Report:
    """``leadline sla status``. CSV columns: key, agreement, priority ((all) for the
    agreement's totals), status (met, breached, no_data, ...: totals rows only), tickets, open,
    cancelled, then for response and resolution: target_hours, within_target (a ratio),
    breached, pending, p50_hours, p90_hours, status; availability, availability_objective
    (ratios) and availability_status (totals rows only)."""
    by = str(document["by"])
    columns = [
        Column("key", humanise(by), "name"),
        Column("agreement", "Agreement", "name"),
        Column("priority", "Priority"),
        Column("status", "Status", "label"),
        Column("tickets", "Tickets", "count"),
        Column("open", "Open", "count"),
        Column("cancelled", "Cancelled", "count", shown=False),
        *_side("response"),
        *_side("resolution"),
        Column("availability", "Availability", "ratio", digits=3),
        Column("availability_objective", "Availability objective", "ratio", digits=3),
        Column("availability_status", "Availability status", "label", shown=False),
    ]
    return Report(
        "sla",
        f"SLA attainment by {humanise(by).lower()}, {document['month']}",
        columns,
        sla_rows(document),
        window=_month(document),
        notes=[
            "Within target: the share of tickets answered (response) or resolved (resolution) "
            "within the priority's target; the status is the worst of the agreement's "
            f"verdicts. Priority {ALL_PRIORITIES}: the agreement's totals."
        ],
    )


def xla_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per group and agreement, each score's fields flattened (``csat_mean``)."""
    rows = []
    for group in document["groups"]:
        row: dict[str, Any] = {
            "key": group["key"],
            "agreement": group["agreement"] or "",
            "status": group["status"],
        }
        for kind in XLA_KINDS:
            for name, value in group[kind].items():
                row[f"{kind}_{name}"] = value
        rows.append(row)
    return rows


def xla_status_report(document: dict[str, Any]) -> Report:
    """``leadline xla status``. CSV columns: key, agreement, status, csat_responses,
    csat_mean (1-5), csat_satisfied_share (a ratio), csat_target, csat_status,
    nps_responses, nps_promoters, nps_passives, nps_detractors, nps_score (-100 to 100),
    nps_target, nps_status, ces_responses, ces_mean (1-7, lower is easier), ces_target,
    ces_status."""
    by = str(document["by"])
    columns = [
        Column("key", humanise(by), "name"),
        Column("agreement", "Agreement", "name"),
        Column("status", "Status", "label"),
        Column("csat_responses", "CSAT answers", "count"),
        Column("csat_mean", "CSAT", "score", digits=2),
        Column("csat_satisfied_share", "Satisfied", "ratio", shown=False),
        Column("csat_target", "CSAT target", "score", digits=2),
        Column("csat_status", "CSAT status", "label", shown=False),
        Column("nps_responses", "NPS answers", "count"),
        Column("nps_promoters", "Promoters", "count", shown=False),
        Column("nps_passives", "Passives", "count", shown=False),
        Column("nps_detractors", "Detractors", "count", shown=False),
        Column("nps_score", "NPS", "score", digits=1),
        Column("nps_target", "NPS target", "score", digits=0),
        Column("nps_status", "NPS status", "label", shown=False),
        Column("ces_responses", "CES answers", "count"),
        Column("ces_mean", "CES", "score", digits=2),
        Column("ces_target", "CES target", "score", digits=2),
        Column("ces_status", "CES status", "label", shown=False),
    ]
    return Report(
        "xla",
        f"XLA attainment by {humanise(by).lower()}, {document['month']}",
        columns,
        xla_rows(document),
        window=_month(document),
        notes=[
            "CSAT: mean satisfaction (1-5, higher is better); NPS: promoters minus detractors "
            "in points (-100 to 100); CES: mean effort (lower is easier). The status is the "
            "worst of the three verdicts."
        ],
    )
