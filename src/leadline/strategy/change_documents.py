"""YAML documents of change and transformation: ``kind: ChangeInitiative`` (Kotter stage, ADKAR
assessments, transformation metrics) and ``kind: Idea`` (the innovation pipeline)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, model_validator

from leadline.ingest.nulls import NullAsAbsent

# Kotter, "Accelerate" (2014): the eight accelerators of change, in order.
KOTTER_STAGES = (
    "create a sense of urgency",
    "build a guiding coalition",
    "form a strategic vision and initiatives",
    "enlist a volunteer army",
    "enable action by removing barriers",
    "generate short-term wins",
    "sustain acceleration",
    "institute change",
)
ADKAR = ("awareness", "desire", "knowledge", "ability", "reinforcement")
PIPELINE = ("idea", "pilot", "proof-of-concept", "scale")
STOPPED = "stopped"
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9]([-_.A-Za-z0-9]{0,251}[A-Za-z0-9])?$")]
Likert = Annotated[int, Field(ge=1, le=5)]


def _kotter(value: Any) -> int:
    """A stage number 1-8, or its name."""
    if isinstance(value, str) and value.strip().lower() in KOTTER_STAGES:
        return KOTTER_STAGES.index(value.strip().lower()) + 1
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 8:
        return value
    raise ValueError("must be a Kotter stage 1-8 or its name, e.g. 'build a guiding coalition'")


class _Strict(NullAsAbsent):
    model_config = ConfigDict(extra="forbid")


class Adkar(_Strict):
    group: str
    assessed_on: dt.date
    awareness: Likert
    desire: Likert
    knowledge: Likert
    ability: Likert
    reinforcement: Likert


class Measurement(_Strict):
    date: dt.date
    adoption_rate: float | None = Field(default=None, ge=0, le=1)
    satisfaction: float | None = None
    process_efficiency: float | None = None
    roi_realisation: float | None = Field(default=None, ge=0)


class InitiativeSpec(_Strict):
    sponsor: str | None = None
    kotter_stage: Annotated[int, BeforeValidator(_kotter)]
    started_on: dt.date | None = None
    adkar: list[Adkar] = Field(default_factory=list)
    metrics: list[Measurement] = Field(default_factory=list)


class Gate(_Strict):
    stage: Literal["pilot", "proof-of-concept", "scale", "stopped"]
    decided_on: dt.date
    note: str | None = None


class IdeaSpec(_Strict):
    owner: str | None = None
    budget: Decimal | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    outcome: str | None = None
    gates: list[Gate] = Field(default_factory=list)

    @model_validator(mode="after")
    def _gates_in_order(self) -> IdeaSpec:
        """Each gate moves one stage on (idea -> pilot -> proof-of-concept -> scale) or stops
        the idea; nothing follows a stop; dates never go back."""
        stage = "idea"
        previous: dt.date | None = None
        for i, gate in enumerate(self.gates):
            if stage == STOPPED:
                raise ValueError(f"gates[{i}]: the idea was stopped; no gate can follow")
            expected = PIPELINE[PIPELINE.index(stage) + 1] if stage != "scale" else None
            if gate.stage not in (expected, STOPPED):
                allowed = " or ".join(s for s in (expected, STOPPED) if s)
                raise ValueError(f"gates[{i}]: from {stage} the next gate is {allowed}")
            if previous is not None and gate.decided_on < previous:
                raise ValueError(f"gates[{i}]: decided before the previous gate")
            stage, previous = gate.stage, gate.decided_on
        return self

    @property
    def stage(self) -> str:
        return self.gates[-1].stage if self.gates else "idea"


def barrier_point(scores: dict[str, int]) -> str | None:
    """ADKAR's barrier point: the first element, in order, scoring below 3 (Prosci)."""
    return next((element for element in ADKAR if scores[element] < 3), None)
