"""The demo's service-level agreements (SLAs) and experience-level agreements (XLAs), with the
support tickets and survey answers they are judged on, so the Reliability page's SLA and XLA
tables and the scorecard's "SLAs met" and "XLAs met" KPIs have figures.

Four SLAs (``leadline ingest service-levels``): a gold SLA on each of the first two tier-1
production services (availability from their OpenSLO SLO at 99.9 % and 99.95 %, P1-P3 ticket
targets at 95 % attainment), a support SLA of the first stream-aligned team (P1-P4 at 90 %) and
a standard SLA of that team's business unit (availability of each service's own SLO at 99.5 %,
P1-P4 at 90 %); the most specific one applies to a service. Two XLAs: one on a customer-facing
web service (CSAT, NPS, CES) and one on the first tier-1 service's value stream.

Tickets and answers cover the six complete months before the as-of month and the as-of month up
to the demo's as-of instant. Most service-months meet their targets; a fixed pattern does not
(``_good``: about one service-month in sixteen for tickets, a quarter of each priority's tickets
past target; one in seven for surveys, answers with a lower CSAT and NPS and a higher effort);
on the small demo the month before the as-of month has one of each, so the tables show met
and breached agreements side by side. Answer scores are drawn from exact proportions, so a
month's CSAT, NPS and CES are known in advance (good month: CSAT 4.25, NPS 33.3, CES 2.5; poor
month: CSAT 3.75, NPS 0, CES 3.5).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from pathlib import Path
from typing import Any

from leadline.demo.generator import OrganisationBuilder
from leadline.demo.reliability import as_of_instant
from leadline.ingest.files import dump_yaml
from leadline.periods import Period
from leadline.reliability.durations import seconds

MONTHS = 6  # complete months before the as-of month
GOLD = {"P1": ("15m", "4h"), "P2": ("1h", "1d"), "P3": ("4h", "5d")}
STANDARD = {"P1": ("30m", "8h"), "P2": ("2h", "2d"), "P3": ("8h", "5d"), "P4": ("1d", "10d")}
TICKETS_PER_MONTH = {"P1": 1, "P2": 3, "P3": 5, "P4": 8}
ANSWERS = 24  # per service, month and kind (the XLAs ask for at least 20)
# Scores of a month's answers, by kind and whether the month goes well.
SCORES: dict[str, dict[bool, list[int]]] = {
    "csat": {
        True: [5] * 11 + [4] * 9 + [3] * 3 + [2],  # mean 102 / 24 = 4.25
        False: [5] * 6 + [4] * 9 + [3] * 6 + [2] * 3,  # mean 90 / 24 = 3.75
    },
    "nps": {  # 9-10 promoters, 7-8 passives, 0-6 detractors
        True: [10] * 6 + [9] * 6 + [8] * 4 + [7] * 4 + [6] * 2 + [4] * 2,  # 100 * 8 / 24
        False: [10] * 4 + [9] * 4 + [8] * 4 + [7] * 4 + [6] * 4 + [3] * 4,  # 0
    },
    "ces": {
        True: [1] * 4 + [2] * 8 + [3] * 8 + [4] * 4,  # mean 60 / 24 = 2.5
        False: [2] * 4 + [3] * 8 + [4] * 8 + [5] * 4,  # mean 84 / 24 = 3.5
    },
}
TICKET_COLUMNS = ["ticket_id", "service", "priority", "opened_at", "first_response_at"]
TICKET_COLUMNS += ["resolved_at", "status"]
ANSWER_COLUMNS = ["response_id", "service", "responded_at", "kind", "score"]


def _title(name: str) -> str:
    """``checkout-store`` -> ``Checkout store``: a name as people read it."""
    return name.replace("-", " ").capitalize()


def _sla(name: str, title: str, scope: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "leadline.io/v1",
        "kind": "ServiceLevelAgreement",
        "metadata": {"name": name, "title": title},
        "spec": {**scope, **spec},
    }


def _tickets(priorities: dict[str, tuple[str, str]], attainment: str) -> dict[str, Any]:
    return {
        "attainment": attainment,
        "priorities": {
            p: {"respond_within": r, "resolve_within": s} for p, (r, s) in priorities.items()
        },
    }


def agreements(org: OrganisationBuilder) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The agreement documents, and which agreement's ticket targets each covered service
    answers to (its most specific SLA)."""
    production = sorted(s for s, i in org.services.items() if i["lifecycle"] == "production")
    tier1 = [s for s in production if org.services[s]["tier"] == "1"] or production
    gold = tier1[:2]
    team = next(t for t in org.teams if t.type == "stream-aligned")
    docs: list[dict[str, Any]] = []
    for service, objective in zip(gold, ("99.9%", "99.95%"), strict=False):
        docs.append(
            _sla(
                f"{service}-gold",
                f"{_title(service)} gold support",
                {"service": service},
                {
                    "availability": {"slo": f"{service}-availability", "objective": objective},
                    "tickets": _tickets(GOLD, "95%"),
                },
            )
        )
    docs.append(
        _sla(
            f"{team.name}-support",
            f"{team.title} support",
            {"team": team.name},
            {"tickets": _tickets(STANDARD, "90%")},
        )
    )
    docs.append(
        _sla(
            f"{team.business_unit}-standard",
            f"{_title(team.business_unit)} standard service",
            {"business_unit": team.business_unit},
            {
                "availability": {"slo": "{service}-availability", "objective": "99.5%"},
                "tickets": _tickets(STANDARD, "90%"),
            },
        )
    )
    covered: dict[str, str] = {}
    for service in production:
        info = org.services[service]
        unit = next((t.business_unit for t in org.teams if t.name == info["team"]), None)
        if service in gold:
            covered[service] = "gold"
        elif info["team"] == team.name or unit == team.business_unit:
            covered[service] = "standard"
    websites = [s for s in production if org.services[s]["type"] == "website"] or production
    site = websites[0]
    stream = org.services[gold[0]]["value_stream"] or org.streams[0][0]
    docs.append(
        {
            "apiVersion": "leadline.io/v1",
            "kind": "ExperienceLevelAgreement",
            "metadata": {"name": f"{site}-experience", "title": f"{_title(site)} experience"},
            "spec": {"service": site, "min_responses": 20, "csat": 4.2, "nps": 30, "ces": 3},
        }
    )
    docs.append(
        {
            "apiVersion": "leadline.io/v1",
            "kind": "ExperienceLevelAgreement",
            "metadata": {"name": f"{stream}-experience", "title": f"{_title(stream)} experience"},
            "spec": {"value_stream": stream, "min_responses": 20, "csat": 4.0, "nps": 20},
        }
    )
    return docs, covered


def surveyed(org: OrganisationBuilder, docs: list[dict[str, Any]]) -> list[str]:
    """The services people are asked about: the XLA's web service and up to two production
    services of the XLA'd value stream."""
    xlas = [d["spec"] for d in docs if d["kind"] == "ExperienceLevelAgreement"]
    site = next(spec["service"] for spec in xlas if "service" in spec)
    stream = next(spec["value_stream"] for spec in xlas if "value_stream" in spec)
    members = sorted(
        s
        for s, i in org.services.items()
        if i["value_stream"] == stream and i["lifecycle"] == "production" and s != site
    )
    return [site, *members[:2]]


def _months(end: dt.datetime) -> list[Period]:
    current = Period.of("month", end)
    out = [current]
    for _ in range(MONTHS):
        out.insert(0, out[0].previous())
    return out


def _good(month: int, service: int, cycle: int, bad: int) -> bool:
    """Whether a service's month goes well: a fixed pattern, one month in ``cycle`` not."""
    return (3 * month + service) % cycle != bad


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def ticket_rows(
    org: OrganisationBuilder, covered: dict[str, str], end: dt.datetime, seed: int
) -> list[dict[str, str]]:
    rng = random.Random(f"tickets-{seed}")
    rows: list[dict[str, str]] = []
    for s_index, service in enumerate(sorted(covered)):
        targets = GOLD if covered[service] == "gold" else STANDARD
        for m_index, month in enumerate(_months(end)):
            stop = min(month.end, end)
            if stop <= month.start:
                continue
            good = _good(m_index, s_index, 16, 5)
            for priority, (respond, resolve) in targets.items():
                count = TICKETS_PER_MONTH[priority]
                late = 0 if good else max(1, math.ceil(count / 4))
                for i in range(count):
                    opened = month.start + (stop - month.start) * rng.random()
                    opened = opened.replace(microsecond=0)
                    inside = i >= late
                    low, high = (0.1, 0.9) if inside else (1.2, 3.0)
                    answer = dt.timedelta(seconds=seconds(respond) * rng.uniform(low, high))
                    low, high = (0.2, 0.9) if inside else (1.1, 2.0)
                    fixed = dt.timedelta(seconds=seconds(resolve) * rng.uniform(low, high))
                    fixed = max(fixed, answer + dt.timedelta(minutes=1))
                    row = {
                        "ticket_id": "",
                        "service": service,
                        "priority": priority,
                        "opened_at": _iso(opened),
                        "first_response_at": _iso(opened + answer)
                        if opened + answer <= end
                        else "",
                        "resolved_at": "",
                        "status": "in_progress",
                    }
                    if opened + fixed <= end:
                        row["resolved_at"] = _iso(opened + fixed)
                        old = end - (opened + fixed) > dt.timedelta(days=5)
                        row["status"] = "closed" if old else "resolved"
                    rows.append(row)
    rows.sort(key=lambda r: (r["opened_at"], r["service"], r["priority"]))
    for number, row in enumerate(rows, start=1):
        row["ticket_id"] = f"INC{number:07d}"
    return rows


def answer_rows(services: list[str], end: dt.datetime, seed: int) -> list[dict[str, str]]:
    rng = random.Random(f"answers-{seed}")
    rows: list[dict[str, str]] = []
    for s_index, service in enumerate(services):
        for m_index, month in enumerate(_months(end)):
            stop = min(month.end, end)
            if stop <= month.start:
                continue
            good = _good(m_index, s_index, 7, 2)
            for kind, scores in SCORES.items():
                for i, score in enumerate(rng.sample(scores[good], len(scores[good]))):
                    given = month.start + (stop - month.start) * rng.random()
                    rows.append(
                        {
                            "response_id": f"x-{service}-{month.label}-{kind}-{i + 1}",
                            "service": service,
                            "responded_at": _iso(given),
                            "kind": kind,
                            "score": str(score),
                        }
                    )
    return rows


def _write(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_service_levels(
    org: OrganisationBuilder, root: Path, seed: int, until: dt.datetime | None = None
) -> list[tuple[str, list[Path]]]:
    """Write the agreements, tickets and survey answers up to ``until`` (default: the demo's
    as-of instant); return (source, files) in ingest order."""
    root.mkdir(parents=True, exist_ok=True)
    end = (until or as_of_instant(org.as_of)).astimezone(dt.UTC).replace(tzinfo=None)
    docs, covered = agreements(org)
    specs = root / "service-levels.yaml"
    specs.write_text(dump_yaml(docs), encoding="utf-8")
    tickets, answers = root / "tickets.csv", root / "experience.csv"
    _write(tickets, TICKET_COLUMNS, ticket_rows(org, covered, end, seed))
    _write(answers, ANSWER_COLUMNS, answer_rows(surveyed(org, docs), end, seed))
    return [("service-levels", [specs]), ("tickets-csv", [tickets]), ("experience-csv", [answers])]
