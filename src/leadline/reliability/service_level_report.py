"""What the SLA and XLA reports share: the month, which agreement covers which service, group
keys from the catalog, verdict roll-ups, and the CLI options.

A report covers one UTC calendar month. Facts belong to the month they started in (a ticket to
the month it was opened, an answer to the month it was given) and are judged on everything known
at ``as_of`` (default: now), so a March ticket resolved in April counts in March, resolved.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

import ibis
import pyarrow as pa

from leadline.catalog.grouping import NO_GROUP, Grouping
from leadline.context import App
from leadline.periods import PeriodAsOf
from leadline.reliability.agreement_models import SCOPES, ServiceLevelAgreement
from leadline.reliability.agreements import effective, load_agreements

GroupBy = Literal["service", "team", "value-stream", "business-unit"]
NONE = ""  # agreement column of facts no agreement covers (a join key cannot be null)
# Verdicts in roll-up precedence: a roll-up takes the first one any part has (so a breach
# anywhere breaches; a part without data does not stop the others from being met).
VERDICTS = ("breached", "met", "insufficient_data", "no_data", "no_target")


class By(StrEnum):
    service = "service"
    team = "team"
    value_stream = "value-stream"
    business_unit = "business-unit"


def memberships(app: App) -> dict[str, dict[str, str | None]]:
    """service -> {scope kind: its group or None}, for every catalog service (the catalog's
    one organisational grouping)."""
    grouping = Grouping.of(app)
    out: dict[str, dict[str, str | None]] = {}
    for level in SCOPES:
        for service, key in grouping.service_pairs(level):  # type: ignore[arg-type]
            out.setdefault(service, {})[level] = None if key == NO_GROUP else key
    return out


def coverage(
    app: App, kind: str, month: PeriodAsOf
) -> tuple[dict[str, dict[str, str | None]], list[tuple[str, ServiceLevelAgreement]]]:
    """The services' memberships (services named only by an agreement included), and the
    agreement in force for each covered service in the month."""
    members = memberships(app)
    with app.store.session() as session:
        agreements = load_agreements(session, kind)
    for agreement in agreements:
        if agreement.scope_kind == "service" and agreement.scope not in members:
            members[agreement.scope] = {"service": agreement.scope}
    covered = []
    for service in sorted(members):
        found = effective(agreements, members[service], month.label)
        if found is not None:
            covered.append((service, found))
    return members, covered


def services_table(members: dict[str, dict[str, str | None]], by: GroupBy) -> ibis.Table:
    """(service, key): the group of each known service; a service without one is ``(none)``."""
    names = sorted(members)
    keys = [members[s].get(by) or (s if by == "service" else NO_GROUP) for s in names]
    schema = pa.schema([("service", pa.string()), ("key", pa.string())])
    return ibis.memtable(pa.table({"service": names, "key": keys}, schema=schema))


def memtable(rows: list[dict[str, Any]], schema: pa.Schema) -> ibis.Table:
    return ibis.memtable(pa.Table.from_pylist(rows, schema=schema))


def keyed(facts: ibis.Table, services: ibis.Table, unmapped: str | None) -> ibis.Table:
    """Facts with their group ``key``; services missing from ``services`` get ``unmapped`` (or
    keep their own name when it is None)."""
    other = services.select(k_service=services.service, key=services.key)
    joined = facts.left_join(other, facts.service == other.k_service).drop("k_service")
    fallback = joined.service if unmapped is None else ibis.literal(unmapped)
    return joined.mutate(key=joined.key.fill_null(fallback))


def verdict(
    value: ibis.Value,
    target: ibis.Value,
    count: ibis.Value,
    at_least: bool,
    minimum: ibis.Value | int = 1,
) -> ibis.Value:
    """met / breached against a target (at least or at most), no_target without one, no_data
    with nothing to judge, insufficient_data with fewer than ``minimum`` judged items."""
    good = value >= target if at_least else value <= target
    return ibis.cases(
        (target.isnull(), "no_target"),
        (count == 0, "no_data"),
        (count < minimum, "insufficient_data"),
        (good, "met"),
        else_="breached",
    )


def rollup(*statuses: ibis.Value) -> ibis.Value:
    """The worst of several verdicts (see VERDICTS)."""
    cases = [
        (ibis.or_(*[(s == name).fill_null(False) for s in statuses]), name) for name in VERDICTS
    ]
    return ibis.cases(*cases, else_="no_target")


def rollup_counts(table: ibis.Table, column: str) -> dict[str, ibis.Value]:
    """Aggregations counting each verdict of ``column`` (for rolling many rows up)."""
    return {f"{column}__{name}": (table[column] == name).cast("int64").sum() for name in VERDICTS}


def from_counts(table: ibis.Table, column: str) -> ibis.Value:
    """The worst verdict among the counts ``rollup_counts`` made."""
    cases = [(table[f"{column}__{name}"] > 0, name) for name in VERDICTS]
    return ibis.cases(*cases, else_="no_target")


def month_partitions(month: PeriodAsOf) -> list[str]:
    return [month.label]
