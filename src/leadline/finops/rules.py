"""Allocation rules (``kind: AllocationRules``, YAML): which cost lines belong to which team or
service, which are shared and how shared pools split, and how costs map to TBM towers.

Rules are ordered; the first rule whose every condition holds allocates the line, and the line
records that rule's name. Conditions compare one column with a value or a shell-style glob
(``*``, ``?``): ``provider``, ``service_name``, ``service_category``, ``sub_account_id``,
``resource_id``, ``region_id``, ``charge_category``, ``gl_account``, ``cost_center``,
``cost_pool``; ``tags`` compares tag values (all listed tags must match) and ``tags_missing``
holds when none of the listed tags is set. A rule allocates ``to`` a team or service of the
catalog, or to a ``shared`` pool; ``to: {team: {tag: team}}`` allocates to the team (or service)
a tag's value names (an optional alias map; case-insensitive), and unknown values are
unallocated. ``virtual_tags`` derive tag values from rules of their own (first match, else
other tags' values through an alias map, else a default), like Vantage's virtual tags; later
virtual tags, the rules, the tower rules and showback's ``--by tag:KEY`` see them as tags.

Shared pools split among teams like OpenCost's shared-cost modes: ``even`` (equal parts),
``proportional`` (to each team's direct cost that month) or ``driver`` (to each team's value of
a business driver that month), among the listed teams or, by default, every team with direct
cost (or with driver values). Lines no rule matches, and pools with nobody to split among, are
``unallocated``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from leadline.ingest.nulls import NullAsAbsent

MATCH_COLUMNS = (
    "provider",
    "publisher",
    "invoice_issuer",
    "service_name",
    "service_category",
    "sub_account_id",
    "billing_account_id",
    "resource_id",
    "resource_type",
    "region_id",
    "charge_category",
    "gl_account",
    "cost_center",
    "cost_pool",
)
NAME = re.compile(r"^[a-z0-9]([a-z0-9._-]{0,251}[a-z0-9])?$")
Pattern = Annotated[str, Field(min_length=1, max_length=512)]


class _Strict(NullAsAbsent):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Match(_Strict):
    """Conditions on a cost line; all must hold. Values may be globs."""

    provider: Pattern | None = None
    publisher: Pattern | None = None
    invoice_issuer: Pattern | None = None
    service_name: Pattern | None = None
    service_category: Pattern | None = None
    sub_account_id: Pattern | None = None
    billing_account_id: Pattern | None = None
    resource_id: Pattern | None = None
    resource_type: Pattern | None = None
    region_id: Pattern | None = None
    charge_category: Pattern | None = None
    gl_account: Pattern | None = None
    cost_center: Pattern | None = None
    cost_pool: Pattern | None = None
    tags: dict[str, Pattern] = Field(default_factory=dict)
    tags_missing: list[str] = Field(default_factory=list)

    def columns(self) -> dict[str, str]:
        return {c: getattr(self, c) for c in MATCH_COLUMNS if getattr(self, c) is not None}


TagKey = Annotated[str, Field(min_length=1, max_length=512)]


def fold_aliases(aliases: dict[str, str]) -> dict[str, str]:
    """Alias keys compared case-insensitively: two keys equal but for case are ambiguous."""
    folded: dict[str, str] = {}
    for key, value in aliases.items():
        if key.lower() in folded and folded[key.lower()] != value:
            raise ValueError(f"aliases {key!r} differ only in case but name different values")
        folded[key.lower()] = value
    return folded


class FromTag(_Strict):
    """The catalog name is a tag's value: ``{tag: team, aliases: {pay: payments}}``. Matching
    ignores case; an alias (its key also case-insensitive) maps a value to a catalog name."""

    tag: TagKey
    aliases: dict[str, Pattern] = Field(default_factory=dict)

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: dict[str, str]) -> dict[str, str]:
        fold_aliases(value)
        return value

    def canonical(self, value: str) -> str:
        """The catalog name ``value`` stands for (an alias's target, else itself)."""
        return fold_aliases(self.aliases).get(value.lower(), value)


class Target(_Strict):
    team: str | FromTag | None = None
    service: str | FromTag | None = None

    @model_validator(mode="after")
    def _one(self) -> Target:
        if (self.team is None) == (self.service is None):
            raise ValueError("give exactly one of team or service")
        return self

    @property
    def from_tag(self) -> FromTag | None:
        """The tag whose value names the target, for ``{tag: ...}`` targets."""
        value = self.team if self.team is not None else self.service
        return value if isinstance(value, FromTag) else None

    @property
    def kind(self) -> str:
        return "team" if self.team is not None else "service"


class Rule(_Strict):
    name: str
    match: Match = Field(default_factory=Match)
    to: Target | None = None
    shared: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError("must be lower-case letters, digits, '.', '_' or '-'")
        return value

    @model_validator(mode="after")
    def _target(self) -> Rule:
        if (self.to is None) == (self.shared is None):
            raise ValueError("give exactly one of 'to' (a team or service) or 'shared' (a pool)")
        return self


class SharedPool(_Strict):
    name: str
    split: Literal["even", "proportional", "driver"] = "proportional"
    driver: str | None = None
    among: list[str] = Field(default_factory=list)  # team names; empty = every team

    @model_validator(mode="after")
    def _driver(self) -> SharedPool:
        if (self.split == "driver") != (self.driver is not None):
            raise ValueError("split: driver needs 'driver' (and only it uses one)")
        return self


class TowerRule(_Strict):
    """TBM mapping: lines matching ``match`` go to ``tower``/``sub_tower`` (first match)."""

    match: Match
    tower: str
    sub_tower: str | None = None


class Rates(_Strict):
    """Chargeback rates: a multiplier per tower (1.05 = 5 % overhead), else ``default``."""

    default: float = Field(1.0, ge=0)
    towers: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)

    def for_tower(self, tower: str | None) -> float:
        return self.towers.get(tower or "", self.default)


class VirtualValue(_Strict):
    value: Pattern
    match: Match


class VirtualTag(_Strict):
    """A derived tag: the value of the first of ``values`` whose match holds; else the first
    of ``from_tags`` that is set, mapped through ``aliases`` (keys case-insensitive); else
    ``default`` (none: the tag is not set). It replaces a real tag of the same key."""

    key: TagKey
    values: list[VirtualValue] = Field(default_factory=list, max_length=10_000)
    from_tags: list[TagKey] = Field(default_factory=list)
    aliases: dict[str, Pattern] = Field(default_factory=dict)
    default: Pattern | None = None

    @model_validator(mode="after")
    def _something(self) -> VirtualTag:
        if not (self.values or self.from_tags or self.default is not None):
            raise ValueError("give values, from_tags or a default")
        if self.aliases and not self.from_tags:
            raise ValueError("aliases map the values of from_tags: give from_tags")
        fold_aliases(self.aliases)
        return self


class AllocationRules(_Strict):
    """The whole rule set (one document)."""

    rules: list[Rule] = Field(min_length=1, max_length=10_000)
    virtual_tags: list[VirtualTag] = Field(default_factory=list, max_length=100)
    shared: list[SharedPool] = Field(default_factory=list)
    towers: list[TowerRule] = Field(default_factory=list)
    rates: Rates = Field(default_factory=Rates)
    # TBM: team -> tower -> weight, how the team's labour splits (default: like its cost)
    labour: dict[str, dict[str, Annotated[float, Field(gt=0)]]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> AllocationRules:
        names = [r.name for r in self.rules]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"rule names must be unique: {', '.join(twice)}")
        pools = {p.name for p in self.shared}
        unknown = sorted({r.shared for r in self.rules if r.shared and r.shared not in pools})
        if unknown:
            raise ValueError(f"rules use undeclared shared pool(s): {', '.join(unknown)}")
        keys = [v.key for v in self.virtual_tags]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise ValueError(f"virtual tag keys must be unique: {', '.join(twice)}")
        return self

    def pool(self, name: str) -> SharedPool:
        return next(p for p in self.shared if p.name == name)


DEFAULT_RULE = Rule(name="tag-team", to=Target(team=FromTag(tag="team")))
DEFAULT_RULES_NOTE = (
    'No allocation rules ingested: the default rule "tag team names a catalog team" is in '
    "force (leadline ingest allocation-rules FILE.yaml replaces it)."
)


def default_rules() -> AllocationRules:
    """The rules in force before any are ingested: tag ``team`` names a catalog team."""
    return AllocationRules(rules=[DEFAULT_RULE])


def parse_rules(document: Any) -> AllocationRules:
    """Validate a ``kind: AllocationRules`` document (``spec`` holds the rule set)."""
    if not isinstance(document, dict):
        raise ValueError("the document must be a mapping")
    if document.get("kind") != "AllocationRules":
        raise ValueError(f"kind must be AllocationRules, not {document.get('kind')!r}")
    return AllocationRules.model_validate(document.get("spec") or {})


def glob_to_like(pattern: str) -> tuple[str, bool]:
    """A shell glob as a SQL LIKE pattern, and whether it has wildcards. A glob whose literal
    text holds ``%`` or ``_`` (which LIKE would read as wildcards) gives "" and needs
    :func:`glob_to_regex` instead."""
    if not any(ch in pattern for ch in "*?"):
        return pattern, False
    if "%" in pattern or "_" in pattern:
        return "", True
    return pattern.replace("*", "%").replace("?", "_"), True


def glob_to_regex(pattern: str) -> str:
    """A shell glob as an anchored regular expression (RE2 and Java agree on this subset)."""
    parts = []
    for ch in pattern:
        if ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return "^" + "".join(parts) + "$"
