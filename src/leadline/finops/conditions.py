"""Rule conditions and tag values as Ibis expressions, shared by allocation rules, tower rules
and virtual tags.

Every tag key a rule set reads becomes one column (``_tag_<key>``), looked up once per line
instead of once per rule naming it. Virtual tags (``spec.virtual_tags``) then replace or add
such columns in order, each computed from the columns before it, so a later virtual tag, every
rule and showback's ``--by tag:KEY`` read derived values exactly like real tags.
"""

from __future__ import annotations

from collections.abc import Iterable

import ibis

from leadline.finops import split_cost
from leadline.finops.rules import (
    AllocationRules,
    Match,
    Rule,
    VirtualTag,
    fold_aliases,
    glob_to_like,
    glob_to_regex,
)


def matches(value: ibis.StringValue, pattern: str) -> ibis.BooleanValue:
    """``value`` equals ``pattern``, or matches it as a glob (LIKE when it can, else a regex);
    null never matches."""
    like, wildcard = glob_to_like(pattern)
    if not wildcard:
        return (value == pattern).fill_null(False)
    if like:
        return value.like(like).fill_null(False)
    return value.re_search(glob_to_regex(pattern)).fill_null(False)


def tag_column(key: str) -> str:
    return "_tag_" + "".join(ch if ch.isalnum() else f"_{ord(ch):x}_" for ch in key)


def tag_value(lines: ibis.Table, key: str) -> ibis.StringValue:
    """A tag's value: its column (see ``with_tags``) when present, else a lookup."""
    column = tag_column(key)
    return lines[column] if column in lines.columns else split_cost.tag(lines, key)


def condition(lines: ibis.Table, match: Match) -> ibis.BooleanValue:
    """True for the lines that satisfy every condition of ``match`` (nulls never match)."""
    parts: list[ibis.BooleanValue] = [
        matches(lines[column], pattern) for column, pattern in match.columns().items()
    ]
    parts += [matches(tag_value(lines, key), pattern) for key, pattern in match.tags.items()]
    for key in match.tags_missing:
        parts.append(tag_value(lines, key).isnull())
    if not parts:
        return ibis.literal(True)
    out = parts[0]
    for part in parts[1:]:
        out = out & part
    return out


def rule_condition(lines: ibis.Table, rule: Rule) -> ibis.BooleanValue:
    """A rule's conditions; a rule allocating to a tag's value also needs that tag set (lines
    without it go on to the next rule)."""
    held = condition(lines, rule.match)
    source = rule.to.from_tag if rule.to is not None else None
    return held if source is None else held & tag_value(lines, source.tag).notnull()


def _match_keys(match: Match) -> set[str]:
    return {*match.tags, *match.tags_missing}


def _virtual_reads(tag: VirtualTag) -> set[str]:
    return {k for v in tag.values for k in _match_keys(v.match)} | set(tag.from_tags)


def rule_keys(rules: AllocationRules, dimension: str | None = None) -> set[str]:
    """Every tag key the rules, tower rules (and a ``--by tag:KEY`` dimension) read."""
    keys = {k for r in rules.rules for k in _match_keys(r.match)}
    keys |= {r.to.from_tag.tag for r in rules.rules if r.to is not None and r.to.from_tag}
    keys |= {k for t in rules.towers for k in _match_keys(t.match)}
    return keys | ({dimension} if dimension else set())


def with_tags(
    lines: ibis.Table, rules: AllocationRules, dimension: str | None = None
) -> ibis.Table:
    """The lines with one column per tag key read: real tags looked up once, then each virtual
    tag in order (it sees the real tags and the virtual tags before it, and replaces a real
    tag of its key for everything after it)."""
    defined: set[str] = set()
    real: set[str] = set()
    for tag in rules.virtual_tags:
        real |= _virtual_reads(tag) - defined
        defined.add(tag.key)
    real |= rule_keys(rules, dimension) - defined
    if real:
        lines = lines.mutate(**{tag_column(k): split_cost.tag(lines, k) for k in sorted(real)})
    for tag in rules.virtual_tags:
        lines = lines.mutate(**{tag_column(tag.key): virtual_value(lines, tag)})
    return lines


def virtual_value(lines: ibis.Table, tag: VirtualTag) -> ibis.StringValue:
    """A virtual tag's value: first matching value rule, else the first set ``from_tags``
    value through the alias map (case-insensitive keys), else the default, else null."""
    fallback: ibis.StringValue = ibis.literal(tag.default, "string")
    if tag.from_tags:
        found = ibis.coalesce(*(tag_value(lines, k) for k in tag.from_tags), fallback)
        fallback = _aliased(found, tag.aliases) if tag.aliases else found
    if not tag.values:
        return fallback
    branches = [(condition(lines, v.match), ibis.literal(v.value)) for v in tag.values]
    return ibis.cases(*branches, else_=fallback)


def _aliased(value: ibis.StringValue, aliases: dict[str, str]) -> ibis.StringValue:
    folded = fold_aliases(aliases)
    lowered = value.lower()
    branches = [(lowered == key, ibis.literal(name)) for key, name in sorted(folded.items())]
    return ibis.cases(*branches, else_=value)


def tag_target_rules(rules: AllocationRules) -> Iterable[tuple[int, Rule]]:
    """(1-based index, rule) of the rules allocating to a tag's value."""
    for index, rule in enumerate(rules.rules, 1):
        if rule.to is not None and rule.to.from_tag is not None:
            yield index, rule
