"""``outcomes-csv`` (business outcome metrics, entered or exported from a BI tool) and
``scorecard-kpis`` (YAML overrides of the KPI definitions).

Outcomes upsert by (name, scope kind, scope, period): importing a corrected file corrects the
store. A scope the catalog does not know is kept with a warning (the catalog may come later).
Every write is audited.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.audit.log import actor_name, record, snapshot
from leadline.catalog.models import BusinessUnit, Team, ValueStream
from leadline.finops.csv_rows import parse_rows, row_problem
from leadline.ingest.files import decode_utf8, load_yaml_documents
from leadline.ingest.nulls import null_reason
from leadline.ingest.problems import InputError, Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.ingest.tabular import Column, CsvFormat
from leadline.periods import Period
from leadline.scorecard.definitions import SCOPE_KINDS, merge
from leadline.scorecard.models import Outcome, ScorecardKpi
from leadline.store.base import utcnow

ORGANISATION = "organisation"
CATEGORIES = ("revenue", "cost", "risk", "nps")

OUTCOMES_CSV = CsvFormat(
    "outcomes",
    "Business outcome metrics for the scorecard (leadline ingest outcomes-csv FILE); "
    "a known (name, scope_kind, scope, period) is updated.",
    (
        Column("name", description="Outcome metric name", example="online-revenue"),
        Column(
            "scope_kind",
            required=False,
            description="Who it belongs to (default organisation)",
            choices=SCOPE_KINDS,
        ),
        Column("scope", required=False, description="Business unit, value stream or team name"),
        Column("period", description="Quarter YYYYQN or month YYYY-MM", example="2026Q4"),
        Column("value", "float", description="Measured value", example="1250000"),
        Column("target", "float", required=False, description="Target for the period"),
        Column("direction", description="Which way is better", choices=("higher", "lower")),
        Column("owner", required=False, description="Accountable person"),
        Column("unit", required=False, description="Unit shown with the value", example="EUR"),
        Column("category", description="What it is tied to", choices=CATEGORIES),
    ),
)

KPIS_TEMPLATE = """\
# Scorecard KPI definitions (leadline ingest scorecard-kpis FILE.yaml).
# Each item names a KPI by key and overrides the fields it gives; a new key needs a whole
# definition (group and metric; its title, unit and direction are the metric's, `name`
# renames it). `enabled: false` hides a KPI. `leadline metrics list` lists the metrics.
kpis:
  - key: dora.deployment_frequency
    target: 2.0          # deployments per day
    tolerance: 0.25      # amber within 25 % of the target
    owner: VP Engineering
  - key: finops.cost_per_active_user
    name: Cost per active user
    group: financial
    metric: finops.unit_cost
    params: {driver: active_users}
    target: 12.5
    scopes: [organisation, team]
"""


def _check_outcome(file: str, row: dict[str, Any]) -> list[Problem]:
    out = []
    row["name"] = row["name"].strip()
    if not row["name"]:
        out.append(row_problem(file, row, "name", "must not be blank"))
    kind = row.get("scope_kind") or ORGANISATION
    row["scope_kind"] = kind
    scope = (row.get("scope") or "").strip()
    if kind == ORGANISATION:
        scope = ORGANISATION
    elif not scope:
        out.append(row_problem(file, row, "scope", f"a {kind} outcome names its {kind}"))
    row["scope"] = scope
    try:
        row["period"] = Period.parse(row["period"], ("quarter", "month")).label
    except ValueError as error:
        out.append(row_problem(file, row, "period", str(error)))
    return out


def _upsert_outcome(session: Session, row: dict[str, Any], batch_id: int) -> None:
    found = session.scalar(
        select(Outcome).where(
            Outcome.name == row["name"],
            Outcome.scope_kind == row["scope_kind"],
            Outcome.scope == row["scope"],
            Outcome.period == row["period"],
        )
    )
    before = snapshot(found) if found is not None else None
    if found is None:
        found = Outcome(
            name=row["name"], scope_kind=row["scope_kind"], scope=row["scope"], period=row["period"]
        )
        session.add(found)
    for field in ("value", "target", "direction", "owner", "unit", "category"):
        setattr(found, field, row.get(field))
    found.batch_id, found.updated_at = batch_id, utcnow()
    session.flush()
    record(
        session,
        actor=actor_name(),
        action="import",
        entity_type="scorecard_outcome",
        entity_id=f"{row['name']}/{row['scope_kind']}/{row['scope']}/{row['period']}",
        before=before,
        after=snapshot(found),
        via="ingest",
    )


def _known_scopes(session: Session) -> dict[str, set[str]]:
    return {
        "business-unit": set(session.scalars(select(BusinessUnit.name))),
        "value-stream": set(session.scalars(select(ValueStream.name))),
        "team": set(session.scalars(select(Team.name))),
    }


@register
class OutcomesCsv(Source):
    name = "outcomes-csv"
    summary = "Scorecard business outcome metrics: value, target, owner per scope and period (CSV)"
    load_bytes = False

    def templates(self) -> list[Template]:
        return [Template("outcomes.csv", OUTCOMES_CSV.template())]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        return parse_rows(
            unit,
            ctx,
            OUTCOMES_CSV,
            check=_check_outcome,
            key=lambda r: (r["name"], r["scope_kind"], r["scope"], r["period"]),
            key_field="name",
            key_text="outcome, scope and period",
            key_columns=("name", "scope_kind", "scope", "period"),
        )

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        known = _known_scopes(ctx.session)
        problems = []
        for row in parsed.records:
            _upsert_outcome(ctx.session, row, ctx.batch.id)
            kind = row["scope_kind"]
            if kind != ORGANISATION and row["scope"] not in known[kind]:
                problems.append(
                    row_problem(
                        str(ctx.batch.file_name),
                        row,
                        "scope",
                        f"not a {kind} in the catalog (row kept)",
                        "warning",
                    )
                )
        return problems


def _kpi_items(name: str, index: int, document: Any) -> list[dict[str, Any] | Problem]:
    items = document.get("kpis") if isinstance(document, dict) else None
    if not isinstance(items, list):
        return [Problem(name, "a scorecard-kpis document has a list `kpis`", index, "kpis")]
    out: list[dict[str, Any] | Problem] = []
    for position, item in enumerate(items):
        field = f"kpis[{position}]"
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            out.append(Problem(name, "each KPI is a mapping with a `key`", index, field, item))
            continue
        try:
            merge(item)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            out.append(
                Problem(
                    name,
                    null_reason(first, first["msg"]),
                    index,
                    f"{field}.{where}",
                    item,
                    item=item["key"],
                )
            )
            continue
        out.append(item)
    return out


@register
class ScorecardKpis(Source):
    name = "scorecard-kpis"
    summary = "Scorecard KPI definitions: targets, tolerances, owners, added KPIs (YAML)"

    def templates(self) -> list[Template]:
        return [Template("scorecard-kpis.yaml", KPIS_TEMPLATE)]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        records: list[dict[str, Any]] = []
        problems: list[Problem] = []
        read = 0
        for input_file in unit.files:
            try:
                text = decode_utf8(input_file.name, input_file.data)
            except InputError as error:
                problems.append(error.problem)
                continue
            for document in load_yaml_documents(input_file.name, text):
                if isinstance(document, Problem):
                    read += 1  # a document the loader refused is read and rejected
                    problems.append(document)
                    continue
                for item in _kpi_items(input_file.name, document.index, document.content):
                    read += 1
                    if isinstance(item, Problem):
                        problems.append(item)
                    else:
                        records.append(item)
        return Parsed(rows_read=read, records=records, problems=problems)

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        for item in parsed.records:
            row = ctx.session.scalar(select(ScorecardKpi).where(ScorecardKpi.key == item["key"]))
            before = snapshot(row) if row is not None else None
            if row is None:
                row = ScorecardKpi(key=item["key"])
                ctx.session.add(row)
            row.definition = {k: v for k, v in item.items() if k != "key"}
            row.batch_id, row.updated_at = ctx.batch.id, utcnow()
            ctx.session.flush()
            record(
                ctx.session,
                actor=actor_name(),
                action="import",
                entity_type="scorecard_kpi",
                entity_id=item["key"],
                before=before,
                after=snapshot(row),
                via="ingest",
            )
        return []
