"""Catalog vocabularies (Team Topologies) and the native catalog YAML format.

The native format holds what Backstage lacks (team types, cognitive load, interactions, value
streams) and can also describe a whole catalog for organisations without Backstage. Each item
only sets the fields it gives, so it can overlay a catalog imported from Backstage.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from leadline.catalog.services import PathsError, parse_paths

NATIVE_API_VERSION = "leadline.io/v1"
ANNOTATION_PREFIX = "leadline.io/"


class TeamType(StrEnum):
    """The four fundamental team types of Team Topologies (Skelton & Pais, 2019)."""

    STREAM_ALIGNED = "stream-aligned"
    PLATFORM = "platform"
    ENABLING = "enabling"
    COMPLICATED_SUBSYSTEM = "complicated-subsystem"


class InteractionMode(StrEnum):
    """The three team interaction modes of Team Topologies."""

    COLLABORATION = "collaboration"
    X_AS_A_SERVICE = "x-as-a-service"
    FACILITATING = "facilitating"


# Backstage's entity name rule: 1-63 characters, alphanumerics separated by [-_.].
NAME_PATTERN = r"^[A-Za-z0-9]([-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?$"
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]


@dataclass(frozen=True)
class EntityRef:
    """A Backstage entity reference ``[kind:][namespace/]name``."""

    kind: str
    namespace: str
    name: str

    @classmethod
    def parse(cls, text: str, default_kind: str) -> EntityRef:
        match = re.fullmatch(r"(?:([A-Za-z][A-Za-z0-9]*):)?(?:([^:/]+)/)?([^:/]+)", text.strip())
        if not match:
            raise ValueError(f"not an entity reference: {text!r}")
        kind, namespace, name = match.groups()
        return cls((kind or default_kind).lower(), namespace or "default", name)

    def compact(self, default_kind: str) -> str:
        """The shortest form that means the same: ``name`` when kind and namespace are defaults."""
        text = self.name if self.namespace == "default" else f"{self.namespace}/{self.name}"
        return text if self.kind == default_kind.lower() else f"{self.kind}:{text}"


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: Name
    title: str | None = None
    description: str | None = None


class NativeOrganisation(_Item):
    pass


class NativeBusinessUnit(_Item):
    organisation: Name | None = None


class NativeValueStream(_Item):
    business_unit: Name | None = None


class NativeTeam(_Item):
    type: TeamType | None = None
    cognitive_load: Annotated[float, Field(ge=0, le=10)] | None = None
    business_unit: Name | None = None
    value_stream: Name | None = None
    email: str | None = None


class NativeService(_Item):
    owner: Name | None = None
    value_stream: Name | None = None
    system: Name | None = None
    tier: str | None = None
    lifecycle: str | None = None
    type: str | None = None
    # Monorepos: the repository (``org/repo``, as GitHub or GitLab names it) and the gitignore
    # patterns of its paths this service owns (catalog.services.path_spec).
    repository: str | None = None
    paths: list[str] | None = None
    # The service's own incident window (catalog.incident_window), in hours.
    incident_window_hours: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _paths(self) -> NativeService:
        if self.paths is not None:
            try:
                parse_paths(self.paths)
            except PathsError as error:
                raise ValueError(f"paths {error}") from None
            if not self.repository:
                raise ValueError("paths need the repository they belong to (repository: org/repo)")
        return self


class NativePerson(_Item):
    email: str | None = None
    team: Name | None = None
    role: str | None = None
    skills: list[str] | None = None


class NativeInteraction(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    team: Name
    with_team: Name = Field(alias="with")
    mode: InteractionMode
    started_on: dt.date
    ended_on: dt.date | None = None
    purpose: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> NativeInteraction:
        if self.ended_on is not None and self.ended_on < self.started_on:
            raise ValueError("ended_on is before started_on")
        if self.team == self.with_team:
            raise ValueError("a team cannot interact with itself")
        return self


SECTIONS: dict[str, type[BaseModel]] = {
    "organisations": NativeOrganisation,
    "business_units": NativeBusinessUnit,
    "value_streams": NativeValueStream,
    "teams": NativeTeam,
    "services": NativeService,
    "people": NativePerson,
    "interactions": NativeInteraction,
}


class NativeHeader(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    api_version: Literal["leadline.io/v1"] = Field(alias="apiVersion")
    kind: Literal["Catalog"]
