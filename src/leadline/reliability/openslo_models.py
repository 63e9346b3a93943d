"""Pydantic models of OpenSLO v1 documents (openslo/OpenSLO README, v1): what leadline validates
before mapping a document to its store rows (see openslo.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from leadline.ingest.nulls import NullAsAbsent
from leadline.reliability import specs

Op = Literal["lt", "lte", "gt", "gte"]


class _Model(NullAsAbsent):
    # YAML's .nan and .inf are floats; a non-finite threshold or target is refused (issue 16)
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)


class Metadata(_Model):
    name: str = Field(min_length=1)
    displayName: str | None = None


class MetricSource(_Model):
    metricSourceRef: str | None = None
    dataSourceRef: str | None = None  # not in the spec, but seen in the wild
    type: str | None = None
    spec: dict[str, Any] = Field(default_factory=dict)


class Metric(_Model):
    metricSource: MetricSource


class RatioMetric(_Model):
    counter: bool | None = None
    good: Metric | None = None
    bad: Metric | None = None
    total: Metric | None = None
    rawType: Literal["success", "failure"] | None = None
    raw: Metric | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> RatioMetric:
        if self.raw is not None:
            if self.good or self.bad or self.total:
                raise ValueError("raw cannot be combined with good, bad or total")
            if self.rawType is None:
                raise ValueError("rawType (success or failure) is required with raw")
        elif self.total is None or (self.good is None) == (self.bad is None):
            raise ValueError("needs total and exactly one of good or bad (or raw with rawType)")
        return self


class SliSpec(_Model):
    description: str | None = None
    ratioMetric: RatioMetric | None = None
    thresholdMetric: Metric | None = None

    @model_validator(mode="after")
    def _one_metric(self) -> SliSpec:
        if (self.ratioMetric is None) == (self.thresholdMetric is None):
            raise ValueError("needs exactly one of ratioMetric or thresholdMetric")
        return self


class InlineSli(_Model):
    metadata: Metadata
    spec: SliSpec


class _Indicated(_Model):
    indicator: InlineSli | None = None
    indicatorRef: str | None = None

    @model_validator(mode="after")
    def _not_both(self) -> _Indicated:
        if self.indicator is not None and self.indicatorRef is not None:
            raise ValueError("give indicator or indicatorRef, not both")
        return self

    @property
    def has_indicator(self) -> bool:
        return self.indicator is not None or self.indicatorRef is not None


class Objective(_Indicated):
    name: str | None = None
    displayName: str | None = None
    op: Op | None = None
    value: float | None = None
    target: float | None = None
    targetPercent: float | None = None
    timeSliceTarget: float | None = None
    timeSliceWindow: int | str | None = None

    @field_validator("target")
    @classmethod
    def _fraction(cls, v: float | None) -> float | None:
        if v is not None and not 0 < v < 1:
            raise ValueError("target must be a fraction above 0 and below 1, e.g. 0.999")
        return v

    @field_validator("targetPercent")
    @classmethod
    def _percent(cls, v: float | None) -> float | None:
        if v is not None and not 0 < v < 100:
            raise ValueError("targetPercent must be above 0 and below 100, e.g. 99.9")
        return v

    @field_validator("timeSliceTarget")
    @classmethod
    def _slice_target(cls, v: float | None) -> float | None:
        if v is not None and not 0 < v <= 1:
            raise ValueError("timeSliceTarget must be a fraction above 0 and at most 1")
        return v

    @field_validator("timeSliceWindow")
    @classmethod
    def _slice_window(cls, v: int | str | None) -> int | str | None:
        if isinstance(v, int) and v <= 0:
            raise ValueError("timeSliceWindow must be a positive number of minutes")
        if isinstance(v, str):
            specs.duration_seconds(v)
        return v

    @model_validator(mode="after")
    def _one_target(self) -> Objective:
        if (self.target is None) == (self.targetPercent is None):
            raise ValueError("give exactly one of target or targetPercent")
        return self

    @property
    def fraction(self) -> float:
        return self.target if self.target is not None else specs.fraction(self.targetPercent or 0)


class TimeWindow(_Model):
    duration: str
    isRolling: bool | None = None
    calendar: dict[str, Any] | None = None

    @field_validator("duration")
    @classmethod
    def _duration(cls, v: str) -> str:
        specs.parse_duration(v)
        return v


class SloSpec(_Indicated):
    description: str | None = None
    service: str = Field(min_length=1)
    budgetingMethod: Literal["Occurrences", "Timeslices", "RatioTimeslices"]
    timeWindow: list[TimeWindow] = Field(min_length=1, max_length=1)
    objectives: list[Objective] = Field(min_length=1)
    alertPolicies: list[str | dict[str, Any]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _indicator_level(self) -> SloSpec:
        composite = [o.has_indicator for o in self.objectives]
        if self.has_indicator == any(composite) or (any(composite) and not all(composite)):
            raise ValueError(
                "give indicator or indicatorRef on spec, or on every objective, not both"
            )
        return self


class Condition(_Model):
    kind: str = "burnrate"
    op: Op | None = None
    threshold: float | None = None
    lookbackWindow: str | None = None
    alertAfter: str | None = None

    @field_validator("lookbackWindow", "alertAfter")
    @classmethod
    def _duration(cls, v: str | None) -> str | None:
        if v is not None:
            specs.parse_duration(v)
        return v


class AlertConditionSpec(_Model):
    severity: str = Field(min_length=1)
    condition: Condition


SPEC_MODELS: dict[str, type[BaseModel]] = {
    "SLO": SloSpec,
    "SLI": SliSpec,
    "AlertCondition": AlertConditionSpec,
}
