"""Controls (``controls-yaml``) and attestations (``attestations-csv``, ``leadline risk attest``).

A controls file is one or more YAML documents ``{controls: [...]}``; each control is created or
updated by id with an audit entry, and controls missing from a file are left alone. CSF and
COBIT ids are checked against the libraries (an unknown id rejects that control, naming
``controls[i].csf``); catalog names are warned about, not rejected (the catalog may come later).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadline.audit import actor_name, record, snapshot
from leadline.ingest.files import decode_utf8, load_yaml_documents
from leadline.ingest.nulls import NullAsAbsent, null_reason
from leadline.ingest.problems import Parsed, Problem
from leadline.ingest.registry import Context, LandContext, Source, Template, Unit, register
from leadline.ingest.tabular import Column, CsvFormat
from leadline.risk.compliance import EVIDENCE_RULES
from leadline.risk.frameworks import COBIT, builtin, csf
from leadline.risk.models import Attestation, Control, Framework, FrameworkNode
from leadline.risk.rows import CatalogNames, RowCsvSource, row_problem, unknown_warnings


class ScopeSpec(NullAsAbsent):
    model_config = ConfigDict(extra="forbid")

    all: bool = False
    services: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)
    business_units: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _exactly_one(self) -> ScopeSpec:
        given = [self.all, bool(self.services), bool(self.teams), bool(self.business_units)]
        if sum(given) != 1:
            raise ValueError("give exactly one of all: true, services, teams, business_units")
        return self

    def kind_and_names(self) -> tuple[str, list[str]]:
        if self.all:
            return "all", []
        if self.services:
            return "service", self.services
        if self.teams:
            return "team", self.teams
        return "business-unit", self.business_units


class ControlSpec(NullAsAbsent):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    name: str
    description: str | None = None
    owner: str | None = None
    csf: list[str] = Field(default_factory=list)
    cobit: list[str] = Field(default_factory=list)
    policies: list[str] = Field(default_factory=list)
    scope: ScopeSpec
    evidence_rule: Literal["slo-defined", "owner-defined"] | None = None
    active: bool = True


TEMPLATE = f"""\
# Controls: leadline ingest controls-yaml FILE.yaml
# scope: exactly one of all: true | services: [...] | teams: [...] | business_units: [...]
# evidence_rule (optional): {", ".join(EVIDENCE_RULES)} - evidence leadline derives itself
controls:
  - id: AC-01
    name: Multi-factor authentication for production access
    owner: security
    csf: [PR.AA-03]
    cobit: [DSS05]
    policies: [northwind-policies:STD-AC-01]
    scope: {{all: true}}
  - id: AV-01
    name: Availability objective defined
    csf: [PR.IR-03]
    scope: {{business_units: [Retail]}}
    evidence_rule: slo-defined
"""


def _spec_problems(name: str, index: int, position: int, spec: ControlSpec) -> list[Problem]:
    where = f"controls[{position}]"
    out = []
    bad = csf().unknown([c.upper() for c in spec.csf], "subcategory")
    if bad:
        reason = f"unknown CSF 2.0 subcategory ids: {', '.join(bad)}"
        out.append(Problem(name, reason, index, f"{where}.csf", bad, item=spec.id))
    bad = builtin(COBIT).unknown([c.upper() for c in spec.cobit], "objective")
    if bad:
        reason = f"unknown COBIT 2019 objectives: {', '.join(bad)}"
        out.append(Problem(name, reason, index, f"{where}.cobit", bad, item=spec.id))
    return out


@register
class ControlsYaml(Source):
    name = "controls-yaml"
    summary = "Policy controls as YAML: id, name, CSF/COBIT mapping, scope, evidence_rule"

    def templates(self) -> list[Template]:
        return [Template("controls.yaml", TEMPLATE)]

    def parse(self, unit: Unit, ctx: Context) -> Parsed:
        (input_file,) = unit.files
        text = decode_utf8(input_file.name, input_file.data)
        records: list[ControlSpec] = []
        problems: list[Problem] = []
        read = 0
        for doc in load_yaml_documents(input_file.name, text):
            if isinstance(doc, Problem):
                read += 1  # a refused document is a rejected row read (issue 16 fuzz)
                problems.append(doc)
                continue
            items = doc.content.get("controls") if isinstance(doc.content, dict) else None
            if not isinstance(items, list):
                read += 1  # else its reject took one of the good controls off "accepted"
                problems.append(Problem(input_file.name, "needs a list 'controls'", doc.index))
                continue
            for position, item in enumerate(items):
                read += 1
                try:
                    spec = ControlSpec.model_validate(item)
                except ValidationError as error:
                    first = error.errors()[0]
                    loc = ".".join(str(p) for p in first["loc"])
                    field = f"controls[{position}]" + (f".{loc}" if loc else "")
                    problems.append(
                        Problem(
                            input_file.name,
                            null_reason(first, first["msg"]),
                            doc.index,
                            field,
                            item=str(position),
                        )
                    )
                    continue
                found = _spec_problems(input_file.name, doc.index, position, spec)
                problems += found
                if not found:
                    records.append(spec)
        return Parsed(rows_read=read, records=records, problems=problems)

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        names = CatalogNames.load(ctx.session)
        known = _policy_refs(ctx.session)
        problems = []
        for spec in parsed.records:
            save_control(ctx.session, spec, actor_name(), "ingest", ctx.batch.id)
            unknown_policies = [p for p in spec.policies if p not in known]
            if unknown_policies:
                problems.append(
                    Problem(
                        ctx.batch.file_name,
                        "not a node of an imported framework library (FRAMEWORK-ID:NODE-ID; "
                        "control kept)",
                        None,
                        "policies",
                        ", ".join(unknown_policies),
                        "warning",
                        item=spec.id,
                    )
                )
            kind, scope = spec.scope.kind_and_names()
            if kind != "all" and names.unknown(kind, scope):
                unknown = ", ".join(names.unknown(kind, scope))
                problems.append(
                    Problem(
                        ctx.batch.file_name,
                        f"{kind} {unknown} not in the catalog (control kept)",
                        None,
                        "scope",
                        unknown,
                        "warning",
                        item=spec.id,
                    )
                )
        return problems


def _policy_refs(session: Session) -> set[str]:
    """``framework:node`` for every node of the frameworks in the store."""
    query = select(Framework.key, FrameworkNode.node_id).join(
        FrameworkNode, FrameworkNode.framework_id == Framework.id
    )
    return {f"{key}:{node}" for key, node in session.execute(query)}


def save_control(
    session: Session, spec: ControlSpec, actor: str, via: str, batch_id: int | None
) -> None:
    control = session.scalar(select(Control).where(Control.key == spec.id))
    before = snapshot(control, exclude=("updated_at", "batch_id", "id")) if control else None
    if control is None:
        control = Control(key=spec.id)
        session.add(control)
    kind, scope = spec.scope.kind_and_names()
    control.name, control.description, control.owner = spec.name, spec.description, spec.owner
    control.csf = sorted({c.upper() for c in spec.csf})
    control.cobit = sorted({c.upper() for c in spec.cobit})
    control.policies, control.scope_kind, control.scope = spec.policies, kind, scope
    control.evidence_rule, control.active = spec.evidence_rule, spec.active
    after = snapshot(control, exclude=("updated_at", "batch_id", "id"))
    entry = record(
        session,
        actor=actor,
        action="update" if before else "create",
        entity_type="control",
        entity_id=spec.id,
        before=before,
        after=after,
        via=via,
    )
    if entry is not None:
        control.batch_id, control.updated_at = batch_id, dt.datetime.now(dt.UTC)
    session.flush()


ATTESTATIONS_CSV = CsvFormat(
    "attestations",
    "Control attestations, one (control, service) verdict per row "
    "(leadline ingest attestations-csv FILE).",
    (
        Column("control", description="Control id", example="AC-01"),
        Column("service", description="Catalog service"),
        Column("result", choices=("pass", "fail"), description="The verdict"),
        Column("attested_on", "date", description="When it was attested"),
        Column(
            "expires_on",
            "date",
            required=False,
            description="Last day it counts (default attested_on + [risk] attestation_valid_days)",
        ),
        Column("attested_by", description="Who attests"),
        Column("evidence", required=False, description="Link or reference to the evidence"),
        Column("notes", required=False, description="Anything else"),
    ),
)


def add_attestation(
    session: Session, values: dict[str, Any], valid_days: int, *, actor: str, via: str
) -> Attestation:
    """Insert or correct the attestation of (control, service, attested_on), audited."""
    expires = values.get("expires_on") or values["attested_on"] + dt.timedelta(days=valid_days)
    if expires < values["attested_on"]:
        raise ValueError("expires_on is before attested_on")
    row = session.scalar(
        select(Attestation).where(
            Attestation.control == values["control"],
            Attestation.service == values["service"],
            Attestation.attested_on == values["attested_on"],
        )
    )
    before = snapshot(row, exclude=("id", "created_at", "batch_id")) if row else None
    if row is None:
        row = Attestation(
            control=values["control"], service=values["service"], attested_on=values["attested_on"]
        )
        session.add(row)
    row.result, row.expires_on, row.attested_by = values["result"], expires, values["attested_by"]
    row.evidence, row.notes = values.get("evidence") or None, values.get("notes") or None
    row.batch_id = values.get("batch_id")
    after = snapshot(row, exclude=("id", "created_at", "batch_id"))
    record(
        session,
        actor=actor,
        action="update" if before else "create",
        entity_type="attestation",
        entity_id=f"{row.control}/{row.service}/{row.attested_on.isoformat()}",
        before=before,
        after=after,
        via=via,
    )
    session.flush()
    return row


@register
class AttestationsCsv(RowCsvSource):
    name = "attestations-csv"
    summary = "Control attestations as CSV: control, service, result, attested_on, expires_on"
    format = ATTESTATIONS_CSV
    load_bytes = False
    key_field = "attested_on"
    key_description = "control, service and attested_on"
    key_columns = ("control", "service", "attested_on")

    def row_key(self, row: dict[str, Any]) -> Any:
        return (row["control"], row["service"], row["attested_on"])

    def check(self, file: str, row: dict[str, Any], ctx: Context) -> list[Problem]:
        if row["expires_on"] is not None and row["expires_on"] < row["attested_on"]:
            reason = f"is before attested_on ({row['attested_on'].isoformat()})"
            return [row_problem(file, row, "expires_on", reason)]
        return []

    def land(self, parsed: Parsed, ctx: LandContext) -> list[Problem]:
        assert ctx.session is not None and ctx.batch is not None
        names = CatalogNames.load(ctx.session)
        controls = set(ctx.session.scalars(select(Control.key)))
        actor, problems = actor_name(), []
        for row in parsed.records:
            values = {**row, "batch_id": ctx.batch.id}
            add_attestation(
                ctx.session,
                values,
                ctx.settings.risk.attestation_valid_days,
                actor=actor,
                via="ingest",
            )
            file = ctx.batch.file_name
            problems += unknown_warnings(
                file, row, "service", "service", names.unknown("service", [row["service"]])
            )
            if row["control"] not in controls:
                reason = "is not a known control (kept; import the controls)"
                problems.append(row_problem(file, row, "control", reason, severity="warning"))
        return problems
