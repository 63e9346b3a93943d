"""A year of delivery history for the demo organisation, as the files teams really have.

Each service gets a team-level delivery profile (elite to low, DORA-style) and lives on GitHub,
GitLab or a CSV export; its deployments, commits, merged pull requests (GitHub: opened,
reviewed, merged) and incidents are written as GitHub and GitLab webhook deliveries, PagerDuty
v3 webhooks and generic CSV files, one file per month and vendor. Deterministic for a seed and
an as-of date.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leadline.demo.generator import OrganisationBuilder
from leadline.demo.payloads import (
    github_deployment,
    github_pull_request,
    github_push,
    gitlab_deployment,
    gitlab_push,
    iso,
    pagerduty_event,
    sha,
)

# Per profile: deployments per week, median lead hours, failure chance, median restore hours.
PROFILES: dict[str, tuple[float, float, float, float]] = {
    "elite": (10.0, 6.0, 0.04, 0.7),
    "high": (3.0, 60.0, 0.09, 6.0),
    "medium": (0.8, 300.0, 0.14, 40.0),
    "low": (0.2, 1100.0, 0.30, 200.0),
}
PROFILE_WEIGHTS = {"elite": 2, "high": 4, "medium": 3, "low": 1}
VENDOR_WEIGHTS = {
    "small": {"github": 6, "gitlab": 2, "csv": 2},
    "large": {"github": 1, "gitlab": 1, "csv": 18},
}


@dataclass
class Outputs:
    """Deliveries (as the JSON lines of their files: far smaller than the dicts) and rows by
    vendor and month, written at the end."""

    github: dict[str, list[str]] = field(default_factory=dict)
    gitlab: dict[str, list[str]] = field(default_factory=dict)
    pagerduty: dict[str, list[str]] = field(default_factory=dict)
    deployments: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    # (service, started, resolved or None) of every incident, for the SLI samples.
    incidents: list[tuple[str, dt.datetime, dt.datetime | None]] = field(default_factory=list)

    def add(self, vendor: str, at: dt.datetime, delivery: dict[str, Any]) -> None:
        line = json.dumps(delivery, sort_keys=True) + "\n"
        getattr(self, vendor).setdefault(at.strftime("%Y-%m"), []).append(line)


def service_vendors(org: OrganisationBuilder, size: str) -> dict[str, str]:
    """Which system each service's delivery data comes from (stable for a seed)."""
    rng = random.Random(f"vendors-{size}")
    weights = VENDOR_WEIGHTS[size]
    return {
        name: rng.choices(list(weights), list(weights.values()))[0] for name in sorted(org.services)
    }


class DeliveryHistory:
    def __init__(self, org: OrganisationBuilder, seed: int, size: str) -> None:
        self.org = org
        self.rng = random.Random(f"delivery-{seed}")
        self.vendors = service_vendors(org, size)
        self.end = dt.datetime.combine(org.as_of, dt.time(), tzinfo=dt.UTC)
        self.start = self.end - dt.timedelta(days=365)
        teams = {t.name: t for t in org.teams}
        self.unit = {s: teams[i["team"]].business_unit for s, i in org.services.items()}
        profiles = list(PROFILE_WEIGHTS)
        self.profile = {
            t.name: self.rng.choices(profiles, list(PROFILE_WEIGHTS.values()))[0] for t in org.teams
        }
        self.out = Outputs()
        self._ids = 0
        self._pulls: dict[str, int] = {}  # pull request numbers per repository

    def build(self) -> Outputs:
        for service in sorted(self.org.services):
            if self.org.services[service]["lifecycle"] == "production":
                self._service(service)
        self._open_incident()
        return self.out

    def _open_incident(self) -> None:
        """An outage of the first tier-1 service, triggered two hours before the as-of day
        and still open: its SLOs burn fast at the demo's as-of instant, so the short-window
        (1 h / 5 min) burn-rate alert fires (``demo/reliability.py``)."""
        tier1 = sorted(
            s
            for s, i in self.org.services.items()
            if i["lifecycle"] == "production" and i["tier"] == "1"
        )
        if tier1:
            started = self.end - dt.timedelta(hours=2)
            self._pagerduty(tier1[0], started, None)
            self.out.incidents.append((tier1[0], started, None))

    def _next_id(self) -> int:
        self._ids += 1
        return 100_000 + self._ids

    def _service(self, service: str) -> None:
        team = self.org.services[service]["team"]
        per_week, lead, failure, restore = PROFILES[self.profile[team]]
        moment = self.start + dt.timedelta(hours=self.rng.uniform(0, 48))
        previous_sha: str | None = None
        while True:
            moment += dt.timedelta(days=self.rng.expovariate(per_week / 7))
            if moment >= self.end:
                return
            previous_sha = self._release(
                service,
                moment,
                lead=lead,
                failure=failure,
                restore=restore,
                previous_sha=previous_sha,
            )

    def _release(
        self,
        service: str,
        deployed: dt.datetime,
        *,
        lead: float,
        failure: float,
        restore: float,
        previous_sha: str | None,
    ) -> str:
        """Commits, a (possibly failed and retried) deployment and perhaps an incident."""
        commits = []
        for index in range(self.rng.randint(1, 4)):
            hours = min(self.rng.lognormvariate(0, 0.8) * lead, 24 * 120)
            at = deployed - dt.timedelta(hours=hours + 0.2 + index * 0.1)
            commits.append((sha(service, deployed, index), at))
        head = commits[0][0]
        self._changes(service, commits, deployed)
        if self.rng.random() < 0.05:  # a failed attempt, retried
            self._deployment(service, head, deployed - dt.timedelta(minutes=40), "failure")
        self._deployment(service, head, deployed, "success")
        if self.rng.random() < failure:
            self._incident(service, deployed, restore, head, previous_sha)
        return head

    def _incident(
        self,
        service: str,
        deployed: dt.datetime,
        restore: float,
        bad_sha: str,
        previous_sha: str | None,
    ) -> None:
        started = deployed + dt.timedelta(hours=self.rng.uniform(0.2, 8))
        hours = self.rng.lognormvariate(0, 0.9) * restore
        resolved = started + dt.timedelta(hours=hours)
        self._pagerduty(service, started, resolved if resolved < self.end else None)
        self.out.incidents.append((service, started, resolved if resolved < self.end else None))
        if resolved >= self.end:
            return
        fix_at = resolved + dt.timedelta(minutes=self.rng.uniform(5, 90))
        if fix_at >= self.end:
            return
        if previous_sha and self.rng.random() < 0.3:
            self._deployment(service, previous_sha, fix_at, "success", kind="rollback")
        else:
            fix = sha(service, "hotfix", fix_at)
            self._changes(service, [(fix, fix_at - dt.timedelta(minutes=30))], fix_at)
            self._deployment(service, fix, fix_at, "success", kind="hotfix")

    # --- writers per vendor ---------------------------------------------------------------

    def _changes(
        self, service: str, commits: list[tuple[str, dt.datetime]], deployed: dt.datetime
    ) -> None:
        vendor = self.vendors[service]
        pushed = max(at for _, at in commits) + dt.timedelta(minutes=5)
        if vendor == "csv":
            for commit, at in commits:
                self.out.changes.append(
                    {
                        "change_id": commit,
                        "service": service,
                        "commit_sha": commit,
                        "committed_at": iso(at),
                        "merged_at": iso(pushed),
                        "deployment_id": "",
                    }
                )
            return
        if vendor == "github":
            self.out.add("github", pushed, github_push(service, commits, pushed))
            self._pull_request(service, commits, pushed)
        else:
            self.out.add(
                "gitlab", pushed, gitlab_push(self.unit[service], service, commits, pushed)
            )
        del deployed

    def _pull_request(
        self, service: str, commits: list[tuple[str, dt.datetime]], merged: dt.datetime
    ) -> None:
        """The pull request that merged ``commits`` (its merge commit is the earliest one, whose
        change holds the first commit time): opened after that commit, mostly reviewed by
        someone other than its author, merged at the push. Its own random stream leaves the
        rest of the history as the seed always gave it."""
        merge_sha, first = min(commits, key=lambda item: item[1])
        rng = random.Random(f"pull-{service}-{merge_sha}")
        opened = first + (merged - first) * rng.uniform(0.05, 0.4)
        reviewed = opened + (merged - opened) * rng.uniform(0.1, 0.6)
        self._pulls[service] = self._pulls.get(service, 0) + 1
        lines = int(rng.lognormvariate(4.5, 1.0))
        size = (lines * 3 // 4, lines - lines * 3 // 4, max(1, lines // 40))
        reviewer = None if rng.random() < 0.08 else rng.choice(["ana", "ben", "chi"])
        for at, delivery in github_pull_request(
            service,
            self._pulls[service],
            merge_sha=merge_sha,
            times={"opened": opened, "review": reviewed, "merged": merged},
            size=size,
            reviewer=reviewer,
        ):
            self.out.add("github", at, delivery)

    def _deployment(
        self, service: str, commit: str, finished: dt.datetime, status: str, kind: str | None = None
    ) -> None:
        vendor = self.vendors[service]
        number = self._next_id()
        started = finished - dt.timedelta(minutes=self.rng.uniform(3, 25))
        if vendor == "csv":
            self.out.deployments.append(
                {
                    "deployment_id": f"{service}-{number}",
                    "service": service,
                    "environment": "production",
                    "status": status,
                    "finished_at": iso(finished),
                    "commit_sha": commit,
                    "started_at": iso(started),
                    "change_type": kind or "",
                }
            )
        elif vendor == "github":
            for delivery in github_deployment(
                service,
                number,
                commit=commit,
                started=started,
                finished=finished,
                status=status,
                kind=kind,
            ):
                self.out.add("github", finished, delivery)
        else:
            for delivery in gitlab_deployment(
                self.unit[service],
                service,
                number=number,
                commit=commit,
                started=started,
                finished=finished,
                status=status,
                kind=kind,
            ):
                self.out.add("gitlab", finished, delivery)

    def _pagerduty(self, service: str, started: dt.datetime, resolved: dt.datetime | None) -> None:
        number = self._next_id()
        incident_id = "Q" + sha("incident", service, started)[:12].upper()
        for event, at in (("incident.triggered", started), ("incident.resolved", resolved)):
            if at is None:
                continue
            self.out.add(
                "pagerduty",
                at,
                pagerduty_event(
                    service, incident_id, number=number, event_type=event, started=started, at=at
                ),
            )


Incident = tuple[str, dt.datetime, dt.datetime | None]


def write_delivery(
    org: OrganisationBuilder, seed: int, size: str, root: Path
) -> tuple[list[tuple[str, list[Path]]], list[Incident]]:
    """Write the year of delivery history; return (source, files) in ingest order and the
    incidents (service, started, resolved or None). Only the incidents outlive the writing:
    the large demo's history holds hundreds of thousands of rows."""
    history = DeliveryHistory(org, seed, size).build()
    return write_history(history, root), history.incidents


def write_history(history: Outputs, root: Path) -> list[tuple[str, list[Path]]]:
    """Write every file; return (source name, files) in the order they should be ingested."""
    plan: list[tuple[str, list[Path]]] = []
    for vendor in ("github", "gitlab", "pagerduty"):
        files = []
        for month, lines in sorted(getattr(history, vendor).items()):
            path = root / vendor / f"{month}.ndjson"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(lines), encoding="utf-8")
            files.append(path)
        if files:
            plan.append((vendor, files))
    for name, rows in (("deployments", history.deployments), ("changes", history.changes)):
        if not rows:
            continue
        path = root / "csv" / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(sorted(rows, key=lambda r: tuple(r.values())))
        plan.append((f"{name}-csv", [path]))
    # Deployments before changes does not matter (attribution happens at query time).
    return plan
