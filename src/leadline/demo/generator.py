"""A deterministic synthetic organisation, written as the source files teams really have.

The same seed, size and as-of date give byte-identical files, so re-running the demo lands
nothing new. Sizes: small (3 business units, 5 value streams, 14 teams of all four Team
Topologies types, 60 services) and large (10, 12, 140, 1500) for benchmarks.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leadline.demo import names
from leadline.ingest.files import dump_yaml

SIZES: dict[str, dict[str, int]] = {
    "small": {
        "business_units": 3,
        "value_streams": 5,
        "stream_aligned": 9,
        "platform": 2,
        "enabling": 2,
        "complicated_subsystem": 1,
        "services": 60,
    },
    "large": {
        "business_units": 10,
        "value_streams": 12,
        "stream_aligned": 100,
        "platform": 16,
        "enabling": 12,
        "complicated_subsystem": 12,
        "services": 1500,
    },
}
BACKSTAGE_API = "backstage.io/v1alpha1"


@dataclass
class Team:
    name: str
    title: str
    type: str
    business_unit: str
    value_stream: str | None
    cognitive_load: float
    people: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)


@dataclass
class DemoFiles:
    root: Path
    backstage: Path  # the root catalog-info.yaml (a Location tree)
    native: Path
    counts: dict[str, int]


def _unique(rng: random.Random, pool: list[str], used: set[str]) -> str:
    for candidate in rng.sample(pool, len(pool)):
        if candidate not in used:
            used.add(candidate)
            return candidate
    base = rng.choice(pool)
    number = 2
    while f"{base}-{number}" in used:
        number += 1
    used.add(f"{base}-{number}")
    return f"{base}-{number}"


def _title(name: str) -> str:
    return name.replace("-", " ").title().replace("Ci Cd", "CI/CD").replace("Kyc", "KYC")


class OrganisationBuilder:
    def __init__(self, seed: int, size: str, as_of: dt.date) -> None:
        if size not in SIZES:
            raise ValueError(f"size must be one of {', '.join(SIZES)}")
        self.rng = random.Random(seed)
        self.size = size
        self.shape = SIZES[size]
        self.as_of = as_of
        self.units = names.BUSINESS_UNITS[: self.shape["business_units"]]
        self.streams = [
            (*stream, self.units[i % len(self.units)][0])
            for i, stream in enumerate(names.VALUE_STREAMS[: self.shape["value_streams"]])
        ]
        self.teams: list[Team] = []
        self.people: dict[str, dict[str, Any]] = {}
        self.services: dict[str, dict[str, Any]] = {}
        self.interactions: list[dict[str, Any]] = []

    def build(self) -> OrganisationBuilder:
        self._teams()
        self._people()
        self._services()
        self._interactions()
        return self

    def _teams(self) -> None:
        used: set[str] = set()
        tech = next((u[0] for u in self.units if u[0] == "technology"), self.units[-1][0])
        for i in range(self.shape["stream_aligned"]):
            stream, _, _, unit = self.streams[i % len(self.streams)]
            name = _unique(self.rng, names.TEAM_WORDS, used)
            self.teams.append(
                Team(
                    f"{name}-team",
                    _title(name),
                    "stream-aligned",
                    unit,
                    stream,
                    round(self.rng.uniform(3.0, 7.0), 1),
                )
            )
        for kind, pool in (
            ("platform", names.PLATFORM_WORDS),
            ("enabling", names.ENABLING_WORDS),
            ("complicated-subsystem", names.SUBSYSTEM_WORDS),
        ):
            for _ in range(self.shape[kind.replace("-", "_")]):
                name = _unique(self.rng, pool, used)
                self.teams.append(
                    Team(name, _title(name), kind, tech, None, round(self.rng.uniform(2.5, 6.5), 1))
                )
        self.teams[0].cognitive_load = 8.5  # an overloaded team for `catalog check` to find

    def _people(self) -> None:
        used: set[str] = set()
        for team in self.teams:
            for _ in range(self.rng.randint(4, 8)):
                first, last = self.rng.choice(names.FIRST_NAMES), self.rng.choice(names.LAST_NAMES)
                handle = _unique(self.rng, [f"{first}.{last}".lower()], used)
                team.people.append(handle)
                self.people[handle] = {
                    "display": f"{first} {last}",
                    "team": team.name,
                    "role": self.rng.choice(names.ROLES),
                    "skills": sorted(self.rng.sample(names.SKILLS, self.rng.randint(2, 4))),
                }

    def _services(self) -> None:
        owners = [t for t in self.teams if t.type != "enabling"]
        weights = [
            {"stream-aligned": 5, "platform": 3, "complicated-subsystem": 2}[t.type] for t in owners
        ]
        used: set[str] = set()
        for index in range(self.shape["services"]):
            team = owners[0] if index < 9 else self.rng.choices(owners, weights)[0]
            stem = team.name.removesuffix("-team")
            name = _unique(self.rng, [f"{stem}-{s}" for s in names.SERVICE_SUFFIXES], used)
            team.services.append(name)
            self.services[name] = {
                "team": team.name,
                "value_stream": team.value_stream,
                "tier": str(self.rng.choices([1, 2, 3], [2, 5, 3])[0]),
                "lifecycle": self.rng.choices(
                    ["production", "experimental", "deprecated"], [17, 2, 1]
                )[0],
                "type": "website" if name.endswith("-ui") else "service",
            }
        orphan = sorted(self.services)[-1]
        self.services[orphan]["owner"] = "user:departed.engineer"  # nobody owns this one

    def _interactions(self) -> None:
        stream_aligned = [t for t in self.teams if t.type == "stream-aligned"]
        platforms = [t for t in self.teams if t.type == "platform"]
        enabling = [t for t in self.teams if t.type == "enabling"]
        subsystems = [t for t in self.teams if t.type == "complicated-subsystem"]
        for team in stream_aligned:
            platform = self.rng.choice(platforms)
            start = self.as_of - dt.timedelta(days=self.rng.randint(120, 600))
            self.interactions.append(
                self._interaction(
                    team, platform, "x-as-a-service", start, None, purpose="Runs on the paved road"
                )
            )
        for helper in enabling:
            for team in self.rng.sample(stream_aligned, min(2, len(stream_aligned))):
                start = self.as_of - dt.timedelta(days=self.rng.randint(10, 80))
                self.interactions.append(
                    self._interaction(
                        helper,
                        team,
                        "facilitating",
                        start,
                        None,
                        purpose="Coaching on SLOs and testing",
                    )
                )
        for subsystem in subsystems:
            team = self.rng.choice(stream_aligned)
            self.interactions.append(
                self._interaction(
                    team,
                    subsystem,
                    "collaboration",
                    self.as_of - dt.timedelta(days=150),
                    None,
                    purpose="Co-designing the next engine release",
                )
            )  # overdue: check flags it
            self.interactions.append(
                self._interaction(
                    stream_aligned[-1],
                    subsystem,
                    "collaboration",
                    self.as_of - dt.timedelta(days=40),
                    None,
                    purpose="Discovery for a new product",
                )
            )

    @staticmethod
    def _interaction(
        team: Team, other: Team, mode: str, start: dt.date, end: dt.date | None, *, purpose: str
    ) -> dict[str, Any]:
        return {
            "team": team.name,
            "with": other.name,
            "mode": mode,
            "started_on": start,
            "ended_on": end,
            "purpose": purpose,
        }


def _doc(kind: str, name: str, spec: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": BACKSTAGE_API,
        "kind": kind,
        "metadata": {"name": name, **{k: v for k, v in metadata.items() if v}},
        "spec": spec,
    }


def _write(path: Path, documents: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_yaml(documents), encoding="utf-8")


def _annotations(service: str, vendor: str, unit: str) -> dict[str, str]:
    """Where the service's delivery data lives, as Backstage annotations say it."""
    from leadline.demo.payloads import pagerduty_id, project_slug

    out = {"pagerduty.com/service-id": pagerduty_id(service)}
    if vendor in ("github", "gitlab"):
        out[f"{vendor}.com/project-slug"] = project_slug(vendor, unit, service)
    return out


def write_sources(org: OrganisationBuilder, root: Path) -> DemoFiles:
    """Write the organisation as Backstage descriptors plus a native catalog overlay."""
    from leadline.demo.delivery import service_vendors

    vendors = service_vendors(org, org.size)
    backstage = root / "backstage"
    org_name, org_title = names.ORGANISATION
    files = []
    groups = [
        _doc(
            "Group",
            org_name,
            {
                "type": "organization",
                "profile": {"displayName": org_title},
                "children": [u[0] for u in org.units],
            },
        )
    ]
    for unit, title in org.units:
        groups.append(
            _doc(
                "Group",
                unit,
                {
                    "type": "business-unit",
                    "parent": org_name,
                    "profile": {"displayName": title},
                    "children": [],
                },
            )
        )
    _write(backstage / "org.yaml", groups)
    files.append("org.yaml")
    for unit, _ in org.units:
        docs = []
        for team in (t for t in org.teams if t.business_unit == unit):
            docs.append(
                _doc(
                    "Group",
                    team.name,
                    {
                        "type": "team",
                        "parent": unit,
                        "children": [],
                        "profile": {
                            "displayName": team.title,
                            "email": f"{team.name}@northwind.example",
                        },
                    },
                )
            )
            for handle in team.people:
                person = org.people[handle]
                docs.append(
                    _doc(
                        "User",
                        handle,
                        {
                            "profile": {
                                "displayName": person["display"],
                                "email": f"{handle}@northwind.example",
                            },
                            "memberOf": [team.name],
                        },
                        annotations={
                            "leadline.io/role": person["role"],
                            "leadline.io/skills": ", ".join(person["skills"]),
                        },
                    )
                )
        for team in (t for t in org.teams if t.business_unit == unit):
            for service in team.services:
                info = org.services[service]
                docs.append(
                    _doc(
                        "Component",
                        service,
                        {
                            "type": info["type"],
                            "lifecycle": info["lifecycle"],
                            "owner": info.get("owner", team.name),
                            "system": info["value_stream"] or team.name,
                        },
                        title=_title(service),
                        annotations=_annotations(service, vendors[service], unit),
                    )
                )
        _write(backstage / f"{unit}.yaml", docs)
        files.append(f"{unit}.yaml")
    systems = [_doc("Domain", unit, {"owner": unit}, title=title) for unit, title in org.units]
    for stream, title, description, unit in org.streams:
        systems.append(
            _doc(
                "System",
                stream,
                {"owner": unit, "domain": unit},
                title=title,
                description=description,
            )
        )
    for team in (t for t in org.teams if t.value_stream is None and t.services):
        systems.append(
            _doc("System", team.name, {"owner": team.name, "domain": team.business_unit})
        )
    _write(backstage / "systems.yaml", systems)
    files.append("systems.yaml")
    location = _doc(
        "Location",
        "northwind-catalog",
        {"type": "file", "targets": [f"./{f}" for f in files]},
        description="Everything Northwind's catalog holds",
    )
    _write(backstage / "catalog-info.yaml", [location])
    native = root / "catalog.yaml"
    _write(native, [_native(org)])
    counts = {
        "business_units": len(org.units),
        "value_streams": len(org.streams),
        "teams": len(org.teams),
        "services": len(org.services),
        "people": len(org.people),
        "interactions": len(org.interactions),
    }
    return DemoFiles(root, backstage / "catalog-info.yaml", native, counts)


def _native(org: OrganisationBuilder) -> dict[str, Any]:
    return {
        "apiVersion": "leadline.io/v1",
        "kind": "Catalog",
        "value_streams": [
            {"name": s, "title": t, "description": d, "business_unit": u}
            for s, t, d, u in org.streams
        ],
        "teams": [
            {
                "name": t.name,
                "type": t.type,
                "cognitive_load": t.cognitive_load,
                **({"value_stream": t.value_stream} if t.value_stream else {}),
            }
            for t in org.teams
        ],
        "services": [
            {
                "name": name,
                "tier": info["tier"],
                **({"value_stream": info["value_stream"]} if info["value_stream"] else {}),
            }
            for name, info in sorted(org.services.items())
        ],
        "interactions": org.interactions,
    }
